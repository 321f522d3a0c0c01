from __future__ import annotations

from buildrunner.core.store import Store
from buildrunner.parallel import dependencies, queue
from buildrunner.parallel.queue import Settlement
from buildrunner.parallel.states import TaskState
from buildrunner.testing.clock import FakeClock
from tests.parallel.test_queue import TTL, make_session, states


def test_dependencies_promote_after_merge_and_skip_after_failure(store: Store) -> None:
    clock = FakeClock()
    sid = make_session(
        store,
        [
            {"id": "a", "command": "x"},
            {"id": "b", "command": "x", "depends_on": ["a"]},
            {"id": "f", "command": "x", "retries": 0},
            {"id": "g", "command": "x", "depends_on": ["f"]},
            {"id": "h", "command": "x", "depends_on": ["g"]},
        ],
        clock,
    )
    assert states(store, sid)["b"] == "pending"
    leases = {}
    while (lease := queue.claim_next(store, sid, "w", now=clock.now(), ttl=TTL)) is not None:
        leases[lease.task_id] = lease
    assert sorted(leases) == ["a", "f"]
    queue.settle(store, leases["a"], Settlement(TaskState.DONE, "ok"), now=clock.now())
    queue.settle(store, leases["f"], Settlement(TaskState.FAILED, "exit_nonzero"), now=clock.now())
    assert dependencies.promote(store, sid, merging=True, now=clock.now()) == (0, 2)
    assert states(store, sid)["b"] == "pending"  # a is done but not merged yet
    store.execute("UPDATE parallel_tasks SET state = 'merged' WHERE task_id = 'a'")
    dependencies.promote(store, sid, merging=True, now=clock.now())
    dependencies.promote(store, sid, merging=True, now=clock.now())
    assert states(store, sid) == {
        "a": "merged",
        "b": "ready",
        "f": "failed",
        "g": "skipped",
        "h": "skipped",
    }
