"""Sessions: one run of a plan, persisted in the project database.

Every state change goes through :func:`transition_session` inside ``BEGIN IMMEDIATE`` and is
checked against the state machine in :mod:`buildrunner.parallel.states`, so any `br` process
(the supervisor, `br parallel pause` in another terminal, the dashboard) sees and makes the
same, valid changes.
"""

from __future__ import annotations

import secrets
import socket
import sqlite3
from collections.abc import Sequence

from buildrunner.core.errors import UsageError
from buildrunner.core.store import Store
from buildrunner.parallel import claims
from buildrunner.parallel.plan import Plan
from buildrunner.parallel.records import (
    JournalEntry,
    SessionInfo,
    SessionNotFoundError,
    TaskInfo,
    WorkerInfo,
)
from buildrunner.parallel.states import (
    FINAL_TASK_STATES,
    SessionState,
    TaskState,
    TransitionError,
    check_session_transition,
)

SESSION_COLUMNS = ", ".join(SessionInfo.__dataclass_fields__)
TASK_COLUMNS = ", ".join(TaskInfo.__dataclass_fields__)
WORKER_COLUMNS = ", ".join(WorkerInfo.__dataclass_fields__)
SESSION_BRANCH_LEAF = "_session"


def new_session_id() -> str:
    """A fresh session id: 8 lowercase hex characters."""
    return secrets.token_hex(4)


def session_branch_name(session_id: str) -> str:
    """The branch that collects a session's merged work: ``br/<session>/_session``."""
    return f"br/{session_id}/{SESSION_BRANCH_LEAF}"


def task_branch_name(session_id: str, task_id: str) -> str:
    """The branch of one task: ``br/<session>/<task>``."""
    return f"br/{session_id}/{task_id}"


def create_session(
    store: Store,
    plan: Plan,
    *,
    plan_path: str,
    base_ref: str,
    base_commit: str,
    workers: int,
    now: float,
    default_retries: int = 1,
    backend: str = "local",
    session_id: str | None = None,
) -> SessionInfo:
    """Record a new session of `plan` in state ``created`` with all its tasks queued."""
    merging = plan.merge and plan.isolation == "worktree"
    with store.transaction() as conn:
        sid = session_id or _unused_id(conn)
        conn.execute(
            "INSERT INTO parallel_sessions(id, name, plan_path, plan_json, state, backend, "
            "base_ref, base_commit, session_branch, workers_wanted, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?)",
            (
                sid,
                plan.name,
                plan_path,
                plan.to_json(),
                backend,
                base_ref,
                base_commit,
                session_branch_name(sid) if merging else None,
                workers,
                now,
                now,
            ),
        )
        for seq, task in enumerate(plan.tasks):
            retries = task.retries if task.retries is not None else default_retries
            conn.execute(
                "INSERT INTO parallel_tasks(session_id, task_id, seq, title, executor, spec_json,"
                " priority, state, max_attempts, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    task.id,
                    seq,
                    task.title,
                    task.executor,
                    task.to_json(),
                    task.priority,
                    TaskState.PENDING if task.depends_on else TaskState.READY,
                    retries + 1,
                    now,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO parallel_task_deps(session_id, task_id, depends_on) VALUES (?, ?, ?)",
                [(sid, task.id, dep) for dep in task.depends_on],
            )
        journal(conn, sid, f"session created from {plan_path} ({len(plan.tasks)} tasks)", now=now)
    return get_session(store, sid)


def _unused_id(conn: sqlite3.Connection) -> str:
    while True:
        candidate = new_session_id()
        if not conn.execute(
            "SELECT 1 FROM parallel_sessions WHERE id = ?", (candidate,)
        ).fetchone():
            return candidate


def get_session(store: Store, ref: str | None = None) -> SessionInfo:
    """The session whose id is `ref` or starts with it; the newest session when `ref` is empty."""
    if not ref:
        rows = store.execute(
            f"SELECT {SESSION_COLUMNS} FROM parallel_sessions ORDER BY created_at DESC, rowid DESC"
            " LIMIT 1"
        )
        if not rows:
            raise SessionNotFoundError(
                "no parallel session in this project yet", hint="start one: br parallel start PLAN"
            )
        return SessionInfo.from_row(rows[0])
    cleaned = ref.strip().lower()
    if not cleaned or any(c not in "0123456789abcdef" for c in cleaned):
        raise SessionNotFoundError(f"{ref!r} is not a session id (hex digits)")
    rows = store.execute(
        f"SELECT {SESSION_COLUMNS} FROM parallel_sessions WHERE id LIKE ? ORDER BY created_at",
        (cleaned + "%",),
    )
    if not rows:
        raise SessionNotFoundError(
            f"no session matches {ref!r}", hint="list sessions with br parallel list"
        )
    exact = [r for r in rows if r["id"] == cleaned]
    if exact:
        return SessionInfo.from_row(exact[0])
    if len(rows) > 1:
        ids = ", ".join(r["id"] for r in rows[:5])
        raise UsageError(f"session prefix {ref!r} is ambiguous: {ids}", hint="type more characters")
    return SessionInfo.from_row(rows[0])


def list_sessions(
    store: Store, *, limit: int = 50, states: Sequence[str] = ()
) -> list[SessionInfo]:
    """Sessions, newest first."""
    where = ""
    params: list[object] = []
    if states:
        where = f"WHERE state IN ({', '.join('?' for _ in states)})"
        params.extend(states)
    rows = store.execute(
        f"SELECT {SESSION_COLUMNS} FROM parallel_sessions {where} "
        "ORDER BY created_at DESC, rowid DESC LIMIT ?",
        (*params, limit),
    )
    return [SessionInfo.from_row(row) for row in rows]


