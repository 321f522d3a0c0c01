"""SQL-injection analysis of JavaScript and TypeScript, parsed with tree-sitter.

The same abstract interpretation as the Python analyser, over tree-sitter's syntax tree:
``const``/``let``/``var`` and assignments (``+=`` included) update an environment of
:class:`~buildrunner.security.sqli.taint.Val`; ``if``/``switch``/``try`` branches are joined,
loops run twice; nested functions (callbacks, handlers) are analysed where they appear, with the
enclosing variables in scope. Template literals with substitutions, ``+`` and ``concat``/
``join``/``replace`` build strings; tagged templates (sql`...`, Prisma.sql`...`) and
placeholders with a values array are parameterised and safe.

tree-sitter and the grammars are imported when the first JS/TS file is analysed, never at
start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from buildrunner.security.sqli.javascript_sinks import (
    BUILDER_HINTS,
    DB_FACTORIES,
    METHOD_SINKS,
    NON_SINKS,
    NUMERIC_TS_TYPES,
    PASSTHROUGH_METHODS,
    QUERY_PROPERTIES,
    SAFE_FUNCTIONS,
    SEQUELIZE_RECEIVERS,
    TEMPLATE_STRING_TAGS,
    TYPEORM_RECEIVERS,
    VALIDATORS,
    JsSink,
)
from buildrunner.security.sqli.model import SqlAnalysis
from buildrunner.security.sqli.names import is_constant_name, is_db_name, names_sql_text
from buildrunner.security.sqli.report import Reporter
from buildrunner.security.sqli.sqltext import looks_like_sql, looks_like_statement
from buildrunner.security.sqli.taint import DB, SAFE, UNSAFE, Built, Val, build, const, join

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

Env = dict[str, Val]
MAX_INLINE_DEPTH = 3
MAX_STEPS = 400_000
MAX_DEPTH = 400
_FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "function",
     "generator_function_declaration", "generator_function", "method_definition"}
)  # fmt: skip
_JS_SOURCES = frozenset({"req", "request", "ctx", "event", "location", "document", "argv"})
_SOURCE_ATTRS = frozenset(
    {"query", "params", "body", "cookies", "headers", "env", "argv", "search", "hash",
     "searchParams", "value", "files", "file", "payload", "input"}
)  # fmt: skip
_PG_FORMAT = re.compile(r"%(?:\d+\$)?([ILs%])")
_OPERATOR_TEXT = re.compile(
    r"(?:=|<|>|\blike\b|\bin\s*\(|\bis\s+(?:not\s+)?null|\basc\b|\bdesc\b|\band\b|\bor\b|\()",
    re.IGNORECASE,
)


class _Nesting(Exception):
    """The syntax tree is nested deeper than the analyser follows."""


@lru_cache(maxsize=3)
def _parser(dialect: str) -> Parser:
    from tree_sitter import Language, Parser

    if dialect == "javascript":
        import tree_sitter_javascript

        language = Language(tree_sitter_javascript.language())
    else:
        import tree_sitter_typescript

        grammar = (
            tree_sitter_typescript.language_tsx()
            if dialect == "tsx"
            else tree_sitter_typescript.language_typescript()
        )
        language = Language(grammar)
    return Parser(language)


def dialect_of(path: str) -> str:
    suffix = PurePath(path).suffix.lower()
    if suffix == ".tsx":
        return "tsx"
    if suffix in {".ts", ".mts", ".cts"}:
        return "typescript"
    return "javascript"


def analyze_javascript(source: str, *, path: str = "<string>") -> SqlAnalysis:
    """Find SQL injection in JavaScript or TypeScript `source` (dialect from `path`)."""
    data = source.encode("utf-8", errors="replace")
    tree = _parser(dialect_of(path)).parse(data)
    root = tree.root_node
    if root.has_error:
        line = _first_error_line(root)
        return SqlAnalysis(skipped=f"syntax error at line {line}", language="javascript")
    reporter = Reporter(source.splitlines())
    try:
        _Module(root, reporter).run()
    except (_Nesting, RecursionError):
        return SqlAnalysis(skipped="nesting too deep to analyse", language="javascript")
    return SqlAnalysis(findings=reporter.findings(), language="javascript")


def _first_error_line(root: Node) -> int:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return int(node.start_point[0]) + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return 1


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def _line(node: Node) -> int:
    return int(node.start_point[0]) + 1


def _field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def _unwrap(node: Node | None) -> Node | None:
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


def _dotted(node: Node | None) -> str:
    """``a.b.c`` for identifier/member chains; calls in the chain contribute ``name()``."""
    node = _unwrap(node)
    if node is None:
        return ""
    if node.type in {"identifier", "this", "property_identifier", "super"}:
        return _text(node)
    if node.type == "member_expression":
        base = _dotted(_field(node, "object"))
        prop = _text(_field(node, "property"))
        return f"{base}.{prop}" if base else prop
    if node.type == "call_expression":
        return _dotted(_field(node, "function")) + "()"
    if node.type == "new_expression":
        return "new " + _dotted(_field(node, "constructor")) + "()"
    return ""


class _Module:
    """Facts about one file: its named functions and enums; the driver of the analysis."""

    def __init__(self, root: Node, reporter: Reporter) -> None:
        self.root = root
        self.reporter = reporter
        self.functions: dict[str, Node] = {}
        self.methods: dict[str, Node] = {}
        self.enums: set[str] = set()
        self.steps = 0

    def run(self) -> None:
        self._collect(self.root)
        scope = _Scope(self, None)
        scope.block(list(self.root.named_children), {})

    def _collect(self, root: Node) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind in {"function_declaration", "generator_function_declaration"}:
                name = _text(_field(node, "name"))
                self.functions.setdefault(name, node)
            elif kind == "variable_declarator":
                value = _unwrap(_field(node, "value"))
                name_node = _field(node, "name")
                if value is not None and value.type in _FUNCTIONS and name_node is not None:
                    self.functions.setdefault(_text(name_node), value)
            elif kind == "method_definition":
                self.methods.setdefault(_text(_field(node, "name")), node)
            elif kind == "enum_declaration":
                self.enums.add(_text(_field(node, "name")))
            stack.extend(node.named_children)


class _Scope:
    """Abstract interpretation of one function body (or the program)."""

    def __init__(
        self,
        module: _Module,
        fn: Node | None,
        *,
        inline: tuple[Node, ...] = (),
        callee_range: tuple[int, int] | None = None,
        callees: tuple[int, ...] = (),
    ) -> None:
        self.m = module
        self.fn = fn
        self.inline = inline
        self.callee_range = callee_range
        self.callees = callees
        self.returns: list[Val] = []
        self.calls: list[Node] = []
        self.depth = 0

    # ------------------------------------------------------------------ functions

    def function(self, fn: Node, closure: Env, args: list[Val] | None = None) -> Val:
        """Analyse a function where it appears; returns the value it returns."""
        env = dict(closure)
        params = _field(fn, "parameters") or _field(fn, "parameter")
        for index, (name, param) in enumerate(_parameters(params)):
            if args is not None:
                env[name] = args[index] if index < len(args) else SAFE
            else:
                env[name] = self._param_val(name, param)
        scope = _Scope(
            self.m,
            fn,
            inline=self.inline,
            callee_range=self.callee_range,
            callees=self.callees,
        )
        body = _field(fn, "body")
        if body is None:
            return SAFE
        if body.type == "statement_block":
            scope.block(list(body.named_children), env)
        else:
            scope.returns.append(scope.ev(body, env))
        return join(scope.returns) if scope.returns else SAFE

    def _param_val(self, name: str, param: Node | None) -> Val:
        annotation = _field(param, "type") if param is not None else None
        if annotation is not None and self._is_safe_type(annotation):
            return Val(enum=True)
        if name in _JS_SOURCES:
            return UNSAFE.named(name)
        if is_db_name(name):
            return DB
        return UNSAFE.named(name)

    def _is_safe_type(self, node: Node) -> bool:
        kind = node.type
        if kind == "type_annotation":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "predefined_type":
            return _text(node) in NUMERIC_TS_TYPES
        if kind == "literal_type":
            return True
        if kind == "union_type":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "array_type":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "type_identifier":
            return _text(node) in NUMERIC_TS_TYPES or _text(node) in self.m.enums
        if kind == "generic_type":
            name = _text(_field(node, "name"))
            args = _field(node, "type_arguments")
            if name in {"Array", "ReadonlyArray", "Set"} and args is not None:
                return all(self._is_safe_type(c) for c in args.named_children)
        return False

    # ------------------------------------------------------------------ statements

    def block(self, statements: list[Node], env: Env) -> Env | None:
        current: Env | None = env
        for node in statements:
            if current is None:
                return None
            current = self.stmt(node, current)
        return current

    def stmt(self, node: Node, env: Env) -> Env | None:  # noqa: C901 - one dispatch table
        self.m.steps += 1
        kind = node.type
        if kind in {"lexical_declaration", "variable_declaration"}:
            for declarator in node.named_children:
                if declarator.type == "variable_declarator":
                    value_node = _field(declarator, "value")
                    value = self.ev(value_node, env) if value_node is not None else SAFE
                    self.bind(_field(declarator, "name"), value, value_node, env)
        elif kind == "expression_statement":
            for child in node.named_children:
                self.ev(child, env)
        elif kind == "return_statement":
            named = [c for c in node.named_children if c.type != "comment"]
            self.returns.append(self.ev(named[0], env) if named else SAFE)
            return None
        elif kind == "throw_statement":
            for child in node.named_children:
                self.ev(child, env)
            return None
        elif kind in {"break_statement", "continue_statement"}:
            return None
        elif kind == "statement_block":
            return self.block(list(node.named_children), env)
        elif kind == "if_statement":
            return self._if(node, env)
        elif kind in {"for_statement", "for_in_statement", "while_statement", "do_statement"}:
            return self._loop(node, env)
        elif kind == "try_statement":
            return self._try(node, env)
        elif kind == "switch_statement":
            return self._switch(node, env)
        elif kind in {"function_declaration", "generator_function_declaration"}:
            self.function(node, env)
        elif kind in {"class_declaration", "abstract_class_declaration", "class"}:
            self._class(node, env)
        elif kind in {"export_statement", "labeled_statement", "ambient_declaration"}:
            for child in node.named_children:
                if child.type not in {"string", "identifier", "statement_identifier"}:
                    result = self.stmt(child, env)
                    if result is None and child.type != "class_declaration":
                        return None
        return env

    def _class(self, node: Node, env: Env) -> None:
        body = _field(node, "body")
        if body is None:
            return
        for member in body.named_children:
            if member.type == "method_definition":
                self.function(member, env)
            elif member.type in {"field_definition", "public_field_definition"}:
                value = _field(member, "value")
                if value is not None:
                    self.ev(value, env)

    def _if(self, node: Node, env: Env) -> Env | None:
        condition = _field(node, "condition")
        self.ev(condition, env)
        then_env = dict(env)
        for name in self.refine(condition, True):
            then_env[name] = SAFE
        else_env = dict(env)
        for name in self.refine(condition, False):
            else_env[name] = SAFE
        consequence = _field(node, "consequence")
        after_then = self.stmt(consequence, then_env) if consequence is not None else then_env
        alternative = _field(node, "alternative")
        if alternative is not None:
            inner = [c for c in alternative.named_children if c.type != "comment"]
            after_else = self.block(inner, else_env)
        else:
            after_else = else_env
        return _merge(after_then, after_else)

    def _loop(self, node: Node, env: Env) -> Env | None:
        kind = node.type
        state = dict(env)
        if kind == "for_statement":
            initializer = _field(node, "initializer")
            if initializer is not None:
                state = self.stmt(initializer, state) or state
        body = _field(node, "body")
        for _ in range(2):
            body_env = dict(state)
            if kind == "for_in_statement":
                iterable = self.ev(_field(node, "right"), body_env)
                element = iterable.plain() if not iterable.enum else Val(enum=True)
                operator = _text(_field(node, "operator"))
                if operator == "in":
                    element = iterable.plain()
                self.bind(_field(node, "left"), element, None, body_env)
            elif kind in {"while_statement", "do_statement", "for_statement"}:
                self.ev(_field(node, "condition"), body_env)
            after = self.stmt(body, body_env) if body is not None else body_env
            if kind == "for_statement" and after is not None:
                self.ev(_field(node, "increment"), after)
            state = _merge(state, after) or state
        return state

    def _try(self, node: Node, env: Env) -> Env | None:
        before = dict(env)
        body = _field(node, "body")
        after = self.stmt(body, env) if body is not None else env
        start = _merge(before, after) or before
        result = after
        handler = _field(node, "handler")
        if handler is not None:
            henv = dict(start)
            parameter = _field(handler, "parameter")
            if parameter is not None:
                self.bind(parameter, SAFE, None, henv)
            handler_body = _field(handler, "body")
            out = self.stmt(handler_body, henv) if handler_body is not None else henv
            result = _merge(result, out)
        finalizer = _field(node, "finalizer")
        if finalizer is not None:
            for child in finalizer.named_children:
                base = result if result is not None else dict(start)
                self.stmt(child, base)
        return result

    def _switch(self, node: Node, env: Env) -> Env | None:
        value = _field(node, "value")
        self.ev(value, env)
        body = _field(node, "body")
        result: Env | None = None
        has_default = False
        subject = _dotted(value)
        for case in body.named_children if body is not None else []:
            cenv = dict(env)
            case_value = _field(case, "value")
            if case.type == "switch_default":
                has_default = True
            elif subject and case_value is not None and case_value.type in {"string", "number"}:
                cenv[subject] = SAFE
            statements = [c for c in case.named_children if c is not case_value]
            out = self.block(statements, cenv)
            result = _merge(result, out if out is not None else cenv)
        return result if has_default else _merge(result, env)

    def bind(self, target: Node | None, value: Val, source: Node | None, env: Env) -> None:
        target = _unwrap(target)
        if target is None:
            return
        kind = target.type
        if kind in {"identifier", "shorthand_property_identifier_pattern"}:
            env[_text(target)] = value
        elif kind == "member_expression":
            key = _dotted(target)
            if key:
                env[key] = value
        elif kind in {"object_pattern", "array_pattern"}:
            element = value.plain() if not value.enum else Val(enum=True)
            for child in target.named_children:
                if child.type == "pair_pattern":
                    self.bind(_field(child, "value"), element, None, env)
                elif child.type in {"object_assignment_pattern", "assignment_pattern"}:
                    default = _field(child, "right")
                    fallback = self.ev(default, env) if default is not None else SAFE
                    self.bind(_field(child, "left"), join([element, fallback]), None, env)
                elif child.type == "rest_pattern":
                    inner = child.named_children
                    if inner:
                        self.bind(inner[0], element, None, env)
                else:
                    self.bind(child, element, None, env)
        elif kind == "assignment_pattern":
            self.bind(_field(target, "left"), value, source, env)

    # ------------------------------------------------------------------ refinement

    def refine(self, test: Node | None, truth: bool) -> set[str]:
        """Names proven free of SQL syntax when `test` evaluates to `truth`."""
        test = _unwrap(test)
        if test is None:
            return set()
        kind = test.type
        if kind == "unary_expression" and _text(_field(test, "operator")) == "!":
            return self.refine(_field(test, "argument"), not truth)
        if kind == "binary_expression":
            operator = _text(_field(test, "operator"))
            left, right = _field(test, "left"), _field(test, "right")
            if operator in {"&&", "||"}:
                if (operator == "&&") == truth:
                    return self.refine(left, truth) | self.refine(right, truth)
                return set()
            if operator in {"===", "==", "!==", "!="}:
                positive = operator in {"===", "=="}
                if positive != truth:
                    return set()
                left_u, right_u = _unwrap(left), _unwrap(right)
                if left_u is not None and left_u.type == "unary_expression" and (
                    _text(_field(left_u, "operator")) == "typeof"
                ):
                    if _text(right).strip("'\"`") in {"number", "bigint", "boolean"}:
                        name = _dotted(_field(left_u, "argument"))
                        return {name} if name else set()
                    return set()
                for subject, other in ((left_u, right_u), (right_u, left_u)):
                    if other is not None and other.type in {"string", "number"}:
                        name = _dotted(subject)
                        return {name} if name else set()
                return set()
            if operator == "in" and truth:
                name = _dotted(left)
                return {name} if name and not self.ev(right, {}).unsafe else set()
            return set()
        if kind == "call_expression" and truth:
            return self._refine_call(test)
        return set()

    def _refine_call(self, test: Node) -> set[str]:
        function = _unwrap(_field(test, "function"))
        arguments = _field(test, "arguments")
        args = list(arguments.named_children) if arguments is not None else []
        if function is None or function.type != "member_expression" or not args:
            return set()
        method = _text(_field(function, "property"))
        receiver = _field(function, "object")
        if method not in VALIDATORS:
            return set()
        if method in {"isInteger", "isSafeInteger", "isFinite"}:
            name = _dotted(args[0])
            return {name} if name else set()
        if method in {"hasOwnProperty", "hasOwn"}:
            subject = args[-1]
        else:
            subject = args[0]
        receiver_value = self.ev(receiver, {})
        if receiver_value.unsafe and not _is_regex(receiver):
            return set()
        name = _dotted(subject)
        return {name} if name else set()

    # ------------------------------------------------------------------ expressions

    def ev(self, node: Node | None, env: Env) -> Val:  # noqa: C901 - one dispatch table
        node = _unwrap(node)
        if node is None:
            return SAFE
        self.m.steps += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Nesting
        try:
            return self._ev(node, env)
        finally:
            self.depth -= 1

    def _ev(self, node: Node, env: Env) -> Val:  # noqa: C901 - one dispatch table
        kind = node.type
        if kind == "string":
            return const(_string_value(node))
        if kind in {"number", "true", "false", "null", "undefined", "regex"}:
            return SAFE
        if kind == "template_string":
            return self._template(node, env, _line(node), "a template literal")
        if kind in {"identifier", "shorthand_property_identifier"}:
            return self._name(_text(node), env)
        if kind == "this":
            return SAFE
        if kind == "member_expression":
            return self._member(node, env)
        if kind == "subscript_expression":
            base = self.ev(_field(node, "object"), env)
            self.ev(_field(node, "index"), env)
            if base.enum:
                return Val(enum=True)
            return base.plain() if not base.db else SAFE
        if kind == "binary_expression":
            return self._binary(node, env)
        if kind == "augmented_assignment_expression":
            left = _field(node, "left")
            current = self.ev(left, env)
            value = self.ev(_field(node, "right"), env)
            operator = _text(_field(node, "operator"))
            if operator == "+=":
                result = build([current, value], _line(node), "+=")
            elif operator in {"||=", "??=", "&&="}:
                result = join([current, value])
            else:
                result = SAFE
            self.bind(left, result, None, env)
            return result
        if kind == "assignment_expression":
            value = self.ev(_field(node, "right"), env)
            self.bind(_field(node, "left"), value, _field(node, "right"), env)
            return value
        if kind == "ternary_expression":
            condition = _field(node, "condition")
            self.ev(condition, env)
            then_env = dict(env)
            for name in self.refine(condition, True):
                then_env[name] = SAFE
            else_env = dict(env)
            for name in self.refine(condition, False):
                else_env[name] = SAFE
            return join(
                [self.ev(_field(node, "consequence"), then_env),
                 self.ev(_field(node, "alternative"), else_env)]
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
        if kind in _FUNCTIONS:
            self.function(node, env)
            return SAFE
        if kind in {"class", "class_declaration"}:
            self._class(node, env)
            return SAFE
        if kind == "unary_expression":
            operator = _text(_field(node, "operator"))
            self.ev(_field(node, "argument"), env)
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
        if name in _JS_SOURCES:
            return UNSAFE.named(name)
        return SAFE

    def _member(self, node: Node, env: Env) -> Val:
        dotted = _dotted(node)
        if dotted in env:
            return env[dotted]
        prop = _text(_field(node, "property"))
        obj = _field(node, "object")
        if is_constant_name(prop) or prop == "length":
            self.ev(obj, env)
            return SAFE
        base = self.ev(obj, env)
        if base.enum:
            return Val(enum=True)
        if dotted in {"process.env", "process.argv"} or dotted.startswith("process.env."):
            return UNSAFE.named(dotted)
        unwrapped = _unwrap(obj)
        if unwrapped is not None and unwrapped.type == "this":
            return SAFE
        if prop in _SOURCE_ATTRS and (base.unsafe or _dotted(obj).split(".")[0] in _JS_SOURCES):
            return UNSAFE.named(dotted or prop)
        if base.db:
            return SAFE
        return base.plain().named(dotted) if base.unsafe else base.plain()

    def _binary(self, node: Node, env: Env) -> Val:
        operator = _text(_field(node, "operator"))
        left_node, right_node = _field(node, "left"), _field(node, "right")
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
        if _is_number_node(left_node) or _is_number_node(right_node):
            if not (left.text or right.text or _is_string_node(left_node)
                    or _is_string_node(right_node)):  # fmt: skip
                return SAFE
        return build(
            [left.named(_dotted(left_node)) if left.unsafe else left,
             right.named(_dotted(right_node)) if right.unsafe else right],
            _line(node),
            "+",
        )  # fmt: skip

    def _template(self, node: Node, env: Env, line: int, how: str) -> Val:
        parts: list[Val] = []
        for child in node.children:
            if child.type == "string_fragment" or child.type == "escape_sequence":
                parts.append(const(_text(child)))
            elif child.type == "template_substitution":
                inner = [c for c in child.named_children if c.type != "comment"]
                value = self.ev(inner[0], env) if inner else SAFE
                name = _dotted(inner[0]) if inner else ""
                parts.append(value.named(name) if value.unsafe and name else value)
        if not parts:
            return const("")
        return build(parts, line, how)

    def _object(self, node: Node, env: Env) -> Val:
        chosen: list[Val] = []
        others: list[Val] = []
        for child in node.named_children:
            if child.type == "pair":
                key = _text(_field(child, "key")).strip("'\"")
                value = self.ev(_field(child, "value"), env)
                (chosen if key in QUERY_PROPERTIES else others).append(value)
            elif child.type in {"shorthand_property_identifier", "spread_element"}:
                value = self.ev(child, env)
                key = _text(child)
                (chosen if key in QUERY_PROPERTIES else others).append(value)
            elif child.type == "method_definition":
                self.function(child, env)
        if chosen:
            return join(chosen)
        return join([v.plain() for v in others]) if others else SAFE

    # ------------------------------------------------------------------ calls

    def _call(self, node: Node, env: Env) -> Val:
        self.calls.append(node)
        try:
            return self._call_inner(node, env)
        finally:
            self.calls.pop()

    def _call_inner(self, node: Node, env: Env) -> Val:  # noqa: C901 - one dispatch table
        is_new = node.type == "new_expression"
        function = _unwrap(_field(node, "constructor" if is_new else "function"))
        if function is not None and function.type == "await_expression" and function.named_children:
            # `await pool.execute<Row[]>(sql)` parses as a call of an await expression
            function = _unwrap(function.named_children[0])
        arguments = _field(node, "arguments")
        if arguments is not None and arguments.type == "template_string":
            return self._tagged(node, function, arguments, env)
        arg_nodes = [c for c in arguments.named_children if c.type != "comment"] if (
            arguments is not None
        ) else []
        name = ""
        receiver = SAFE
        receiver_node: Node | None = None
        if function is not None and function.type == "member_expression":
            name = _text(_field(function, "property"))
            receiver_node = _field(function, "object")
            if name in {"map", "flatMap", "forEach", "reduce", "then", "filter"}:
                return self._callback_method(name, receiver_node, arg_nodes, env)
            receiver = self.ev(receiver_node, env)
        elif function is not None:
            name = _text(function) if function.type == "identifier" else ""
            if function.type not in {"identifier"}:
                self.ev(function, env)
        args = [self.ev(a, env) for a in arg_nodes]
        receiver_name = _dotted(receiver_node)
        special = self._special_call(node, name, receiver, receiver_name, arg_nodes, args, env)
        if special is not None:
            return special
        if name in DB_FACTORIES or (receiver.db and name in {"getConnection", "connect"}):
            return DB
        if name in SAFE_FUNCTIONS:
            return SAFE
        if name in PASSTHROUGH_METHODS:
            return join([receiver, *args]) if receiver.unsafe or any(a.unsafe for a in args) else (
                join([receiver, *args])
            )
        if not is_new:
            self._unknown_sink(node, name, args)
        values = [receiver, *args]
        if receiver.db and not any(a.unsafe for a in args):
            return SAFE
        return UNSAFE if any(v.unsafe for v in values) else SAFE

    def _special_call(
        self,
        node: Node,
        name: str,
        receiver: Val,
        receiver_name: str,
        arg_nodes: list[Node],
        args: list[Val],
        env: Env,
    ) -> Val | None:
        sink = METHOD_SINKS.get(name)
        if sink is not None and args and (receiver_name or name.startswith("$")):
            self._check_sink(node, sink, name, receiver, receiver_name, args[0])
            if receiver.db or is_db_name(receiver_name):
                return DB if name in {"query", "raw"} and sink.rule_id == "js-sqli-knex" else SAFE
            return None
        if sink is not None and not receiver_name and name == "literal" and args:
            self._check_sink(node, sink, name, receiver, "sequelize", args[0])
            return SAFE
        if name in {"concat"}:
            return build([receiver, *args], _line(node), ".concat()")
        if name == "join" and (receiver.unsafe or receiver.text or not args):
            separator = args[0] if args else const(",")
            return build([receiver, separator], _line(node), ".join()") if receiver.unsafe else (
                Val(text=receiver.text)
            )
        if name in {"replace", "replaceAll"} and len(args) >= 2:
            return build([receiver, args[1]], _line(node), ".replace()")
        if name == "format" and args:
            return self._format_call(node, receiver_name, arg_nodes, args)
        if name in {"escape", "escapeId", "escapeLiteral", "escapeIdentifier"}:
            return SAFE
        if name == "raw" and receiver_name == "String":
            return build(args, _line(node), "String.raw")
        if name in {"push", "unshift", "add", "set"} and receiver_name and args:
            env[receiver_name] = join([env.get(receiver_name, receiver), *args])
            return SAFE
        if name == "fill" and args:
            return args[0]
        if name in {"from"} and receiver_name == "Array" and len(args) >= 2:
            return self._array_from(arg_nodes, env)
        if name in {"keys", "values", "entries"} and receiver_name == "Object" and args:
            return args[0].plain() if args[0].unsafe else Val(enum=args[0].enum)
        if receiver.text and name in PASSTHROUGH_METHODS:
            return receiver if not any(a.unsafe for a in args) else join([receiver, *args])
        fn = self.m.functions.get(name) if not receiver_name else None
        if fn is None and receiver_name in {"this", "self"}:
            fn = self.m.methods.get(name)
        if fn is not None:
            return self._inline(node, fn, args)
        if name and name in self.m.enums:
            return Val(enum=True)
        return None

    def _format_call(
        self, node: Node, receiver_name: str, arg_nodes: list[Node], args: list[Val]
    ) -> Val:
        """mysql.format / SqlString.format escape values; pg-format escapes %I and %L only."""
        head = args[0]
        if receiver_name.split(".")[-1].lower() in {"mysql", "sqlstring", "mysql2", "connection",
                                                    "pool", "conn", "db"}:  # fmt: skip
            return head
        if receiver_name == "util" or not receiver_name and not _PG_FORMAT.search(head.text):
            return build(args, _line(node), "util.format()")
        kinds = [m.group(1) for m in _PG_FORMAT.finditer(head.text) if m.group(1) != "%"]
        parts = [head]
        for index, value in enumerate(args[1:]):
            kind = kinds[index] if index < len(kinds) else "s"
            parts.append(SAFE if kind in {"I", "L"} else value)
        return build(parts, _line(node), "format()")

    def _tagged(self, node: Node, function: Node | None, template: Node, env: Env) -> Val:
        tag = _dotted(function)
        last = tag.rsplit(".", 1)[-1]
        if last in TEMPLATE_STRING_TAGS:
            return self._template(template, env, _line(node), f"{tag}``")
        for child in template.named_children:
            if child.type == "template_substitution":
                for inner in child.named_children:
                    self.ev(inner, env)
        return SAFE

    def _callback_method(
        self, name: str, receiver_node: Node | None, arg_nodes: list[Node], env: Env
    ) -> Val:
        receiver = self.ev(receiver_node, env)
        element = receiver.plain() if not receiver.enum else Val(enum=True)
        if receiver.db:
            element = SAFE
        callback = _unwrap(arg_nodes[0]) if arg_nodes else None
        for extra in arg_nodes[1:]:
            self.ev(extra, env)
        if callback is None:
            return receiver
        if callback.type in _FUNCTIONS:
            if name == "reduce":
                result = self.function(callback, env, [element, element, SAFE])
            else:
                result = self.function(callback, env, [element, SAFE, receiver.plain()])
        else:
            called = _dotted(callback)
            result = SAFE if called.split(".")[-1] in SAFE_FUNCTIONS else element
        if name in {"forEach"}:
            return SAFE
        if name in {"filter", "then"} and name == "filter":
            return receiver
        return result

    def _array_from(self, arg_nodes: list[Node], env: Env) -> Val:
        callback = _unwrap(arg_nodes[1])
        source = self.ev(arg_nodes[0], env)
        if callback is not None and callback.type in _FUNCTIONS:
            return self.function(callback, env, [source.plain(), SAFE])
        return source.plain()

    def _check_sink(
        self, node: Node, sink: JsSink, name: str, receiver: Val, receiver_name: str, query: Val
    ) -> None:
        last = receiver_name.split(".")[-1]
        fragment = (
            (name == "raw" and last == "Prisma")
            or (name == "literal" and "sequelize" in receiver_name.lower())
            or (sink.rule_id == "js-sqli-knex" and sink.evidence == "strong")
        )
        if fragment and not names_sql_text(query.names):
            # raw SQL fragments: any untrusted value is injected as SQL text
            if query.unsafe and query.built is None:
                query = Val(unsafe=True, built=Built(_line(node), "a raw fragment", query.names))
        if not query.is_injection:
            return
        lowered = receiver_name.lower()
        dbish = receiver.db or is_db_name(receiver_name)
        rule = sink.rule_id
        if sink.evidence == "weak" and not (dbish or looks_like_sql(query.text)):
            return
        if sink.evidence == "sql" and not looks_like_sql(query.text):
            return
        if sink.evidence == "builder":
            if not any(h in lowered.replace("_", "") for h in BUILDER_HINTS):
                return
            if not _OPERATOR_TEXT.search(query.text) and name not in {"orderBy", "addOrderBy",
                                                                     "groupBy", "addGroupBy",
                                                                     "select", "addSelect"}:  # fmt: skip
                return
        if name == "raw" and receiver_name.split(".")[-1] == "Prisma":
            rule = "js-sqli-prisma"
        elif name in {"query", "literal"} and any(r in lowered for r in SEQUELIZE_RECEIVERS):
            rule = "js-sqli-sequelize"
        elif name == "query" and any(r in lowered.replace("_", "") for r in TYPEORM_RECEIVERS):
            rule = "js-sqli-typeorm"
        elif name == "raw" and receiver_name.split(".")[-1] == "sql":
            rule = "js-sqli-query"
        assert query.built is not None
        self._report(node, rule, f"{receiver_name or '...'}.{name}()", query.built, "high")

    def _unknown_sink(self, node: Node, name: str, args: list[Val]) -> None:
        if not name or name in NON_SINKS or name[:1].isupper() or name in self.m.functions:
            return
        for value in args:
            if value.is_injection and looks_like_statement(value.text):
                assert value.built is not None
                self._report(node, "js-sqli-formatted", f"{name}()", value.built, "medium")
                return

    def _inline(self, node: Node, fn: Node, args: list[Val]) -> Val:
        if (
            len(self.inline) >= MAX_INLINE_DEPTH
            or self.m.steps > MAX_STEPS
            or fn.id in self.callees
            or (self.fn is not None and fn.id == self.fn.id)
        ):
            return join([a.plain() for a in args]) if args else SAFE
        callee_range = self.callee_range or (_line(fn), int(fn.end_point[0]) + 1)
        scope = _Scope(
            self.m,
            fn,
            inline=(*self.inline[:1], node) if self.inline else (node,),
            callee_range=callee_range,
            callees=(*self.callees, fn.id),
        )
        scope.depth = self.depth
        saved_steps = self.m.steps
        result = scope.function(fn, {}, args)
        self.m.steps = max(self.m.steps, saved_steps)
        return result

    def _report(self, node: Node, rule_id: str, sink: str, built: Built, confidence: str) -> None:
        if self.inline:
            if self.callee_range and self.callee_range[0] <= built.line <= self.callee_range[1]:
                return
            node = self.inline[0]
        self.m.reporter.add(
            rule_id=rule_id,
            line=_sink_line(node),
            column=int(node.start_point[1]),
            end_line=int(node.end_point[0]) + 1,
            end_column=int(node.end_point[1]),
            sink=sink,
            built=built,
            confidence="high" if confidence == "high" else "medium",
        )


def _sink_line(call: Node) -> int:
    """The line of a call's method name (`.where(` in a chain), else where the call starts."""
    function = _unwrap(_field(call, "function"))
    if function is not None and function.type == "member_expression":
        prop = _field(function, "property")
        if prop is not None:
            return _line(prop)
    return _line(call)


