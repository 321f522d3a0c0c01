"""Small helpers over Python's `ast` shared by the Python analyser's modules."""

from __future__ import annotations

import ast
import re

from buildrunner.security.sqli.names import (
    is_constant_name,
)
from buildrunner.security.sqli.python_sinks import (
    DB_FACTORIES,
    QUERY_KEYWORDS,
    SAFE_CALLS,
)
from buildrunner.security.sqli.taint import (
    DB,
    SAFE,
    UNSAFE,
    Val,
    const,
    join,
)

Env = dict[str, Val]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
MAX_INLINE_DEPTH = 3
MAX_STEPS = 400_000
PERCENT = re.compile(
    r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])"
)
NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGn%b")
REQUEST_ATTRS = frozenset(
    {"GET", "POST", "args", "form", "cookies", "json", "query_params", "path_params", "values",
     "data", "body", "headers", "files", "FILES", "COOKIES", "META", "query_string"}
)  # fmt: skip


def literal_val(node: ast.expr) -> Val:
    """The value of a class-level or ``self.x =`` expression, judged without context."""
    if isinstance(node, ast.Constant):
        return const(node.value) if isinstance(node.value, str) else SAFE
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return join([literal_val(e) for e in node.elts]) if node.elts else SAFE
    if isinstance(node, ast.Dict):
        return join([literal_val(v) for v in node.values]) if node.values else SAFE
    if isinstance(node, ast.Name) and is_constant_name(node.id):
        return SAFE
    if isinstance(node, ast.Attribute) and is_constant_name(node.attr):
        return SAFE
    if isinstance(node, ast.Call):
        name = call_name(node.func) or ""
        if name in DB_FACTORIES:
            return DB
        if name in SAFE_CALLS:
            return SAFE
    return UNSAFE


def dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_terminal(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break)


def returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
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


def is_request(node: ast.expr) -> bool:
    """``request``, ``self.request``, ``req``: the object a web framework hands a view."""
    name = dotted(node) or ""
    return name.rsplit(".", 1)[-1] in {"request", "req", "flask_request"}


def sink_line(node: ast.Call | ast.Return) -> int:
    """The line of a method call's name (`.filter(` in a chain), else where the node starts."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.end_lineno or node.lineno
    return node.lineno


def merge(a: Env | None, b: Env | None) -> Env | None:
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


def params(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def defaults(args: ast.arguments) -> dict[str, ast.expr]:
    positional = [*args.posonlyargs, *args.args]
    out: dict[str, ast.expr] = {}
    for param, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults,
                              strict=True):  # fmt: skip
        out[param.arg] = default
    for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            out[param.arg] = kw_default
    return out


def is_staticmethod(fn: FunctionNode) -> bool:
    if isinstance(fn, ast.Lambda):
        return True
    return any((dotted(d) or "") == "staticmethod" for d in fn.decorator_list)


def query_arg(args: list[Val], kwargs: dict[str, Val]) -> Val:
    if args:
        return args[0]
    for key in QUERY_KEYWORDS:
        if key in kwargs:
            return kwargs[key]
    return SAFE


def const_text(node: ast.expr | None) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def is_str_const(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def is_number(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not (isinstance(node.value, bool))
    )


def load(target: ast.expr) -> ast.expr:
    """The expression reading the current value of an assignment target."""
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    return target
