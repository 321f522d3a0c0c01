"""SQL-injection analysis of Python source, from the standard `ast`.

Every function (and the module body) is interpreted abstractly, statement by statement: each
variable holds a :class:`~buildrunner.security.sqli.taint.Val`; assignments, ``+=``, branches
(joined), loops (iterated to a fixpoint of two rounds), ``with`` and ``try`` update it; a branch
that raises or returns does not reach the code after it, so ``if col not in ALLOWED: raise``
proves ``col`` safe afterwards. Calls to functions defined in the same module are followed with
the caller's argument values (a helper that runs its argument through ``cursor.execute`` is a
sink; one that returns a formatted query passes that on). A finding is reported on the line of
the sink call, naming the line where the string was built.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from buildrunner.security.sqli.model import SqlAnalysis, SqlFinding
from buildrunner.security.sqli.names import (
    NUMERIC_TYPES,
    is_constant_name,
    is_db_name,
    is_sanitizer,
    is_source_name,
    names_sql_text,
)
from buildrunner.security.sqli.python_sinks import (
    BOOL_METHODS,
    COMPOSABLES,
    DB_FACTORIES,
    DJANGO_EXTRA_KEYWORDS,
    EXEC_METHODS,
    NON_SINKS,
    PANDAS_FUNCTIONS,
    PASSTHROUGH_CALLS,
    QUERY_KEYWORDS,
    SAFE_CALLS,
    STRING_METHODS,
    VALIDATING_FUNCTIONS,
    VALIDATING_METHODS,
    WRAPPERS,
    Sink,
)
from buildrunner.security.sqli.report import Reporter
from buildrunner.security.sqli.sqltext import looks_like_sql, looks_like_statement
from buildrunner.security.sqli.taint import (
    COMPOSED,
    DB,
    SAFE,
    UNSAFE,
    Built,
    Val,
    Wrapped,
    build,
    const,
    join,
)

Env = dict[str, Val]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
MAX_INLINE_DEPTH = 3
MAX_STEPS = 400_000
_PERCENT = re.compile(
    r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])"
)
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGn%b")
_REQUEST_ATTRS = frozenset(
    {"GET", "POST", "args", "form", "cookies", "json", "query_params", "path_params", "values",
     "data", "body", "headers", "files", "FILES", "COOKIES", "META", "query_string"}
)  # fmt: skip


def analyze_python(source: str, *, path: str = "<string>") -> SqlAnalysis:
    """Find SQL injection in Python `source`; a file that does not parse is skipped."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        reason = f"syntax error at line {exc.lineno}" if exc.lineno else f"syntax error: {exc.msg}"
        return SqlAnalysis(skipped=reason, language="python")
    except (ValueError, RecursionError, MemoryError) as exc:
        return SqlAnalysis(skipped=f"cannot parse: {type(exc).__name__}", language="python")
    lines = source.splitlines()
    reporter = Reporter(lines)
    try:
        _ModuleAnalysis(tree, reporter).run()
    except RecursionError:
        return SqlAnalysis(skipped="nesting too deep to analyse", language="python")
    return SqlAnalysis(findings=reporter.findings(), language="python")


@dataclass
class _Class:
    name: str
    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    attrs: dict[str, Val] = field(default_factory=dict)
    is_enum: bool = False


