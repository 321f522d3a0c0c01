"""The event sink that turns orchestration events into typed telemetry events.

Orchestration emits plain named events through :class:`~buildrunner.parallel.integrations.
EventSink`; this adapter maps them onto the telemetry subsystem's event model:

==========================  ==========================================================
orchestration event         telemetry event
==========================  ==========================================================
``task.queued``             ``TaskEvent(task.queued)``
``attempt.started``         ``TaskEvent(task.started)`` and ``SessionEvent(session.started)``
``attempt.finished``        ``SessionEvent(session.completed | session.failed)`` (cost,
                            turns, Claude's own session id, outcome as error type)
``task.settled``            ``TaskEvent(task.completed | task.failed | task.cancelled)``,
                            once per task, when it reaches its final state
``worker.*``                ``WorkerEvent(worker.started | worker.stopped | worker.lost)``
``gate.result``             ``GateEvent(gate.result)`` (masked report); for the security
                            gate also ``security.scan`` and one ``security.finding`` per
                            finding (masked preview and fingerprint only)
``session.*``               ``SystemEvent(system.notice)``
==========================  ==========================================================

Cost is carried by the attempt's ``SessionEvent`` only (never twice): an ``api`` attempt's cost
is recorded by the routing subsystem's own ``model.call`` event, so it is left out here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from buildrunner import telemetry
from buildrunner.telemetry import (
    EventType,
    GateEvent,
    Recorder,
    SessionEvent,
    SystemEvent,
    TaskEvent,
    WorkerEvent,
)

RUNNERS = {"claude": "claude-code", "api": "api", "shell": "shell"}
_FINAL_TYPES = {
    "merged": EventType.TASK_COMPLETED,
    "done": EventType.TASK_COMPLETED,
    "cancelled": EventType.TASK_CANCELLED,
}


class TelemetrySink:
    """An :class:`~buildrunner.parallel.integrations.EventSink` writing to a telemetry recorder."""

    def __init__(self, recorder: Recorder | None = None) -> None:
        self.recorder = recorder

    def _record(self, event: telemetry.Event) -> None:
        (self.recorder or telemetry.get_collector()).record(event)

    def emit(self, name: str, attributes: Mapping[str, Any]) -> None:
        a = dict(attributes)
        handler = getattr(self, "_" + name.replace(".", "_"), None)
        if handler is not None:
            handler(a)

    def _task_queued(self, a: dict[str, Any]) -> None:
        self._record(
            TaskEvent(
                type=EventType.TASK_QUEUED,
                session_id=a["session"],
                task_id=a["task"],
                title=a.get("title"),
                runner=RUNNERS.get(a.get("executor", "")),
            )
        )

    def _attempt_started(self, a: dict[str, Any]) -> None:
        runner = RUNNERS.get(a.get("executor", ""))
        self._record(
            TaskEvent(
                type=EventType.TASK_STARTED,
                session_id=a["session"],
                task_id=a["task"],
                runner=runner,
                worker_id=a.get("worker"),
                attempt=a.get("attempt"),
            )
        )
        self._record(
            SessionEvent(
                type=EventType.SESSION_STARTED,
                session_id=a["session"],
                task_id=a["task"],
                runner=runner,
                model=a.get("model"),
                attributes={"attempt": a.get("attempt"), "worker": a.get("worker")},
            )
        )

    def _attempt_finished(self, a: dict[str, Any]) -> None:
        ok = a.get("outcome") == "ok"
        carries_cost = a.get("executor") != "api"
        cost = a.get("cost_usd") or 0.0
        self._record(
            SessionEvent(
                type=EventType.SESSION_COMPLETED if ok else EventType.SESSION_FAILED,
                session_id=a["session"],
                task_id=a["task"],
                runner=RUNNERS.get(a.get("executor", "")),
                model=a.get("model"),
                worktree=a.get("worktree"),
                branch=a.get("branch"),
                conversation_id=a.get("agent_session_id"),
                turns=a.get("turns"),
                duration_ms=a.get("duration_ms"),
                cost_usd=Decimal(str(round(cost, 9))) if carries_cost and cost else None,
                error_type=None if ok else a.get("outcome"),
                attributes={
                    "attempt": a.get("attempt"),
                    "worker": a.get("worker"),
                    "next_state": a.get("state"),
                    "input_tokens": a.get("input_tokens"),
                    "output_tokens": a.get("output_tokens"),
                },
            )
        )

    def _task_settled(self, a: dict[str, Any]) -> None:
        state = a.get("state", "")
        self._record(
            TaskEvent(
                type=_FINAL_TYPES.get(state, EventType.TASK_FAILED),
                session_id=a["session"],
                task_id=a["task"],
                title=a.get("title"),
                runner=RUNNERS.get(a.get("executor", "")),
                attempt=a.get("attempt"),
                duration_ms=a.get("duration_ms"),
                error_type=None if state in _FINAL_TYPES else state,
                attributes={"state": state, "error": a.get("error")},
            )
        )

    def _worker(self, kind: EventType, a: dict[str, Any]) -> None:
        self._record(
            WorkerEvent(
                type=kind,
                session_id=a["session"],
                task_id=a.get("task"),
                worker_id=a.get("worker", ""),
                pid=a.get("pid"),
                host=a.get("host"),
                reason=a.get("reason"),
            )
        )

    def _worker_started(self, a: dict[str, Any]) -> None:
        self._worker(EventType.WORKER_STARTED, a)

    def _worker_stopped(self, a: dict[str, Any]) -> None:
        self._worker(EventType.WORKER_STOPPED, a)

    def _worker_lost(self, a: dict[str, Any]) -> None:
        self._worker(EventType.WORKER_LOST, a)

    def _gate_result(self, a: dict[str, Any]) -> None:
        self._record(
            GateEvent(
                session_id=a["session"],
                task_id=a["task"],
                gate=a.get("gate", ""),
                passed=bool(a.get("passed")),
                findings=int(a.get("findings") or 0),
                detail=a.get("detail") or None,
                duration_ms=a.get("duration_ms"),
            )
        )
        if a.get("gate") == "security":
            self._security_scan(a)

    def _security_scan(self, a: dict[str, Any]) -> None:
        """The gate's scan as ``security.scan`` and (masked) ``security.finding`` events."""
        try:
            from buildrunner.security import findings_events
        except ImportError:  # a build without the security subsystem
            return
        for event in findings_events(
            a.get("findings_detail") or (),
            target="gate",
            files_scanned=int(a.get("files_scanned") or 0),
            blocked=not a.get("passed"),
            duration_ms=a.get("duration_ms"),
            total=int(a.get("findings") or 0),
            session_id=a["session"],
            task_id=a["task"],
        ):
            self._record(event)

    def _session_started(self, a: dict[str, Any]) -> None:
        self._notice(a, f"parallel session {a['session']} started ({a.get('plan')})")

    def _session_finished(self, a: dict[str, Any]) -> None:
        self._notice(a, f"parallel session {a['session']} {a.get('state')}")

    def _notice(self, a: dict[str, Any], message: str) -> None:
        self._record(
            SystemEvent(
                type=EventType.SYSTEM_NOTICE,
                session_id=a["session"],
                message=message,
                attributes={k: v for k, v in a.items() if isinstance(v, str | int | float)},
            )
        )

    def close(self) -> None:
        """Write the buffered events and stop the recorder's flusher (if it has one)."""
        closer = getattr(self.recorder, "close", None)
        if callable(closer):
            closer()
