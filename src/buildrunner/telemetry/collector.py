"""The collector: a cheap ``record()`` and a background flusher that writes batches to SQLite.

``record(event)`` appends to an in-memory deque (thread-safe, no lock) and wakes the flusher
when a batch is full; it never touches the database, the masker or the listeners. The flusher
thread wakes every ``flush_interval`` seconds (or when a batch is full), masks the events (see
:mod:`.masking`), writes them in one ``BEGIN IMMEDIATE`` transaction per chunk, then hands the
stored events to listeners and exporters. ``flush()`` does the same on demand and returns when
everything recorded before the call is stored; the collector also flushes when it is closed
and at interpreter exit.

Failures never reach the code that records: a locked or unavailable database keeps the events
in memory (up to ``max_buffer``; beyond that the oldest are dropped and a ``system.dropped``
event says how many), and a listener that raises is logged and skipped.

Many processes may record into one database at once: each has its own collector and
connection, and SQLite's busy timeout serialises their short write transactions.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from buildrunner.telemetry.codec import SPECS, decode_row, encode_fields
from buildrunner.telemetry.events import Event, EventType, Severity, SystemEvent
from buildrunner.telemetry.filters import EventFilter
from buildrunner.telemetry.masking import Masker
from buildrunner.telemetry.storage import insert_one, insert_rows, roll_up

if TYPE_CHECKING:
    from buildrunner.core.store import Store

log = logging.getLogger("buildrunner.telemetry")

Listener = Callable[[Event], None]
"""Called with each stored (masked) event, in the flushing thread."""
BatchExporter = Callable[[Sequence[Event]], None]
"""Called with each stored batch (masked), after the listeners; e.g. the live OTLP exporter."""

CHUNK = 5000
"""Most events written in one transaction, so writers of other processes are not starved."""


class Recorder(Protocol):
    """What a subsystem needs from telemetry: somewhere to record events."""

    def record(self, event: Event) -> None: ...


@dataclass(frozen=True)
class CollectorStats:
    """Counters of a collector since it was created."""

    buffered: int
    stored: int
    dropped: int
    errors: int
    listener_failures: int
    last_error: str | None


class Collector:
    """Buffers events and writes them to the project store in the background.

    `masker` (default :func:`buildrunner.core.redact.redact_text`) is applied to every string
    at flush time. With `background=False` no thread is started: events are written by
    :meth:`flush` (and when :meth:`close` is called) only.
    """

    enabled = True

    def __init__(
        self,
        store: Store,
        *,
        masker: Masker | None = None,
        batch_size: int = 512,
        flush_interval: float = 1.0,
        max_buffer: int = 100_000,
        background: bool = True,
    ) -> None:
        self.store = store
        self._masker = masker
        self._batch_size = max(1, batch_size)
        self._flush_interval = flush_interval
        self._max_buffer = max(self._batch_size, max_buffer)
        self._background = background
        self._listeners: list[tuple[Listener, EventFilter | None]] = []
        self._exporters: list[BatchExporter] = []
        self._stored = 0
        self._errors = 0
        self._listener_failures = 0
        self._last_error: str | None = None
        self._reset_runtime()
        _LIVE.add(self)

    def _reset_runtime(self) -> None:
        """Fresh buffer, locks and thread state (at creation and in a forked child)."""
        self._buffer: deque[Event] = deque()
        self._wake = threading.Event()
        self._flush_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._dropped = 0
        self._dropped_unreported = 0

    # ----------------------------------------------------------------- hot path

    def record(self, event: Event) -> None:
        """Buffer `event` for storage; returns at once (never raises for storage problems)."""
        if type(event) not in SPECS:
            raise TypeError(f"cannot record {type(event).__name__}: not a registered event class")
        buffer = self._buffer
        buffer.append(event)
        if len(buffer) >= self._batch_size:
            if len(buffer) > self._max_buffer:
                self._overflow()
            self._wake.set()
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        if self._closed:
            self.flush()
            return
        if not self._background:
            return
        with self._start_lock:
            if self._thread is None and not self._closed:
                thread = threading.Thread(
                    target=self._run, name="br-telemetry-flusher", daemon=True
                )
                self._thread = thread
                thread.start()

    def _overflow(self) -> None:
        buffer = self._buffer
        while len(buffer) > self._max_buffer:
            try:
                buffer.popleft()
            except IndexError:
                break
            self._dropped += 1
            self._dropped_unreported += 1

    # ----------------------------------------------------------------- flushing

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._is_closed():
                break
            try:
                self.flush()
            except Exception:  # the flusher thread must survive anything
                log.exception("telemetry flusher failed")

    def _is_closed(self) -> bool:
        return self._closed  # read again: close() runs in another thread

    def flush(self) -> int:
        """Write everything buffered now; returns how many events were stored.

        Storage errors are logged and counted (see :meth:`stats`); the events stay buffered
        and are retried by the next flush.
        """
        with self._flush_lock:
            total = 0
            while self._buffer:
                batch = _drain(self._buffer, CHUNK)
                try:
                    stored = self._write(batch)
                except Exception as exc:  # storing failed: keep the events, retry later
                    self._requeue(batch)
                    self._errors += 1
                    self._last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("telemetry: events kept in memory, storing failed: %s", exc)
                    break
                total += len(stored)
                self._stored += len(stored)
                self._dispatch(stored)
                if self._dropped_unreported:
                    self._report_dropped()
            return total

    def _requeue(self, batch: list[Event]) -> None:
        self._buffer.extendleft(reversed(batch))
        if len(self._buffer) > self._max_buffer:
            self._overflow()

    def _report_dropped(self) -> None:
        count, self._dropped_unreported = self._dropped_unreported, 0
        self._buffer.append(
            SystemEvent(
                type=EventType.SYSTEM_DROPPED,
                count=count,
                severity=Severity.WARNING,
                message=f"{count} telemetry events were dropped: the buffer was full while "
                "the database was unavailable",
            )
        )

    def _write(self, batch: list[Event]) -> list[Event]:
        """Mask, encode and insert one batch in one transaction; returns the stored events.

        The returned events are what was stored (masked); they are decoded from the rows only
        when listeners or exporters want them.
        """
        from buildrunner.telemetry.masking import BatchMasker, default_masker

        masker = BatchMasker(self._masker or default_masker())
        kept: list[Event] = []
        encoded: list[tuple[list[Any], dict[str, Any]]] = []
        for event in batch:
            try:
                encoded.append(encode_fields(event))
            except Exception as exc:  # a bad event must not block the others
                self._reject(event, exc)
                continue
            kept.append(event)
        raws = masker.screen(encoded) if encoded else []
        rows: list[list[object]] = []
        for (row, data), raw in zip(encoded, raws, strict=True):
            rows.append(masker.row(row, data, raw))
        if not rows:
            return []
        with self.store.transaction() as conn:
            conn.execute("SAVEPOINT br_telemetry_batch")
            try:
                insert_rows(conn, rows)
            except sqlite3.OperationalError:
                raise
            except sqlite3.Error:
                # one row has a value its column cannot hold: store the others one by one
                conn.execute("ROLLBACK TO br_telemetry_batch")
                kept, rows = self._insert_one_by_one(conn, kept, rows)
            conn.execute("RELEASE br_telemetry_batch")
        if self._listeners or self._exporters:
            return [decode_row(row) for row in rows]
        return kept

    def _insert_one_by_one(
        self, conn: sqlite3.Connection, events: list[Event], rows: list[list[object]]
    ) -> tuple[list[Event], list[list[object]]]:
        kept_events: list[Event] = []
        kept_rows: list[list[object]] = []
        before = conn.execute("SELECT coalesce(max(seq), 0) FROM telemetry_events").fetchone()[0]
        for event, row in zip(events, rows, strict=True):
            try:
                insert_one(conn, row)
            except sqlite3.OperationalError:
                raise
            except sqlite3.Error as exc:
                self._reject(event, exc)
                continue
            kept_events.append(event)
            kept_rows.append(row)
        roll_up(conn, before)
        return kept_events, kept_rows

    def _reject(self, event: Event, exc: BaseException) -> None:
        self._dropped += 1
        self._errors += 1
        self._last_error = f"{type(exc).__name__}: {exc}"
        log.warning("telemetry: dropped an invalid %s event: %s", event.type, exc)

    def _dispatch(self, events: list[Event]) -> None:
        for listener, selector in tuple(self._listeners):
            for event in events:
                if selector is not None and not selector.matches(event):
                    continue
                try:
                    listener(event)
                except Exception:
                    self._listener_failures += 1
                    log.exception("telemetry listener %r failed", listener)
        for exporter in tuple(self._exporters):
            try:
                exporter(events)
            except Exception:
                self._listener_failures += 1
                log.exception("telemetry exporter %r failed", exporter)

    # ----------------------------------------------------------------- listeners

    def add_listener(
        self, listener: Listener, *, where: EventFilter | None = None
    ) -> Callable[[], None]:
        """Call `listener` with every stored event that matches `where`; returns a remover.

        Listeners run in the flushing thread after the events are committed and see masked
        events. An exception in one is logged and counted; the others still run.
        """
        entry = (listener, where)
        self._listeners.append(entry)

        def remove() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return remove

    def add_exporter(self, exporter: BatchExporter) -> None:
        """Hand every stored batch to `exporter` (after the listeners)."""
        self._exporters.append(exporter)

    # ----------------------------------------------------------------- lifecycle

    def stats(self) -> CollectorStats:
        return CollectorStats(
            buffered=len(self._buffer),
            stored=self._stored,
            dropped=self._dropped,
            errors=self._errors,
            listener_failures=self._listener_failures,
            last_error=self._last_error,
        )

    def close(self, timeout: float = 10.0) -> None:
        """Stop the flusher and write what is left. Events recorded later are written at once."""
        if not self._closed:
            self._closed = True
            self._wake.set()
            thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)
            self._thread = None
        self.flush()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NullCollector:
    """Telemetry switched off: records nothing, costs one method call."""

    enabled = False

    def record(self, event: Event) -> None:
        return None

    def flush(self) -> int:
        return 0

    def close(self, timeout: float = 10.0) -> None:
        return None

    def add_listener(
        self, listener: Listener, *, where: EventFilter | None = None
    ) -> Callable[[], None]:
        return lambda: None

    def add_exporter(self, exporter: BatchExporter) -> None:
        return None

    def stats(self) -> CollectorStats:
        return CollectorStats(0, 0, 0, 0, 0, None)


def _drain(buffer: deque[Event], limit: int) -> list[Event]:
    batch: list[Event] = []
    pop = buffer.popleft
    for _ in range(min(len(buffer), limit)):
        try:
            batch.append(pop())
        except IndexError:
            break
    return batch


_LIVE: weakref.WeakSet[Collector] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # The parent still holds (and will store) its buffered events; the child starts empty,
    # with fresh locks (a parent thread may have held one at fork time) and no flusher.
    for collector in list(_LIVE):
        collector._reset_runtime()


def _close_all() -> None:
    for collector in list(_LIVE):
        try:
            collector.close(timeout=5.0)
        except Exception:
            log.exception("telemetry: flushing at exit failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