def list_tasks(store: Store, session_id: str) -> list[TaskInfo]:
    """The tasks of a session in plan order."""
    rows = store.execute(
        f"SELECT {TASK_COLUMNS} FROM parallel_tasks WHERE session_id = ? ORDER BY seq",
        (session_id,),
    )
    return [TaskInfo.from_row(row) for row in rows]


def list_workers(store: Store, session_id: str) -> list[WorkerInfo]:
    """The workers a session has had, in start order."""
    rows = store.execute(
        f"SELECT {WORKER_COLUMNS} FROM parallel_workers WHERE session_id = ? "
        "ORDER BY started_at, worker_id",
        (session_id,),
    )
    return [WorkerInfo.from_row(row) for row in rows]


def read_journal(store: Store, session_id: str, *, limit: int = 200) -> list[JournalEntry]:
    """The newest `limit` journal entries of a session, oldest first."""
    rows = store.execute(
        "SELECT session_id, at, level, task_id, worker_id, message FROM parallel_journal "
        "WHERE session_id = ? ORDER BY pk DESC LIMIT ?",
        (session_id, limit),
    )
    return [JournalEntry.from_row(row) for row in reversed(rows)]


def load_plan_of(store: Store, session_id: str) -> Plan:
    """The validated plan a session was created from."""
    rows = store.execute("SELECT plan_json FROM parallel_sessions WHERE id = ?", (session_id,))
    if not rows:
        raise SessionNotFoundError(f"no session {session_id}")
    return Plan.from_json(rows[0]["plan_json"])


def journal(
    conn: sqlite3.Connection,
    session_id: str,
    message: str,
    *,
    now: float,
    level: str = "info",
    task_id: str | None = None,
    worker_id: str | None = None,
) -> None:
    """Append one line to the session journal (call inside a transaction)."""
    conn.execute(
        "INSERT INTO parallel_journal(session_id, at, level, task_id, worker_id, message) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, now, level, task_id, worker_id, message),
    )


def transition_session(
    store: Store,
    session_id: str,
    new: SessionState,
    *,
    now: float,
    error: str | None = None,
    expect: Sequence[SessionState] = (),
) -> SessionInfo:
    """Move a session to `new`, validated; returns the updated session.

    `expect` narrows the states the caller accepts to start from (others raise).
    """
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT state FROM parallel_sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise SessionNotFoundError(f"no session {session_id}")
        old = row["state"]
        if expect and old not in expect:
            raise TransitionError(f"session {session_id} is {old}; expected {_or(expect)}")
        if old != new:
            check_session_transition(session_id, old, new)
            _apply_session_state(conn, session_id, old, new, now=now, error=error)
    return get_session(store, session_id)


def _apply_session_state(
    conn: sqlite3.Connection,
    session_id: str,
    old: str,
    new: SessionState,
    *,
    now: float,
    error: str | None,
) -> None:
    finished = now if new.is_final else None
    conn.execute(
        "UPDATE parallel_sessions SET state = ?, updated_at = ?, "
        "started_at = CASE WHEN ? = 'running' THEN COALESCE(started_at, ?) ELSE started_at END, "
        "finished_at = COALESCE(?, finished_at), error = COALESCE(?, error) WHERE id = ?",
        (new.value, now, new.value, now, finished, error, session_id),
    )
    if new == SessionState.RUNNING and old == SessionState.PAUSED:
        conn.execute(
            "UPDATE parallel_tasks SET state = 'ready', updated_at = ?, progress = "
            "'resuming' WHERE session_id = ? AND state = 'paused'",
            (now, session_id),
        )
    if new == SessionState.CANCELLED:
        open_states = [s.value for s in TaskState if s not in FINAL_TASK_STATES]
        conn.execute(
            f"UPDATE parallel_tasks SET state = 'cancelled', outcome = COALESCE(outcome, "
            f"'cancelled'), finished_at = COALESCE(finished_at, ?), updated_at = ? "
            f"WHERE session_id = ? AND state IN ({', '.join('?' for _ in open_states)})",
            (now, now, session_id, *open_states),
        )
        claims.release_session(conn, session_id=session_id, now=now)
    journal(conn, session_id, f"session {old} -> {new.value}", now=now)


def _or(states: Sequence[SessionState]) -> str:
    return " or ".join(s.value for s in states)


def set_workers_wanted(store: Store, session_id: str, count: int, *, now: float) -> SessionInfo:
    """Ask the supervisor of a session to run `count` workers."""
    if count < 0:
        raise UsageError(f"--scale must be 0 or more, got {count}")
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE parallel_sessions SET workers_wanted = ?, updated_at = ? WHERE id = ?",
            (count, now, session_id),
        )
        if cursor.rowcount == 0:
            raise SessionNotFoundError(f"no session {session_id}")
        journal(conn, session_id, f"workers scaled to {count}", now=now)
    return get_session(store, session_id)


def record_supervisor(store: Store, session_id: str, *, pid: int | None, now: float) -> None:
    """Record (or clear, with `pid=None`) the supervisor process of a session."""
    store.execute(
        "UPDATE parallel_sessions SET supervisor_pid = ?, supervisor_host = ?, "
        "supervisor_heartbeat_at = ?, updated_at = ? WHERE id = ?",
        (pid, socket.gethostname() if pid else None, now if pid else None, now, session_id),
    )


def journal_since(store: Store, session_id: str, after: int = 0) -> list[tuple[int, JournalEntry]]:
    """Journal entries of a session with a row id above `after`, oldest first."""
    rows = store.execute(
        "SELECT pk, session_id, at, level, task_id, worker_id, message FROM parallel_journal "
        "WHERE session_id = ? AND pk > ? ORDER BY pk",
        (session_id, after),
    )
    return [(row["pk"], JournalEntry.from_row(row)) for row in rows]
