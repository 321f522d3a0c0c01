"""What happens after an attempt: done, retried (maybe after a delay), paused, or failed.

Follows the failure taxonomy of shared/reference/claude-code-headless.md: API overloads, rate
limits and server errors are retried with exponential backoff; crashes, protocol errors,
non-zero exits and setup failures are retried while attempts remain; an execution error is
retried at most once; hitting max turns or the budget, a timeout, a missing executable or an
unknown error fails the task at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildrunner.parallel.executors.base import Outcome
from buildrunner.parallel.states import TaskState

_BACKOFF = frozenset({Outcome.API_OVERLOADED, Outcome.API_RATE_LIMITED, Outcome.API_SERVER})
_RETRY = frozenset(
    {Outcome.CRASHED, Outcome.PROTOCOL_ERROR, Outcome.EXIT_NONZERO, Outcome.SETUP_FAILED}
)
_FAIL = frozenset(
    {
        Outcome.MAX_TURNS,
        Outcome.MAX_BUDGET,
        Outcome.TIMEOUT,
        Outcome.SPAWN_ERROR,
        Outcome.UNKNOWN_ERROR,
        Outcome.UNAVAILABLE,
    }
)
MAX_BACKOFF = 600.0


@dataclass(frozen=True)
class Decision:
    state: TaskState
    not_before: float | None = None


def decide(
    outcome: Outcome, *, attempt: int, max_attempts: int, now: float, backoff: float
) -> Decision:
    """The next state of a task whose attempt number `attempt` ended with `outcome`."""
    if outcome == Outcome.OK:
        return Decision(TaskState.DONE)
    if outcome == Outcome.PAUSED:
        return Decision(TaskState.PAUSED)
    if outcome == Outcome.CANCELLED:
        return Decision(TaskState.CANCELLED)
    if outcome in _FAIL:
        return Decision(TaskState.FAILED)
    left = attempt < max_attempts
    if outcome in _BACKOFF:
        if not left:
            return Decision(TaskState.FAILED)
        delay = min(backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        return Decision(TaskState.READY, now + delay)
    if outcome == Outcome.EXECUTION_ERROR:
        return Decision(TaskState.READY if left and attempt < 2 else TaskState.FAILED)
    if outcome in _RETRY:
        return Decision(TaskState.READY if left else TaskState.FAILED)
    return Decision(TaskState.FAILED)


def should_resume(outcome: str | None) -> bool:
    """Whether the next attempt of a claude task continues the previous agent session."""
    return outcome in {
        Outcome.PAUSED,
        Outcome.CRASHED,
        Outcome.API_OVERLOADED,
        Outcome.API_RATE_LIMITED,
        Outcome.API_SERVER,
        Outcome.LEASE_LOST,
        None,
    }
