"""Immutable views of the rows of the parallel tables, shared by the library, CLI and dashboard."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from buildrunner.core.errors import BuildRunnerError, UsageError


class SessionNotFoundError(UsageError):
    """No session matches the given id or prefix."""


class SessionBusyError(BuildRunnerError):
    """The session is already driven by a live supervisor."""


@dataclass(frozen=True)
class SessionInfo:
    id: str
    name: str
    plan_path: str
    state: str
    backend: str
    base_ref: str
    base_commit: str
    session_branch: str | None
    workers_wanted: int
    supervisor_pid: int | None
    supervisor_host: str | None
    supervisor_heartbeat_at: float | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    error: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SessionInfo:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class TaskInfo:
    session_id: str
    task_id: str
    seq: int
    title: str
    executor: str
    priority: int
    state: str
    claimed_by: str | None
    fence: int
    lease_expires_at: float | None
    heartbeat_at: float | None
    attempt: int
    max_attempts: int
    model: str | None
    branch: str | None
    worktree: str | None
    head_commit: str | None
    log_path: str | None
    agent_session_id: str | None
    progress: str | None
    turns: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    outcome: str | None
    error: str | None
    merge_detail: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TaskInfo:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def duration(self, now: float) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or now) - self.started_at


@dataclass(frozen=True)
class WorkerInfo:
    session_id: str
    worker_id: str
    pid: int | None
    host: str
    state: str
    current_task: str | None
    tasks_done: int
    started_at: float
    heartbeat_at: float
    stopped_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> WorkerInfo:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class ClaimInfo:
    session_id: str
    task_id: str
    pattern: str
    holder: str
    fence: int
    acquired_at: float
    heartbeat_at: float
    expires_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ClaimInfo:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class JournalEntry:
    session_id: str
    at: float
    level: str
    task_id: str | None
    worker_id: str | None
    message: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JournalEntry:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
