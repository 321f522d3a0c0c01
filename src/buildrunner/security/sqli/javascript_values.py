"""The JS/TS analyser's expressions: names, members, templates, ``+``, objects."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from buildrunner.security.sqli.javascript_sinks import (
    QUERY_PROPERTIES,
)
from buildrunner.security.sqli.names import is_constant_name
from buildrunner.security.sqli.taint import SAFE, UNSAFE, Val, build, const, join

if TYPE_CHECKING:
    from tree_sitter import Node

from buildrunner.security.sqli.javascript_ast import (
    FUNCTIONS,
    JS_SOURCES,
    MAX_DEPTH,
    SOURCE_ATTRS,
    Env,
    Nesting,
    dotted,
    field,
    is_number_node,
    is_string_node,
    line,
    string_value,
    text,
    unwrap,
)
from buildrunner.security.sqli.javascript_flow import FlowScope


class ValueScope(FlowScope):
    """Abstract values of expressions."""

    # ------------------------------------------------------------------ expressions

    def ev(self, node: Node | None, env: Env) -> Val:
        node = unwrap(node)
        if node is None:
            return SAFE
        self.m.steps += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Nesting
        try:
            return self._ev(node, env)
        finally:
            self.depth -= 1

    def _ev(self, node: Node, env: Env) -> Val:
        """The value of an expression (one branch per node type: a dispatch table)."""
        kind = node.type
        if kind == "string":
            return const(string_value(node))
        if kind in {"number", "true", "false", "null", "undefined", "regex"}:
            return SAFE
        if kind == "template_string":
            return self._template(node, env, line(node), "a template literal")
        if kind in {"identifier", "shorthand_property_identifier"}:
            return self._name(text(node), env)
        if kind == "this":
            return SAFE
        if kind == "member_expression":
            return self._member(node, env)
        if kind == "subscript_expression":
            base = self.ev(field(node, "object"), env)
            self.ev(field(node, "index"), env)
            if base.enum:
                return Val(enum=True)
            return base.plain() if not base.db else SAFE
        if kind == "binary_expression":
            return self._binary(node, env)
        if kind == "augmented_assignment_expression":
            left = field(node, "left")
            current = self.ev(left, env)
            value = self.ev(field(node, "right"), env)
            operator = text(field(node, "operator"))
            if operator == "+=":
                result = build([current, value], line(node), "+=")
            elif operator in {"||=", "??=", "&&="}:
                result = join([current, value])
            else:
                result = SAFE
            self.bind(left, result, None, env)
            return result
        if kind == "assignment_expression":
            value = self.ev(field(node, "right"), env)
            self.bind(field(node, "left"), value, field(node, "right"), env)
            return value
        if kind == "ternary_expression":
            condition = field(node, "condition")
            self.ev(condition, env)
            then_env = dict(env)
            for name in self.refine(condition, True):
                then_env[name] = SAFE
            else_env = dict(env)
            for name in self.refine(condition, False):
                else_env[name] = SAFE
            return join(
                [self.ev(field(node, "consequence"), then_env),
                 self.ev(field(node, "alternative"), else_env)]
            )  # fmt: skip
        if kind in {"call_expression", "new_expression"}:
            return self._call(node, env)
        if kind == "await_expression":
            named = node.named_children
            return self.ev(named[0], env) if named else SAFE
        if kind == "array":
            values = [self.ev(c, env) for c in node.named_children]
            return join(values) if values else SAFE
        if kind == "object":
            return self._object(node, env)
        if kind in FUNCTIONS:
            self.function(node, env)
            return SAFE
        if kind in {"class", "class_declaration"}:
            self._class(node, env)
            return SAFE
        if kind == "unary_expression":
            operator = text(field(node, "operator"))
            self.ev(field(node, "argument"), env)
            return SAFE if operator in {"!", "-", "+", "~", "typeof", "void"} else UNSAFE
        if kind in {"update_expression"}:
            return SAFE
        if kind == "sequence_expression":
            values = [self.ev(c, env) for c in node.named_children]
            return values[-1] if values else SAFE
        if kind == "spread_element":
            named = node.named_children
            return self.ev(named[0], env) if named else SAFE
        if kind == "yield_expression":
            for child in node.named_children:
                self.ev(child, env)
            return UNSAFE
        return UNSAFE if node.named_children else SAFE

    def _name(self, name: str, env: Env) -> Val:
        if name in env:
            return env[name]
        if is_constant_name(name):
            return SAFE
        if name in self.m.enums:
            return Val(enum=True)
        if name in JS_SOURCES:
            return UNSAFE.named(name)
        return SAFE

    def _member(self, node: Node, env: Env) -> Val:
        name = dotted(node)
        if name in env:
            return env[name]
        prop = text(field(node, "property"))
        obj = field(node, "object")
        if is_constant_name(prop) or prop == "length":
            self.ev(obj, env)
            return SAFE
        base = self.ev(obj, env)
        if base.enum:
            return Val(enum=True)
        stored = base.field(prop) if field(node, "optional_chain") is None else None
        if stored is not None and base.fields is not None and prop in dict(base.fields):
            return stored
        if name in {"process.env", "process.argv"} or name.startswith("process.env."):
            return UNSAFE.named(name)
        unwrapped = unwrap(obj)
        if unwrapped is not None and unwrapped.type == "this":
            return SAFE
        if prop in SOURCE_ATTRS and (base.unsafe or dotted(obj).split(".")[0] in JS_SOURCES):
            return UNSAFE.named(name or prop)
        if base.db:
            return SAFE
        return base.plain().named(name) if base.unsafe else base.plain()

    def _binary(self, node: Node, env: Env) -> Val:
        operator = text(field(node, "operator"))
        left_node, right_node = field(node, "left"), field(node, "right")
        left = self.ev(left_node, env)
        if operator in {"&&", "||", "??"}:
            right_env = dict(env)
            if operator == "&&":
                for name in self.refine(left_node, True):
                    right_env[name] = SAFE
            right = self.ev(right_node, right_env)
            return right if operator == "&&" else join([left, right])
        right = self.ev(right_node, env)
        if operator != "+":
            return SAFE
        has_number = is_number_node(left_node) or is_number_node(right_node)
        has_text = bool(left.text or right.text)
        if has_number and not (has_text or is_string_node(left_node) or is_string_node(right_node)):
            return SAFE
        return build(
            [left.named(dotted(left_node)) if left.unsafe else left,
             right.named(dotted(right_node)) if right.unsafe else right],
            line(node),
            "+",
        )  # fmt: skip

    def _template(self, node: Node, env: Env, line: int, how: str) -> Val:
        parts: list[Val] = []
        for child in node.children:
            if child.type == "string_fragment" or child.type == "escape_sequence":
                parts.append(const(text(child)))
            elif child.type == "template_substitution":
                inner = [c for c in child.named_children if c.type != "comment"]
                value = self.ev(inner[0], env) if inner else SAFE
                name = dotted(inner[0]) if inner else ""
                parts.append(value.named(name) if value.unsafe and name else value)
        if not parts:
            return const("")
        return build(parts, line, how)

    def _object(self, node: Node, env: Env) -> Val:
        """An object literal: the SQL text of ``{ sql | text | query: ... }`` when present,
        and the value of each property (``opts.table`` reads one)."""
        chosen: list[Val] = []
        others: list[Val] = []
        fields: list[tuple[str, Val]] | None = []
        for child in node.named_children:
            if child.type == "pair":
                key_node = field(child, "key")
                key = text(key_node).strip("'\"")
                value = self.ev(field(child, "value"), env)
                (chosen if key in QUERY_PROPERTIES else others).append(value)
                if (
                    fields is not None
                    and key_node is not None
                    and key_node.type != ("computed_property_name")
                ):
                    fields.append((key, value))
            elif child.type in {"shorthand_property_identifier", "spread_element"}:
                value = self.ev(child, env)
                key = text(child)
                (chosen if key in QUERY_PROPERTIES else others).append(value)
                if child.type == "spread_element":
                    fields = None
                elif fields is not None:
                    fields.append((key, value))
            elif child.type == "method_definition":
                self.function(child, env)
        rest = join([v.plain() for v in others]) if others else SAFE
        result = join(chosen) if chosen else rest
        return replace(result, fields=tuple(fields)) if fields is not None else result

    def _call(self, node: Node, env: Env) -> Val:
        raise NotImplementedError
