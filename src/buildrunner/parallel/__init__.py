"""Parallel orchestration: many coding tasks at once, isolated, claimed, recoverable, visible.

The public API (import from here, not from the submodules):

- plans: :func:`load_plan`, :func:`validate_plan`, :class:`Plan`, :class:`TaskSpec`,
  :class:`PlanError`;
- sessions: :func:`create_from_plan`, :func:`run_foreground`, :func:`run_detached`,
  :func:`pause_session`, :func:`resume_session`, :func:`cancel_session`,
  :func:`scale_workers`, :func:`cleanup_sessions`, :func:`get_session`, :func:`list_sessions`,
  :func:`list_tasks`, :func:`read_journal`, :func:`journal_since`, :func:`load_plan_of`;
  state machines :class:`SessionState`, :class:`TaskState`;
- the seams other subsystems plug into: :class:`Executor`, :class:`ExecutorBackend`,
  :class:`MergeGate`, :class:`EventSink`, :class:`CostSink`, :class:`ModelResolver`,
  :class:`ApiCaller`, :class:`Integrations`;
- views: :func:`load_snapshot` (what `status` and the dashboard render).

Submodules are imported lazily so that `import buildrunner.parallel` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Plan": "plan",
    "TaskSpec": "plan",
    "PlanError": "plan",
    "load_plan": "plan",
    "validate_plan": "plan",
    "SessionState": "states",
    "TaskState": "states",
    "TransitionError": "states",
    "create_from_plan": "control",
    "run_foreground": "control",
    "run_detached": "control",
    "pause_session": "control",
    "resume_session": "control",
    "cancel_session": "control",
    "scale_workers": "control",
    "cleanup_sessions": "control",
    "supervisor_alive": "control",
    "get_session": "sessions",
    "list_sessions": "sessions",
    "list_tasks": "sessions",
    "list_workers": "sessions",
    "read_journal": "sessions",
    "journal_since": "sessions",
    "load_plan_of": "sessions",
    "RunSettings": "settings",
    "SessionInfo": "records",
    "TaskInfo": "records",
    "JournalEntry": "records",
    "Executor": "executors",
    "ExecutionRequest": "executors",
    "ExecutionResult": "executors",
    "Outcome": "executors",
    "ExecutorBackend": "backend",
    "WorkerHandle": "backend",
    "WorkerLaunch": "backend",
    "BACKENDS": "backend",
    "MergeGate": "integrations",
    "GateResult": "integrations",
    "EventSink": "integrations",
    "CostSink": "integrations",
    "ModelResolver": "integrations",
    "ApiCaller": "integrations",
    "ApiAnswer": "integrations",
    "ApiCallError": "integrations",
    "Integrations": "integrations",
    "default_integrations": "integrations",
    "load_snapshot": "snapshot",
    "Snapshot": "snapshot",
    "summarize": "summary",
}

__all__ = [
    "BACKENDS",
    "ApiAnswer",
    "ApiCallError",
    "ApiCaller",
    "CostSink",
    "EventSink",
    "ExecutionRequest",
    "ExecutionResult",
    "Executor",
    "ExecutorBackend",
    "GateResult",
    "Integrations",
    "JournalEntry",
    "MergeGate",
    "ModelResolver",
    "Outcome",
    "Plan",
    "PlanError",
    "RunSettings",
    "SessionInfo",
    "SessionState",
    "Snapshot",
    "TaskInfo",
    "TaskSpec",
    "TaskState",
    "TransitionError",
    "WorkerHandle",
    "WorkerLaunch",
    "cancel_session",
    "cleanup_sessions",
    "create_from_plan",
    "default_integrations",
    "get_session",
    "journal_since",
    "list_sessions",
    "list_tasks",
    "list_workers",
    "load_plan",
    "load_plan_of",
    "load_snapshot",
    "pause_session",
    "read_journal",
    "resume_session",
    "run_detached",
    "run_foreground",
    "scale_workers",
    "summarize",
    "supervisor_alive",
    "validate_plan",
]

if TYPE_CHECKING:
    from buildrunner.parallel.backend import (
        BACKENDS,
        ExecutorBackend,
        WorkerHandle,
        WorkerLaunch,
    )
    from buildrunner.parallel.control import (
        cancel_session,
        cleanup_sessions,
        create_from_plan,
        pause_session,
        resume_session,
        run_detached,
        run_foreground,
        scale_workers,
        supervisor_alive,
    )
    from buildrunner.parallel.executors import (
        ExecutionRequest,
        ExecutionResult,
        Executor,
        Outcome,
    )
    from buildrunner.parallel.integrations import (
        ApiAnswer,
        ApiCaller,
        ApiCallError,
        CostSink,
        EventSink,
        GateResult,
        Integrations,
        MergeGate,
        ModelResolver,
        default_integrations,
    )
    from buildrunner.parallel.plan import Plan, PlanError, TaskSpec, load_plan, validate_plan
    from buildrunner.parallel.records import JournalEntry, SessionInfo, TaskInfo
    from buildrunner.parallel.sessions import (
        get_session,
        journal_since,
        list_sessions,
        list_tasks,
        list_workers,
        load_plan_of,
        read_journal,
    )
    from buildrunner.parallel.settings import RunSettings
    from buildrunner.parallel.snapshot import Snapshot, load_snapshot
    from buildrunner.parallel.states import SessionState, TaskState, TransitionError
    from buildrunner.parallel.summary import summarize


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'buildrunner.parallel' has no attribute {name!r}")
    value = getattr(import_module(f"buildrunner.parallel.{module}"), name)
    globals()[name] = value
    return value
