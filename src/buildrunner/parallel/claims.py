"""Leased path claims: a task owns its globs all-or-nothing while its lease lives.

Claims live in ``parallel_claims``. A claim is *live* until it is released or its lease
expires (``expires_at``); expired claims count as free. Claims are taken inside the same
``BEGIN IMMEDIATE`` transaction that claims the task (see :mod:`buildrunner.parallel.queue`),
so two processes can never both be granted overlapping globs. They are checked against every
live claim in the project, whichever session holds it.

The guard (:func:`check_edit`) answers the question a Claude Code PreToolUse hook asks: may
this task edit this path?
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.store import Store
from buildrunner.parallel.patterns import first_overlap, normalize_path, path_matches
from buildrunner.parallel.records import ClaimInfo

_CLAIM_COLUMNS = (
    "session_id, task_id, pattern, holder, fence, acquired_at, heartbeat_at, expires_at"
)


@dataclass(frozen=True)
class ClaimConflict:
    """Why a set of claims could not be granted."""

    pattern: str
    other_pattern: str
    owner: str
    claim: ClaimInfo | None = None

    def describe(self) -> str:
        return f"claim {self.pattern!r} overlaps {self.other_pattern!r} held by {self.owner}"


def live_claims(conn: sqlite3.Connection, now: float) -> list[ClaimInfo]:
    """Every claim that is neither released nor expired, oldest first."""
    rows = conn.execute(
        f"SELECT {_CLAIM_COLUMNS} FROM parallel_claims "
        "WHERE released_at IS NULL AND expires_at > ? ORDER BY pk",
        (now,),
    ).fetchall()
    return [ClaimInfo.from_row(row) for row in rows]


def find_conflict(
    patterns: Sequence[str],
    live: Sequence[ClaimInfo],
    *,
    session_id: str,
    task_id: str,
) -> ClaimConflict | None:
    """The first live claim of another task that overlaps `patterns`, if any."""
    for claim in live:
        if claim.session_id == session_id and claim.task_id == task_id:
            continue
        found = first_overlap(patterns, [(claim.pattern, f"{claim.session_id}/{claim.task_id}")])
        if found is not None:
            return ClaimConflict(*found, claim=claim)
    return None


def release_claim(conn: sqlite3.Connection, claim: ClaimInfo, *, now: float) -> None:
    """Release one claim whose holder is gone (and every other claim of that task)."""
    release(conn, session_id=claim.session_id, task_id=claim.task_id, now=now)


def grant(
    conn: sqlite3.Connection,
    patterns: Sequence[str],
    *,
    session_id: str,
    task_id: str,
    holder: str,
    fence: int,
    now: float,
    ttl: float,
) -> None:
    """Record the claims of a task (call inside the transaction that checked for conflicts)."""
    release(conn, session_id=session_id, task_id=task_id, now=now)
    conn.executemany(
        "INSERT INTO parallel_claims(session_id, task_id, pattern, holder, fence, acquired_at, "
        "heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(session_id, task_id, p, holder, fence, now, now, now + ttl) for p in patterns],
    )


def renew(
    conn: sqlite3.Connection, *, session_id: str, task_id: str, fence: int, now: float, ttl: float
) -> None:
    """Extend the live claims of a task held under `fence`."""
    conn.execute(
        "UPDATE parallel_claims SET heartbeat_at = ?, expires_at = ? "
        "WHERE session_id = ? AND task_id = ? AND fence = ? AND released_at IS NULL",
        (now, now + ttl, session_id, task_id, fence),
    )


def release(conn: sqlite3.Connection, *, session_id: str, task_id: str, now: float) -> int:
    """Release every unreleased claim of a task; returns how many."""
    cursor = conn.execute(
        "UPDATE parallel_claims SET released_at = ? "
        "WHERE session_id = ? AND task_id = ? AND released_at IS NULL",
        (now, session_id, task_id),
    )
    return cursor.rowcount


def release_session(conn: sqlite3.Connection, *, session_id: str, now: float) -> int:
    """Release every claim of a session."""
    cursor = conn.execute(
        "UPDATE parallel_claims SET released_at = ? WHERE session_id = ? AND released_at IS NULL",
        (now, session_id),
    )
    return cursor.rowcount


def renew_parked(conn: sqlite3.Connection, *, session_id: str, now: float, ttl: float) -> None:
    """Keep the claims of finished-but-unmerged and paused tasks alive (the supervisor's job)."""
    conn.execute(
        "UPDATE parallel_claims SET heartbeat_at = ?, expires_at = ? "
        "WHERE session_id = ? AND released_at IS NULL AND task_id IN ("
        "  SELECT task_id FROM parallel_tasks WHERE session_id = ? "
        "  AND state IN ('done', 'paused'))",
        (now, now + ttl, session_id, session_id),
    )


def list_claims(store: Store, *, now: float, session_id: str | None = None) -> list[ClaimInfo]:
    """Live claims of the project (or of one session), oldest first."""
    with store.transaction(immediate=False) as conn:
        claims = live_claims(conn, now)
    if session_id is not None:
        claims = [c for c in claims if c.session_id == session_id]
    return claims


@dataclass(frozen=True)
class EditDecision:
    """The guard's answer for one path."""

    allowed: bool
    path: str
    reason: str = ""


def check_edit(
    store: Store,
    *,
    path: str,
    session_id: str | None,
    task_id: str | None,
    now: float,
    strict: bool = False,
) -> EditDecision:
    """May task `session_id/task_id` edit the repository-relative `path`?

    Refused when a live claim of another task covers the path. With `strict`, also refused
    when the task holds claims and none of them covers the path.
    """
    target = normalize_path(path)
    with store.transaction(immediate=False) as conn:
        claims = live_claims(conn, now)
    own = [c.pattern for c in claims if c.session_id == session_id and c.task_id == task_id]
    for claim in claims:
        if claim.session_id == session_id and claim.task_id == task_id:
            continue
        if path_matches(target, [claim.pattern]):
            return EditDecision(
                False,
                target,
                f"{target} is claimed by task {claim.task_id} of session {claim.session_id} "
                f"(pattern {claim.pattern!r}); leave it to that task",
            )
    if strict and own and not path_matches(target, own):
        return EditDecision(
            False,
            target,
            f"{target} is outside this task's claims ({', '.join(own)}); edit only claimed paths",
        )
    return EditDecision(True, target)


def relative_to_repo(path: str, *, cwd: Path, repo_root: Path) -> str | None:
    """`path` (absolute or relative to `cwd`) relative to `repo_root`, or None if outside it."""
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = cwd / candidate
    try:
        return candidate.resolve().relative_to(repo_root.resolve()).as_posix()
    except (ValueError, OSError):
        return None
