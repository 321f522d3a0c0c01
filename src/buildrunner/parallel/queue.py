"""The persistent lease queue: tasks claimed under ``BEGIN IMMEDIATE`` with leases and fences.

- :func:`claim_next` takes the best ready task (priority, then plan order) whose path claims
  are free, bumps its fence and attempt, grants its claims and returns a :class:`Lease`.
- :func:`renew` (the heartbeat) extends the lease and the claims; it returns False when the
  lease was lost (expired and taken over, or the task was cancelled): the worker must stop.
- :func:`settle` records the outcome, guarded by the fence: a worker whose lease was lost
  cannot overwrite the work of its successor.
- :func:`reap_expired` and :func:`requeue_worker` return the tasks of dead workers to the queue
  (at-least-once delivery; the fence makes the duplicates harmless).

Every write happens in one short transaction; none is held across a subprocess or a sleep.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from buildrunner.core.store import Store
from buildrunner.parallel import claims
from buildrunner.parallel.plan import TaskSpec
from buildrunner.parallel.records import ClaimInfo
from buildrunner.parallel.sessions import journal
from buildrunner.parallel.states import TaskState

MAX_LOSSES = 5
"""A task whose worker dies this many times is failed (it may be what kills its workers)."""
CANDIDATES = 200
"""How many ready tasks one claim looks at when earlier ones wait for their paths."""


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one task: valid while the task row still carries `fence`."""

    session_id: str
    task_id: str
    pk: int
    fence: int
    attempt: int
    worker_id: str
    spec: TaskSpec
    expires_at: float
    agent_session_id: str | None = None
    worktree: str | None = None
    branch: str | None = None
    start_commit: str | None = None
    previous_outcome: str | None = None


@dataclass(frozen=True)
class Settlement:
    """The outcome of one attempt, as the worker reports it."""

    state: TaskState
    outcome: str
    error: str | None = None
    exit_code: int | None = None
    result_text: str | None = None
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0
    model: str | None = None
    agent_session_id: str | None = None
    head_commit: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    not_before: float | None = None


def claim_next(
    store: Store,
    session_id: str,
    worker_id: str,
    *,
    now: float,
    ttl: float,
    holder_gone: Callable[[ClaimInfo], bool] | None = None,
) -> Lease | None:
    """Claim the next runnable task of a session for `worker_id`, or None if none is runnable.

    `holder_gone(claim)` says whether the process behind a conflicting claim is known to be
    dead (its ``flock`` is free); such a claim is released on the spot instead of waiting for
    its lease to expire.
    """
    with store.transaction() as conn:
        reap_expired(conn, session_id, now=now)
        rows = conn.execute(
            "SELECT pk, session_id, task_id, spec_json, progress FROM parallel_tasks "
            "WHERE session_id = ? AND state = 'ready' AND (not_before IS NULL OR not_before <= ?)"
            " ORDER BY priority DESC, seq LIMIT ?",
            (session_id, now, CANDIDATES),
        ).fetchall()
        live: list[ClaimInfo] | None = None
        for row in rows:
            spec = TaskSpec.from_json(row["spec_json"])
            if spec.claims:
                if live is None:
                    live = claims.live_claims(conn, now)
                conflict = claims.find_conflict(
                    spec.claims, live, session_id=session_id, task_id=spec.id
                )
                while conflict is not None and conflict.claim and holder_gone is not None:
                    if not holder_gone(conflict.claim):
                        break
                    _release_dead(conn, conflict.claim, now)
                    live = claims.live_claims(conn, now)
                    conflict = claims.find_conflict(
                        spec.claims, live, session_id=session_id, task_id=spec.id
                    )
                if conflict is not None:
                    _note_waiting(conn, row, conflict, now)
                    continue
            return _take(conn, row["pk"], spec, session_id, worker_id, now=now, ttl=ttl)
    return None


def _release_dead(conn: sqlite3.Connection, claim: ClaimInfo, now: float) -> None:
    claims.release_claim(conn, claim, now=now)
    journal(
        conn,
        claim.session_id,
        f"claims released: holder {claim.holder} is no longer running",
        now=now,
        level="warning",
        task_id=claim.task_id,
        worker_id=claim.holder,
    )


def _note_waiting(
    conn: sqlite3.Connection, row: sqlite3.Row, conflict: claims.ClaimConflict, now: float
) -> None:
    message = f"waiting: {conflict.describe()}"
    if row["progress"] != message:
        conn.execute(
            "UPDATE parallel_tasks SET progress = ?, updated_at = ? WHERE pk = ?",
            (message, now, row["pk"]),
        )
        journal(conn, row["session_id"], message, now=now, task_id=row["task_id"])


