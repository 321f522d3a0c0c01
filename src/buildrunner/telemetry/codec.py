"""Mapping events to database rows and JSON objects, and back, exactly.

Hot fields live in typed columns of ``telemetry_events`` (type, time, model, status, latency,
cost, tokens ...) so metrics are plain SQL aggregates over narrow rows; every other field
that differs from its default goes into the ``data`` JSON column. Which field lands in which
column is declared on the event classes (``metadata["column"]``) and compiled here once per
class. :func:`decode_row` rebuilds the same class with the same type and field values.

Costs are stored twice: the exact decimal text (``cost``) for round-trips and an integer
count of nano-dollars (``cost_nanos``) that SQL can sum without float error.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from buildrunner.telemetry.events import EVENT_CLASSES, Event, ModelCallEvent, Severity
from buildrunner.telemetry.semconv import GEN_AI_USAGE_INPUT_TOKENS

COLUMNS: tuple[str, ...] = (
    "id",
    "ts",
    "type",
    "kind",
    "severity",
    "session_id",
    "task_id",
    "status",
    "model",
    "task_type",
    "error_type",
    "name",
    "duration_ms",
    "cost",
    "cost_nanos",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "data",
)
"""The stored columns of ``telemetry_events`` in insert order (``seq`` is the rowid)."""

INDEX = {name: i for i, name in enumerate(COLUMNS)}
_KIND = INDEX["kind"]
_DATA = INDEX["data"]
_COST_NANOS = INDEX["cost_nanos"]

TEXT_COLUMNS: tuple[int, ...] = tuple(
    INDEX[name]
    for name in ("session_id", "task_id", "status", "model", "task_type", "error_type", "name")
)
"""Free-text columns the masker sees (``id``, ``type`` and ``kind`` are written by `br`)."""
TEXT_SLICE = slice(TEXT_COLUMNS[0], TEXT_COLUMNS[-1] + 1)
assert tuple(range(TEXT_SLICE.start, TEXT_SLICE.stop)) == TEXT_COLUMNS  # noqa: S101 - layout

INSERT_SQL = (
    f"INSERT INTO telemetry_events ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)
SELECT_COLUMNS = ", ".join(COLUMNS)

# value kinds: how a field's value is converted to storage and back
PLAIN, DECIMAL, SEVERITY, TUPLE = "plain", "decimal", "severity", "tuple"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    column: int | None
    kind: str
    default: Any
    otel: str | None


@dataclass(frozen=True)
class ClassSpec:
    cls: type[Event]
    fields: tuple[FieldSpec, ...]


def _value_kind(hint: Any) -> str:
    args = typing.get_args(hint)
    base = hint
    if args and type(None) in args:
        base = next(a for a in args if a is not type(None))
    if base is Decimal:
        return DECIMAL
    if base is Severity:
        return SEVERITY
    if typing.get_origin(base) is tuple:
        return TUPLE
    return PLAIN


def _compile(cls: type[Event]) -> ClassSpec:
    hints = typing.get_type_hints(cls)
    specs: list[FieldSpec] = []
    used: set[int] = set()
    for f in dataclasses.fields(cls):
        column_name = f.metadata.get("column")
        column = INDEX[column_name] if column_name else None
        if column is not None:
            if column in used:
                raise TypeError(f"{cls.__name__}: two fields map to column {column_name}")
            used.add(column)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        kind = _value_kind(hints[f.name])
        specs.append(FieldSpec(f.name, column, kind, default, f.metadata.get("otel")))
    return ClassSpec(cls, tuple(specs))


SPECS: dict[type[Event], ClassSpec] = {cls: _compile(cls) for cls in EVENT_CLASSES}
CLASSES: dict[str, type[Event]] = {cls.__name__: cls for cls in EVENT_CLASSES}


def spec_for(cls: type[Event]) -> ClassSpec:
    """The compiled spec of an event class; raises TypeError for unregistered classes."""
    try:
        return SPECS[cls]
    except KeyError:
        raise TypeError(
            f"{cls.__name__} is not a registered event class "
            "(use one of buildrunner.telemetry.EVENT_CLASSES, or Event with a custom type)"
        ) from None


# ---------------------------------------------------------------- rows


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default)
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
# One C encoder reused for every row: json.dumps builds a new one per call, which costs more
# than the encoding of a small object (flush is the hot path of sustained recording).
_FAST = (
    _c_encoder(
        None, _json_default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    if _c_encoder is not None
    else None
)


def dumps(value: Any) -> str:
    """Compact JSON; Decimals become strings, unknown objects their ``str()``."""
    if _FAST is not None and isinstance(value, dict):
        return "".join(_FAST(value, 0))
    return _ENCODER.encode(value)


def _make_encoder(spec: ClassSpec) -> Encoder:
    """Generate the encoder of one class: no per-field loop at run time (flush is hot)."""
    env: dict[str, Any] = {"_KIND": spec.cls.__name__, "_nanos": _nanos}
    items = ["None"] * len(COLUMNS)
    items[_KIND] = "_KIND"
    lines = ["def encode(e):", "    data = {}"]
    for f in spec.fields:
        if f.column is not None:
            if f.kind == DECIMAL:
                lines.append(f"    cost = e.{f.name}")
                items[f.column] = "None if cost is None else str(cost)"
                items[_COST_NANOS] = "_nanos(cost)"
            else:
                items[f.column] = f"e.{f.name}"
            continue
        default_name = f"_D_{f.name}"
        env[default_name] = f.default
        lines.append(f"    v = e.{f.name}")
        if f.kind == DECIMAL:
            lines.append(
                f"    if v != {default_name}: data[{f.name!r}] = None if v is None else str(v)"
            )
        else:
            lines.append(f"    if v != {default_name}: data[{f.name!r}] = v")
    lines.append("    return [" + ", ".join(items) + "], data")
    exec("\n".join(lines), env)  # noqa: S102 - source built above from dataclass field names
    encoder: Encoder = env["encode"]
    return encoder


def _nanos(cost: Decimal | None) -> int | None:
    if cost is None:
        return None
    return int(cost.scaleb(9).to_integral_value(ROUND_HALF_EVEN))


Encoder = Callable[[Event], tuple[list[Any], dict[str, Any]]]
ENCODERS: dict[type[Event], Encoder] = {cls: _make_encoder(spec) for cls, spec in SPECS.items()}


def encode_fields(event: Event) -> tuple[list[Any], dict[str, Any]]:
    """The column values of `event` (``data`` still empty) and its other non-default fields.

    The collector masks both before :func:`finish_row` serialises ``data``.
    """
    try:
        encoder = ENCODERS[type(event)]
    except KeyError:
        spec_for(type(event))  # raises the explanatory TypeError
        raise
    return encoder(event)


def finish_row(row: list[Any], data: dict[str, Any]) -> list[Any]:
    """Serialise ``data`` into its column and return the row ready to insert."""
    if data:
        row[_DATA] = dumps(data)
    return row


def encode_row(event: Event) -> list[Any]:
    """The row of `event` in :data:`COLUMNS` order (unmasked: the collector masks first)."""
    row, data = encode_fields(event)
    return finish_row(row, data)


def decode_row(row: typing.Sequence[Any]) -> Event:
    """Rebuild the event stored in `row` (values in :data:`COLUMNS` order)."""
    cls = CLASSES.get(row[_KIND], Event)
    spec = SPECS[cls]
    data = json.loads(row[_DATA]) if row[_DATA] else {}
    kwargs: dict[str, Any] = {}
    for f in spec.fields:
        if f.column is not None:
            value = row[f.column]
        elif f.name in data:
            value = data[f.name]
        else:
            continue
        kwargs[f.name] = _decode_value(f.kind, value)
    return cls(**kwargs)


def _decode_value(kind: str, value: Any) -> Any:
    if value is None or kind == PLAIN:
        return value
    if kind == DECIMAL:
        return Decimal(value)
    if kind == SEVERITY:
        return Severity(value)
    return tuple(value)


# ---------------------------------------------------------------- JSON objects


def to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready object with every field (``class`` names the event class)."""
    spec = spec_for(type(event))
    out: dict[str, Any] = {"class": spec.cls.__name__}
    for f in spec.fields:
        value = getattr(event, f.name)
        if f.kind == DECIMAL and value is not None:
            value = str(value)
        elif f.kind == SEVERITY:
            value = Severity(value).label
        elif f.kind == TUPLE:
            value = list(value)
        out[f.name] = value
    return out