class _ModuleAnalysis:
    """Facts about one module and the driver that analyses each of its functions."""

    def __init__(self, tree: ast.Module, reporter: Reporter) -> None:
        self.tree = tree
        self.reporter = reporter
        self.imports: dict[str, str] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, _Class] = {}
        self.called: set[str] = set()
        self.env: Env = {}
        self.steps = 0
        self.uses_sqlalchemy = False

    def run(self) -> None:
        self._collect()
        module = _Scope(self, None, self.tree, is_method=False, class_info=None)
        self.env = module.run_standalone(self.tree.body)
        for fn, cls in self._all_functions():
            _Scope(self, fn, self.tree, is_method=cls is not None, class_info=cls).run_function()

    def _collect(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, node)
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = self._collect_class(node)
            elif isinstance(node, ast.Call):
                name = _call_name(node.func)
                if name:
                    self.called.add(name)
        self.uses_sqlalchemy = any(v.startswith("sqlalchemy") for v in self.imports.values())

    def _collect_class(self, node: ast.ClassDef) -> _Class:
        info = _Class(node.name, node)
        info.is_enum = any(
            (_dotted(b) or "").rsplit(".", 1)[-1] in {"Enum", "IntEnum", "StrEnum", "Flag"}
            for b in node.bases
        )
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                info.methods[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = SAFE if info.is_enum else _literal_val(stmt.value)
                for target in targets:
                    if isinstance(target, ast.Name):
                        info.attrs[target.id] = value
        for method in info.methods.values():
            for sub in ast.walk(method):
                if isinstance(sub, ast.Assign):
                    for target in sub.targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            old = info.attrs.get(target.attr)
                            new = _literal_val(sub.value)
                            info.attrs[target.attr] = new if old is None else join([old, new])
        return info

    def _all_functions(self) -> Iterator[tuple[FunctionNode, _Class | None]]:
        owners: dict[int, _Class] = {}
        for info in self.classes.values():
            for method in info.methods.values():
                owners[id(method)] = info
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node, owners.get(id(node))

    def class_of_self(self, fn: FunctionNode | None) -> _Class | None:
        if fn is None:
            return None
        for info in self.classes.values():
            if any(m is fn for m in info.methods.values()):
                return info
        return None


def _literal_val(node: ast.expr) -> Val:
    """The value of a class-level or ``self.x =`` expression, judged without context."""
    if isinstance(node, ast.Constant):
        return const(node.value) if isinstance(node.value, str) else SAFE
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return join([_literal_val(e) for e in node.elts]) if node.elts else SAFE
    if isinstance(node, ast.Dict):
        return join([_literal_val(v) for v in node.values]) if node.values else SAFE
    if isinstance(node, ast.Name) and is_constant_name(node.id):
        return SAFE
    if isinstance(node, ast.Attribute) and is_constant_name(node.attr):
        return SAFE
    if isinstance(node, ast.Call):
        name = _call_name(node.func) or ""
        if name in DB_FACTORIES:
            return DB
        if name in SAFE_CALLS:
            return SAFE
    return UNSAFE


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_terminal(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break)


class _Scope:
    """Abstract interpretation of one function body (or the module body)."""

    def __init__(
        self,
        module: _ModuleAnalysis,
        fn: FunctionNode | None,
        tree: ast.AST,
        *,
        is_method: bool,
        class_info: _Class | None,
        inline: tuple[ast.Call, ...] = (),
        callee_range: tuple[int, int] | None = None,
        callees: tuple[FunctionNode, ...] = (),
    ) -> None:
        self.callees = callees
        self.m = module
        self.fn = fn
        self.is_method = is_method
        self.cls = class_info
        self.inline = inline
        self.callee_range = callee_range
        self.returns: list[Val] = []
        self.pending: dict[tuple[int, int], Wrapped] = {}
        self.consumed: set[tuple[int, int]] = set()
        self.scope_id = id(fn) if fn is not None else id(tree)

    # ------------------------------------------------------------------ entry points

    def run_standalone(self, body: Sequence[ast.stmt]) -> Env:
        env: Env = {}
        out = self.block(body, env)
        self._flush_pending()
        return out if out is not None else env

    def run_function(self) -> None:
        fn = self.fn
        assert fn is not None
        env = self._standalone_params(fn)
        if isinstance(fn, ast.Lambda):
            self.ev(fn.body, env)
        else:
            self.block(fn.body, env)
        self._flush_pending()
        self._report_returns(fn)

    def inline_call(self, fn: FunctionNode, env: Env) -> Val:
        if isinstance(fn, ast.Lambda):
            return self.ev(fn.body, env)
        self.block(fn.body, env)
        return join(self.returns) if self.returns else SAFE

    # ------------------------------------------------------------------ parameters

    def _standalone_params(self, fn: FunctionNode) -> Env:
        env: Env = {}
        params = _params(fn.args)
        for index, arg in enumerate(params):
            if index == 0 and self.is_method and not _is_staticmethod(fn):
                env[arg.arg] = SAFE
                continue
            env[arg.arg] = self._param_val(arg)
        if fn.args.vararg:
            env[fn.args.vararg.arg] = UNSAFE.named(fn.args.vararg.arg)
        if fn.args.kwarg:
            env[fn.args.kwarg.arg] = UNSAFE.named(fn.args.kwarg.arg)
        return env

    def _param_val(self, arg: ast.arg) -> Val:
        if arg.annotation is not None and self._is_safe_type(arg.annotation):
            return Val(enum=True)
        if is_source_name(arg.arg):
            return UNSAFE.named(arg.arg)
        if is_db_name(arg.arg):
            return DB
        return UNSAFE.named(arg.arg)

    def _is_safe_type(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                return self._is_safe_type(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._is_safe_type(node.left) and self._is_safe_type(node.right)
        if isinstance(node, ast.Constant) and node.value is None:
            return True
        if isinstance(node, ast.Subscript):
            head = (_dotted(node.value) or "").rsplit(".", 1)[-1]
            if head == "Literal":
                return True
            if head in {"Optional", "list", "List", "Sequence", "tuple", "Tuple", "set", "Set",
                        "frozenset", "Iterable", "Annotated", "Union"}:  # fmt: skip
                inner = node.slice
                elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
                if head == "Annotated":
                    elts = elts[:1]
                return all(
                    self._is_safe_type(e) for e in elts if not isinstance(e, ast.Constant)
                ) and any(not isinstance(e, ast.Constant) for e in elts)
            return False
        name = (_dotted(node) or "").rsplit(".", 1)[-1]
        if name in NUMERIC_TYPES:
            return True
        info = self.m.classes.get(name)
        return info is not None and info.is_enum

    # ------------------------------------------------------------------ statements

    def block(self, body: Sequence[ast.stmt], env: Env) -> Env | None:
        """Run `body`; returns the environment after it, or None if it always leaves."""
        current: Env | None = env
        for stmt in body:
            if current is None:
                return None
            current = self.stmt(stmt, current)
        return current

    def stmt(self, node: ast.stmt, env: Env) -> Env | None:  # noqa: C901 - one dispatch table
        self.m.steps += 1
        if isinstance(node, ast.Assign):
            value = self.ev(node.value, env)
            for target in node.targets:
                self.assign(target, value, node.value, env)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                value = self.ev(node.value, env)
                if self._is_safe_type(node.annotation) and value.unsafe and not value.built:
                    value = SAFE
                self.assign(node.target, value, node.value, env)
        elif isinstance(node, ast.AugAssign):
            self._aug_assign(node, env)
        elif isinstance(node, ast.Expr):
            self.ev(node.value, env)
        elif isinstance(node, ast.Return):
            self.returns.append(self.ev(node.value, env) if node.value else SAFE)
            return None
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.ev(node.exc, env)
            return None
        elif isinstance(node, ast.Continue | ast.Break):
            return None
        elif isinstance(node, ast.If):
            return self._if(node, env)
        elif isinstance(node, ast.For | ast.AsyncFor):
            return self._for(node, env)
        elif isinstance(node, ast.While):
            return self._while(node, env)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.ev(item.context_expr, env)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value, item.context_expr, env)
            return self.block(node.body, env)
        elif isinstance(node, ast.Try | ast.TryStar):
            return self._try(node, env)
        elif isinstance(node, ast.Match):
            return self._match(node, env)
        elif isinstance(node, ast.Assert):
            for name in self.refine(node.test, True):
                env[name] = SAFE
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            env[node.name] = SAFE
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    env.pop(target.id, None)
        return env

    def _aug_assign(self, node: ast.AugAssign, env: Env) -> None:
        current = self.ev(_load(node.target), env)
        value = self.ev(node.value, env)
        if isinstance(node.op, ast.Add):
            result = self._add(current, value, node.lineno, "+=")
        elif isinstance(node.op, ast.Mod):
            result = self._percent(current, node.value, value, node.lineno, env)
        elif isinstance(node.op, ast.Mult):
            result = join([current, value]) if current.text else SAFE
        else:
            result = SAFE
        self.assign(node.target, result, node.value, env)

    def _if(self, node: ast.If, env: Env) -> Env | None:
        self.ev(node.test, env)
        then_env = dict(env)
        for name in self.refine(node.test, True):
            then_env[name] = SAFE
        else_env = dict(env)
        for name in self.refine(node.test, False):
            else_env[name] = SAFE
        after_then = self.block(node.body, then_env)
        after_else = self.block(node.orelse, else_env)
        return _merge(after_then, after_else)

    def _for(self, node: ast.For | ast.AsyncFor, env: Env) -> Env | None:
        iterable = self.ev(node.iter, env)
        element = iterable.plain() if not iterable.db else SAFE
        state = dict(env)
        for _ in range(2):
            body_env = dict(state)
            self.assign(node.target, element, None, body_env)
            after = self.block(node.body, body_env)
            merged = _merge(state, after)
            state = merged if merged is not None else state
        state = _merge(state, self._loop_exits(node.body, state)) or state
        out = self.block(node.orelse, dict(state))
        return _merge(out, state) if out is not None else state

    def _while(self, node: ast.While, env: Env) -> Env | None:
        state = dict(env)
        for _ in range(2):
            self.ev(node.test, state)
            after = self.block(node.body, dict(state))
            state = _merge(state, after) or state
        state = _merge(state, self._loop_exits(node.body, state)) or state
        self.block(node.orelse, dict(state))
        return state

    def _loop_exits(self, body: Sequence[ast.stmt], env: Env) -> Env | None:
        """Values at a `continue`/`break` inside the body (approximated by the body's env)."""
        return None if not any(isinstance(s, ast.Break | ast.Continue) for s in body) else env

    def _try(self, node: ast.Try | ast.TryStar, env: Env) -> Env | None:
        before = dict(env)
        after_body = self.block(node.body, env)
        handler_start = _merge(before, after_body) or before
        outs: list[Env | None] = []
        if after_body is not None:
            outs.append(self.block(node.orelse, after_body))
        for handler in node.handlers:
            henv = dict(handler_start)
            if handler.name:
                henv[handler.name] = SAFE
            outs.append(self.block(handler.body, henv))
        result: Env | None = None
        for out in outs:
            result = _merge(result, out)
        if node.finalbody:
            base = result if result is not None else dict(handler_start)
            final = self.block(node.finalbody, base)
            return final if result is not None else None
        return result

    def _match(self, node: ast.Match, env: Env) -> Env | None:
        subject = self.ev(node.subject, env)
        result: Env | None = None
        exhaustive = False
        for case in node.cases:
            cenv = dict(env)
            for sub in ast.walk(case.pattern):
                if isinstance(sub, ast.MatchAs | ast.MatchStar) and sub.name:
                    cenv[sub.name] = subject.plain()
            if isinstance(case.pattern, ast.MatchValue | ast.MatchSingleton) and isinstance(
                node.subject, ast.Name
            ):
                cenv[node.subject.id] = SAFE
            if isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None:
                exhaustive = case.guard is None
            result = _merge(result, self.block(case.body, cenv))
        return result if exhaustive else _merge(result, env)

    def assign(self, target: ast.expr, value: Val, source: ast.expr | None, env: Env) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(source, ast.Tuple | ast.List) and len(source.elts) == len(target.elts):
                for sub_target, sub_source in zip(target.elts, source.elts, strict=True):
                    self.assign(sub_target, self.ev(sub_source, env), sub_source, env)
            else:
                for sub_target in target.elts:
                    self.assign(sub_target, value.plain() if not value.db else value, None, env)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, None, env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # d["k"] = v: the container now may hold v
            name = target.value.id
            env[name] = join([env.get(name, SAFE), value]) if value.unsafe else env.get(name, SAFE)
        elif isinstance(target, ast.Attribute):
            key = _dotted(target)
            if key:
                env[key] = value

    # ------------------------------------------------------------------ refinement

    def refine(self, test: ast.expr, truth: bool) -> set[str]:
        """Names proven free of SQL syntax when `test` evaluates to `truth`."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.refine(test.operand, not truth)
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.And) == truth:
                found: set[str] = set()
                for value in test.values:
                    found |= self.refine(value, truth)
                return found
            return set()
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._refine_compare(test, truth)
        if isinstance(test, ast.Call) and truth:
            return self._refine_call(test)
        return set()

    def _refine_compare(self, test: ast.Compare, truth: bool) -> set[str]:
        op, right = test.ops[0], test.comparators[0]
        target = _dotted(test.left)
        if target is None:
            return set()
        proves = (isinstance(op, ast.In | ast.Eq | ast.Is) and truth) or (
            isinstance(op, ast.NotIn | ast.NotEq | ast.IsNot) and not truth
        )
        if not proves:
            return set()
        if isinstance(op, ast.Is | ast.IsNot):
            return set()
        if not self.ev(right, {}).unsafe or self._is_constant_expr(right):
            return {target}
        return set()

    def _is_constant_expr(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return all(self._is_constant_expr(e) for e in node.elts)
        if isinstance(node, ast.Name):
            value = self.m.env.get(node.id)
            return is_constant_name(node.id) or (value is not None and not value.unsafe)
        if isinstance(node, ast.Attribute):
            return is_constant_name(node.attr) or self._is_constant_expr(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in {"keys", "values"} and self._is_constant_expr(
                node.func.value
            )
        return False

    def _refine_call(self, test: ast.Call) -> set[str]:
        func = test.func
        if isinstance(func, ast.Attribute) and func.attr in VALIDATING_METHODS:
            target = _dotted(func.value)
            return {target} if target else set()
        name = _call_name(func)
        if name == "isinstance" and len(test.args) == 2:
            target = _dotted(test.args[0])
            kinds = test.args[1]
            elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
            if target and all((_dotted(k) or "") in NUMERIC_TYPES for k in elts):
                return {target}
        if name in VALIDATING_FUNCTIONS and test.args:
            subject = test.args[-1] if isinstance(func, ast.Attribute) else test.args[1:2]
            node = subject if isinstance(subject, ast.expr) else (subject[0] if subject else None)
            target = _dotted(node) if node is not None else None
            return {target} if target else set()
        return set()

    # ------------------------------------------------------------------ expressions

    def ev(self, node: ast.expr | None, env: Env) -> Val:  # noqa: C901 - one dispatch table
        if node is None:
            return SAFE
        self.m.steps += 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return const(node.value)
            if isinstance(node.value, bytes):
                return const(node.value.decode("latin-1"))
            return SAFE
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env)
        if isinstance(node, ast.FormattedValue):
            return self.ev(node.value, env)
        if isinstance(node, ast.Name):
            return self._name(node.id, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, env)
        if isinstance(node, ast.Subscript):
            base = self.ev(node.value, env)
            self.ev(node.slice, env)
            if base.enum:
                return Val(enum=True)
            return base.plain() if not base.db else SAFE
        if isinstance(node, ast.BinOp):
            return self._binop(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.IfExp):
            self.ev(node.test, env)
            body_env = dict(env)
            for name in self.refine(node.test, True):
                body_env[name] = SAFE
            else_env = dict(env)
            for name in self.refine(node.test, False):
                else_env[name] = SAFE
            return join([self.ev(node.body, body_env), self.ev(node.orelse, else_env)])
        if isinstance(node, ast.BoolOp):
            values = [self.ev(v, env) for v in node.values]
            return join(values[1:]) if isinstance(node.op, ast.And) else join(values)
        if isinstance(node, ast.Compare | ast.UnaryOp):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.ev(child, env)
            return SAFE
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return join([self.ev(e, env) for e in node.elts]) if node.elts else SAFE
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    self.ev(key, env)
            return join([self.ev(v, env) for v in node.values]) if node.values else SAFE
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            inner = self._comprehension(node.generators, env)
            return self.ev(node.elt, inner)
        if isinstance(node, ast.DictComp):
            inner = self._comprehension(node.generators, env)
            return join([self.ev(node.key, inner), self.ev(node.value, inner)])
        if isinstance(node, ast.Await):
            return self.ev(node.value, env)
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, env)
            env[node.target.id] = value
            return value
        if isinstance(node, ast.Starred):
            return self.ev(node.value, env)
        if isinstance(node, ast.Lambda | ast.Slice):
            return SAFE
        return UNSAFE

    def _name(self, name: str, env: Env) -> Val:
        if name in env:
            return env[name]
        if name in self.m.env:
            return self.m.env[name]
        if is_constant_name(name):
            return SAFE
        if is_source_name(name):
            return UNSAFE.named(name)
        info = self.m.classes.get(name)
        if info is not None and info.is_enum:
            return Val(enum=True)
        return SAFE

    def _attribute(self, node: ast.Attribute, env: Env) -> Val:
        dotted = _dotted(node)
        if dotted and dotted in env:
            return env[dotted]
        attr = node.attr
        if attr in _REQUEST_ATTRS and _is_request(node.value):
            return UNSAFE.named(dotted or attr)
        if is_constant_name(attr) or attr in {"_meta", "__tablename__", "db_table"}:
            return SAFE
        if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
            info = self.cls or self.m.class_of_self(self.fn)
            if info is not None and attr in info.attrs:
                return info.attrs[attr]
            return UNSAFE.named(dotted or attr) if is_source_name(attr) else SAFE
        if isinstance(node.value, ast.Name):
            info = self.m.classes.get(node.value.id)
            if info is not None and node.value.id not in env:
                if info.is_enum:
                    return Val(enum=True)
                if attr in info.attrs:
                    return info.attrs[attr]
        base = self.ev(node.value, env)
        if base.enum:
            return Val(enum=True)
        if is_source_name(attr) or attr in _REQUEST_ATTRS:
            return UNSAFE.named(dotted or attr)
        if base.db:
            return SAFE
        return base.plain()

    def _fstring(self, node: ast.JoinedStr, env: Env) -> Val:
        parts: list[Val] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(const(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner = self.ev(value.value, env)
                spec = _const_text(value.format_spec)
                if spec and spec[-1] in _NUMERIC_CONVERSIONS and value.conversion == -1:
                    inner = SAFE
                parts.append(inner.named(_dotted(value.value) or "") if inner.unsafe else inner)
        return build(parts, node.lineno, "an f-string")

    def _binop(self, node: ast.BinOp, env: Env) -> Val:
        left = self.ev(node.left, env)
        if isinstance(node.op, ast.Mod):
            right = self.ev(node.right, env)
            if left.text or isinstance(node.left, ast.JoinedStr):
                return self._percent(left, node.right, right, node.lineno, env)
            return SAFE if not (left.unsafe and right.unsafe) else left.plain()
        right = self.ev(node.right, env)
        if isinstance(node.op, ast.Add):
            line = node.right.lineno if right.unsafe and not left.unsafe else node.lineno
            return self._add(left, right, line, "+", node)
        if isinstance(node.op, ast.Mult):
            if left.text or _is_str_const(node.left) or isinstance(node.left, ast.List):
                return left if not left.unsafe else left.plain()
            if right.text or _is_str_const(node.right) or isinstance(node.right, ast.List):
                return right if not right.unsafe else right.plain()
            return SAFE if not (left.unsafe and right.unsafe) else left.plain()
        return SAFE

    def _add(
        self, left: Val, right: Val, line: int, how: str, node: ast.BinOp | None = None
    ) -> Val:
        if left.composed or right.composed:
            return COMPOSED if not (left.unsafe or right.unsafe) else join([left, right])
        is_text = bool(left.text or right.text)
        if node is not None:
            is_text = is_text or _is_str_const(node.left) or _is_str_const(node.right)
            if _is_number(node.left) or _is_number(node.right):
                return SAFE
            if isinstance(node.left, ast.List | ast.Tuple) or isinstance(
                node.right, ast.List | ast.Tuple
            ):
                return join([left, right])
        if is_text or left.built or right.built:
            return build([left, right], line, how)
        return join([left.plain(), right.plain()]) if (left.unsafe or right.unsafe) else SAFE

    def _percent(
        self, left: Val, right_node: ast.expr, right: Val, line: int, env: Env
    ) -> Val:
        """``"... %s" % values`` with numeric conversions (``%d``) counted as safe."""
        conversions = [m for m in _PERCENT.finditer(left.text) if m.group(2) != "%"]
        parts: list[Val] = [left]
        if isinstance(right_node, ast.Tuple) and conversions and not left.unsafe:
            for index, elt in enumerate(right_node.elts):
                value = self.ev(elt, env)
                if index < len(conversions) and conversions[index].group(2) in "dioufFeEgGxX":
                    value = SAFE
                parts.append(value.named(_dotted(elt) or "") if value.unsafe else value)
        elif isinstance(right_node, ast.Dict) and conversions:
            kinds = {m.group(1): m.group(2) for m in conversions if m.group(1)}
            for key, value_node in zip(right_node.keys, right_node.values, strict=True):
                value = self.ev(value_node, env)
                key_text = key.value if isinstance(key, ast.Constant) else None
                if isinstance(key_text, str) and kinds.get(key_text, "s") in "dioufFeEgGxX":
                    value = SAFE
                parts.append(value.named(_dotted(value_node) or "") if value.unsafe else value)
        else:
            single = conversions[0].group(2) if len(conversions) == 1 else "s"
            value = SAFE if single in "dioufFeEgGxX" else right
            parts.append(value.named(_dotted(right_node) or "") if value.unsafe else value)
        result = build(parts, line, "% formatting")
        return result if parts[1:] else left

    def _comprehension(self, generators: list[ast.comprehension], env: Env) -> Env:
        inner = dict(env)
        for gen in generators:
            iterable = self.ev(gen.iter, inner)
            element = iterable.plain() if not iterable.db else SAFE
            if iterable.enum:
                element = Val(enum=True)
            self.assign(gen.target, element, None, inner)
            for cond in gen.ifs:
                for name in self.refine(cond, True):
                    inner[name] = SAFE
        return inner

    # ------------------------------------------------------------------ calls

    def _call(self, node: ast.Call, env: Env) -> Val:  # noqa: C901 - one dispatch table
        func = node.func
        args = [self.ev(a, env) for a in node.args]
        kwargs = {kw.arg: self.ev(kw.value, env) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg is None:
                self.ev(kw.value, env)
        name = _call_name(func) or ""
        qualified = self._qualified(func)
        if isinstance(func, ast.Attribute):
            receiver = self.ev(func.value, env)
            special = self._method(node, func, receiver, args, kwargs, env)
            if special is not None:
                return special
        else:
            receiver = SAFE
            special = self._function(node, name, qualified, args, kwargs, env)
            if special is not None:
                return special
        if name in DB_FACTORIES:
            return DB
        if name in SAFE_CALLS or is_sanitizer(name) or qualified.startswith(("math.", "uuid.")):
            return SAFE
        if qualified in {"os.getenv", "input", "os.environ.get", "sys.stdin.read"}:
            return UNSAFE.named(qualified)
        if name in PASSTHROUGH_CALLS:
            return join([a.plain() if not a.built else a for a in args]) if args else SAFE
        values = [*args, *kwargs.values()]
        self._unknown_sink(node, name, values)
        if name in BOOL_METHODS:
            return SAFE
        unsafe = receiver.unsafe or any(v.unsafe for v in values)
        if receiver.db and not unsafe:
            return SAFE
        return UNSAFE if unsafe else SAFE

    def _qualified(self, func: ast.expr) -> str:
        dotted = _dotted(func) or ""
        head, _, rest = dotted.partition(".")
        origin = self.m.imports.get(head)
        if origin is None:
            return dotted
        return f"{origin}.{rest}" if rest else origin

    def _function(
        self,
        node: ast.Call,
        name: str,
        qualified: str,
        args: list[Val],
        kwargs: dict[str | None, Val],
        env: Env,
    ) -> Val | None:
        wrapper = self._wrapper_rule(name, qualified)
        if wrapper is not None:
            return self._wrap(node, wrapper, name, _query_arg(args, kwargs))
        if name in PANDAS_FUNCTIONS or qualified.startswith("pandas.read_sql"):
            self._check_sink(node, Sink("py-sqli-pandas", True), name, _query_arg(args, kwargs))
            return UNSAFE
        if qualified.startswith(("psycopg.sql.", "psycopg2.sql.")) and name in COMPOSABLES:
            return COMPOSED
        fn = self.m.functions.get(name)
        if fn is not None and not isinstance(fn, ast.Lambda):
            return self._inline(node, fn, args, kwargs, is_method=False)
        info = self.m.classes.get(name)
        if info is not None and info.is_enum:
            return Val(enum=True)
        return None

    def _method(
        self,
        node: ast.Call,
        func: ast.Attribute,
        receiver: Val,
        args: list[Val],
        kwargs: dict[str | None, Val],
        env: Env,
    ) -> Val | None:
        name = func.attr
        qualified = self._qualified(func)
        receiver_name = _dotted(func.value) or ""
        wrapper = self._wrapper_rule(name, qualified, receiver_name)
        if wrapper is not None:
            return self._wrap(node, wrapper, f"{receiver_name}.{name}", _query_arg(args, kwargs))
        if qualified.startswith(("psycopg.sql.", "psycopg2.sql.")) and name in COMPOSABLES:
            return COMPOSED
        if name in PANDAS_FUNCTIONS:
            sink = Sink("py-sqli-pandas", True)
            self._check_sink(node, sink, f"{receiver_name}.{name}", _query_arg(args, kwargs))
            return UNSAFE
        if name == "extra" and any(k in kwargs for k in DJANGO_EXTRA_KEYWORDS):
            for key in DJANGO_EXTRA_KEYWORDS:
                if key in kwargs:
                    sink = Sink("py-sqli-django", True)
                    self._check_sink(node, sink, f"{name}({key}=...)", kwargs[key])
            return SAFE
        sink = EXEC_METHODS.get(name)
        if sink is not None:
            dbish = receiver.db or is_db_name(receiver_name)
            if name == "raw":
                dbish = "objects" in receiver_name or receiver_name[:1].isupper()
            query = _query_arg(args, kwargs)
            self._check_sink(node, sink, f"{receiver_name or '...'}.{name}", query, dbish=dbish)
            if name in {"cursor", "execute"} and receiver.db:
                return DB
            return SAFE if receiver.db else (UNSAFE if receiver.unsafe else SAFE)
        if receiver.composed:
            if name in {"format", "join"}:
                return COMPOSED
            if name == "as_string":
                return SAFE
        if name == "bindparams" and receiver.wrapped is not None:
            return receiver
        if name in {"append", "add", "extend", "insert", "appendleft"}:
            target = _dotted(func.value)
            if target is not None and args:
                value = args[-1]
                env[target] = join([env.get(target, receiver), value])
            return SAFE
        if name == "update" and isinstance(func.value, ast.Name) and args:
            env[func.value.id] = join([receiver, *args])
            return SAFE
        if name == "get" and args and not _is_str_const(func.value):
            default = args[1] if len(args) > 1 else SAFE
            if receiver.enum or not receiver.unsafe:
                return SAFE if not default.unsafe else default
            return receiver.plain()
        if receiver.text or _is_str_const(func.value):
            return self._string_method(node, func, receiver, args, kwargs)
        if isinstance(func.value, ast.Name) and func.value.id in {"self", "cls"}:
            info = self.cls or self.m.class_of_self(self.fn)
            method = info.methods.get(name) if info is not None else None
            if method is not None:
                return self._inline(node, method, args, kwargs, is_method=True)
        if name in STRING_METHODS:
            return receiver.plain() if not receiver.built else receiver
        if name in {"value", "name"} and receiver.enum:
            return SAFE
        return None

    def _string_method(
        self,
        node: ast.Call,
        func: ast.Attribute,
        receiver: Val,
        args: list[Val],
        kwargs: dict[str | None, Val],
    ) -> Val | None:
        name = func.attr
        line = node.lineno
        if name == "format":
            return self._format(node, receiver, args, kwargs)
        if name == "join" and args:
            return build([receiver, args[0], receiver], line, ".join()") if args[0].unsafe else (
                Val(text=receiver.text + " " + args[0].text)
            )
        if name == "replace" and len(args) >= 2:
            return build([receiver, args[1]], line, ".replace()")
        if name in STRING_METHODS:
            return receiver
        if name in BOOL_METHODS:
            return SAFE
        return None

    def _format(
        self, node: ast.Call, receiver: Val, args: list[Val], kwargs: dict[str | None, Val]
    ) -> Val:
        """``"...{}...".format(...)``; fields with a numeric spec (``{:d}``) are safe."""
        numeric_positions: set[int] = set()
        numeric_names: set[str] = set()
        auto = 0
        try:
            fields = list(string.Formatter().parse(receiver.text))
        except ValueError:
            fields = []
        for _literal, field_name, spec, conversion in fields:
            if field_name is None:
                continue
            head = field_name.split(".")[0].split("[")[0]
            is_numeric = bool(spec) and spec[-1] in _NUMERIC_CONVERSIONS and not conversion
            if head == "":
                if is_numeric:
                    numeric_positions.add(auto)
                auto += 1
            elif head.isdigit():
                if is_numeric:
                    numeric_positions.add(int(head))
            elif is_numeric:
                numeric_names.add(head)
        parts = [receiver]
        for index, (arg_node, value) in enumerate(zip(node.args, args, strict=False)):
            if index in numeric_positions:
                value = SAFE
            parts.append(value.named(_dotted(arg_node) or "") if value.unsafe else value)
        for kw in node.keywords:
            value = kwargs.get(kw.arg, SAFE) if kw.arg else self.ev(kw.value, {})
            if kw.arg in numeric_names:
                value = SAFE
            parts.append(value.named(kw.arg or "") if value.unsafe else value)
        return build(parts, node.lineno, ".format()")

    def _wrapper_rule(self, name: str, qualified: str, receiver: str = "") -> str | None:
        rule = WRAPPERS.get(name)
        if rule is None:
            return None
        if name == "SQL":
            if qualified.startswith(("psycopg.sql.", "psycopg2.sql.")) or receiver == "sql":
                return rule
            return None
        if name == "text":
            if qualified.startswith("sqlalchemy") or receiver in {"sa", "sqlalchemy", "db"}:
                return rule
            if not receiver and self.m.uses_sqlalchemy:
                return rule
            return None
        return rule

    def _wrap(self, node: ast.Call, rule_id: str, sink: str, query: Val) -> Val:
        """A SQL constructor: remember untrusted text wrapped into a SQL object."""
        if query.wrapped is not None:
            return query
        if query.unsafe and query.built is None and not names_sql_text(query.names):
            # literal_column() takes a raw SQL fragment: any untrusted value is injected
            query = Val(unsafe=True, built=Built(node.lineno, "a raw fragment", query.names))
        if not query.is_injection:
            return COMPOSED if rule_id == "py-sqli-psycopg-sql" else SAFE
        assert query.built is not None
        scope = self.scope_id
        if self.inline:
            if self._built_inside_callee(query.built):
                scope = -1
            else:
                self._report(node, rule_id, sink, query.built, "high")
                return UNSAFE
        wrapped = Wrapped(_sink_line(node), node.col_offset, rule_id, sink, query.built, scope)
        if not self.inline:
            self.pending[(wrapped.line, wrapped.column)] = wrapped
        return Val(unsafe=True, built=query.built, wrapped=wrapped, text=query.text)

    def _check_sink(
        self, node: ast.Call, sink: Sink, sink_name: str, query: Val, *, dbish: bool = False
    ) -> None:
        wrapped = query.wrapped
        if wrapped is not None:
            if wrapped.scope == self.scope_id and not self.inline:
                self.consumed.add((wrapped.line, wrapped.column))
                self._report(node, wrapped.rule_id, sink_name, wrapped.built, "high")
            return
        if query.composed or not query.is_injection:
            return
        if not (sink.strong or dbish or looks_like_sql(query.text)):
            return
        assert query.built is not None
        self._report(node, sink.rule_id, sink_name, query.built, "high")

    def _unknown_sink(self, node: ast.Call, name: str, values: list[Val]) -> None:
        if name in NON_SINKS or name[:1].isupper() or name in self.m.functions:
            return
        for value in values:
            if value.wrapped is not None or not value.is_injection:
                continue
            if looks_like_statement(value.text):
                assert value.built is not None
                self._report(node, "py-sqli-formatted", f"{name}()", value.built, "medium")
                return

    def _inline(
        self,
        node: ast.Call,
        fn: FunctionNode,
        args: list[Val],
        kwargs: dict[str | None, Val],
        *,
        is_method: bool,
    ) -> Val:
        """Follow a call into a function of this module with the caller's values."""
        depth = len(self.inline)
        if depth >= MAX_INLINE_DEPTH or self.m.steps > MAX_STEPS or fn is self.fn:
            return join([a.plain() for a in [*args, *kwargs.values()]]) if args else SAFE
        if any(fn is c for c in self.callees):
            return join([a.plain() for a in [*args, *kwargs.values()]]) if args else SAFE
        env: Env = {}
        params = _params(fn.args)
        if is_method and params and not _is_staticmethod(fn):
            env[params[0].arg] = SAFE
            params = params[1:]
        defaults = _defaults(fn.args)
        for index, param in enumerate(params):
            if index < len(args):
                env[param.arg] = args[index]
            elif param.arg in kwargs:
                env[param.arg] = kwargs[param.arg]
            elif param.arg in defaults:
                env[param.arg] = self.ev(defaults[param.arg], {})
            else:
                env[param.arg] = SAFE
        if fn.args.vararg:
            env[fn.args.vararg.arg] = join(args[len(params) :])
        if fn.args.kwarg:
            env[fn.args.kwarg.arg] = join(list(kwargs.values()))
        outer = self.inline or (node,)
        end = getattr(fn, "end_lineno", None) or fn.lineno
        callee_range = self.callee_range or (fn.lineno, end)
        scope = _Scope(
            self.m,
            fn,
            self.m.tree,
            is_method=is_method,
            class_info=self.m.class_of_self(fn),
            inline=(*outer[:1], node) if self.inline else (node,),
            callee_range=callee_range,
            callees=(*self.callees, fn),
        )
        return scope.inline_call(fn, env)

    # ------------------------------------------------------------------ reporting

    def _built_inside_callee(self, built: Built) -> bool:
        if self.callee_range is None:
            return False
        return self.callee_range[0] <= built.line <= self.callee_range[1]

    def _report(
        self, node: ast.Call | ast.Return, rule_id: str, sink: str, built: Built, confidence: str
    ) -> None:
        if self.inline:
            if self._built_inside_callee(built):
                return
            node = self.inline[0]
            sink = f"{_call_name(node.func) if isinstance(node, ast.Call) else '?'}() -> {sink}"
        self.m.reporter.add(
            rule_id=rule_id,
            line=_sink_line(node),
            column=node.col_offset,
            end_line=getattr(node, "end_lineno", None) or node.lineno,
            end_column=getattr(node, "end_col_offset", None) or node.col_offset,
            sink=sink,
            built=built,
            confidence="high" if confidence == "high" else "medium",
        )

    def _flush_pending(self) -> None:
        for key, wrapped in self.pending.items():
            if key in self.consumed:
                continue
            self.m.reporter.add(
                rule_id=wrapped.rule_id,
                line=wrapped.line,
                column=wrapped.column,
                end_line=wrapped.line,
                end_column=wrapped.column,
                sink=wrapped.sink,
                built=wrapped.built,
                confidence="high",
            )

    def _report_returns(self, fn: FunctionNode) -> None:
        if isinstance(fn, ast.Lambda) or fn.name in self.m.called:
            return
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Return) and sub.value is not None:
                pass
        for value, ret in zip(self.returns, _returns(fn), strict=False):
            if value.wrapped is None and value.is_injection and looks_like_statement(value.text):
                assert value.built is not None
                self.m.reporter.add(
                    rule_id="py-sqli-formatted",
                    line=ret.lineno,
                    column=ret.col_offset,
                    end_line=ret.end_lineno or ret.lineno,
                    end_column=ret.end_col_offset or ret.col_offset,
                    sink=f"return from {fn.name}()",
                    built=value.built,
                    confidence="medium",
                )


def _returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    """Return statements of `fn` itself (not of nested functions), in source order."""
    found: list[ast.Return] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, ast.Return):
            found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda r: (r.lineno, r.col_offset))


