"""The Python analyser's calls: sinks, SQL constructors, string methods, helpers followed."""

from __future__ import annotations

import ast
import string

from buildrunner.security.sqli.names import (
    is_db_name,
    is_sanitizer,
    names_sql_text,
)
from buildrunner.security.sqli.python_ast import (
    MAX_INLINE_DEPTH,
    MAX_STEPS,
    NUMERIC_CONVERSIONS,
    Env,
    FunctionNode,
    call_name,
    defaults,
    dotted,
    is_staticmethod,
    is_str_const,
    params,
    query_arg,
    returns,
    sink_line,
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
    SAFE_CALLS,
    SOURCE_CALLS,
    SOURCE_FUNCTIONS,
    SPREAD,
    STRING_METHODS,
    WRAPPERS,
    Sink,
)
from buildrunner.security.sqli.python_values import ValueScope
from buildrunner.security.sqli.sqltext import looks_like_sql, starts_like_statement
from buildrunner.security.sqli.taint import (
    COMPOSED,
    DB,
    SAFE,
    UNSAFE,
    Built,
    Val,
    Wrapped,
    build,
    join,
)

_TEMPLATE_METHODS = frozenset({"format", "format_map", "substitute", "safe_substitute"})
"""Methods that format a template even when the template's text is not known here."""
SQLALCHEMY_NAMES = frozenset({"sa", "sqlalchemy", "db", "sqlmodel"})
"""Receivers of ``.text(...)`` that mean SQLAlchemy (``sa.text``, Flask-SQLAlchemy ``db.text``)."""


