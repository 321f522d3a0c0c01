"""What an executor is: it runs one task attempt in a directory and reports a classified result.

Executors are small objects with a ``name`` and a ``run(request, control)`` method. The worker
gives them an :class:`ExecutionRequest` (the task, its directory, log file, limits) and an
:class:`ExecutionControl` through which they report progress and learn, between two steps,
whether to stop (pause, cancel, lost lease). They never touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from buildrunner.parallel.plan import TaskSpec


class Outcome(StrEnum):
    """The failure taxonomy (see shared/reference/claude-code-headless.md)."""

    OK = "ok"
    EXIT_NONZERO = "exit_nonzero"
    API_OVERLOADED = "api_overloaded"
    API_RATE_LIMITED = "api_rate_limited"
    API_SERVER = "api_server"
    MAX_TURNS = "max_turns"
    MAX_BUDGET = "max_budget"
    EXECUTION_ERROR = "execution_error"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    PAUSED = "paused"
    CRASHED = "crashed"
    PROTOCOL_ERROR = "protocol_error"
    SPAWN_ERROR = "spawn_error"
    UNKNOWN_ERROR = "unknown_error"
    LEASE_LOST = "lease_lost"
    SETUP_FAILED = "setup_failed"
    UNAVAILABLE = "unavailable"


class StopReason(StrEnum):
    """Why the worker wants an attempt to stop early."""

    PAUSE = "pause"
    CANCEL = "cancel"
    LOST = "lost"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class ClaudeSettings:
    """Defaults for the `claude` executor (from the ``[parallel]`` configuration)."""

    binary: str = "claude"
    permission_mode: str = "acceptEdits"
    allowed_tools: tuple[str, ...] = ("Read", "Edit", "Write", "MultiEdit", "Glob", "Grep")
    max_turns: int = 30
    max_budget_usd: float = 5.0
    guard_command: str | None = None


@dataclass(frozen=True)
class ExecutionRequest:
    """Everything an executor needs for one attempt."""

    spec: TaskSpec
    cwd: Path
    log_path: Path
    env: Mapping[str, str]
    timeout: float
    attempt: int
    session_id: str
    model: str | None = None
    resume_id: str | None = None
    kill_grace: float = 5.0
    claude: ClaudeSettings = field(default_factory=ClaudeSettings)


@dataclass(frozen=True)
class ExecutionResult:
    """What happened in one attempt."""

    outcome: Outcome
    exit_code: int | None = None
    error: str | None = None
    result_text: str | None = None
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0
    model: str | None = None
    agent_session_id: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    permission_denials: tuple[str, ...] = ()
    raw_result: Mapping[str, Any] | None = None
    """Claude Code's final ``result`` object, as received (for cost accounting)."""

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK


class ExecutionControl(Protocol):
    """The worker's side of an attempt."""

    def stop_reason(self) -> StopReason | None:
        """Why the attempt should stop now (None: carry on)."""
        ...

    def report_progress(self, text: str, *, turns: int | None = None) -> None:
        """A short human-readable progress line (the dashboard shows the latest)."""
        ...

    def report_agent_session(self, agent_session_id: str) -> None:
        """The agent's own session id, as soon as it is known (so a crash stays resumable)."""
        ...

    def report_process(self, pgid: int) -> None:
        """The process group the attempt runs in (so a supervisor can kill it if we die)."""
        ...


class Executor(Protocol):
    """Runs one attempt of a task."""

    name: str

    def run(self, request: ExecutionRequest, control: ExecutionControl) -> ExecutionResult: ...


class NullControl:
    """A control that never stops and ignores reports (for direct library use and tests)."""

    def __init__(self) -> None:
        self.progress: list[str] = []
        self.agent_session_id: str | None = None
        self.pgid: int | None = None
        self.stop: StopReason | None = None

    def stop_reason(self) -> StopReason | None:
        return self.stop

    def report_progress(self, text: str, *, turns: int | None = None) -> None:
        self.progress.append(text)

    def report_agent_session(self, agent_session_id: str) -> None:
        self.agent_session_id = agent_session_id

    def report_process(self, pgid: int) -> None:
        self.pgid = pgid
