"""Executors: the registry of built-ins (`shell`, `claude`, `api`)."""

from __future__ import annotations

from buildrunner.parallel.executors.api import ApiExecutor
from buildrunner.parallel.executors.base import (
    ClaudeSettings,
    ExecutionControl,
    ExecutionRequest,
    ExecutionResult,
    Executor,
    NullControl,
    Outcome,
    StopReason,
)
from buildrunner.parallel.executors.claude import ClaudeExecutor
from buildrunner.parallel.executors.shell import ShellExecutor
from buildrunner.parallel.integrations import ApiCaller

BUILTIN_EXECUTORS: tuple[str, ...] = ("shell", "claude", "api")


def build_executors(api_caller: ApiCaller | None = None) -> dict[str, Executor]:
    """One instance of every built-in executor, by name."""
    return {
        "shell": ShellExecutor(),
        "claude": ClaudeExecutor(),
        "api": ApiExecutor(api_caller),
    }


__all__ = [
    "BUILTIN_EXECUTORS",
    "ApiExecutor",
    "ClaudeExecutor",
    "ClaudeSettings",
    "ExecutionControl",
    "ExecutionRequest",
    "ExecutionResult",
    "Executor",
    "NullControl",
    "Outcome",
    "ShellExecutor",
    "StopReason",
    "build_executors",
]
