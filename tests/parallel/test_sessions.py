from __future__ import annotations

import pytest

from buildrunner.core.store import Store
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.records import SessionNotFoundError
from buildrunner.parallel.sessions import (
    create_session,
    get_session,
    list_tasks,
    read_journal,
    transition_session,
)
from buildrunner.parallel.states import (
    SESSION_TRANSITIONS,
    SessionState,
    TaskState,
    TransitionError,
    check_task_transition,
)
from buildrunner.testing.clock import FakeClock


def _new(store: Store, clock: FakeClock, session_id: str | None = None) -> str:
    plan = validate_plan(
        {"tasks": [{"id": "a", "command": "x"}, {"id": "b", "command": "x", "depends_on": ["a"]}]}
    )
    return create_session(
        store, plan, plan_path="plan.toml", base_ref="HEAD", base_commit="c" * 40, workers=3,
        now=clock.now(), session_id=session_id,
    ).id  # fmt: skip


def test_created_session_is_persisted_with_its_tasks(store: Store) -> None:
    clock = FakeClock()
    sid = _new(store, clock)
    session = get_session(store, sid)
    assert (session.state, session.workers_wanted, session.session_branch) == (
        "created",
        3,
        f"br/{sid}/_session",
    )
    assert [(t.task_id, t.state, t.max_attempts) for t in list_tasks(store, sid)] == [
        ("a", "ready", 2),
        ("b", "pending", 2),
    ]


@pytest.mark.parametrize("old", list(SessionState))
@pytest.mark.parametrize("new", list(SessionState))
def test_every_session_transition_is_checked(
    store: Store, old: SessionState, new: SessionState
) -> None:
    clock = FakeClock()
    sid = _new(store, clock)
    store.execute("UPDATE parallel_sessions SET state = ? WHERE id = ?", (old.value, sid))
    if old == new or new in SESSION_TRANSITIONS[old]:
        assert transition_session(store, sid, new, now=clock.now()).state == new.value
    else:
        with pytest.raises(TransitionError, match=f"session {sid} is {old.value}"):
            transition_session(store, sid, new, now=clock.now())
        assert get_session(store, sid).state == old.value


def test_cancel_cancels_open_tasks_and_resume_readies_paused_ones(store: Store) -> None:
    clock = FakeClock()
    sid = _new(store, clock)
    transition_session(store, sid, SessionState.RUNNING, now=clock.now())
    store.execute("UPDATE parallel_tasks SET state = 'paused' WHERE task_id = 'a'")
    transition_session(store, sid, SessionState.PAUSED, now=clock.now())
    transition_session(store, sid, SessionState.RUNNING, now=clock.now())
    assert [t.state for t in list_tasks(store, sid)] == ["ready", "pending"]
    clock.advance(5)
    final = transition_session(store, sid, SessionState.CANCELLED, now=clock.now())
    assert final.finished_at == clock.now()
    assert [t.state for t in list_tasks(store, sid)] == ["cancelled", "cancelled"]
    messages = [e.message for e in read_journal(store, sid)]
    assert messages[-3:] == [
        "session running -> paused",
        "session paused -> running",
        "session running -> cancelled",
    ]


def test_prefixes(store: Store) -> None:
    clock = FakeClock()
    _new(store, clock, "aa110000")
    clock.advance(1)
    _new(store, clock, "aa220000")
    assert get_session(store, "aa2").id == "aa220000"
    assert get_session(store, None).id == "aa220000"  # newest
    with pytest.raises(SessionNotFoundError, match="not a session id"):
        get_session(store, "zz")


def test_task_transitions() -> None:
    check_task_transition("t", "running", TaskState.DONE)
    with pytest.raises(TransitionError, match="task t is merged; it cannot become running"):
        check_task_transition("t", "merged", TaskState.RUNNING)
