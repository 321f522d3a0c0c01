"""The state machines of sessions and tasks, and the check that a transition is allowed."""

from __future__ import annotations

from enum import StrEnum

from buildrunner.core.errors import BuildRunnerError, ExitCode


class SessionState(StrEnum):
    """created -> running <-> paused -> completed | failed | cancelled."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_SESSION_STATES


FINAL_SESSION_STATES = frozenset(
    {SessionState.COMPLETED, SessionState.FAILED, SessionState.CANCELLED}
)

SESSION_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.CREATED: frozenset(
        {SessionState.RUNNING, SessionState.PAUSED, SessionState.CANCELLED}
    ),
    SessionState.RUNNING: frozenset(
        {
            SessionState.PAUSED,
            SessionState.COMPLETED,
            SessionState.FAILED,
            SessionState.CANCELLED,
        }
    ),
    SessionState.PAUSED: frozenset({SessionState.RUNNING, SessionState.CANCELLED}),
    SessionState.COMPLETED: frozenset(),
    SessionState.FAILED: frozenset(),
    SessionState.CANCELLED: frozenset(),
}


class TaskState(StrEnum):
    """Where a task is in its life.

    pending (waiting for dependencies) -> ready -> running -> done (finished, waiting for
    merge-back) -> merged | conflict | blocked (security gate). A running task can go back to
    ready (retry, lost lease), to paused (session paused at a turn boundary), or end failed or
    cancelled. A task whose dependency did not merge is skipped.
    """

    PENDING = "pending"
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    MERGED = "merged"
    CONFLICT = "conflict"
    BLOCKED = "blocked"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"

    @property
    def is_final(self) -> bool:
        return self in FINAL_TASK_STATES


FINAL_TASK_STATES = frozenset(
    {
        TaskState.MERGED,
        TaskState.CONFLICT,
        TaskState.BLOCKED,
        TaskState.FAILED,
        TaskState.CANCELLED,
        TaskState.SKIPPED,
    }
)
"""States a task never leaves."""

SUCCESS_TASK_STATES = frozenset({TaskState.MERGED})

TASK_TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    TaskState.PENDING: frozenset({TaskState.READY, TaskState.SKIPPED, TaskState.CANCELLED}),
    TaskState.READY: frozenset({TaskState.RUNNING, TaskState.CANCELLED, TaskState.SKIPPED}),
    TaskState.RUNNING: frozenset(
        {
            TaskState.READY,
            TaskState.PAUSED,
            TaskState.DONE,
            TaskState.FAILED,
            TaskState.CANCELLED,
        }
    ),
    TaskState.PAUSED: frozenset({TaskState.READY, TaskState.CANCELLED}),
    TaskState.DONE: frozenset(
        {TaskState.MERGED, TaskState.CONFLICT, TaskState.BLOCKED, TaskState.CANCELLED}
    ),
    TaskState.MERGED: frozenset(),
    TaskState.CONFLICT: frozenset(),
    TaskState.BLOCKED: frozenset(),
    TaskState.FAILED: frozenset(),
    TaskState.CANCELLED: frozenset(),
    TaskState.SKIPPED: frozenset(),
}


class TransitionError(BuildRunnerError):
    """A state change that the state machine does not allow (pausing a finished session...)."""

    exit_code = ExitCode.USAGE


def check_session_transition(session_id: str, old: str, new: SessionState) -> None:
    """Raise :class:`TransitionError` unless a session may go from `old` to `new`."""
    current = SessionState(old)
    if new not in SESSION_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in SESSION_TRANSITIONS[current])) or "nothing"
        raise TransitionError(
            f"session {session_id} is {current.value}; it cannot become {new.value} "
            f"(from {current.value} it can become: {allowed})"
        )


def check_task_transition(task_id: str, old: str, new: TaskState) -> None:
    """Raise :class:`TransitionError` unless a task may go from `old` to `new`."""
    current = TaskState(old)
    if new != current and new not in TASK_TRANSITIONS[current]:
        raise TransitionError(f"task {task_id} is {current.value}; it cannot become {new.value}")
