"""Deciding branch conditions that only involve constants (``if 7 * 42 - num > 200:``).

A branch whose condition is known at analysis time is the only one that runs, so a value
assigned in the other branch never reaches the code after it. Names count as constants when
the function assigns them exactly once, to a literal, and they are not parameters.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

Constants = Mapping[str, object]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_UNKNOWN = object()
_LIMIT = 10**12


def literal_names(body: list[ast.stmt], excluded: set[str]) -> dict[str, object]:
    """Names assigned exactly once in `body` (nested functions aside) to an expression of
    constants (``num = 86``, ``target = guess[1]``), with their values."""
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            counts[node.id] = counts.get(node.id, 0) + 1
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            values[node.targets[0].id] = node.value
        stack.extend(ast.iter_child_nodes(node))
    single = {n: e for n, e in values.items() if counts.get(n) == 1 and n not in excluded}
    resolved: dict[str, object] = {}
    for _ in range(3):  # names defined from other constant names, a few levels deep
        for name, expr in single.items():
            if name not in resolved:
                value = _value(expr, resolved)
                if value is not _UNKNOWN and isinstance(value, int | str | bool):
                    resolved[name] = value
    return resolved


def static_truth(test: ast.expr, constants: Constants) -> bool | None:
    """The truth of `test` if it only involves constants, else None."""
    value = _value(test, constants)
    if value is _UNKNOWN:
        return None
    return bool(value)


def _value(node: ast.expr, constants: Constants) -> object:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | str | bool | None):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id, _UNKNOWN)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left, constants), _value(node.right, constants)
        if _UNKNOWN in (left, right) or not _small(left, right):
            return _UNKNOWN
        try:
            return _BINARY[type(node.op)](left, right)
        except (TypeError, ZeroDivisionError, ValueError):
            return _UNKNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        inner = _value(node.operand, constants)
        if inner is _UNKNOWN:
            return _UNKNOWN
        if isinstance(node.op, ast.Not):
            return not inner
        return -inner if isinstance(inner, int) else _UNKNOWN
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _value(node.left, constants), _value(node.comparators[0], constants)
        if _UNKNOWN in (left, right):
            return _UNKNOWN
        try:
            return _COMPARE[type(node.ops[0])](left, right)
        except TypeError:
            return _UNKNOWN
    if isinstance(node, ast.BoolOp):
        values = [_value(v, constants) for v in node.values]
        if _UNKNOWN in values:
            return _UNKNOWN
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        base, index = _value(node.value, constants), node.slice.value
        if isinstance(base, str) and isinstance(index, int) and -len(base) <= index < len(base):
            return base[index]
    return _UNKNOWN


def _small(*values: object) -> bool:
    return all(not isinstance(v, int) or abs(v) < _LIMIT for v in values) and all(
        not isinstance(v, str) or len(v) < 1000 for v in values
    )