class Scope(ValueScope):
    """Abstract interpretation of one function body (or the module body)."""

    # ------------------------------------------------------------------ calls

    def _call(self, node: ast.Call, env: Env) -> Val:
        func = node.func
        args = [self.ev(a, env) for a in node.args]
        kwargs = {kw.arg: self.ev(kw.value, env) for kw in node.keywords if kw.arg}
        spread = [self.ev(kw.value, env) for kw in node.keywords if kw.arg is None]
        if spread:
            kwargs[SPREAD] = join(spread)
        name = call_name(func) or ""
        qualified = self._qualified(func)
        if name in SOURCE_CALLS or qualified in SOURCE_FUNCTIONS:
            return UNSAFE.named(dotted(func) or name)
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
        if name in PASSTHROUGH_CALLS:
            return join(args) if args else SAFE
        values = [*args, *kwargs.values()]
        self._unknown_sink(node, name, values)
        if name in BOOL_METHODS:
            return SAFE
        unsafe = receiver.unsafe or any(v.unsafe for v in values)
        if receiver.db and not unsafe:
            return SAFE
        return UNSAFE if unsafe else SAFE

    def _qualified(self, func: ast.expr) -> str:
        name = dotted(func) or ""
        head, _, rest = name.partition(".")
        origin = self.m.imports.get(head)
        if origin is None:
            return name
        return f"{origin}.{rest}" if rest else origin

    def _function(
        self,
        node: ast.Call,
        name: str,
        qualified: str,
        args: list[Val],
        kwargs: dict[str, Val],
        env: Env,
    ) -> Val | None:
        wrapper = self._wrapper_rule(name, qualified)
        if wrapper is not None:
            return self._wrap(node, wrapper, name, query_arg(args, kwargs))
        if name in PANDAS_FUNCTIONS or qualified.startswith("pandas.read_sql"):
            self._check_sink(node, Sink("py-sqli-pandas", True), name, query_arg(args, kwargs))
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
        kwargs: dict[str, Val],
        env: Env,
    ) -> Val | None:
        """A method call: sinks and SQL constructors first, then what flows through."""
        name = func.attr
        qualified = self._qualified(func)
        receiver_name = dotted(func.value) or ""
        wrapper = self._wrapper_rule(name, qualified, receiver_name)
        if wrapper is not None:
            return self._wrap(node, wrapper, f"{receiver_name}.{name}", query_arg(args, kwargs))
        if qualified.startswith(("psycopg.sql.", "psycopg2.sql.")) and name in COMPOSABLES:
            return COMPOSED
        if name in PANDAS_FUNCTIONS:
            sink = Sink("py-sqli-pandas", True)
            self._check_sink(node, sink, f"{receiver_name}.{name}", query_arg(args, kwargs))
            return UNSAFE
        if name == "extra" and any(k in kwargs for k in DJANGO_EXTRA_KEYWORDS):
            for key in DJANGO_EXTRA_KEYWORDS:
                if key in kwargs:
                    sink = Sink("py-sqli-django", True)
                    self._check_sink(node, sink, f"{name}({key}=...)", kwargs[key])
            return SAFE
        exec_sink = EXEC_METHODS.get(name)
        if exec_sink is not None:
            dbish = receiver.db or is_db_name(receiver_name)
            if name == "raw":
                dbish = "objects" in receiver_name or receiver_name[:1].isupper()
            query = query_arg(args, kwargs)
            sink_name = f"{receiver_name or '...'}.{name}"
            self._check_sink(node, exec_sink, sink_name, query, dbish=dbish)
            if name in {"cursor", "execute"} and receiver.db:
                return DB
            return SAFE if receiver.db else (UNSAFE if receiver.unsafe else SAFE)
        container = self._object_method(node, func, receiver, args, env)
        if container is not None:
            return container
        if receiver.text or is_str_const(func.value) or name in _TEMPLATE_METHODS:
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

    def _object_method(
        self, node: ast.Call, func: ast.Attribute, receiver: Val, args: list[Val], env: Env
    ) -> Val | None:
        """Methods of SQL objects and containers: composition, ``append``, ``update``, ``get``."""
        name = func.attr
        if receiver.composed:
            if name in {"format", "join"}:
                return COMPOSED
            if name == "as_string":
                return SAFE
        if name == "bindparams" and receiver.wrapped is not None:
            return receiver
        if name in {"append", "add", "extend", "insert", "appendleft"}:
            target = dotted(func.value)
            if target is not None and args:
                value = args[-1]
                env[target] = join([env.get(target, receiver), value])
            return SAFE
        if name == "update" and isinstance(func.value, ast.Name) and args:
            env[func.value.id] = join([receiver, *args])
            return SAFE
        if name == "get" and args and not is_str_const(func.value):
            default = args[1] if len(args) > 1 else SAFE
            key_node = node.args[0]
            if receiver.fields is not None and isinstance(key_node, ast.Constant):
                stored = dict(receiver.fields).get(str(key_node.value))
                return stored if stored is not None else default
            if receiver.enum or not receiver.unsafe:
                return SAFE if not default.unsafe else default
            return receiver.plain()
        return None

    def _string_method(
        self,
        node: ast.Call,
        func: ast.Attribute,
        receiver: Val,
        args: list[Val],
        kwargs: dict[str, Val],
    ) -> Val | None:
        name = func.attr
        line = node.lineno
        if name == "format":
            return self._format(node, receiver, args, kwargs)
        if name in {"format_map", "substitute", "safe_substitute"}:
            # str.format_map(d), string.Template(...).substitute(**values)
            return build([receiver, *args, *kwargs.values()], node.lineno, f".{name}()")
        if name == "join" and args:
            return (
                build([receiver, args[0], receiver], line, ".join()")
                if args[0].unsafe
                else (Val(text=receiver.text + " " + args[0].text))
            )
        if name == "replace" and len(args) >= 2:
            return build([receiver, args[1]], line, ".replace()")
        if name in STRING_METHODS:
            return receiver
        if name in BOOL_METHODS:
            return SAFE
        return None

    def _format(
        self, node: ast.Call, receiver: Val, args: list[Val], kwargs: dict[str, Val]
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
            is_numeric = bool(spec) and (spec or " ")[-1] in NUMERIC_CONVERSIONS and not conversion
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
            parts.append(value.named(dotted(arg_node) or "") if value.unsafe else value)
        for kw in node.keywords:
            value = kwargs.get(kw.arg or SPREAD, SAFE)
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
            if qualified.startswith(("sqlalchemy", "sqlmodel")) or receiver in SQLALCHEMY_NAMES:
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
        if query.built is None:
            return SAFE
        scope = self.scope_id
        if self.inline:
            if self._built_inside_callee(query.built):
                scope = -1
            else:
                self._report(node, rule_id, sink, query.built, "high")
                return UNSAFE
        wrapped = Wrapped(sink_line(node), node.col_offset, rule_id, sink, query.built, scope)
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
        if not (sink.strong or dbish or looks_like_sql(query.text)) or query.built is None:
            return
        self._report(node, sink.rule_id, sink_name, query.built, "high")

    def _unknown_sink(self, node: ast.Call, name: str, values: list[Val]) -> None:
        if name in NON_SINKS or name[:1].isupper() or name in self.m.functions:
            return
        for value in values:
            if value.wrapped is not None or not value.is_injection:
                continue
            if starts_like_statement(value.text) and value.built is not None:
                self._report(node, "py-sqli-formatted", f"{name}()", value.built, "medium")
                return

    def _inline(
        self,
        node: ast.Call,
        fn: FunctionNode,
        args: list[Val],
        kwargs: dict[str, Val],
        *,
        is_method: bool,
    ) -> Val:
        """Follow a call into a function of this module with the caller's values."""
        depth = len(self.inline)
        if depth >= MAX_INLINE_DEPTH or self.m.steps > MAX_STEPS or fn is self.fn:
            return join([a.plain() for a in [*args, *kwargs.values()]]) if args else SAFE
        if any(fn is c for c in self.callees):
            return join([a.plain() for a in [*args, *kwargs.values()]]) if args else SAFE
        carries_built = any(v.built is not None for v in [*args, *kwargs.values()])
        if not carries_built:
            # Without formatted input nothing inside can be reported at this call, so only
            # the returned value matters: none for a procedure, cached for a function.
            if not self.m.returns_value(fn):
                return SAFE
            key = (id(fn), is_method, tuple(args), tuple(sorted(kwargs.items())))
            cached = self.m.inline_cache.get(key)
            if cached is None:
                cached = self._inline_body(node, fn, args, kwargs, is_method=is_method)
                self.m.inline_cache[key] = cached
            return cached
        return self._inline_body(node, fn, args, kwargs, is_method=is_method)

    def _inline_body(
        self,
        node: ast.Call,
        fn: FunctionNode,
        args: list[Val],
        kwargs: dict[str, Val],
        *,
        is_method: bool,
    ) -> Val:
        env: Env = {}
        param_list = params(fn.args)
        if is_method and param_list and not is_staticmethod(fn):
            env[param_list[0].arg] = SAFE
            param_list = param_list[1:]
        default_map = defaults(fn.args)
        for index, param in enumerate(param_list):
            if index < len(args):
                env[param.arg] = args[index]
            elif param.arg in kwargs:
                env[param.arg] = kwargs[param.arg]
            elif param.arg in default_map:
                env[param.arg] = self.ev(default_map[param.arg], {})
            else:
                env[param.arg] = SAFE
        if fn.args.vararg:
            env[fn.args.vararg.arg] = join(args[len(param_list) :])
        if fn.args.kwarg:
            env[fn.args.kwarg.arg] = join(list(kwargs.values()))
        outer = self.inline or (node,)
        end = getattr(fn, "end_lineno", None) or fn.lineno
        callee_range = self.callee_range or (fn.lineno, end)
        scope = type(self)(
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
            sink = f"{call_name(node.func) if isinstance(node, ast.Call) else '?'}() -> {sink}"
        self.m.reporter.add(
            rule_id=rule_id,
            line=sink_line(node),
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
        for value, ret in zip(self.returns, returns(fn), strict=False):
            built = value.built
            if (
                value.wrapped is None
                and built
                and value.unsafe
                and starts_like_statement(value.text)
            ):
                self.m.reporter.add(
                    rule_id="py-sqli-formatted",
                    line=ret.lineno,
                    column=ret.col_offset,
                    end_line=ret.end_lineno or ret.lineno,
                    end_column=ret.end_col_offset or ret.col_offset,
                    sink=f"return from {fn.name}()",
                    built=built,
                    confidence="medium",
                )