def _take(
    conn: sqlite3.Connection,
    pk: int,
    spec: TaskSpec,
    session_id: str,
    worker_id: str,
    *,
    now: float,
    ttl: float,
) -> Lease:
    row = conn.execute(
        "UPDATE parallel_tasks SET state = 'running', claimed_by = ?, fence = fence + 1, "
        "attempt = attempt + 1, lease_expires_at = ?, heartbeat_at = ?, "
        "started_at = COALESCE(started_at, ?), updated_at = ?, progress = 'starting', "
        "not_before = NULL, exec_pgid = NULL WHERE pk = ? AND state = 'ready' "
        "RETURNING fence, attempt, agent_session_id, worktree, branch, start_commit, outcome",
        (worker_id, now + ttl, now, now, now, pk),
    ).fetchone()
    if spec.claims:
        claims.grant(
            conn,
            spec.claims,
            session_id=session_id,
            task_id=spec.id,
            holder=worker_id,
            fence=row["fence"],
            now=now,
            ttl=ttl,
        )
    conn.execute(
        "INSERT INTO parallel_attempts(session_id, task_id, attempt, fence, worker_id, "
        "started_at) VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, spec.id, row["attempt"], row["fence"], worker_id, now),
    )
    conn.execute(
        "UPDATE parallel_workers SET state = 'busy', current_task = ?, heartbeat_at = ? "
        "WHERE session_id = ? AND worker_id = ?",
        (spec.id, now, session_id, worker_id),
    )
    return Lease(
        session_id=session_id,
        task_id=spec.id,
        pk=pk,
        fence=row["fence"],
        attempt=row["attempt"],
        worker_id=worker_id,
        spec=spec,
        expires_at=now + ttl,
        agent_session_id=row["agent_session_id"],
        worktree=row["worktree"],
        branch=row["branch"],
        start_commit=row["start_commit"],
        previous_outcome=row["outcome"],
    )


