from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("textual")

from buildrunner.core.store import Store
from buildrunner.parallel.dashboard import Dashboard, DashboardActions, production_actions
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.sessions import create_session, get_session
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.snapshot import Snapshot, load_snapshot
from buildrunner.testing.clock import FakeClock
from tests.parallel.frames import fixed_snapshot


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
