from __future__ import annotations

import pytest

from buildrunner.parallel.executors.base import Outcome
from buildrunner.parallel.policy import decide
from buildrunner.parallel.states import TaskState


@pytest.mark.parametrize(
    ("outcome", "attempt", "state", "delay"),
    [
        (Outcome.OK, 1, TaskState.DONE, None),
        (Outcome.PAUSED, 1, TaskState.PAUSED, None),
        (Outcome.CANCELLED, 1, TaskState.CANCELLED, None),
        (Outcome.API_OVERLOADED, 1, TaskState.READY, 10.0),
        (Outcome.API_RATE_LIMITED, 2, TaskState.READY, 20.0),
        (Outcome.API_SERVER, 3, TaskState.FAILED, None),
        (Outcome.CRASHED, 2, TaskState.READY, None),
        (Outcome.EXIT_NONZERO, 3, TaskState.FAILED, None),
        (Outcome.EXECUTION_ERROR, 1, TaskState.READY, None),
        (Outcome.EXECUTION_ERROR, 2, TaskState.FAILED, None),
        (Outcome.MAX_TURNS, 1, TaskState.FAILED, None),
        (Outcome.MAX_BUDGET, 1, TaskState.FAILED, None),
        (Outcome.TIMEOUT, 1, TaskState.FAILED, None),
        (Outcome.SPAWN_ERROR, 1, TaskState.FAILED, None),
    ],
)
def test_decide(outcome: Outcome, attempt: int, state: TaskState, delay: float | None) -> None:
    decision = decide(outcome, attempt=attempt, max_attempts=3, now=1000.0, backoff=10.0)
    assert decision.state == state
    assert decision.not_before == (None if delay is None else 1000.0 + delay)
