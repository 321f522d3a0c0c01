"""Helpers over tree-sitter nodes shared by the JavaScript/TypeScript analyser's modules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from buildrunner.security.sqli.taint import Val, join

if TYPE_CHECKING:
    from tree_sitter import Node


Env = dict[str, Val]
MAX_INLINE_DEPTH = 3
MAX_STEPS = 400_000
MAX_DEPTH = 400
FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "function",
     "generator_function_declaration", "generator_function", "method_definition"}
)  # fmt: skip
JS_SOURCES = frozenset({"req", "request", "ctx", "event", "location", "document", "argv"})
SOURCE_ATTRS = frozenset(
    {"query", "params", "body", "cookies", "headers", "env", "argv", "search", "hash",
     "searchParams", "value", "files", "file", "payload", "input"}
)  # fmt: skip
PG_FORMAT = re.compile(r"%(?:\d+\$)?([ILs%])")
OPERATOR_TEXT = re.compile(
    r"(?:=|<|>|\blike\b|\bin\s*\(|\bis\s+(?:not\s+)?null|\basc\b|\bdesc\b|\band\b|\bor\b|\()",
    re.IGNORECASE,
)


IDENTIFIER_METHODS = frozenset(
    {"orderBy", "addOrderBy", "groupBy", "addGroupBy", "select", "addSelect"}
)


class Nesting(Exception):
    """The syntax tree is nested deeper than the analyser follows."""


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: Node) -> int:
    return int(node.start_point[0]) + 1


def field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def unwrap(node: Node | None) -> Node | None:
    """Skip parentheses and TypeScript-only wrappers (`x as T`, `x!`, `<T>x`, `satisfies`)."""
    while node is not None and node.type in {
        "parenthesized_expression", "as_expression", "non_null_expression", "type_assertion",
        "satisfies_expression",
    }:  # fmt: skip
        named = [c for c in node.named_children if c.type != "comment"]
        if not named:
            return node
        node = named[0] if node.type != "type_assertion" else named[-1]
    return node


def dotted(node: Node | None) -> str:
    """``a.b.c`` for identifier/member chains; calls in the chain contribute ``name()``."""
    node = unwrap(node)
    if node is None:
        return ""
    if node.type in {"identifier", "this", "property_identifier", "super"}:
        return text(node)
    if node.type == "member_expression":
        base = dotted(field(node, "object"))
        prop = text(field(node, "property"))
        return f"{base}.{prop}" if base else prop
    if node.type == "call_expression":
        return dotted(field(node, "function")) + "()"
    if node.type == "new_expression":
        return "new " + dotted(field(node, "constructor")) + "()"
    return ""


def sink_line(call: Node) -> int:
    """The line of a call's method name (`.where(` in a chain), else where the call starts."""
    function = unwrap(field(call, "function"))
    if function is not None and function.type == "member_expression":
        prop = field(function, "property")
        if prop is not None:
            return line(prop)
    return line(call)


def parameters(params: Node | None) -> Iterator[tuple[str, Node | None]]:
    if params is None:
        return
    if params.type == "identifier":
        yield text(params), None
        return
    for child in params.named_children:
        kind = child.type
        if kind == "identifier":
            yield text(child), None
        elif kind in {"required_parameter", "optional_parameter"}:
            pattern = field(child, "pattern")
            if pattern is not None and pattern.type == "identifier":
                yield text(pattern), child
            elif pattern is not None:
                for name in pattern_names(pattern):
                    yield name, None
        elif kind == "assignment_pattern":
            left = field(child, "left")
            if left is not None and left.type == "identifier":
                yield text(left), None
            elif left is not None:
                for name in pattern_names(left):
                    yield name, None
        elif kind in {"object_pattern", "array_pattern", "rest_pattern"}:
            for name in pattern_names(child):
                yield name, None


def pattern_names(node: Node) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in {"identifier", "shorthand_property_identifier_pattern"}:
            yield text(current)
        elif current.type == "pair_pattern":
            value = field(current, "value")
            if value is not None:
                stack.append(value)
        else:
            stack.extend(current.named_children)


def string_value(node: Node) -> str:
    return "".join(text(c) for c in node.named_children) or text(node).strip("'\"")


def is_number_node(node: Node | None) -> bool:
    node = unwrap(node)
    return node is not None and node.type == "number"


def is_string_node(node: Node | None) -> bool:
    node = unwrap(node)
    return node is not None and node.type in {"string", "template_string"}


def is_regex(node: Node | None) -> bool:
    node = unwrap(node)
    return node is not None and node.type == "regex"


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