def from_dict(obj: Mapping[str, Any]) -> Event:
    """The inverse of :func:`to_dict`; raises ValueError on an unknown class or bad field."""
    name = obj.get("class", "Event")
    cls = CLASSES.get(str(name))
    if cls is None:
        raise ValueError(f"unknown event class {name!r}")
    kwargs: dict[str, Any] = {}
    for f in SPECS[cls].fields:
        if f.name not in obj:
            continue
        value = obj[f.name]
        if f.kind == SEVERITY and isinstance(value, str):
            value = Severity.parse(value)
        else:
            value = _decode_value(f.kind, value)
        kwargs[f.name] = value
    return cls(**kwargs)


# ---------------------------------------------------------------- OpenTelemetry attributes

AttributeValue = str | bool | int | float


def semantic_attributes(event: Event) -> dict[str, AttributeValue]:
    """The event's fields under their OpenTelemetry names, then its own attributes.

    Values are OTel-compatible scalars: decimals become floats (``br.cost.usd``), severities
    their label, nested objects JSON text. ``None`` values are left out.
    """
    out: dict[str, AttributeValue] = {}
    for f in spec_for(type(event)).fields:
        if f.otel is None:
            continue
        value = getattr(event, f.name)
        if value is None:
            continue
        out[f.otel] = _scalar(value)
    if isinstance(event, ModelCallEvent):
        out[GEN_AI_USAGE_INPUT_TOKENS] = event.total_input_tokens
    for key, value in event.attributes.items():
        if value is not None:
            out[str(key)] = _scalar(value)
    return out


def _scalar(value: Any) -> AttributeValue:
    if isinstance(value, Severity):
        return value.label
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return dumps(value)
