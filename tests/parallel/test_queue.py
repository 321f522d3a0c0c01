from __future__ import annotations

from typing import Any

import pytest

from buildrunner.core.store import Store
from buildrunner.parallel import queue
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.queue import Settlement
from buildrunner.parallel.sessions import create_session, list_tasks, read_journal
from buildrunner.parallel.states import TaskState
from buildrunner.testing.clock import FakeClock

TTL = 60.0


def make_session(store: Store, tasks: list[dict[str, Any]], clock: FakeClock, **plan: Any) -> str:
    spec = validate_plan({"plan": plan, "tasks": tasks})
    session = create_session(
        store,
        spec,
        plan_path="plan.toml",
        base_ref="HEAD",
        base_commit="0" * 40,
        workers=2,
        now=clock.now(),
    )
    return session.id


def states(store: Store, sid: str) -> dict[str, str]:
    return {t.task_id: t.state for t in list_tasks(store, sid)}


def test_claims_follow_priority_then_plan_order(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(
        store,
        [
            {"id": "a", "command": "x"},
            {"id": "b", "command": "x", "priority": 3},
            {"id": "c", "command": "x"},
            {"id": "d", "command": "x", "priority": 3},
        ],
        clock,
    )
    order = []
    while (lease := queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)) is not None:
        order.append(lease.task_id)
    assert order == ["b", "d", "a", "c"]


def test_claim_bumps_fence_and_attempt_and_settle_is_fenced(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(store, [{"id": "a", "command": "x"}], clock)
    first = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    assert first is not None
    assert (first.fence, first.attempt) == (1, 1)
    # The lease expires; another worker takes the task over.
    clock.advance(TTL + 1)
    second = queue.claim_next(store, sid, "w2", now=clock.now(), ttl=TTL)
    assert second is not None
    assert (second.task_id, second.fence, second.attempt) == ("a", 2, 1)
    # The first worker comes back: its heartbeat and its result are refused.
    assert not queue.renew(store, first, now=clock.now(), ttl=TTL)
    assert not queue.settle(store, first, Settlement(TaskState.DONE, "ok"), now=clock.now())
    assert queue.renew(store, second, now=clock.now(), ttl=TTL)
    assert queue.settle(store, second, Settlement(TaskState.DONE, "ok"), now=clock.now())
    attempts = store.execute(
        "SELECT fence, worker_id, outcome FROM parallel_attempts ORDER BY fence"
    )
    assert [tuple(r) for r in attempts] == [(1, "w1", "lost"), (2, "w2", "ok")]
    assert states(store, sid) == {"a": "done"}


def test_dead_worker_requeue_does_not_use_up_attempts(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(store, [{"id": "a", "command": "x", "retries": 0}], clock)
    for _ in range(queue.MAX_LOSSES - 1):
        lease = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
        assert lease is not None
        assert lease.attempt == 1
        lost = queue.requeue_worker(store, sid, "w1", now=clock.now(), reason="killed")
        assert [t for t, _ in lost] == ["a"]
        assert states(store, sid) == {"a": "ready"}
    lease = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    assert lease is not None
    queue.requeue_worker(store, sid, "w1", now=clock.now(), reason="killed")
    task = list_tasks(store, sid)[0]
    assert (task.state, task.outcome) == ("failed", "lost")


def test_backoff_keeps_a_task_out_of_reach_until_not_before(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(store, [{"id": "a", "command": "x"}], clock)
    lease = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    assert lease is not None
    queue.settle(
        store,
        lease,
        Settlement(TaskState.READY, "api_overloaded", not_before=clock.now() + 30),
        now=clock.now(),
    )
    assert queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL) is None
    clock.advance(31)
    again = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    assert again is not None
    assert again.attempt == 2


def test_overlapping_claims_wait_and_are_granted_after_release(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(
        store,
        [
            {"id": "a", "command": "x", "claims": ["src/**"]},
            {"id": "b", "command": "x", "claims": ["src/app.py"]},
            {"id": "c", "command": "x", "claims": ["docs"]},
        ],
        clock,
    )
    first = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    second = queue.claim_next(store, sid, "w2", now=clock.now(), ttl=TTL)
    assert (first and first.task_id, second and second.task_id) == ("a", "c")
    assert queue.claim_next(store, sid, "w3", now=clock.now(), ttl=TTL) is None
    waiting = next(t for t in list_tasks(store, sid) if t.task_id == "b")
    assert waiting.progress == (f"waiting: claim 'src/app.py' overlaps 'src/**' held by {sid}/a")
    assert queue.claim_next(store, sid, "w3", now=clock.now(), ttl=TTL) is None  # noted once
    noted = [e.message for e in read_journal(store, sid) if e.task_id == "b"]
    assert noted == [f"waiting: claim 'src/app.py' overlaps 'src/**' held by {sid}/a"]
    assert first is not None
    queue.settle(store, first, Settlement(TaskState.FAILED, "exit_nonzero"), now=clock.now())
    third = queue.claim_next(store, sid, "w3", now=clock.now(), ttl=TTL)
    assert third is not None
    assert third.task_id == "b"


def test_expired_claims_are_free(store: Store) -> None:
    clock = FakeClock()
    one = make_session(store, [{"id": "a", "command": "x", "claims": ["x.py"]}], clock)
    two = make_session(store, [{"id": "a", "command": "x", "claims": ["x.py"]}], clock)
    assert queue.claim_next(store, one, "w1", now=clock.now(), ttl=TTL) is not None
    assert queue.claim_next(store, two, "w1", now=clock.now(), ttl=TTL) is None
    clock.advance(TTL + 0.5)
    lease = queue.claim_next(store, two, "w1", now=clock.now(), ttl=TTL)
    assert lease is not None
    assert lease.session_id == two


@pytest.mark.parametrize("bad", ["nonsense"])
def test_record_details_rejects_unknown_fields(store: Store, bad: str) -> None:
    clock = FakeClock()
    sid = make_session(store, [{"id": "a", "command": "x"}], clock)
    lease = queue.claim_next(store, sid, "w1", now=clock.now(), ttl=TTL)
    assert lease is not None
    with pytest.raises(ValueError, match="unknown task fields"):
        queue.record_details(store, lease, now=clock.now(), **{bad: 1})
    assert queue.record_details(store, lease, now=clock.now(), progress="half way")
    assert list_tasks(store, sid)[0].progress == "half way"
