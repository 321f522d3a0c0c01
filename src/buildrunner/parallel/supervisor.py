"""The supervisor: drives one session from start to end, and survives being restarted.

It holds ``flock`` on ``<data>/run/<session>.lock`` while it lives (a second supervisor of the
same session is refused; ``br parallel status`` knows whether one runs). Each tick it:

- notices dead workers (their process exited, or their ``flock`` is free) and returns their
  tasks to the queue at once, killing any executor process group they left behind;
- returns tasks with expired leases to the queue;
- starts or stops workers to match ``workers_wanted`` (``br parallel workers --scale N``);
- makes pending tasks ready once their dependencies merged (or skips them);
- merges finished tasks onto the session branch through the gate;
- keeps the claims of finished and paused tasks alive, and records its own heartbeat;
- ends the session (completed or failed) when every task is settled.

Killed and started again (``br parallel resume``), a supervisor picks up where the last left
off: everything it needs is in the database and in git.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store
from buildrunner.parallel import claims, dependencies, gitops, queue
from buildrunner.parallel.backend import (
    ExecutorBackend,
    LocalBackend,
    WorkerHandle,
    WorkerLaunch,
    worker_is_alive,
)
from buildrunner.parallel.executors.process import kill_process_group
from buildrunner.parallel.integrations import (
    Integrations,
    close_integrations,
    default_integrations,
)
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.liveness import LivenessLock, holder_pid
from buildrunner.parallel.merge import Merger
from buildrunner.parallel.records import SessionBusyError, SessionInfo
from buildrunner.parallel.sessions import (
    get_session,
    journal,
    load_plan_of,
    record_supervisor,
    transition_session,
)
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.states import SessionState

log = logging.getLogger("buildrunner.parallel.supervisor")

STOP_WAIT = 10.0


@dataclass
class _Workers:
    handles: dict[str, WorkerHandle] = field(default_factory=dict)
    counter: int = 0


class Supervisor:
    """Runs one session to its end (or until it is paused and `stay_when_paused` is False)."""

    def __init__(
        self,
        store: Store,
        settings: RunSettings,
        session_id: str,
        *,
        clock: Clock = SYSTEM_CLOCK,
        backend: ExecutorBackend | None = None,
        integrations: Integrations | None = None,
        on_tick: Callable[[SessionInfo], None] | None = None,
        stay_when_paused: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.layout = Layout.of(settings.paths, settings.worktree_dir)
        self.session = get_session(store, session_id)
        self.plan = load_plan_of(store, session_id)
        self.backend = backend or LocalBackend()
        self.integrations = integrations or default_integrations(
            default_model=settings.default_model,
            merge_gate=settings.merge_gate,
            project_root=Path(settings.root),
            store=store,
        )
        self.on_tick = on_tick
        self.stay_when_paused = stay_when_paused
        self.merging = self.session.session_branch is not None
        self.workers = _Workers()
        self.merger = (
            Merger(
                store,
                self.layout,
                self.session,
                self.plan,
                self.integrations.gate,
                clock=clock,
                events=self.integrations.events,
            )
            if self.merging
            else None
        )

    @property
    def id(self) -> str:
        return self.session.id

    # ----------------------------------------------------------------- lifecycle

    def run(self) -> SessionInfo:
        """Drive the session until it ends; returns its final record."""
        self.layout.prepare()
        lock = LivenessLock(self.layout.supervisor_lock(self.id))
        if not lock.try_acquire():
            pid = holder_pid(self.layout.supervisor_lock(self.id))
            raise SessionBusyError(
                f"session {self.id} is already being run by process {pid}",
                hint="watch it with br parallel status",
            )
        try:
            self._begin()
            while self.tick():
                self.clock.sleep(self.settings.poll_interval)
        finally:
            self._stop_workers()
            self.backend.close()
            self._report_settled()
            record_supervisor(self.store, self.id, pid=None, now=self.clock.now())
            close_integrations(self.integrations)
            lock.release()
        return get_session(self.store, self.id)

    def _begin(self) -> None:
        now = self.clock.now()
        session = get_session(self.store, self.id)
        if session.state == SessionState.CREATED:
            transition_session(self.store, self.id, SessionState.RUNNING, now=now)
        record_supervisor(self.store, self.id, pid=os.getpid(), now=now)
        if self.merging and self.session.session_branch:
            gitops.ensure_branch(
                self.layout.repo, self.session.session_branch, self.session.base_commit
            )
        with self.store.transaction() as conn:
            journal(conn, self.id, f"supervisor {os.getpid()} started", now=now)
            self.workers.counter = conn.execute(
                "SELECT COUNT(*) FROM parallel_workers WHERE session_id = ?", (self.id,)
            ).fetchone()[0]
        self._recover_orphans()
        self.integrations.events.emit(
            "session.started", {"session": self.id, "plan": self.plan.name}
        )

    def tick(self) -> bool:
        """One round of supervision; False when the session has ended."""
        now = self.clock.now()
        session = get_session(self.store, self.id)
        if session.state == SessionState.CANCELLED:
            self._cancel_running()
            return False
        if SessionState(session.state).is_final:
            return False
        self._reap_workers()
        self._recover_orphans()
        with self.store.transaction() as conn:
            queue.reap_expired(conn, self.id, now=now)
            claims.renew_parked(conn, session_id=self.id, now=now, ttl=self.settings.lease_ttl)
            conn.execute(
                "UPDATE parallel_sessions SET supervisor_heartbeat_at = ? WHERE id = ?",
                (now, self.id),
            )
        if session.state == SessionState.RUNNING:
            self._scale(session.workers_wanted)
        dependencies.promote(self.store, self.id, merging=self.merging, now=now)
        if self.merger is not None:
            self.merger.merge_ready()
            dependencies.promote(self.store, self.id, merging=self.merging, now=now)
        self._report_settled()
        if self.on_tick is not None:
            self.on_tick(get_session(self.store, self.id))
        if self._all_settled():
            self._finish()
            return False
        if session.state == SessionState.PAUSED and not self.stay_when_paused:
            return not self._idle()
        return True

    # ----------------------------------------------------------------- workers

    def _scale(self, wanted: int) -> None:
        alive = {wid: h for wid, h in self.workers.handles.items() if h.is_alive()}
        stopping = self._stopping_ids()
        active = [wid for wid in alive if wid not in stopping]
        target = min(wanted, self._runnable_count())
        for _ in range(target - len(active)):
            self._start_worker()
        if len(active) > wanted:
            for wid in sorted(active, reverse=True)[: len(active) - wanted]:
                self.store.execute(
                    "UPDATE parallel_workers SET state = 'stopping' WHERE session_id = ? AND "
                    "worker_id = ?",
                    (self.id, wid),
                )

    def _runnable_count(self) -> int:
        rows = self.store.execute(
            "SELECT COUNT(*) FROM parallel_tasks WHERE session_id = ? AND "
            "state IN ('ready', 'running', 'pending', 'paused')",
            (self.id,),
        )
        return int(rows[0][0])

    def _stopping_ids(self) -> set[str]:
        rows = self.store.execute(
            "SELECT worker_id FROM parallel_workers WHERE session_id = ? AND state = 'stopping'",
            (self.id,),
        )
        return {row["worker_id"] for row in rows}

    def _start_worker(self) -> None:
        self.workers.counter += 1
        worker_id = f"w{self.workers.counter}"
        now = self.clock.now()
        self.store.execute(
            "INSERT INTO parallel_workers(session_id, worker_id, host, state, started_at, "
            "heartbeat_at) VALUES (?, ?, ?, 'starting', ?, ?) ON CONFLICT DO NOTHING",
            (self.id, worker_id, os.uname().nodename, now, now),
        )
        handle = self.backend.start_worker(
            WorkerLaunch(
                session_id=self.id,
                worker_id=worker_id,
                settings=self.settings,
                lock_path=self.layout.worker_lock(self.id, worker_id),
                log_path=self.layout.session_logs(self.id) / f"{worker_id}.log",
            )
        )
        self.workers.handles[worker_id] = handle
        self.store.execute(
            "UPDATE parallel_workers SET pid = ? WHERE session_id = ? AND worker_id = ?",
            (handle.pid, self.id, worker_id),
        )
        self.integrations.events.emit(
            "worker.started",
            {
                "session": self.id,
                "worker": worker_id,
                "pid": handle.pid,
                "host": os.uname().nodename,
            },
        )

    def _reap_workers(self) -> None:
        for worker_id, handle in list(self.workers.handles.items()):
            if handle.is_alive():
                continue
            del self.workers.handles[worker_id]
            self._worker_gone(worker_id, "its process exited")

    def _recover_orphans(self) -> None:
        """Workers recorded as live whose flock is free died with (or after) an old supervisor."""
        rows = self.store.execute(
            "SELECT worker_id FROM parallel_workers WHERE session_id = ? AND "
            "state IN ('starting', 'idle', 'busy', 'stopping')",
            (self.id,),
        )
        for row in rows:
            worker_id = row["worker_id"]
            if worker_id in self.workers.handles:
                continue
            if not worker_is_alive(self.layout.worker_lock(self.id, worker_id)):
                self._worker_gone(worker_id, "it is no longer running")

    def _worker_gone(self, worker_id: str, why: str) -> None:
        now = self.clock.now()
        lost = queue.requeue_worker(
            self.store, self.id, worker_id, now=now, reason=f"worker {worker_id} died ({why})"
        )
        for _task_id, pgid in lost:
            if pgid:
                kill_process_group(pgid, grace=self.settings.kill_grace)
        rows = self.store.execute(
            "SELECT state, pid FROM parallel_workers WHERE session_id = ? AND worker_id = ?",
            (self.id, worker_id),
        )
        clean = bool(rows) and rows[0]["state"] == "stopped" and not lost
        self.integrations.events.emit(
            "worker.stopped" if clean else "worker.lost",
            {
                "session": self.id,
                "worker": worker_id,
                "pid": rows[0]["pid"] if rows else None,
                "task": lost[0][0] if lost else None,
                "reason": None if clean else why,
            },
        )
        self.store.execute(
            "UPDATE parallel_workers SET state = CASE WHEN state = 'stopped' THEN 'stopped' "
            "ELSE 'dead' END, stopped_at = COALESCE(stopped_at, ?), current_task = NULL "
            "WHERE session_id = ? AND worker_id = ?",
            (now, self.id, worker_id),
        )

    def _stop_workers(self) -> None:
        deadline = self.clock.monotonic() + STOP_WAIT
        for handle in self.workers.handles.values():
            left = max(0.0, deadline - self.clock.monotonic())
            if not handle.wait(left):
                handle.kill()
        self._reap_workers()

    def _cancel_running(self) -> None:
        rows = self.store.execute(
            "SELECT exec_pgid FROM parallel_tasks WHERE session_id = ? AND exec_pgid IS NOT NULL",
            (self.id,),
        )
        for row in rows:
            kill_process_group(row["exec_pgid"], grace=self.settings.kill_grace)

    def _idle(self) -> bool:
        return not any(
            h.is_alive() for h in self.workers.handles.values()
        ) or not self.store.execute(
            "SELECT 1 FROM parallel_tasks WHERE session_id = ? AND state = 'running' LIMIT 1",
            (self.id,),
        )

    # ----------------------------------------------------------------- the end

    def _report_settled(self) -> None:
        """Emit one final event per task that reached its final state (exactly once)."""
        final = ["merged", "conflict", "blocked", "failed", "cancelled", "skipped"]
        if not self.merging:
            final.append("done")
        now = self.clock.now()
        with self.store.transaction() as conn:
            rows = conn.execute(
                "UPDATE parallel_tasks SET reported = 1 WHERE session_id = ? AND reported = 0 "
                f"AND state IN ({', '.join('?' for _ in final)}) RETURNING task_id, title, "
                "executor, state, attempt, error, started_at, finished_at",
                (self.id, *final),
            ).fetchall()
        for row in rows:
            end = row["finished_at"] or now
            started = row["started_at"]
            self.integrations.events.emit(
                "task.settled",
                {
                    "session": self.id,
                    "task": row["task_id"],
                    "title": row["title"],
                    "executor": row["executor"],
                    "state": row["state"],
                    "attempt": row["attempt"],
                    "error": row["error"],
                    "duration_ms": round((end - started) * 1000, 3) if started else None,
                },
            )

    def _all_settled(self) -> bool:
        rows = self.store.execute(
            "SELECT state FROM parallel_tasks WHERE session_id = ?", (self.id,)
        )
        return all(dependencies.is_settled(r["state"], merging=self.merging) for r in rows)

    def _finish(self) -> None:
        rows = self.store.execute(
            "SELECT state, COUNT(*) AS n FROM parallel_tasks WHERE session_id = ? GROUP BY state",
            (self.id,),
        )
        counts = {r["state"]: r["n"] for r in rows}
        good = {"merged"} if self.merging else {"done", "merged"}
        bad = {state: n for state, n in counts.items() if state not in good}
        state = SessionState.FAILED if bad else SessionState.COMPLETED
        error = ", ".join(f"{n} {s}" for s, n in sorted(bad.items())) or None
        transition_session(self.store, self.id, state, now=self.clock.now(), error=error)
        self.integrations.events.emit(
            "session.finished", {"session": self.id, "state": state.value, **counts}
        )


# --------------------------------------------------------------------------- detached runs


def spawn_detached(settings: RunSettings, session_id: str, *, log_path: Path) -> int:
    """Start a supervisor for `session_id` in the background; returns its pid."""
    import subprocess

    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "buildrunner.parallel.supervisor",
                "--settings",
                settings.to_json(),
                "--session",
                session_id,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            close_fds=True,
        )
    return proc.pid


def main(argv: list[str] | None = None) -> int:
    """Entry point of a detached supervisor process."""
    parser = argparse.ArgumentParser(prog="python -m buildrunner.parallel.supervisor")
    parser.add_argument("--settings", required=True)
    parser.add_argument("--session", required=True)
    args = parser.parse_args(argv)
    settings = RunSettings.from_json(args.settings)
    from buildrunner.core.logs import configure_logging

    configure_logging(settings.paths, "info")
    store = Store(settings.paths.db_path, timeout=settings.db_timeout)
    try:
        Supervisor(store, settings, args.session).run()
    except SessionBusyError as exc:
        print(f"br: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
