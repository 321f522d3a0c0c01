"""An immutable picture of the parallel state at one instant, read in one consistent snapshot.

`br parallel status`, `--watch` and the dashboard render a :class:`Snapshot`; they never query
the database themselves, so a test can build or load one snapshot and render one frame.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from buildrunner.core.store import Store
from buildrunner.parallel.claims import live_claims
from buildrunner.parallel.liveness import is_held
from buildrunner.parallel.records import (
    ClaimInfo,
    JournalEntry,
    SessionInfo,
    TaskInfo,
    WorkerInfo,
)
from buildrunner.parallel.sessions import (
    SESSION_COLUMNS,
    TASK_COLUMNS,
    WORKER_COLUMNS,
    get_session,
)
from buildrunner.parallel.settings import RunSettings


@dataclass(frozen=True)
class Snapshot:
    """Sessions, and the tasks, workers, claims and alerts of the selected one."""

    now: float
    sessions: tuple[SessionInfo, ...] = ()
    session: SessionInfo | None = None
    tasks: tuple[TaskInfo, ...] = ()
    workers: tuple[WorkerInfo, ...] = ()
    claims: tuple[ClaimInfo, ...] = ()
    alerts: tuple[JournalEntry, ...] = ()
    supervisor_alive: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return dict(Counter(t.state for t in self.tasks))

    @property
    def cost_usd(self) -> float:
        return sum(t.cost_usd for t in self.tasks)

    def progress(self) -> tuple[int, int]:
        """(settled tasks, all tasks)."""
        merging = bool(self.session and self.session.session_branch)
        settled = sum(
            1
            for t in self.tasks
            if t.state in ("merged", "conflict", "blocked", "failed", "cancelled", "skipped")
            or (t.state == "done" and not merging)
        )
        return settled, len(self.tasks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "now": self.now,
            "session": self.session.to_dict() if self.session else None,
            "supervisor_alive": self.supervisor_alive,
            "counts": self.counts(),
            "cost_usd": round(self.cost_usd, 6),
            "tasks": [t.to_dict() for t in self.tasks],
            "workers": [w.to_dict() for w in self.workers],
            "claims": [c.to_dict() for c in self.claims],
            "alerts": [a.to_dict() for a in self.alerts],
        }


def load_snapshot(
    store: Store,
    settings: RunSettings | None,
    ref: str | None = None,
    *,
    now: float,
    recent: int = 20,
    alerts: int = 50,
) -> Snapshot:
    """Read the state of the session `ref` (the newest when None) in one read transaction."""
    selected = get_session(store, ref) if ref else None
    with store.transaction(immediate=False) as conn:
        sessions = tuple(
            SessionInfo.from_row(r)
            for r in conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM parallel_sessions "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (recent,),
            )
        )
        if selected is None and sessions:
            selected = sessions[0]
        elif selected is not None:
            row = conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM parallel_sessions WHERE id = ?", (selected.id,)
            ).fetchone()
            selected = SessionInfo.from_row(row)
        if selected is None:
            return Snapshot(now=now, sessions=sessions)
        sid = selected.id
        tasks = tuple(
            TaskInfo.from_row(r)
            for r in conn.execute(
                f"SELECT {TASK_COLUMNS} FROM parallel_tasks WHERE session_id = ? ORDER BY seq",
                (sid,),
            )
        )
        workers = tuple(
            WorkerInfo.from_row(r)
            for r in conn.execute(
                f"SELECT {WORKER_COLUMNS} FROM parallel_workers WHERE session_id = ? "
                "ORDER BY started_at, worker_id",
                (sid,),
            )
        )
        claims = tuple(live_claims(conn, now))
        journal = tuple(
            JournalEntry.from_row(r)
            for r in reversed(
                conn.execute(
                    "SELECT session_id, at, level, task_id, worker_id, message FROM "
                    "parallel_journal WHERE session_id = ? AND level != 'info' "
                    "ORDER BY pk DESC LIMIT ?",
                    (sid, alerts),
                ).fetchall()
            )
        )
    alive = False
    if settings is not None:
        from buildrunner.parallel.layout import Layout

        alive = is_held(Layout.of(settings.paths, settings.worktree_dir).supervisor_lock(sid))
    return Snapshot(
        now=now,
        sessions=sessions,
        session=selected,
        tasks=tasks,
        workers=workers,
        claims=claims,
        alerts=journal,
        supervisor_alive=alive,
    )


def data_version(store: Store) -> int:
    """``PRAGMA data_version`` of this thread's connection: changes when another one commits."""
    return int(store.execute("PRAGMA data_version")[0][0])
