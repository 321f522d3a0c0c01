"""Writing event rows: the one insert path, which also maintains the hourly roll-up.

Every writer (the collector, the alert monitor) inserts through :func:`insert_rows` inside a
``BEGIN IMMEDIATE`` transaction, so ``telemetry_rollup`` always agrees with
``telemetry_events``. The roll-up is computed by SQLite from the rows just inserted (one
``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE``), not in Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from buildrunner.telemetry.codec import INSERT_SQL

ROWS_PER_STATEMENT = 32
_VALUES = INSERT_SQL.split("VALUES ", 1)[1]
_MULTI_INSERT = INSERT_SQL + ", " + ", ".join([_VALUES] * (ROWS_PER_STATEMENT - 1))

ROLLUP_KEY = "hour, type, status, error_type, model, task_type"
_ROLLUP_SQL = f"""
INSERT INTO telemetry_rollup ({ROLLUP_KEY}, events, with_cost, cost_nanos, with_tokens,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, first_ts, last_ts)
SELECT CAST(floor(ts / 3600) AS INTEGER), type, coalesce(status, ''), coalesce(error_type, ''),
    coalesce(model, ''), coalesce(task_type, ''), count(*), count(cost_nanos),
    coalesce(sum(cost_nanos), 0), count(input_tokens), coalesce(sum(input_tokens), 0),
    coalesce(sum(output_tokens), 0), coalesce(sum(cache_read_tokens), 0),
    coalesce(sum(cache_write_tokens), 0), min(ts), max(ts)
FROM telemetry_events WHERE seq > ?
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT ({ROLLUP_KEY}) DO UPDATE SET
    events = events + excluded.events,
    with_cost = with_cost + excluded.with_cost,
    cost_nanos = cost_nanos + excluded.cost_nanos,
    with_tokens = with_tokens + excluded.with_tokens,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
    first_ts = min(first_ts, excluded.first_ts),
    last_ts = max(last_ts, excluded.last_ts)
"""


def insert_rows(conn: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> None:
    """Insert encoded rows and roll them up; call inside a write transaction.

    Rows go 32 per statement: one statement per row releases and re-takes the GIL around
    every ``sqlite3_step``, and while a recording thread is busy each re-take waits for the
    interpreter's switch interval, which starves a flusher running beside a busy producer.
    """
    if not rows:
        return
    before = conn.execute("SELECT coalesce(max(seq), 0) FROM telemetry_events").fetchone()[0]
    full = len(rows) - len(rows) % ROWS_PER_STATEMENT
    for start in range(0, full, ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        conn.execute(_MULTI_INSERT, [value for row in chunk for value in row])
    if full < len(rows):
        conn.executemany(INSERT_SQL, rows[full:])
    roll_up(conn, before)


def insert_one(conn: sqlite3.Connection, row: Sequence[object]) -> None:
    """Insert one row (no roll-up: call :func:`roll_up` once after a series of these)."""
    conn.execute(INSERT_SQL, row)


def roll_up(conn: sqlite3.Connection, after_seq: int) -> None:
    """Add every row stored after position `after_seq` to the hourly roll-up."""
    conn.execute(_ROLLUP_SQL, (after_seq,))
