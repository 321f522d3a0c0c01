"""The abstract value both analysers compute for every expression.

A :class:`Val` answers the questions a sink asks: may this value carry attacker-controlled
text (`unsafe`), was such text formatted into a string and where (`built`), what constant
text surrounds it (`text`, used to recognise SQL), and is it a special object (a database
handle, a safely composed SQL object, a SQL object wrapped around untrusted text).

The model is "taint-lite": a value is unsafe unless it is provably built from literals,
constants, numbers, allowlisted identifiers or sanitising calls. Reporting needs more than
taint: the unsafe value must have been *formatted into* SQL text (f-string, ``+``, ``%``,
``.format()``, ``.join()``, ``.replace()``, template literal), so passing a query string
through a helper is not a finding, building one from a parameter is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

MAX_TEXT = 2000
_T = TypeVar("_T", "Built", "Wrapped")


@dataclass(frozen=True, slots=True)
class Built:
    """Where untrusted text was formatted into a string: line and the operation used."""

    line: int
    how: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Wrapped:
    """A SQL object made from untrusted text by a SQL constructor (text(), sql.SQL(), ...)."""

    line: int
    column: int
    rule_id: str
    sink: str
    built: Built
    scope: int


@dataclass(frozen=True, slots=True)
class Val:
    """Abstract value of an expression (see the module docstring)."""

    unsafe: bool = False
    built: Built | None = None
    text: str = ""
    db: bool = False
    composed: bool = False
    wrapped: Wrapped | None = None
    names: tuple[str, ...] = ()
    enum: bool = False
    fields: tuple[tuple[str, Val], ...] | None = None
    """For a dict with constant keys: the value of each key (``d["name"]`` reads one)."""

    @property
    def is_injection(self) -> bool:
        """Untrusted text was formatted into this string."""
        return self.unsafe and self.built is not None

    def plain(self) -> Val:
        """The same taint, forgetting how it was built (a value read out of it)."""
        return Val(unsafe=self.unsafe, names=self.names)

    def field(self, key: str) -> Val | None:
        """The value stored under `key` when this is a dict with known keys."""
        if self.fields is None:
            return None
        for name, value in self.fields:
            if name == key:
                return value
        return SAFE

    def with_field(self, key: str, value: Val) -> Val:
        """This dict after ``d[key] = value`` (a dict of unknown shape just may hold it)."""
        if self.fields is None:
            return join([self, value]) if value.unsafe else self
        fields = (*((k, v) for k, v in self.fields if k != key), (key, value))
        return dict_val(fields)

    def named(self, name: str) -> Val:
        if not self.unsafe or not name or (self.names and self.names[0] == name):
            return self
        return replace(self, names=(name, *(n for n in self.names if n != name))[:4])


SAFE = Val()
UNSAFE = Val(unsafe=True)
DB = Val(db=True)
COMPOSED = Val(composed=True)


def const(text: str) -> Val:
    return Val(text=text[:MAX_TEXT])


def join(values: Iterable[Val]) -> Val:
    """The value of one of `values` (branches merging, elements of a collection)."""
    items = list(values)
    if not items:
        return SAFE
    if len(items) == 1:
        return items[0]
    unsafe = any(v.unsafe for v in items)
    built = _first([v.built for v in items if v.unsafe])
    wrapped = _first([v.wrapped for v in items])
    names: tuple[str, ...] = ()
    for v in items:
        for n in v.names:
            if n not in names:
                names += (n,)
    texts = [v.text for v in items if v.text]
    return Val(
        unsafe=unsafe,
        built=built,
        text=" ".join(dict.fromkeys(texts))[:MAX_TEXT],
        db=all(v.db for v in items),
        composed=all(v.composed for v in items),
        wrapped=wrapped,
        names=names[:4],
        enum=all(v.enum for v in items),
        fields=_join_fields(items),
    )


def dict_val(fields: tuple[tuple[str, Val], ...]) -> Val:
    """A dict literal with constant keys: the join of its values, keeping each key's value."""
    merged = join([v for _, v in fields]) if fields else SAFE
    return replace(merged, fields=fields)


def _join_fields(items: list[Val]) -> tuple[tuple[str, Val], ...] | None:
    if any(v.fields is None for v in items):
        return None
    keys: dict[str, list[Val]] = {}
    for v in items:
        for key, value in v.fields or ():
            keys.setdefault(key, []).append(value)
    return tuple((key, join(values)) for key, values in keys.items())


def build(parts: Iterable[Val], line: int, how: str) -> Val:
    """A string formatted from `parts` on `line` with operation `how`."""
    items = list(parts)
    text = "".join(v.text if v.text else " ? " for v in items)[:MAX_TEXT]
    unsafe = any(v.unsafe for v in items)
    if not unsafe:
        return Val(text=text)
    inner = _first([v.built for v in items if v.unsafe])
    names: tuple[str, ...] = ()
    for v in items:
        if v.unsafe and v.names and v.names[0] not in names:
            names += (v.names[0],)
    built = inner or Built(line, how, names[:4])
    wrapped = _first([v.wrapped for v in items])
    return Val(unsafe=True, built=built, text=text, names=names[:4], wrapped=wrapped)


def _first(items: list[_T | None]) -> _T | None:
    found = [i for i in items if i is not None]
    return min(found, key=lambda i: i.line) if found else None
