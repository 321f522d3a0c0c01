"""The JS/TS analyser's flow: functions, parameters, statements, branches, refinement.

:class:`FlowScope` walks statements; :mod:`.javascript_values` adds expressions and
:mod:`.javascript_calls` calls and sinks, each subclassing the one before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from buildrunner.security.sqli.javascript_sinks import (
    NUMERIC_TS_TYPES,
    VALIDATORS,
)
from buildrunner.security.sqli.names import is_db_name
from buildrunner.security.sqli.taint import DB, SAFE, UNSAFE, Val, join

if TYPE_CHECKING:
    from tree_sitter import Node

if TYPE_CHECKING:
    from buildrunner.security.sqli.javascript import ModuleFacts

from buildrunner.security.sqli.javascript_ast import (
    JS_SOURCES,
    Env,
    dotted,
    field,
    is_regex,
    merge,
    parameters,
    text,
    unwrap,
)


class FlowScope:
    """Abstract interpretation of one function body (or the program)."""

    def __init__(
        self,
        module: ModuleFacts,
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
        params = field(fn, "parameters") or field(fn, "parameter")
        for index, (name, param) in enumerate(parameters(params)):
            if args is not None:
                env[name] = args[index] if index < len(args) else SAFE
            else:
                env[name] = self._param_val(name, param)
        scope = type(self)(
            self.m,
            fn,
            inline=self.inline,
            callee_range=self.callee_range,
            callees=self.callees,
        )
        body = field(fn, "body")
        if body is None:
            return SAFE
        if body.type == "statement_block":
            scope.block(list(body.named_children), env)
        else:
            scope.returns.append(scope.ev(body, env))
        return join(scope.returns) if scope.returns else SAFE

    def _param_val(self, name: str, param: Node | None) -> Val:
        annotation = field(param, "type") if param is not None else None
        if annotation is not None and self._is_safe_type(annotation):
            return Val(enum=True)
        if name in JS_SOURCES:
            return UNSAFE.named(name)
        if is_db_name(name):
            return DB
        return UNSAFE.named(name)

    def _is_safe_type(self, node: Node) -> bool:
        kind = node.type
        if kind == "type_annotation":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "predefined_type":
            return text(node) in NUMERIC_TS_TYPES
        if kind == "literal_type":
            return True
        if kind == "union_type":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "array_type":
            return all(self._is_safe_type(c) for c in node.named_children)
        if kind == "type_identifier":
            return text(node) in NUMERIC_TS_TYPES or text(node) in self.m.enums
        if kind == "generic_type":
            name = text(field(node, "name"))
            args = field(node, "type_arguments")
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

    def stmt(self, node: Node, env: Env) -> Env | None:
        self.m.steps += 1
        kind = node.type
        if kind in {"lexical_declaration", "variable_declaration"}:
            for declarator in node.named_children:
                if declarator.type == "variable_declarator":
                    value_node = field(declarator, "value")
                    value = self.ev(value_node, env) if value_node is not None else SAFE
                    self.bind(field(declarator, "name"), value, value_node, env)
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
        body = field(node, "body")
        if body is None:
            return
        for member in body.named_children:
            if member.type == "method_definition":
                self.function(member, env)
            elif member.type in {"field_definition", "public_field_definition"}:
                value = field(member, "value")
                if value is not None:
                    self.ev(value, env)

    def _if(self, node: Node, env: Env) -> Env | None:
        condition = field(node, "condition")
        self.ev(condition, env)
        then_env = dict(env)
        for name in self.refine(condition, True):
            then_env[name] = SAFE
        else_env = dict(env)
        for name in self.refine(condition, False):
            else_env[name] = SAFE
        consequence = field(node, "consequence")
        after_then = self.stmt(consequence, then_env) if consequence is not None else then_env
        alternative = field(node, "alternative")
        if alternative is not None:
            inner = [c for c in alternative.named_children if c.type != "comment"]
            after_else = self.block(inner, else_env)
        else:
            after_else = else_env
        return merge(after_then, after_else)

    def _loop(self, node: Node, env: Env) -> Env | None:
        kind = node.type
        state = dict(env)
        if kind == "for_statement":
            initializer = field(node, "initializer")
            if initializer is not None:
                state = self.stmt(initializer, state) or state
        body = field(node, "body")
        for _ in range(2):
            body_env = dict(state)
            if kind == "for_in_statement":
                iterable = self.ev(field(node, "right"), body_env)
                element = iterable.plain() if not iterable.enum else Val(enum=True)
                operator = text(field(node, "operator"))
                if operator == "in":
                    element = iterable.plain()
                self.bind(field(node, "left"), element, None, body_env)
            elif kind in {"while_statement", "do_statement", "for_statement"}:
                self.ev(field(node, "condition"), body_env)
            after = self.stmt(body, body_env) if body is not None else body_env
            if kind == "for_statement" and after is not None:
                self.ev(field(node, "increment"), after)
            state = merge(state, after) or state
        return state

    def _try(self, node: Node, env: Env) -> Env | None:
        before = dict(env)
        body = field(node, "body")
        after = self.stmt(body, env) if body is not None else env
        start = merge(before, after) or before
        result = after
        handler = field(node, "handler")
        if handler is not None:
            henv = dict(start)
            parameter = field(handler, "parameter")
            if parameter is not None:
                self.bind(parameter, SAFE, None, henv)
            handler_body = field(handler, "body")
            out = self.stmt(handler_body, henv) if handler_body is not None else henv
            result = merge(result, out)
        finalizer = field(node, "finalizer")
        if finalizer is not None:
            for child in finalizer.named_children:
                base = result if result is not None else dict(start)
                self.stmt(child, base)
        return result

    def _switch(self, node: Node, env: Env) -> Env | None:
        value = field(node, "value")
        self.ev(value, env)
        body = field(node, "body")
        result: Env | None = None
        has_default = False
        subject = dotted(value)
        for case in body.named_children if body is not None else []:
            cenv = dict(env)
            case_value = field(case, "value")
            if case.type == "switch_default":
                has_default = True
            elif subject and case_value is not None and case_value.type in {"string", "number"}:
                cenv[subject] = SAFE
            statements = [c for c in case.named_children if c is not case_value]
            out = self.block(statements, cenv)
            result = merge(result, out if out is not None else cenv)
        return result if has_default else merge(result, env)

    def bind(self, target: Node | None, value: Val, source: Node | None, env: Env) -> None:
        target = unwrap(target)
        if target is None:
            return
        kind = target.type
        if kind in {"identifier", "shorthand_property_identifier_pattern"}:
            env[text(target)] = value
        elif kind == "member_expression":
            key = dotted(target)
            if key:
                env[key] = value
        elif kind in {"object_pattern", "array_pattern"}:
            element = value.plain() if not value.enum else Val(enum=True)
            for child in target.named_children:
                if child.type == "pair_pattern":
                    self.bind(field(child, "value"), element, None, env)
                elif child.type in {"object_assignment_pattern", "assignment_pattern"}:
                    default = field(child, "right")
                    fallback = self.ev(default, env) if default is not None else SAFE
                    self.bind(field(child, "left"), join([element, fallback]), None, env)
                elif child.type == "rest_pattern":
                    inner = child.named_children
                    if inner:
                        self.bind(inner[0], element, None, env)
                else:
                    self.bind(child, element, None, env)
        elif kind == "assignment_pattern":
            self.bind(field(target, "left"), value, source, env)

    # ------------------------------------------------------------------ refinement

    def refine(self, test: Node | None, truth: bool) -> set[str]:
        """Names proven free of SQL syntax when `test` evaluates to `truth`."""
        test = unwrap(test)
        if test is None:
            return set()
        kind = test.type
        if kind == "unary_expression" and text(field(test, "operator")) == "!":
            return self.refine(field(test, "argument"), not truth)
        if kind == "binary_expression":
            operator = text(field(test, "operator"))
            left, right = field(test, "left"), field(test, "right")
            if operator in {"&&", "||"}:
                if (operator == "&&") == truth:
                    return self.refine(left, truth) | self.refine(right, truth)
                return set()
            if operator in {"===", "==", "!==", "!="}:
                positive = operator in {"===", "=="}
                if positive != truth:
                    return set()
                left_u, right_u = unwrap(left), unwrap(right)
                if (
                    left_u is not None
                    and left_u.type == "unary_expression"
                    and (text(field(left_u, "operator")) == "typeof")
                ):
                    if text(right).strip("'\"`") in {"number", "bigint", "boolean"}:
                        name = dotted(field(left_u, "argument"))
                        return {name} if name else set()
                    return set()
                for subject, other in ((left_u, right_u), (right_u, left_u)):
                    if other is not None and other.type in {"string", "number"}:
                        name = dotted(subject)
                        return {name} if name else set()
                return set()
            if operator == "in" and truth:
                name = dotted(left)
                return {name} if name and not self.ev(right, {}).unsafe else set()
            return set()
        if kind == "call_expression" and truth:
            return self._refine_call(test)
        return set()

    def _refine_call(self, test: Node) -> set[str]:
        function = unwrap(field(test, "function"))
        arguments = field(test, "arguments")
        args = list(arguments.named_children) if arguments is not None else []
        if function is None or function.type != "member_expression" or not args:
            return set()
        method = text(field(function, "property"))
        receiver = field(function, "object")
        if method not in VALIDATORS:
            return set()
        if method in {"isInteger", "isSafeInteger", "isFinite"}:
            name = dotted(args[0])
            return {name} if name else set()
        subject = args[-1] if method in {"hasOwnProperty", "hasOwn"} else args[0]
        receiver_value = self.ev(receiver, {})
        if receiver_value.unsafe and not is_regex(receiver):
            return set()
        name = dotted(subject)
        return {name} if name else set()

    # ------------------------------------------------------------------ provided by subclasses

    def ev(self, node: Node | None, env: Env) -> Val:
        raise NotImplementedError
