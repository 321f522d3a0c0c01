from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("textual")

from buildrunner.core.store import Store
from buildrunner.parallel.dashboard import Dashboard, DashboardActions, production_actions
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.records import (
    ClaimInfo,
    JournalEntry,
    SessionInfo,
    TaskInfo,
    WorkerInfo,
)
from buildrunner.parallel.sessions import create_session, get_session
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.snapshot import Snapshot, load_snapshot
from buildrunner.testing.clock import FakeClock

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


def recording_actions(log: list[str]) -> DashboardActions:
    return DashboardActions(
        pause=lambda sid: log.append(f"pause {sid}") or "paused",  # type: ignore[func-returns-value]
        resume=lambda sid: log.append(f"resume {sid}") or "resumed",  # type: ignore[func-returns-value]
        cancel=lambda sid: log.append(f"cancel {sid}") or "cancelled",  # type: ignore[func-returns-value]
    )


def test_dashboard_snapshot(snap_compare: Any) -> None:
    snapshot = fixed_snapshot()
    app = Dashboard(lambda _ref: snapshot, recording_actions([]), interval=0)
    assert snap_compare(app, terminal_size=(120, 32))


def test_dashboard_renders_the_snapshot_tables() -> None:
    asyncio.run(_renders())


async def _renders() -> None:
    snapshot = fixed_snapshot()
    app = Dashboard(lambda _ref: snapshot, recording_actions([]), interval=0)
    async with app.run_test(size=(120, 32)):
        from textual.widgets import DataTable

        tasks = app.query_one("#tasks", DataTable)
        assert tasks.row_count == 4
        assert [str(c) for c in tasks.get_row("api")[:2]] == ["api", "running"]
        workers = app.query_one("#workers-table", DataTable)
        assert workers.row_count == 2
        claims = app.query_one("#claims-table", DataTable)
        assert [str(c) for c in claims.get_row_at(0)] == ["docs/**", "3f6c2a9e/api", "1m28s"]


def test_keys_pause_resume_and_cancel_the_session(store: Store, settings: RunSettings) -> None:
    asyncio.run(_keys(store, settings))


async def _keys(store: Store, settings: RunSettings) -> None:
    clock = FakeClock()
    plan = validate_plan({"tasks": [{"id": "a", "command": "true"}]})
    session = create_session(
        store, plan, plan_path="p", base_ref="HEAD", base_commit="0" * 40, workers=1,
        now=clock.now(),
    )  # fmt: skip
    started: list[str] = []
    real = production_actions(store, settings, clock=clock)

    def resume(sid: str) -> str:
        # The production resume also starts a background supervisor; here it only records.
        started.append(sid)
        return _resume_only(store, sid, clock)

    actions = DashboardActions(pause=real.pause, resume=resume, cancel=real.cancel)

    def source(ref: str | None) -> Snapshot:
        return load_snapshot(store, settings, ref, now=clock.now())

    app = Dashboard(source, actions, interval=0)
    async with app.run_test(size=(120, 32)) as pilot:
        assert app.session_id == session.id
        await pilot.press("p")
        assert get_session(store, session.id).state == "paused"
        assert app.last_message == f"session {session.id} paused"
        await pilot.press("r")
        assert get_session(store, session.id).state == "running"
        assert started == [session.id]
        await pilot.press("c")
        assert get_session(store, session.id).state == "cancelled"
        await pilot.press("p")
        assert app.last_message.startswith(f"error: session {session.id} is cancelled")
        assert app.snapshot is not None
        assert app.snapshot.counts() == {"cancelled": 1}


def _resume_only(store: Store, sid: str, clock: FakeClock) -> str:
    from buildrunner.parallel.sessions import transition_session
    from buildrunner.parallel.states import SessionState

    session = transition_session(store, sid, SessionState.RUNNING, now=clock.now())
    return f"session {session.id} {session.state}"
