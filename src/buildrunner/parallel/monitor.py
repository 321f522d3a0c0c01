"""The worker's side of a running attempt: heartbeats, stop requests and progress reports.

An :class:`AttemptMonitor` runs in a thread next to the executor. It renews the lease every
heartbeat interval (a failed renewal means the lease is lost: stop at once), and between
heartbeats it watches the task and session rows for a pause or cancel request. The executor
reads :meth:`stop_reason` and reports progress; the monitor writes progress to the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from buildrunner.core.clock import Clock
from buildrunner.core.store import Store
from buildrunner.parallel import queue
from buildrunner.parallel.executors.base import StopReason
from buildrunner.parallel.queue import Lease

log = logging.getLogger("buildrunner.parallel.monitor")


class AttemptMonitor:
    """Implements :class:`~buildrunner.parallel.executors.base.ExecutionControl`."""

    def __init__(
        self,
        store: Store,
        lease: Lease,
        *,
        clock: Clock,
        ttl: float,
        heartbeat_interval: float,
        poll_interval: float,
        supervisor_alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        self.lease = lease
        self.clock = clock
        self.ttl = ttl
        self.heartbeat_interval = heartbeat_interval
        self.poll_interval = max(0.02, min(poll_interval, heartbeat_interval))
        self.supervisor_alive = supervisor_alive
        self._stop: StopReason | None = None
        self._progress: tuple[str, int | None] | None = None
        self._written: tuple[str, int | None] | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.heartbeats = 0

    # ----------------------------------------------------------------- ExecutionControl

    def stop_reason(self) -> StopReason | None:
        with self._lock:
            return self._stop

    def report_progress(self, text: str, *, turns: int | None = None) -> None:
        with self._lock:
            self._progress = (text[:200], turns)

    def report_agent_session(self, agent_session_id: str) -> None:
        queue.record_details(
            self.store, self.lease, now=self.clock.now(), agent_session_id=agent_session_id
        )

    def report_process(self, pgid: int) -> None:
        queue.record_details(self.store, self.lease, now=self.clock.now(), exec_pgid=pgid)

    # ----------------------------------------------------------------- thread

    @property
    def lost(self) -> bool:
        return self.stop_reason() == StopReason.LOST

    def request_stop(self, reason: StopReason) -> None:
        with self._lock:
            if self._stop is None or reason in (StopReason.LOST, StopReason.CANCEL):
                self._stop = reason

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"monitor-{self.lease.task_id}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and write the last progress report."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        next_beat = self.clock.monotonic() + self.heartbeat_interval
        while not self._done.wait(self.poll_interval):
            try:
                if self.clock.monotonic() >= next_beat:
                    next_beat = self.clock.monotonic() + self.heartbeat_interval
                    self.beat()
                self.check()
            except Exception:  # keep heartbeating through transient errors (locked DB)
                log.exception("monitor of task %s", self.lease.task_id)
            if self.lost:
                return

    def beat(self) -> bool:
        """Renew the lease now (with the latest progress); False if the lease is lost."""
        with self._lock:
            progress = self._progress
        text, turns = progress if progress is not None else (None, None)
        ok = queue.renew(
            self.store, self.lease, now=self.clock.now(), ttl=self.ttl, progress=text, turns=turns
        )
        self.heartbeats += 1
        self._written = progress
        if not ok:
            self.request_stop(StopReason.LOST)
        return ok

    def check(self) -> None:
        """Look at the task and session rows for stop requests; write fresh progress."""
        rows = self.store.execute(
            "SELECT t.state AS task_state, t.fence, s.state AS session_state "
            "FROM parallel_tasks t JOIN parallel_sessions s ON s.id = t.session_id "
            "WHERE t.pk = ?",
            (self.lease.pk,),
        )
        if not rows:
            self.request_stop(StopReason.LOST)
            return
        row = rows[0]
        if row["fence"] != self.lease.fence or row["task_state"] != "running":
            cancelled = row["task_state"] == "cancelled" or row["session_state"] == "cancelled"
            self.request_stop(StopReason.CANCEL if cancelled else StopReason.LOST)
            return
        if row["session_state"] == "cancelled":
            self.request_stop(StopReason.CANCEL)
        elif row["session_state"] == "paused":
            self.request_stop(StopReason.PAUSE)
        else:
            with self._lock:
                if self._stop == StopReason.PAUSE:  # resumed before the next turn boundary
                    self._stop = None
        with self._lock:
            progress = self._progress
        if progress is not None and progress != self._written:
            self._written = progress
            queue.record_details(self.store, self.lease, now=self.clock.now(), progress=progress[0])