def renew(
    store: Store,
    lease: Lease,
    *,
    now: float,
    ttl: float,
    progress: str | None = None,
    turns: int | None = None,
) -> bool:
    """Heartbeat: extend the lease and the claims. False means the lease is lost."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE parallel_tasks SET lease_expires_at = ?, heartbeat_at = ?, updated_at = ?, "
            "progress = COALESCE(?, progress), turns = COALESCE(?, turns) "
            "WHERE pk = ? AND fence = ? AND state = 'running'",
            (now + ttl, now, now, progress, turns, lease.pk, lease.fence),
        )
        if cursor.rowcount == 0:
            return False
        claims.renew(
            conn,
            session_id=lease.session_id,
            task_id=lease.task_id,
            fence=lease.fence,
            now=now,
            ttl=ttl,
        )
        conn.execute(
            "UPDATE parallel_workers SET heartbeat_at = ? WHERE session_id = ? AND worker_id = ?",
            (now, lease.session_id, lease.worker_id),
        )
    return True


def record_details(store: Store, lease: Lease, *, now: float, **values: Any) -> bool:
    """Store facts learnt during an attempt (worktree, branch, pgid, agent session id, model).

    Fence-guarded like every other write of a worker; returns False when the lease is lost.
    """
    allowed = {
        "worktree",
        "branch",
        "start_commit",
        "exec_pgid",
        "agent_session_id",
        "resumed_from",
        "model",
        "log_path",
        "progress",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown task fields: {sorted(unknown)}")
    if not values:
        return True
    assignments = ", ".join(f"{name} = ?" for name in values)
    cursor = store.execute(
        f"UPDATE parallel_tasks SET {assignments}, updated_at = ? "
        "WHERE pk = ? AND fence = ? AND state = 'running' RETURNING pk",
        (*values.values(), now, lease.pk, lease.fence),
    )
    return bool(cursor)


def settle(store: Store, lease: Lease, result: Settlement, *, now: float) -> bool:
    """Record the outcome of an attempt; False (nothing written) when the lease was lost."""
    final = result.state in (TaskState.FAILED, TaskState.CANCELLED)
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE parallel_tasks SET state = ?, outcome = ?, error = ?, result_text = "
            "COALESCE(?, result_text), cost_usd = cost_usd + ?, input_tokens = input_tokens + ?, "
            "output_tokens = output_tokens + ?, turns = ?, model = COALESCE(?, model), "
            "agent_session_id = COALESCE(?, agent_session_id), head_commit = COALESCE(?, "
            "head_commit), not_before = ?, claimed_by = NULL, lease_expires_at = NULL, "
            "exec_pgid = NULL, finished_at = ?, updated_at = ?, progress = ? "
            "WHERE pk = ? AND fence = ? AND state = 'running'",
            (
                result.state.value,
                result.outcome,
                result.error,
                result.result_text,
                result.cost_usd,
                result.input_tokens,
                result.output_tokens,
                result.turns,
                result.model,
                result.agent_session_id,
                result.head_commit,
                result.not_before,
                now if final or result.state == TaskState.DONE else None,
                now,
                _progress_after(result),
                lease.pk,
                lease.fence,
            ),
        )
        if cursor.rowcount == 0:
            return False
        _close_attempt(conn, lease, result, now)
        if result.state not in (TaskState.DONE, TaskState.PAUSED):
            claims.release(conn, session_id=lease.session_id, task_id=lease.task_id, now=now)
        conn.execute(
            "UPDATE parallel_workers SET state = 'idle', current_task = NULL, heartbeat_at = ?, "
            "tasks_done = tasks_done + ? WHERE session_id = ? AND worker_id = ?",
            (now, 1 if result.state == TaskState.DONE else 0, lease.session_id, lease.worker_id),
        )
        level = "info" if result.state in (TaskState.DONE, TaskState.PAUSED) else "warning"
        if result.state == TaskState.FAILED:
            level = "error"
        message = f"attempt {lease.attempt}: {result.outcome} -> {result.state.value}"
        if result.error:
            message += f": {result.error}"
        journal(
            conn,
            lease.session_id,
            message,
            now=now,
            level=level,
            task_id=lease.task_id,
            worker_id=lease.worker_id,
        )
    return True


def _progress_after(result: Settlement) -> str:
    if result.state == TaskState.READY:
        return f"retrying after {result.outcome}"
    if result.state == TaskState.PAUSED:
        return "paused at a turn boundary"
    return result.outcome


def _close_attempt(conn: sqlite3.Connection, lease: Lease, result: Settlement, now: float) -> None:
    conn.execute(
        "UPDATE parallel_attempts SET finished_at = ?, outcome = ?, exit_code = ?, model = ?, "
        "agent_session_id = ?, turns = ?, cost_usd = ?, input_tokens = ?, output_tokens = ?, "
        "usage_json = ?, error = ? WHERE session_id = ? AND task_id = ? AND fence = ?",
        (
            now,
            result.outcome,
            result.exit_code,
            result.model,
            result.agent_session_id,
            result.turns,
            result.cost_usd,
            result.input_tokens,
            result.output_tokens,
            json.dumps(dict(result.usage), sort_keys=True) if result.usage else None,
            result.error,
            lease.session_id,
            lease.task_id,
            lease.fence,
        ),
    )


def reap_expired(conn: sqlite3.Connection, session_id: str, *, now: float) -> list[str]:
    """Return running tasks whose lease expired to the queue (call inside a transaction)."""
    rows = conn.execute(
        "SELECT pk, task_id, claimed_by FROM parallel_tasks WHERE session_id = ? AND "
        "state = 'running' AND lease_expires_at < ?",
        (session_id, now),
    ).fetchall()
    for row in rows:
        _lose(conn, session_id, row, now=now, reason="its lease expired")
    return [row["task_id"] for row in rows]


def requeue_worker(
    store: Store, session_id: str, worker_id: str, *, now: float, reason: str
) -> list[tuple[str, int | None]]:
    """Return the tasks of a dead worker to the queue at once (no waiting for the TTL).

    Returns (task id, executor process group) pairs so the caller can kill orphaned groups.
    """
    with store.transaction() as conn:
        rows = conn.execute(
            "SELECT pk, task_id, claimed_by, exec_pgid FROM parallel_tasks WHERE session_id = ? "
            "AND state = 'running' AND claimed_by = ?",
            (session_id, worker_id),
        ).fetchall()
        for row in rows:
            _lose(conn, session_id, row, now=now, reason=reason)
    return [(row["task_id"], row["exec_pgid"]) for row in rows]


def _lose(
    conn: sqlite3.Connection, session_id: str, row: sqlite3.Row, *, now: float, reason: str
) -> None:
    """A running task lost its worker: requeue it (the attempt does not count) or fail it."""
    updated = conn.execute(
        "UPDATE parallel_tasks SET losses = losses + 1, attempt = attempt - 1, "
        "state = CASE WHEN losses + 1 >= ? THEN 'failed' ELSE 'ready' END, "
        "outcome = CASE WHEN losses + 1 >= ? THEN 'lost' ELSE outcome END, "
        "error = CASE WHEN losses + 1 >= ? THEN ? ELSE error END, "
        "finished_at = CASE WHEN losses + 1 >= ? THEN ? ELSE finished_at END, "
        "claimed_by = NULL, lease_expires_at = NULL, exec_pgid = NULL, updated_at = ?, "
        "progress = ? WHERE pk = ? RETURNING state, fence",
        (
            MAX_LOSSES,
            MAX_LOSSES,
            MAX_LOSSES,
            f"lost its worker {MAX_LOSSES} times",
            MAX_LOSSES,
            now,
            now,
            f"requeued: {reason}",
            row["pk"],
        ),
    ).fetchone()
    conn.execute(
        "UPDATE parallel_attempts SET finished_at = ?, outcome = 'lost', error = ? "
        "WHERE session_id = ? AND task_id = ? AND fence = ? AND finished_at IS NULL",
        (now, reason, session_id, row["task_id"], updated["fence"]),
    )
    claims.release(conn, session_id=session_id, task_id=row["task_id"], now=now)
    journal(
        conn,
        session_id,
        f"worker {row['claimed_by']} lost the task ({reason}); {updated['state']}",
        now=now,
        level="warning",
        task_id=row["task_id"],
        worker_id=row["claimed_by"],
    )
