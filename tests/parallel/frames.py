"""A fixed snapshot of a running session, shared by the rendering and dashboard tests."""

from __future__ import annotations

from typing import Any

from buildrunner.parallel.records import (
    ClaimInfo,
    JournalEntry,
    SessionInfo,
    TaskInfo,
    WorkerInfo,
)
from buildrunner.parallel.snapshot import Snapshot

NOW = 1_800_000_100.0


def _task(task_id: str, state: str, **kw: Any) -> TaskInfo:
    values: dict[str, Any] = {
        "session_id": "3f6c2a9e",
        "task_id": task_id,
        "seq": 0,
        "title": task_id,
        "executor": "claude",
        "priority": 0,
        "state": state,
        "claimed_by": None,
        "fence": 1,
        "lease_expires_at": None,
        "heartbeat_at": None,
        "attempt": 1,
        "max_attempts": 2,
        "model": "claude-sonnet-4-6",
        "branch": None,
        "worktree": None,
        "head_commit": None,
        "log_path": None,
        "agent_session_id": None,
        "progress": None,
        "turns": 0,
        "cost_usd": 0.0,
        "input_tokens": 0,
        "output_tokens": 0,
        "outcome": None,
        "error": None,
        "merge_detail": None,
        "created_at": NOW - 100,
        "started_at": NOW - 90,
        "finished_at": None,
    }
    values.update(kw)
    return TaskInfo(**values)


def fixed_snapshot() -> Snapshot:
    session = SessionInfo(
        id="3f6c2a9e", name="refactor", plan_path="plan.toml", state="running",
        backend="local", base_ref="main", base_commit="a" * 40,
        session_branch="br/3f6c2a9e/_session", workers_wanted=2, supervisor_pid=4242,
        supervisor_host="vm", supervisor_heartbeat_at=NOW, created_at=NOW - 100,
        started_at=NOW - 95, finished_at=None, updated_at=NOW, error=None,
    )  # fmt: skip
    tasks = (
        _task("parse", "merged", cost_usd=0.1042282, finished_at=NOW - 40,
              progress="merged (2 files) as 89c4d90e61"),
        _task("api", "running", progress="turn 3: Edit src/api/views.py", cost_usd=0.0),
        _task("docs", "ready", executor="api", model="claude-haiku-4-5",
              progress="waiting: claim 'docs/*.md' overlaps 'docs/**' held by 3f6c2a9e/api"),
        _task("lint", "failed", executor="shell", model=None, attempt=2,
              error="command exited with status 1", finished_at=NOW - 10),
    )  # fmt: skip
    workers = (
        WorkerInfo("3f6c2a9e", "w1", 101, "vm", "busy", "api", 1, NOW - 95, NOW - 2, None),
        WorkerInfo("3f6c2a9e", "w2", 102, "vm", "idle", None, 1, NOW - 95, NOW - 1, None),
    )
    claims = (ClaimInfo("3f6c2a9e", "api", "docs/**", "w1", 2, NOW - 30, NOW - 2, NOW + 88),)
    alerts = (JournalEntry("3f6c2a9e", NOW - 10, "error", "lint", "w2", "attempt 2: failed"),)
    return Snapshot(
        now=NOW, sessions=(session,), session=session, tasks=tasks, workers=workers,
        claims=claims, alerts=alerts, supervisor_alive=True,
    )  # fmt: skip
