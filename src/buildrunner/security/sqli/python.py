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
from collections.abc import Iterator
from dataclasses import dataclass, field

from buildrunner.security.sqli.model import SqlAnalysis
from buildrunner.security.sqli.python_ast import (
    Env,
    FunctionNode,
    call_name,
    dotted,
    literal_val,
)
from buildrunner.security.sqli.python_calls import Scope
from buildrunner.security.sqli.report import Reporter
from buildrunner.security.sqli.sqltext import may_hold_python_sql
from buildrunner.security.sqli.taint import (
    SAFE,
    Val,
    join,
)


def analyze_python(source: str, *, path: str = "<string>") -> SqlAnalysis:
    """Find SQL injection in Python `source`; a file that does not parse is skipped.

    A file with no sink call and no SQL statement anywhere cannot hold a finding: it is not
    parsed at all (parsing is most of the cost of a file).
    """
    if not may_hold_python_sql(source):
        return SqlAnalysis(language="python")
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        reason = f"syntax error at line {exc.lineno}" if exc.lineno else f"syntax error: {exc.msg}"
        return SqlAnalysis(skipped=reason, language="python")
    except (ValueError, RecursionError, MemoryError) as exc:
        return SqlAnalysis(skipped=f"cannot parse: {type(exc).__name__}", language="python")
    reporter = Reporter(source.splitlines())
    try:
        ModuleAnalysis(tree, reporter).run()
    except RecursionError:
        return SqlAnalysis(skipped="nesting too deep to analyse", language="python")
    return SqlAnalysis(findings=reporter.findings(), language="python")


@dataclass
class ClassInfo:
    name: str
    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    attrs: dict[str, Val] = field(default_factory=dict)
    is_enum: bool = False


class ModuleAnalysis:
    """Facts about one module and the driver that analyses each of its functions."""

    def __init__(self, tree: ast.Module, reporter: Reporter) -> None:
        self.tree = tree
        self.reporter = reporter
        self.imports: dict[str, str] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.called: set[str] = set()
        self.env: Env = {}
        self.steps = 0
        self.uses_sqlalchemy = False
        self.inline_cache: dict[tuple[object, ...], Val] = {}
        self._returns_value: dict[int, bool] = {}

    def run(self) -> None:
        self._collect()
        module = Scope(self, None, self.tree, is_method=False, class_info=None)
        self.env = module.run_standalone(self.tree.body)
        for fn, cls in self._all_functions():
            Scope(self, fn, self.tree, is_method=cls is not None, class_info=cls).run_function()

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
                name = call_name(node.func)
                if name:
                    self.called.add(name)
        self.uses_sqlalchemy = any(
            v.startswith(("sqlalchemy", "sqlmodel", "flask_sqlalchemy"))
            for v in self.imports.values()
        )

    def _collect_class(self, node: ast.ClassDef) -> ClassInfo:
        info = ClassInfo(node.name, node)
        info.is_enum = any(
            (dotted(b) or "").rsplit(".", 1)[-1] in {"Enum", "IntEnum", "StrEnum", "Flag"}
            for b in node.bases
        )
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                info.methods[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = SAFE if info.is_enum else literal_val(stmt.value)
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
                            new = literal_val(sub.value)
                            info.attrs[target.attr] = new if old is None else join([old, new])
        return info

    def _all_functions(self) -> Iterator[tuple[FunctionNode, ClassInfo | None]]:
        owners: dict[int, ClassInfo] = {}
        for info in self.classes.values():
            for method in info.methods.values():
                owners[id(method)] = info
        # Functions nested in functions are analysed where they are defined, with the
        # variables around them in scope (see FlowScope.stmt); here only the outermost ones.
        stack: list[ast.AST] = list(ast.iter_child_nodes(self.tree))
        while stack:
            node = stack.pop(0)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node, owners.get(id(node))
            elif not isinstance(node, ast.Lambda | ast.expr):
                stack.extend(ast.iter_child_nodes(node))

    def returns_value(self, fn: FunctionNode) -> bool:
        """Whether `fn` returns something (a lambda, a ``return x``, a ``yield``)."""
        known = self._returns_value.get(id(fn))
        if known is None:
            known = isinstance(fn, ast.Lambda) or any(
                isinstance(node, ast.Yield | ast.YieldFrom)
                or (isinstance(node, ast.Return) and node.value is not None)
                for node in ast.walk(fn)
            )
            self._returns_value[id(fn)] = known
        return known

    def class_of_self(self, fn: FunctionNode | None) -> ClassInfo | None:
        if fn is None:
            return None
        for info in self.classes.values():
            if any(m is fn for m in info.methods.values()):
                return info
        return None
