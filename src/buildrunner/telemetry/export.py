"""Export stored events as CSV or JSON Lines (streamed: memory stays flat on large stores).

JSON Lines hold one :func:`buildrunner.telemetry.codec.to_dict` object per event (plus an
ISO ``time``): they read back into the same classes with ``from_dict``. CSV has the typed
columns and the remaining fields as JSON in ``data``. Everything exported was masked when it
was stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from buildrunner.core.clock import utc_iso
from buildrunner.telemetry.codec import SELECT_COLUMNS, decode_row, to_dict
from buildrunner.telemetry.events import Severity
from buildrunner.telemetry.filters import EventFilter

if TYPE_CHECKING:
    from buildrunner.core.store import Store

FORMATS = ("csv", "jsonl")
CSV_HEADER = (
    "id",
    "time",
    "type",
    "class",
    "session_id",
    "task_id",
    "severity",
    "status",
    "model",
    "task_type",
    "error_type",
    "name",
    "duration_ms",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "data",
)


def _rows(store: Store, where: EventFilter, chunk: int = 5000) -> Iterator[Any]:
    condition, params = where.where()
    last = 0
    while True:
        rows = store.execute(
            f"SELECT seq, {SELECT_COLUMNS} FROM telemetry_events "
            f"WHERE seq > ? AND {condition} ORDER BY seq LIMIT ?",
            [last, *params, chunk],
        )
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def export_events(
    store: Store, out: TextIO, *, fmt: str = "jsonl", where: EventFilter | None = None
) -> int:
    """Write the matching events to `out` in storage order; returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    where = where or EventFilter()
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for row in _rows(store, where):
            writer.writerow(
                [
                    row["id"],
                    utc_iso(row["ts"]),
                    row["type"],
                    row["kind"],
                    row["session_id"],
                    row["task_id"],
                    Severity(row["severity"]).label,
                    row["status"],
                    row["model"],
                    row["task_type"],
                    row["error_type"],
                    row["name"],
                    row["duration_ms"],
                    row["cost"],
                    row["input_tokens"],
                    row["output_tokens"],
                    row["cache_read_tokens"],
                    row["cache_write_tokens"],
                    row["data"],
                ]
            )
            count += 1
        return count
    for row in _rows(store, where):
        event = decode_row(tuple(row)[1:])
        obj = {"time": utc_iso(event.timestamp), **to_dict(event)}
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        count += 1
    return count
