"""Reading stored events back: listing with filters, and following new ones as they arrive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.telemetry.codec import SELECT_COLUMNS, decode_row
from buildrunner.telemetry.events import Event
from buildrunner.telemetry.filters import EventFilter

if TYPE_CHECKING:
    from buildrunner.core.store import Store


def query_events(
    store: Store,
    where: EventFilter | None = None,
    *,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Event]:
    """Stored events matching `where`, oldest first (or the newest `limit`, still in order).

    With `newest_first` the list is newest first. Order is by timestamp, then by storage.
    """
    condition, params = (where or EventFilter()).where()
    sql = (
        f"SELECT {SELECT_COLUMNS} FROM telemetry_events WHERE {condition} "
        "ORDER BY ts DESC, seq DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    rows = store.execute(sql, params)
    events = [decode_row(tuple(row)) for row in rows]
    return events if newest_first else events[::-1]


def iter_events(
    store: Store, where: EventFilter | None = None, *, chunk: int = 5000
) -> Iterator[Event]:
    """Every stored event matching `where`, oldest stored first, read in chunks (for export)."""
    condition, params = (where or EventFilter()).where()
    last = 0
    while True:
        rows = store.execute(
            f"SELECT seq, {SELECT_COLUMNS} FROM telemetry_events "
            f"WHERE seq > ? AND {condition} ORDER BY seq LIMIT ?",
            [last, *params, chunk],
        )
        if not rows:
            return
        for row in rows:
            yield decode_row(tuple(row)[1:])
        last = rows[-1][0]


def last_seq(store: Store) -> int:
    """The storage position of the newest event (0 when there is none)."""
    return int(store.execute("SELECT coalesce(max(seq), 0) FROM telemetry_events")[0][0])


def follow_events(
    store: Store,
    where: EventFilter | None = None,
    *,
    after: int | None = None,
    poll_interval: float = 0.5,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Clock = SYSTEM_CLOCK,
) -> Iterator[Event]:
    """Yield events stored after position `after` (default: now) as other processes store them.

    Polls ``PRAGMA data_version`` on one connection and queries only when another connection
    committed. Stops when `should_stop()` returns true (checked between polls).
    """
    condition, params = (where or EventFilter()).where()
    position = last_seq(store) if after is None else after
    conn = store.connection()
    version = None
    while not should_stop():
        current = conn.execute("PRAGMA data_version").fetchone()[0]
        if current != version:
            version = current
            rows = store.execute(
                f"SELECT seq, {SELECT_COLUMNS} FROM telemetry_events "
                f"WHERE seq > ? AND {condition} ORDER BY seq",
                [position, *params],
            )
            for row in rows:
                position = row[0]
                yield decode_row(tuple(row)[1:])
            if rows:
                continue
        clock.sleep(poll_interval)