def _parameters(params: Node | None) -> Iterator[tuple[str, Node | None]]:
    if params is None:
        return
    if params.type == "identifier":
        yield _text(params), None
        return
    for child in params.named_children:
        kind = child.type
        if kind == "identifier":
            yield _text(child), None
        elif kind in {"required_parameter", "optional_parameter"}:
            pattern = _field(child, "pattern")
            if pattern is not None and pattern.type == "identifier":
                yield _text(pattern), child
            elif pattern is not None:
                for name in _pattern_names(pattern):
                    yield name, None
        elif kind == "assignment_pattern":
            left = _field(child, "left")
            if left is not None and left.type == "identifier":
                yield _text(left), None
            elif left is not None:
                for name in _pattern_names(left):
                    yield name, None
        elif kind in {"object_pattern", "array_pattern", "rest_pattern"}:
            for name in _pattern_names(child):
                yield name, None


def _pattern_names(node: Node) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in {"identifier", "shorthand_property_identifier_pattern"}:
            yield _text(current)
        elif current.type == "pair_pattern":
            value = _field(current, "value")
            if value is not None:
                stack.append(value)
        else:
            stack.extend(current.named_children)


def _string_value(node: Node) -> str:
    return "".join(_text(c) for c in node.named_children) or _text(node).strip("'\"")


def _is_number_node(node: Node | None) -> bool:
    node = _unwrap(node)
    return node is not None and node.type == "number"


def _is_string_node(node: Node | None) -> bool:
    node = _unwrap(node)
    return node is not None and node.type in {"string", "template_string"}


def _is_regex(node: Node | None) -> bool:
    node = _unwrap(node)
    return node is not None and node.type == "regex"


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