def _is_request(node: ast.expr) -> bool:
    """``request``, ``self.request``, ``req``: the object a web framework hands a view."""
    dotted = _dotted(node) or ""
    return dotted.rsplit(".", 1)[-1] in {"request", "req", "flask_request"}


def _sink_line(node: ast.Call | ast.Return) -> int:
    """The line of a method call's name (`.filter(` in a chain), else where the node starts."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.end_lineno or node.lineno
    return node.lineno


def _merge(a: Env | None, b: Env | None) -> Env | None:
    if a is None:
        return dict(b) if b is not None else None
    if b is None:
        return dict(a)
    merged: Env = {}
    for key in a.keys() | b.keys():
        if key in a and key in b:
            merged[key] = a[key] if a[key] == b[key] else join([a[key], b[key]])
        else:
            merged[key] = a.get(key) or b[key]
    return merged


def _params(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _defaults(args: ast.arguments) -> dict[str, ast.expr]:
    positional = [*args.posonlyargs, *args.args]
    out: dict[str, ast.expr] = {}
    for param, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults,
                              strict=True):  # fmt: skip
        out[param.arg] = default
    for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            out[param.arg] = kw_default
    return out


def _is_staticmethod(fn: FunctionNode) -> bool:
    if isinstance(fn, ast.Lambda):
        return True
    return any((_dotted(d) or "") == "staticmethod" for d in fn.decorator_list)


def _query_arg(args: list[Val], kwargs: dict[str | None, Val]) -> Val:
    if args:
        return args[0]
    for key in QUERY_KEYWORDS:
        if key in kwargs:
            return kwargs[key]
    return SAFE


def _const_text(node: ast.expr | None) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _is_str_const(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not (
        isinstance(node.value, bool)
    )


def _load(target: ast.expr) -> ast.expr:
    """The expression reading the current value of an assignment target."""
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    return target


__all__ = ["analyze_python"]
