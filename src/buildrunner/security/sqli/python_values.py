"""The Python analyser's expressions: names, attributes, f-strings, ``+``, ``%``, comprehensions."""

from __future__ import annotations

import ast

from buildrunner.security.sqli.names import (
    is_constant_name,
    is_source_name,
)
from buildrunner.security.sqli.python_ast import (
    NUMERIC_CONVERSIONS,
    PERCENT,
    REQUEST_ATTRS,
    Env,
    const_text,
    dotted,
    is_number,
    is_request,
    is_str_const,
)
from buildrunner.security.sqli.python_flow import FlowScope
from buildrunner.security.sqli.python_static import static_truth
from buildrunner.security.sqli.taint import (
    COMPOSED,
    SAFE,
    UNSAFE,
    Val,
    build,
    const,
    dict_val,
    join,
)


class ValueScope(FlowScope):
    """Abstract values of expressions."""

    # ------------------------------------------------------------------ expressions

    def ev(self, node: ast.expr | None, env: Env) -> Val:
        """The value of an expression (one branch per node kind: a dispatch table)."""
        if node is None:
            return SAFE
        self.m.steps += 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return const(node.value)
            if isinstance(node.value, bytes):
                return const(node.value.decode("latin-1"))
            return SAFE
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env)
        if isinstance(node, ast.FormattedValue):
            return self.ev(node.value, env)
        if isinstance(node, ast.Name):
            return self._name(node.id, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, env)
        if isinstance(node, ast.Subscript):
            base = self.ev(node.value, env)
            self.ev(node.slice, env)
            if base.enum:
                return Val(enum=True)
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                stored = base.field(node.slice.value)
                if stored is not None:
                    return stored
            return base.plain() if not base.db else SAFE
        if isinstance(node, ast.BinOp):
            return self._binop(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.IfExp):
            self.ev(node.test, env)
            known = static_truth(node.test, self.constants)
            if known is not None:
                return self.ev(node.body if known else node.orelse, env)
            body_env = dict(env)
            for name in self.refine(node.test, True):
                body_env[name] = SAFE
            else_env = dict(env)
            for name in self.refine(node.test, False):
                else_env[name] = SAFE
            return join([self.ev(node.body, body_env), self.ev(node.orelse, else_env)])
        if isinstance(node, ast.BoolOp):
            values = [self.ev(v, env) for v in node.values]
            return join(values[1:]) if isinstance(node.op, ast.And) else join(values)
        if isinstance(node, ast.Compare | ast.UnaryOp):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.ev(child, env)
            return SAFE
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return join([self.ev(e, env) for e in node.elts]) if node.elts else SAFE
        if isinstance(node, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            for key in node.keys:
                if key is not None:
                    self.ev(key, env)
            values = [self.ev(v, env) for v in node.values]
            if all(isinstance(k, str) for k in keys):
                return dict_val(tuple((str(k), v) for k, v in zip(keys, values, strict=True)))
            return join(values) if values else SAFE
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            inner = self._comprehension(node.generators, env)
            return self.ev(node.elt, inner)
        if isinstance(node, ast.DictComp):
            inner = self._comprehension(node.generators, env)
            return join([self.ev(node.key, inner), self.ev(node.value, inner)])
        if isinstance(node, ast.Await):
            return self.ev(node.value, env)
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, env)
            env[node.target.id] = value
            return value
        if isinstance(node, ast.Starred):
            return self.ev(node.value, env)
        if isinstance(node, ast.Lambda):
            if self.fn is not None and not self.inline:
                scope = type(self)(self.m, node, self.m.tree, is_method=False, class_info=None)
                scope.run_function(closure=dict(env))
            return SAFE
        if isinstance(node, ast.Slice):
            return SAFE
        return UNSAFE

    def _name(self, name: str, env: Env) -> Val:
        if name in env:
            return env[name]
        if name in self.m.env:
            return self.m.env[name]
        if is_constant_name(name):
            return SAFE
        if is_source_name(name):
            return UNSAFE.named(name)
        info = self.m.classes.get(name)
        if info is not None and info.is_enum:
            return Val(enum=True)
        return SAFE

    def _attribute(self, node: ast.Attribute, env: Env) -> Val:
        name = dotted(node)
        if name and name in env:
            return env[name]
        attr = node.attr
        if attr in REQUEST_ATTRS and is_request(node.value):
            return UNSAFE.named(name or attr)
        if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
            info = self.cls or self.m.class_of_self(self.fn)
            if info is not None and attr in info.attrs:
                return info.attrs[attr]
        if is_constant_name(attr) or attr in {"_meta", "__tablename__", "db_table"}:
            return SAFE
        if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
            info = self.cls or self.m.class_of_self(self.fn)
            if info is not None and attr in info.attrs:
                return info.attrs[attr]
            return UNSAFE.named(name or attr) if is_source_name(attr) else SAFE
        if isinstance(node.value, ast.Name):
            info = self.m.classes.get(node.value.id)
            if info is not None and node.value.id not in env:
                if info.is_enum:
                    return Val(enum=True)
                if attr in info.attrs:
                    return info.attrs[attr]
        base = self.ev(node.value, env)
        if base.enum:
            return Val(enum=True)
        if is_source_name(attr) or attr in REQUEST_ATTRS:
            return UNSAFE.named(name or attr)
        if base.db:
            return SAFE
        return base.plain()

    def _fstring(self, node: ast.JoinedStr, env: Env) -> Val:
        parts: list[Val] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(const(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner = self.ev(value.value, env)
                spec = const_text(value.format_spec)
                if spec and spec[-1] in NUMERIC_CONVERSIONS and value.conversion == -1:
                    inner = SAFE
                parts.append(inner.named(dotted(value.value) or "") if inner.unsafe else inner)
        return build(parts, node.lineno, "an f-string")

    def _binop(self, node: ast.BinOp, env: Env) -> Val:
        left = self.ev(node.left, env)
        if isinstance(node.op, ast.Mod):
            right = self.ev(node.right, env)
            if left.text or isinstance(node.left, ast.JoinedStr):
                return self._percent(left, node.right, right, node.lineno, env)
            return SAFE if not (left.unsafe and right.unsafe) else left.plain()
        right = self.ev(node.right, env)
        if isinstance(node.op, ast.Add):
            line = node.right.lineno if right.unsafe and not left.unsafe else node.lineno
            return self._add(left, right, line, "+", node)
        if isinstance(node.op, ast.Mult):
            if left.text or is_str_const(node.left) or isinstance(node.left, ast.List):
                return left if not left.unsafe else left.plain()
            if right.text or is_str_const(node.right) or isinstance(node.right, ast.List):
                return right if not right.unsafe else right.plain()
            return SAFE if not (left.unsafe and right.unsafe) else left.plain()
        return SAFE

    def _add(
        self, left: Val, right: Val, line: int, how: str, node: ast.BinOp | None = None
    ) -> Val:
        if left.composed or right.composed:
            return COMPOSED if not (left.unsafe or right.unsafe) else join([left, right])
        is_text = bool(left.text or right.text)
        if node is not None:
            is_text = is_text or is_str_const(node.left) or is_str_const(node.right)
            if is_number(node.left) or is_number(node.right):
                return SAFE
            if isinstance(node.left, ast.List | ast.Tuple) or isinstance(
                node.right, ast.List | ast.Tuple
            ):
                return join([left, right])
        if is_text or left.built or right.built:
            return build([left, right], line, how)
        return join([left.plain(), right.plain()]) if (left.unsafe or right.unsafe) else SAFE

    def _percent(self, left: Val, right_node: ast.expr, right: Val, line: int, env: Env) -> Val:
        """``"... %s" % values`` with numeric conversions (``%d``) counted as safe."""
        conversions = [m for m in PERCENT.finditer(left.text) if m.group(2) != "%"]
        parts: list[Val] = [left]
        if isinstance(right_node, ast.Tuple) and conversions and not left.unsafe:
            for index, elt in enumerate(right_node.elts):
                value = self.ev(elt, env)
                if index < len(conversions) and conversions[index].group(2) in "dioufFeEgGxX":
                    value = SAFE
                parts.append(value.named(dotted(elt) or "") if value.unsafe else value)
        elif isinstance(right_node, ast.Dict) and conversions:
            kinds = {m.group(1): m.group(2) for m in conversions if m.group(1)}
            for key, value_node in zip(right_node.keys, right_node.values, strict=True):
                value = self.ev(value_node, env)
                key_text = key.value if isinstance(key, ast.Constant) else None
                if isinstance(key_text, str) and kinds.get(key_text, "s") in "dioufFeEgGxX":
                    value = SAFE
                parts.append(value.named(dotted(value_node) or "") if value.unsafe else value)
        else:
            single = conversions[0].group(2) if len(conversions) == 1 else "s"
            value = SAFE if single in "dioufFeEgGxX" else right
            parts.append(value.named(dotted(right_node) or "") if value.unsafe else value)
        result = build(parts, line, "% formatting")
        return result if parts[1:] else left

    def _comprehension(self, generators: list[ast.comprehension], env: Env) -> Env:
        inner = dict(env)
        for gen in generators:
            iterable = self.ev(gen.iter, inner)
            element = iterable.plain() if not iterable.db else SAFE
            if iterable.enum:
                element = Val(enum=True)
            self.assign(gen.target, element, None, inner)
            for cond in gen.ifs:
                for name in self.refine(cond, True):
                    inner[name] = SAFE
        return inner

    def _call(self, node: ast.Call, env: Env) -> Val:
        raise NotImplementedError
