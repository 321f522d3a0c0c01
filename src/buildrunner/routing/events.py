"""The recorder seam: every routing decision, attempt, retry, fallback hop, breaker transition
and budget step is an event handed to a :class:`Recorder`.

Telemetry (``buildrunner.telemetry``) is where events are stored. :class:`TelemetryRecorder`
turns routing events into telemetry's typed events (``routing.decision``, ``model.call`` per
HTTP attempt, ``routing.retry``, ``routing.fallback``, plus ``routing.breaker`` and
``routing.budget.*`` notices) and hands them to a telemetry collector: the process default
(:func:`buildrunner.telemetry.record`) unless one is given. :func:`default_recorder` returns it
when telemetry is installed. Tests pass a :class:`ListRecorder` and assert on the events.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from typing import Any, Protocol

from buildrunner.routing.failures import FailureKind

DECISION = "routing.decision"
ATTEMPT = "routing.attempt"
RETRY = "routing.retry"
FALLBACK = "routing.fallback"
BREAKER = "routing.breaker"
BUDGET_RESERVE = "routing.budget.reserve"
BUDGET_SETTLE = "routing.budget.settle"
BUDGET_REFUSED = "routing.budget.refused"
BUDGET_WARNING = "routing.budget.warning"
CALL = "routing.call"
EVENT_NAMES: tuple[str, ...] = (
    DECISION,
    ATTEMPT,
    RETRY,
    FALLBACK,
    BREAKER,
    BUDGET_RESERVE,
    BUDGET_SETTLE,
    BUDGET_REFUSED,
    BUDGET_WARNING,
    CALL,
)


@dataclass(frozen=True)
class RoutingEvent:
    """One thing routing did; attributes are JSON-friendly (no prompt text, no secrets)."""

    name: str
    at: float
    attributes: Mapping[str, Any] = field(default_factory=dict)


class Recorder(Protocol):
    """Where routing events go."""

    def record(self, event: RoutingEvent) -> None: ...


class NullRecorder:
    """Drops every event."""

    def record(self, event: RoutingEvent) -> None:
        return None


class ListRecorder:
    """Keeps events in memory (tests, the demo); thread-safe."""

    def __init__(self) -> None:
        self.events: list[RoutingEvent] = []
        self._lock = threading.Lock()

    def record(self, event: RoutingEvent) -> None:
        with self._lock:
            self.events.append(event)

    def named(self, name: str) -> list[RoutingEvent]:
        return [event for event in self.events if event.name == name]


class TelemetryRecorder:
    """Stores routing events as typed telemetry events (never raises into a model call).

    `collector` is any telemetry recorder (``record(event)``); None means the process default
    collector of ``buildrunner.telemetry`` (which writes to the project at the working
    directory, or nowhere when telemetry is off).
    """

    def __init__(self, collector: Any = None) -> None:
        self.collector = collector

    def record(self, event: RoutingEvent) -> None:
        with contextlib.suppress(Exception):  # telemetry must never break a model call
            converted = to_telemetry(event)
            if converted is None:
                return
            if self.collector is not None:
                self.collector.record(converted)
            else:
                from buildrunner import telemetry

                telemetry.record(converted)


def to_telemetry(event: RoutingEvent) -> Any:
    """The telemetry event for a routing event (None for steps telemetry does not keep)."""
    from buildrunner import telemetry as t

    a = dict(event.attributes)
    common: dict[str, Any] = {
        "timestamp": event.at,
        "session_id": a.get("session_id"),
        "task_id": a.get("task_id"),
    }
    extra = {"call_id": a.get("call_id")}
    if event.name == DECISION:
        return t.RoutingDecisionEvent(
            **common,
            model=a.get("model", ""),
            complexity=a.get("level"),
            task_type=a.get("task_type"),
            reason=a.get("reason"),
            estimated_cost_usd=_decimal(a.get("expected_cost_usd")),
            candidates=tuple(c["model"] for c in a.get("alternatives", ())),
            attributes={**extra, "tier": a.get("tier"), "worst_case_usd": a.get("worst_case_usd")},
        )
    if event.name == ATTEMPT and a.get("outcome") != "ok":
        return t.ModelCallEvent(
            **common,
            model=a.get("model", ""),
            task_type=a.get("task_type"),
            request_id=a.get("request_id"),
            latency_ms=float(a.get("duration_s") or 0.0) * 1000,
            attempt=int(a.get("seq") or 1),
            error_type=str(a.get("outcome")),
            attributes={**extra, "http_status": a.get("status")},
        )
    if event.name == CALL and a.get("outcome") == "ok":
        return t.ModelCallEvent(
            **common,
            model=a.get("model", ""),
            response_model=a.get("model"),
            task_type=a.get("task_type"),
            request_id=a.get("request_id"),
            input_tokens=int(a.get("input_tokens") or 0),
            output_tokens=int(a.get("output_tokens") or 0),
            cache_write_tokens=int(a.get("cache_write_5m_tokens") or 0)
            + int(a.get("cache_write_1h_tokens") or 0),
            cache_read_tokens=int(a.get("cache_read_tokens") or 0),
            cost_usd=_decimal(a.get("cost_usd")) or Decimal(0),
            latency_ms=float(a.get("duration_s") or 0.0) * 1000,
            attempt=int(a.get("attempts") or 1),
            stop_reason=a.get("stop_reason"),
            attributes={**extra, "fallbacks": a.get("fallbacks"), "batch": a.get("batch")},
        )
    if event.name == RETRY:
        return t.RetryEvent(
            **common,
            model=a.get("model", ""),
            attempt=int(a.get("attempt") or 1),
            delay_s=float(a.get("wait_s") or 0.0),
            error_type=a.get("kind"),
            attributes=extra,
        )
    if event.name == FALLBACK:
        return t.FallbackEvent(
            **common,
            from_model=a.get("from_model", ""),
            to_model=a.get("to_model") or "",
            error_type=a.get("reason") if a.get("reason") in _KINDS else None,
            reason=a.get("reason"),
            attributes=extra,
        )
    if event.name in (BREAKER, BUDGET_REFUSED, BUDGET_WARNING) or (
        event.name == CALL and a.get("outcome") != "ok"
    ):
        severity = (
            t.Severity.INFO
            if event.name == BREAKER and a.get("new") == "closed"
            else (t.Severity.WARNING)
        )
        status = t.FAILED if event.name in (CALL, BUDGET_REFUSED) else None
        attributes = {k: v for k, v in a.items() if k not in ("session_id", "task_id")}
        return t.Event(
            type=event.name, **common, severity=severity, status=status, attributes=attributes
        )
    return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except ArithmeticError:
        return None


def default_recorder() -> Recorder:
    """Telemetry's process default collector when telemetry is installed, else no-op."""
    try:
        import_module("buildrunner.telemetry")
    except ImportError:
        return NullRecorder()
    return TelemetryRecorder()


_KINDS = frozenset(kind.value for kind in FailureKind)
