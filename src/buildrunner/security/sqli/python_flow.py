"""The Python analyser's flow: parameters, statements, branches, loops and refinement.

:class:`FlowScope` walks statements and keeps the environment; :mod:`.python_values` adds
expressions and :mod:`.python_calls` calls and sinks, each subclassing the one before.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from buildrunner.security.sqli.names import (
    NUMERIC_TYPES,
    is_constant_name,
    is_db_name,
    is_source_name,
)
from buildrunner.security.sqli.python_ast import (
    Env,
    FunctionNode,
    call_name,
    dotted,
    is_staticmethod,
    load,
    merge,
    params,
)
from buildrunner.security.sqli.python_sinks import (
    VALIDATING_FUNCTIONS,
    VALIDATING_METHODS,
)
from buildrunner.security.sqli.python_static import literal_names, static_truth
from buildrunner.security.sqli.taint import (
    DB,
    SAFE,
    UNSAFE,
    Val,
    Wrapped,
    join,
)

if TYPE_CHECKING:
    from buildrunner.security.sqli.python import ClassInfo, ModuleAnalysis


class FlowScope:
    """Abstract interpretation of one function body (or the module body)."""

    def __init__(
        self,
        module: ModuleAnalysis,
        fn: FunctionNode | None,
        tree: ast.AST,
        *,
        is_method: bool,
        class_info: ClassInfo | None,
        inline: tuple[ast.Call, ...] = (),
        callee_range: tuple[int, int] | None = None,
        callees: tuple[FunctionNode, ...] = (),
    ) -> None:
        self.callees = callees
        self.constants: dict[str, object] = {}
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

    def run_function(self, closure: Env | None = None) -> None:
        """Analyse the function on its own: parameters untrusted unless typed, and the
        variables of the enclosing function (`closure`) in scope."""
        fn = self.fn
        if fn is None:
            return
        env = {**(closure or {}), **self._standalone_params(fn)}
        if not isinstance(fn, ast.Lambda):
            self.constants = literal_names(fn.body, {a.arg for a in params(fn.args)})
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
        for index, arg in enumerate(params(fn.args)):
            if index == 0 and self.is_method and not is_staticmethod(fn):
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
            head = (dotted(node.value) or "").rsplit(".", 1)[-1]
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
        name = (dotted(node) or "").rsplit(".", 1)[-1]
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

    def stmt(self, node: ast.stmt, env: Env) -> Env | None:
        """Run one statement (one branch per statement kind: a dispatch table, hence long)."""
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
            if self.fn is not None and not self.inline:
                self._nested(node, env)
            env[node.name] = SAFE
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    env.pop(target.id, None)
        return env

    def _nested(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, env: Env
    ) -> None:
        """A function (or class) defined inside a function: analysed here, seeing `env`."""
        if isinstance(node, ast.ClassDef):
            info = self.m.classes.get(node.name)
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    scope = type(self)(self.m, method, self.m.tree, is_method=True, class_info=info)
                    scope.run_function(closure=dict(env))
            return
        scope = type(self)(self.m, node, self.m.tree, is_method=False, class_info=None)
        scope.run_function(closure=dict(env))

    def _aug_assign(self, node: ast.AugAssign, env: Env) -> None:
        current = self.ev(load(node.target), env)
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
        known = static_truth(node.test, self.constants)
        if known is not None:  # a condition on constants: only one branch ever runs
            return self.block(node.body if known else node.orelse, env)
        then_env = dict(env)
        for name in self.refine(node.test, True):
            then_env[name] = SAFE
        else_env = dict(env)
        for name in self.refine(node.test, False):
            else_env[name] = SAFE
        after_then = self.block(node.body, then_env)
        after_else = self.block(node.orelse, else_env)
        return merge(after_then, after_else)

    def _for(self, node: ast.For | ast.AsyncFor, env: Env) -> Env | None:
        iterable = self.ev(node.iter, env)
        element = iterable.plain() if not iterable.db else SAFE
        state = dict(env)
        for _ in range(2):
            body_env = dict(state)
            self.assign(node.target, element, None, body_env)
            after = self.block(node.body, body_env)
            merged = merge(state, after)
            state = merged if merged is not None else state
        state = merge(state, self._loop_exits(node.body, state)) or state
        out = self.block(node.orelse, dict(state))
        return merge(out, state) if out is not None else state

    def _while(self, node: ast.While, env: Env) -> Env | None:
        state = dict(env)
        for _ in range(2):
            self.ev(node.test, state)
            after = self.block(node.body, dict(state))
            state = merge(state, after) or state
        state = merge(state, self._loop_exits(node.body, state)) or state
        self.block(node.orelse, dict(state))
        return state

    def _loop_exits(self, body: Sequence[ast.stmt], env: Env) -> Env | None:
        """Values at a `continue`/`break` inside the body (approximated by the body's env)."""
        return None if not any(isinstance(s, ast.Break | ast.Continue) for s in body) else env

    def _try(self, node: ast.Try | ast.TryStar, env: Env) -> Env | None:
        before = dict(env)
        after_body = self.block(node.body, env)
        handler_start = merge(before, after_body) or before
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
            result = merge(result, out)
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
            result = merge(result, self.block(case.body, cenv))
        return result if exhaustive else merge(result, env)

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
            current = env.get(name, SAFE)
            index = target.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                env[name] = current.with_field(index.value, value)
            else:
                env[name] = join([current, value]) if value.unsafe else current
        elif isinstance(target, ast.Attribute):
            key = dotted(target)
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
        target = dotted(test.left)
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
            return node.func.attr in {"keys", "values"} and self._is_constant_expr(node.func.value)
        return False

    def _refine_call(self, test: ast.Call) -> set[str]:
        func = test.func
        if isinstance(func, ast.Attribute) and func.attr in VALIDATING_METHODS:
            target = dotted(func.value)
            return {target} if target else set()
        name = call_name(func)
        if name == "isinstance" and len(test.args) == 2:
            target = dotted(test.args[0])
            kinds = test.args[1]
            elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
            if target and all((dotted(k) or "") in NUMERIC_TYPES for k in elts):
                return {target}
        if name in VALIDATING_FUNCTIONS and test.args:
            subject = test.args[-1] if isinstance(func, ast.Attribute) else test.args[1:2]
            node = subject if isinstance(subject, ast.expr) else (subject[0] if subject else None)
            target = dotted(node) if node is not None else None
            return {target} if target else set()
        return set()

    # ------------------------------------------------------------------ provided by subclasses

    def ev(self, node: ast.expr | None, env: Env) -> Val:
        raise NotImplementedError

    def _add(
        self, left: Val, right: Val, line: int, how: str, node: ast.BinOp | None = None
    ) -> Val:
        raise NotImplementedError

    def _percent(self, left: Val, right_node: ast.expr, right: Val, line: int, env: Env) -> Val:
        raise NotImplementedError

    def _flush_pending(self) -> None:
        raise NotImplementedError

    def _report_returns(self, fn: FunctionNode) -> None:
        raise NotImplementedError
