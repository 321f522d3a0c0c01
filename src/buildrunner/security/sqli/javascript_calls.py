"""The JS/TS analyser's calls: driver and ORM sinks, tagged templates, callbacks, helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buildrunner.security.sqli.javascript_sinks import (
    BUILDER_HINTS,
    DB_FACTORIES,
    METHOD_SINKS,
    NON_SINKS,
    PASSTHROUGH_METHODS,
    SAFE_FUNCTIONS,
    SEQUELIZE_RECEIVERS,
    TEMPLATE_STRING_TAGS,
    TYPEORM_RECEIVERS,
    JsSink,
)
from buildrunner.security.sqli.names import is_db_name, names_sql_text
from buildrunner.security.sqli.sqltext import (
    looks_like_sql,
    looks_like_statement,
    starts_like_statement,
)
from buildrunner.security.sqli.taint import DB, SAFE, UNSAFE, Built, Val, build, const, join

if TYPE_CHECKING:
    from tree_sitter import Node

from buildrunner.security.sqli.javascript_ast import (
    FUNCTIONS,
    IDENTIFIER_METHODS,
    MAX_INLINE_DEPTH,
    MAX_STEPS,
    OPERATOR_TEXT,
    PG_FORMAT,
    Env,
    dotted,
    field,
    line,
    sink_line,
    text,
    unwrap,
)
from buildrunner.security.sqli.javascript_values import ValueScope


class Scope(ValueScope):
    """Abstract interpretation of one function body (or the program)."""

    # ------------------------------------------------------------------ calls

    def _call(self, node: Node, env: Env) -> Val:
        self.calls.append(node)
        try:
            return self._call_inner(node, env)
        finally:
            self.calls.pop()

    def _call_inner(self, node: Node, env: Env) -> Val:
        is_new = node.type == "new_expression"
        function = unwrap(field(node, "constructor" if is_new else "function"))
        if function is not None and function.type == "await_expression" and function.named_children:
            # `await pool.execute<Row[]>(sql)` parses as a call of an await expression
            function = unwrap(function.named_children[0])
        arguments = field(node, "arguments")
        if arguments is not None and arguments.type == "template_string":
            return self._tagged(node, function, arguments, env)
        arg_nodes = (
            [c for c in arguments.named_children if c.type != "comment"]
            if (arguments is not None)
            else []
        )
        name = ""
        receiver = SAFE
        receiver_node: Node | None = None
        if function is not None and function.type == "member_expression":
            name = text(field(function, "property"))
            receiver_node = field(function, "object")
            if name in {"map", "flatMap", "forEach", "reduce", "then", "filter"}:
                return self._callback_method(name, receiver_node, arg_nodes, env)
            receiver = self.ev(receiver_node, env)
        elif function is not None:
            name = text(function) if function.type == "identifier" else ""
            if function.type not in {"identifier"}:
                self.ev(function, env)
        args = [self.ev(a, env) for a in arg_nodes]
        receiver_name = dotted(receiver_node)
        first = args[0] if args else SAFE
        if is_new and name == "Request" and first.built and looks_like_statement(first.text):
            # tedious: new Request(sql, callback) runs `sql` when the connection executes it
            self._report(node, "js-sqli-query", "new Request()", first.built, "high")
        special = self._special_call(node, name, receiver, receiver_name, arg_nodes, args, env)
        if special is not None:
            return special
        if name in DB_FACTORIES or (receiver.db and name in {"getConnection", "connect"}):
            return DB
        if name in SAFE_FUNCTIONS:
            return SAFE
        if name in PASSTHROUGH_METHODS:
            return join([receiver, *args])
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
        """Sinks, string builders, collections and helpers (a dispatch on the method name)."""
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
            return build([receiver, *args], line(node), ".concat()")
        if name == "join" and (receiver.unsafe or receiver.text or not args):
            separator = args[0] if args else const(",")
            return (
                build([receiver, separator], line(node), ".join()")
                if receiver.unsafe
                else (Val(text=receiver.text))
            )
        if name in {"replace", "replaceAll"} and len(args) >= 2:
            return build([receiver, args[1]], line(node), ".replace()")
        if name == "format" and args:
            return self._format_call(node, receiver_name, arg_nodes, args)
        if name in {"escape", "escapeId", "escapeLiteral", "escapeIdentifier"}:
            return SAFE
        if name == "raw" and receiver_name == "String":
            return build(args, line(node), "String.raw")
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
        if receiver_name == "util" or (not receiver_name and not PG_FORMAT.search(head.text)):
            return build(args, line(node), "util.format()")
        kinds = [m.group(1) for m in PG_FORMAT.finditer(head.text) if m.group(1) != "%"]
        parts = [head]
        for index, value in enumerate(args[1:]):
            kind = kinds[index] if index < len(kinds) else "s"
            parts.append(SAFE if kind in {"I", "L"} else value)
        return build(parts, line(node), "format()")

    def _tagged(self, node: Node, function: Node | None, template: Node, env: Env) -> Val:
        tag = dotted(function)
        last = tag.rsplit(".", 1)[-1]
        if last in TEMPLATE_STRING_TAGS:
            return self._template(template, env, line(node), f"{tag}``")
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
        callback = unwrap(arg_nodes[0]) if arg_nodes else None
        for extra in arg_nodes[1:]:
            self.ev(extra, env)
        if callback is None:
            return receiver
        if callback.type in FUNCTIONS:
            if name == "reduce":
                result = self.function(callback, env, [element, element, SAFE])
            else:
                result = self.function(callback, env, [element, SAFE, receiver.plain()])
        else:
            called = dotted(callback)
            result = SAFE if called.split(".")[-1] in SAFE_FUNCTIONS else element
        if name in {"forEach"}:
            return SAFE
        if name in {"filter", "then"} and name == "filter":
            return receiver
        return result

    def _array_from(self, arg_nodes: list[Node], env: Env) -> Val:
        callback = unwrap(arg_nodes[1])
        source = self.ev(arg_nodes[0], env)
        if callback is not None and callback.type in FUNCTIONS:
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
        # raw SQL fragments: any untrusted value is injected as SQL text
        if fragment and not names_sql_text(query.names) and query.unsafe and query.built is None:
            query = Val(unsafe=True, built=Built(line(node), "a raw fragment", query.names))
        if not query.is_injection:
            return
        lowered = receiver_name.lower()
        dbish = receiver.db or is_db_name(receiver_name)
        rule = sink.rule_id
        if sink.evidence == "weak" and not (dbish or looks_like_sql(query.text)):
            return
        if sink.evidence == "sql" and not looks_like_statement(query.text):
            return
        if sink.evidence == "builder":
            if not any(h in lowered.replace("_", "") for h in BUILDER_HINTS):
                return
            if not OPERATOR_TEXT.search(query.text) and name not in IDENTIFIER_METHODS:
                return
        if name == "raw" and receiver_name.split(".")[-1] == "Prisma":
            rule = "js-sqli-prisma"
        elif name in {"query", "literal"} and any(r in lowered for r in SEQUELIZE_RECEIVERS):
            rule = "js-sqli-sequelize"
        elif name == "query" and any(r in lowered.replace("_", "") for r in TYPEORM_RECEIVERS):
            rule = "js-sqli-typeorm"
        elif name == "raw" and receiver_name.split(".")[-1] == "sql":
            rule = "js-sqli-query"
        if query.built is None:
            return
        self._report(node, rule, f"{receiver_name or '...'}.{name}()", query.built, "high")

    def _unknown_sink(self, node: Node, name: str, args: list[Val]) -> None:
        if not name or name in NON_SINKS or name[:1].isupper() or name in self.m.functions:
            return
        for value in args:
            if value.is_injection and starts_like_statement(value.text) and value.built:
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
        if any(a.built is not None for a in args):
            return self._inline_body(node, fn, args)
        # Without formatted input nothing inside can be reported at this call: cache the value.
        key = (fn.id, tuple(args))
        cached = self.m.inline_cache.get(key)
        if cached is None:
            cached = self._inline_body(node, fn, args)
            self.m.inline_cache[key] = cached
        return cached

    def _inline_body(self, node: Node, fn: Node, args: list[Val]) -> Val:
        callee_range = self.callee_range or (line(fn), int(fn.end_point[0]) + 1)
        scope = type(self)(
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
            line=sink_line(node),
            column=int(node.start_point[1]),
            end_line=int(node.end_point[0]) + 1,
            end_column=int(node.end_point[1]),
            sink=sink,
            built=built,
            confidence="high" if confidence == "high" else "medium",
        )
