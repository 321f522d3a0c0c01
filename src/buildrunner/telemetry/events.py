"""The typed event model: a base :class:`Event` and one specialised class per kind of event.

An event is a small slotted dataclass. Creating one costs well under a microsecond: the id is a
per-process random prefix plus a counter (no ``uuid4``), the timestamp is ``time.time()``
(UTC epoch seconds). Events are plain mutable dataclasses for speed; treat them as immutable
once recorded (the collector stores masked *copies*, never the caller's object).

Field names mirror the Anthropic usage object; :meth:`Event.semantic_attributes` gives the
OpenTelemetry GenAI names (``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` ...) used by
the exporters. Free-form ``attributes`` hold JSON values (str, int, float, bool, None, lists
and string-keyed objects) and should use GenAI names where one exists.

Class names and type strings are stored in the database: they are permanent.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

from buildrunner.telemetry import semconv as sc


class Severity(IntEnum):
    """How much an event matters; filters select events at or above a level."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40
    CRITICAL = 50

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` -> :attr:`WARNING`; raises ValueError naming the accepted levels."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(level.name.lower() for level in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class EventType(StrEnum):
    """Every built-in event type. The string values are stored and permanent."""

    TASK_QUEUED = "task.queued"
    TASK_STARTED = "task.started"
    TASK_COMPLETED = "task.completed"
    TASK_FAILED = "task.failed"
    TASK_CANCELLED = "task.cancelled"
    SESSION_STARTED = "session.started"
    SESSION_COMPLETED = "session.completed"
    SESSION_FAILED = "session.failed"
    MODEL_CALL = "model.call"
    ROUTING_DECISION = "routing.decision"
    ROUTING_FALLBACK = "routing.fallback"
    ROUTING_RETRY = "routing.retry"
    SECURITY_SCAN = "security.scan"
    SECURITY_FINDING = "security.finding"
    WORKER_STARTED = "worker.started"
    WORKER_STOPPED = "worker.stopped"
    WORKER_LOST = "worker.lost"
    GATE_RESULT = "gate.result"
    ALERT_PENDING = "alert.pending"
    ALERT_FIRING = "alert.firing"
    ALERT_RESOLVED = "alert.resolved"
    ERROR = "error"
    PERFORMANCE = "performance"
    SYSTEM_NOTICE = "system.notice"
    SYSTEM_DROPPED = "system.dropped"


OK = "ok"
"""Status of an operation that succeeded."""
FAILED = "error"
"""Status of an operation that failed (the error rate counts these)."""
CANCELLED = "cancelled"
"""Status of an operation stopped on purpose: neither a success nor a failure."""

# ---------------------------------------------------------------- event ids

_prefix = ""
_counter = itertools.count()


def _reset_ids() -> None:
    global _prefix, _counter
    _prefix = os.urandom(6).hex()
    _counter = itertools.count()


_reset_ids()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_ids)


def new_event_id() -> str:
    """A unique event id: 12 random hex digits per process, then a 10-digit hex counter."""
    return f"{_prefix}{next(_counter):010x}"


def _col(column: str, default: Any = None, otel: str | None = None) -> Any:
    """A field stored in a typed column of the events table (see :mod:`.codec`)."""
    return field(default=default, metadata={"column": column, "otel": otel})


def _otel(name: str, default: Any = None) -> Any:
    """A field kept in the JSON data, with its OpenTelemetry attribute name."""
    return field(default=default, metadata={"otel": name})


# ---------------------------------------------------------------- the base event


@dataclass(slots=True, kw_only=True)
class Event:
    """What every event has: id, UTC timestamp, type, session, task, severity, attributes.

    ``status`` is the outcome of the operation the event reports: ``"ok"``, ``"error"``,
    ``"cancelled"`` or None for events that are not outcomes. Specialised classes derive it.
    """

    TYPES: ClassVar[frozenset[str]] = frozenset()
    """Types this class may carry; empty means any type (the base class, custom events)."""

    type: str = field(metadata={"column": "type", "otel": sc.BR_EVENT_TYPE})
    id: str = field(default_factory=new_event_id, metadata={"column": "id", "otel": sc.BR_EVENT_ID})
    timestamp: float = field(default_factory=time.time, metadata={"column": "ts"})
    session_id: str | None = _col("session_id", otel=sc.GEN_AI_CONVERSATION_ID)
    task_id: str | None = _col("task_id", otel=sc.BR_TASK_ID)
    severity: Severity = _col("severity", Severity.INFO, otel=sc.BR_SEVERITY)
    status: str | None = _col("status", otel=sc.BR_STATUS)
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.TYPES and self.type not in self.TYPES:
            allowed = ", ".join(sorted(self.TYPES))
            raise ValueError(
                f"{type(self).__name__} cannot have type {self.type!r} (one of {allowed})"
            )

    @property
    def time(self) -> datetime:
        """The timestamp as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp, UTC)

    def semantic_attributes(self) -> dict[str, Any]:
        """The event as OpenTelemetry attributes (GenAI names where one exists, else ``br.*``)."""
        from buildrunner.telemetry.codec import semantic_attributes

        return semantic_attributes(self)


# ---------------------------------------------------------------- specialised events

_TASK_STATUS = {
    EventType.TASK_COMPLETED: OK,
    EventType.TASK_FAILED: FAILED,
    EventType.TASK_CANCELLED: CANCELLED,
    EventType.SESSION_COMPLETED: OK,
    EventType.SESSION_FAILED: FAILED,
    EventType.WORKER_LOST: FAILED,
}


@dataclass(slots=True, kw_only=True)
class TaskEvent(Event):
    """A coding task's lifecycle: queued, started, completed, failed or cancelled."""

    TYPES: ClassVar[frozenset[str]] = frozenset(
        {
            EventType.TASK_QUEUED,
            EventType.TASK_STARTED,
            EventType.TASK_COMPLETED,
            EventType.TASK_FAILED,
            EventType.TASK_CANCELLED,
        }
    )

    title: str | None = None
    task_type: str | None = _col("task_type", otel=sc.BR_TASK_TYPE)
    runner: str | None = _otel(sc.GEN_AI_AGENT_NAME)
    """What runs it: ``claude-code``, ``api`` or ``shell``."""
    worker_id: str | None = None
    attempt: int | None = None
    duration_ms: float | None = _col("duration_ms", otel=sc.BR_DURATION_MS)
    cost_usd: Decimal | None = _col("cost", otel=sc.BR_COST_USD)
    exit_code: int | None = None
    error_type: str | None = _col("error_type", otel=sc.ERROR_TYPE)

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        if self.status is None:
            self.status = _TASK_STATUS.get(self.type)  # type: ignore[call-overload]  # str key
        if self.type == EventType.TASK_FAILED and self.severity == Severity.INFO:
            self.severity = Severity.ERROR


@dataclass(slots=True, kw_only=True)
class SessionEvent(Event):
    """A build/session: one Claude Code session, API conversation or shell run of a task."""

    TYPES: ClassVar[frozenset[str]] = frozenset(
        {EventType.SESSION_STARTED, EventType.SESSION_COMPLETED, EventType.SESSION_FAILED}
    )

    runner: str | None = _otel(sc.GEN_AI_AGENT_NAME)
    model: str | None = _col("model", otel=sc.GEN_AI_REQUEST_MODEL)
    worktree: str | None = None
    branch: str | None = None
    conversation_id: str | None = None
    """Claude Code's own ``session_id`` when the runner is ``claude-code``."""
    turns: int | None = None
    duration_ms: float | None = _col("duration_ms", otel=sc.BR_DURATION_MS)
    cost_usd: Decimal | None = _col("cost", otel=sc.BR_COST_USD)
    error_type: str | None = _col("error_type", otel=sc.ERROR_TYPE)

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        if self.status is None:
            self.status = _TASK_STATUS.get(self.type)  # type: ignore[call-overload]  # str key
        if self.type == EventType.SESSION_FAILED and self.severity == Severity.INFO:
            self.severity = Severity.ERROR


@dataclass(slots=True, kw_only=True)
class ModelCallEvent(Event):
    """One call to a model: tokens, exact cost, latency and outcome.

    Token fields follow Anthropic's usage object: ``input_tokens`` excludes cached tokens,
    ``cache_write_tokens`` is ``cache_creation_input_tokens`` and ``cache_read_tokens`` is
    ``cache_read_input_tokens``. The GenAI ``gen_ai.usage.input_tokens`` (which includes the
    cached ones) is :attr:`total_input_tokens`.
    """

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.MODEL_CALL})

    type: str = field(default=EventType.MODEL_CALL.value, metadata={"column": "type"})
    provider: str = _otel(sc.GEN_AI_PROVIDER_NAME, "anthropic")
    model: str = _col("model", "", otel=sc.GEN_AI_REQUEST_MODEL)
    operation: str = _otel(sc.GEN_AI_OPERATION_NAME, "chat")
    response_model: str | None = _otel(sc.GEN_AI_RESPONSE_MODEL)
    request_id: str | None = _otel(sc.GEN_AI_RESPONSE_ID)
    task_type: str | None = _col("task_type", otel=sc.BR_TASK_TYPE)
    input_tokens: int = _col("input_tokens", 0)
    output_tokens: int = _col("output_tokens", 0, otel=sc.GEN_AI_USAGE_OUTPUT_TOKENS)
    cache_write_tokens: int = _col(
        "cache_write_tokens", 0, otel=sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
    )
    cache_read_tokens: int = _col(
        "cache_read_tokens", 0, otel=sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS
    )
    cost_usd: Decimal = _col("cost", Decimal(0), otel=sc.BR_COST_USD)
    latency_ms: float = _col("duration_ms", 0.0, otel=sc.BR_DURATION_MS)
    attempt: int = 1
    stop_reason: str | None = None
    error_type: str | None = _col("error_type", otel=sc.ERROR_TYPE)

    def __post_init__(self) -> None:
        if self.type != EventType.MODEL_CALL:
            Event.__post_init__(self)
        if self.status is None:
            self.status = OK if self.error_type is None else FAILED
        if self.status == FAILED and self.severity == Severity.INFO:
            self.severity = Severity.ERROR

    @property
    def total_input_tokens(self) -> int:
        """``gen_ai.usage.input_tokens``: uncached input plus cache writes and cache reads."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


@dataclass(slots=True, kw_only=True)
class RoutingDecisionEvent(Event):
    """The router chose a model for a task (before calling it)."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.ROUTING_DECISION})

    type: str = field(default=EventType.ROUTING_DECISION.value, metadata={"column": "type"})
    model: str = _col("model", "", otel=sc.GEN_AI_REQUEST_MODEL)
    complexity: str | None = _col("name")
    task_type: str | None = _col("task_type", otel=sc.BR_TASK_TYPE)
    reason: str | None = None
    estimated_cost_usd: Decimal | None = None
    budget_remaining_usd: Decimal | None = None
    candidates: tuple[str, ...] = ()


@dataclass(slots=True, kw_only=True)
class FallbackEvent(Event):
    """A call failed on one model and the router moved to another."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.ROUTING_FALLBACK})

    type: str = field(default=EventType.ROUTING_FALLBACK.value, metadata={"column": "type"})
    from_model: str = ""
    to_model: str = _col("model", "", otel=sc.GEN_AI_REQUEST_MODEL)
    error_type: str | None = _col("error_type", otel=sc.ERROR_TYPE)
    reason: str | None = None
    severity: Severity = _col("severity", Severity.WARNING, otel=sc.BR_SEVERITY)


@dataclass(slots=True, kw_only=True)
class RetryEvent(Event):
    """A failed call is retried on the same model after a backoff delay."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.ROUTING_RETRY})

    type: str = field(default=EventType.ROUTING_RETRY.value, metadata={"column": "type"})
    model: str = _col("model", "", otel=sc.GEN_AI_REQUEST_MODEL)
    attempt: int = 1
    delay_s: float = 0.0
    error_type: str | None = _col("error_type", otel=sc.ERROR_TYPE)
    severity: Severity = _col("severity", Severity.WARNING, otel=sc.BR_SEVERITY)


_FINDING_SEVERITY = {
    "info": Severity.INFO,
    "low": Severity.INFO,
    "medium": Severity.WARNING,
    "high": Severity.ERROR,
    "critical": Severity.CRITICAL,
}


@dataclass(slots=True, kw_only=True)
class SecurityScanEvent(Event):
    """A security scan ran (files, the staged index, history, a gate)."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.SECURITY_SCAN})

    type: str = field(default=EventType.SECURITY_SCAN.value, metadata={"column": "type"})
    target: str = _col("name", "files")
    """``files``, ``staged``, ``history`` or ``gate``."""
    files_scanned: int = 0
    findings: int = 0
    blocked: bool = False
    duration_ms: float | None = _col("duration_ms", otel=sc.BR_DURATION_MS)

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = FAILED if self.blocked else OK


@dataclass(slots=True, kw_only=True)
class SecurityFindingEvent(Event):
    """One security finding (a leaked secret or an injection-prone query), already masked.

    ``preview`` must be the masked preview (``core.redact.mask_secret``) and ``fingerprint``
    the hash: the secret itself never reaches telemetry. Every finding counts as a security
    violation for the built-in critical alert unless ``allowlisted``.
    """

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.SECURITY_FINDING})

    type: str = field(default=EventType.SECURITY_FINDING.value, metadata={"column": "type"})
    rule_id: str = _col("name", "")
    category: str = "secret"
    """``secret`` or ``sqli``."""
    finding_severity: str = "high"
    """The rule's severity: ``low``, ``medium``, ``high`` or ``critical``."""
    path: str | None = None
    line: int | None = None
    fingerprint: str | None = None
    preview: str | None = None
    allowlisted: bool = False

    def __post_init__(self) -> None:
        if self.severity == Severity.INFO:
            self.severity = _FINDING_SEVERITY.get(self.finding_severity, Severity.WARNING)


@dataclass(slots=True, kw_only=True)
class WorkerEvent(Event):
    """A parallel worker started, stopped or was lost (missed heartbeats, killed)."""

    TYPES: ClassVar[frozenset[str]] = frozenset(
        {EventType.WORKER_STARTED, EventType.WORKER_STOPPED, EventType.WORKER_LOST}
    )

    worker_id: str = _col("name", "")
    pid: int | None = None
    host: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        if self.type == EventType.WORKER_LOST:
            if self.status is None:
                self.status = FAILED
            if self.severity == Severity.INFO:
                self.severity = Severity.WARNING


@dataclass(slots=True, kw_only=True)
class GateEvent(Event):
    """A quality or security gate passed or failed (for instance before a merge-back)."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.GATE_RESULT})

    type: str = field(default=EventType.GATE_RESULT.value, metadata={"column": "type"})
    gate: str = _col("name", "")
    passed: bool = True
    findings: int = 0
    detail: str | None = None
    duration_ms: float | None = _col("duration_ms", otel=sc.BR_DURATION_MS)

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = OK if self.passed else FAILED
        if not self.passed and self.severity == Severity.INFO:
            self.severity = Severity.ERROR


@dataclass(slots=True, kw_only=True)
class AlertEvent(Event):
    """An alert changed state (pending, firing, resolved); written by the threshold monitor."""

    TYPES: ClassVar[frozenset[str]] = frozenset(
        {EventType.ALERT_PENDING, EventType.ALERT_FIRING, EventType.ALERT_RESOLVED}
    )

    rule_id: str = _col("name", "")
    level: str = "warning"
    value: float | None = None
    threshold: float | None = None
    labels: dict[str, str] = field(default_factory=dict)
    summary: str | None = None

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        if self.severity == Severity.INFO and self.type != EventType.ALERT_RESOLVED:
            self.severity = Severity.parse(self.level)


@dataclass(slots=True, kw_only=True)
class ErrorEvent(Event):
    """Something went wrong (an operational error, an unexpected exception)."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.ERROR})

    type: str = field(default=EventType.ERROR.value, metadata={"column": "type"})
    error_type: str = _col("error_type", "_OTHER", otel=sc.ERROR_TYPE)
    message: str = ""
    component: str | None = _col("name")
    exit_code: int | None = None
    severity: Severity = _col("severity", Severity.ERROR, otel=sc.BR_SEVERITY)


@dataclass(slots=True, kw_only=True)
class PerformanceEvent(Event):
    """A measured piece of work: wall time, CPU time, peak RSS and throughput."""

    TYPES: ClassVar[frozenset[str]] = frozenset({EventType.PERFORMANCE})

    type: str = field(default=EventType.PERFORMANCE.value, metadata={"column": "type"})
    name: str = _col("name", "")
    duration_ms: float = _col("duration_ms", 0.0, otel=sc.BR_DURATION_MS)
    cpu_time_ms: float | None = None
    peak_rss_bytes: int | None = None
    items: int | None = None
    throughput: float | None = None
    """Items per second (``items / duration``), None without items."""


@dataclass(slots=True, kw_only=True)
class SystemEvent(Event):
    """Something about `br` itself (``system.notice``, ``system.dropped`` when events were lost)."""

    message: str = ""
    count: int | None = None

    def __post_init__(self) -> None:
        if not self.type.startswith("system."):
            raise ValueError(f"SystemEvent types start with 'system.', got {self.type!r}")


EVENT_CLASSES: tuple[type[Event], ...] = (
    Event,
    TaskEvent,
    SessionEvent,
    ModelCallEvent,
    RoutingDecisionEvent,
    FallbackEvent,
    RetryEvent,
    SecurityScanEvent,
    SecurityFindingEvent,
    WorkerEvent,
    GateEvent,
    AlertEvent,
    ErrorEvent,
    PerformanceEvent,
    SystemEvent,
)
"""Every event class; the stored ``kind`` is the class name (permanent)."""

CLASS_FOR_TYPE: dict[str, type[Event]] = {t: cls for cls in EVENT_CLASSES for t in cls.TYPES} | {
    EventType.SYSTEM_NOTICE: SystemEvent,
    EventType.SYSTEM_DROPPED: SystemEvent,
}
"""The class that carries each built-in type."""
