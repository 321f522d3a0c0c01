"""Telemetry: typed events for everything `br` does, stored in the project's SQLite database.

The public API, small on purpose (see docs/telemetry.md)::

    from decimal import Decimal
    from buildrunner import telemetry
    from buildrunner.telemetry import ModelCallEvent

    telemetry.record(ModelCallEvent(model="claude-sonnet-4-6", input_tokens=1200,
                                    output_tokens=300, cost_usd=Decimal("0.0081"),
                                    latency_ms=2140.0, session_id=session_id))
    telemetry.flush()   # optional: the background flusher and the exit hook write it anyway

Subsystems that take a collector as a parameter accept any :class:`Recorder` (an object with
``record(event)``); pass ``telemetry.get_collector()`` in production and a
``Collector(Store(tmp), background=False)`` in tests.

Importing this package is cheap: it loads the event model and the collector, nothing else.
Metrics, alerts, the performance tracker, reports and exporters are imported on demand from
their modules (``buildrunner.telemetry.metrics`` ...), or through the lazy attributes below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from buildrunner.telemetry.collector import (
    Collector,
    CollectorStats,
    Listener,
    NullCollector,
    Recorder,
)
from buildrunner.telemetry.default import (
    configure,
    flush,
    get_collector,
    open_collector,
    record,
    set_collector,
    use_collector,
)
from buildrunner.telemetry.events import (
    CANCELLED,
    CLASS_FOR_TYPE,
    EVENT_CLASSES,
    FAILED,
    OK,
    AlertEvent,
    ErrorEvent,
    Event,
    EventType,
    FallbackEvent,
    GateEvent,
    ModelCallEvent,
    PerformanceEvent,
    RetryEvent,
    RoutingDecisionEvent,
    SecurityFindingEvent,
    SecurityScanEvent,
    SessionEvent,
    Severity,
    SystemEvent,
    TaskEvent,
    WorkerEvent,
    new_event_id,
)
from buildrunner.telemetry.filters import EventFilter

if TYPE_CHECKING:
    from buildrunner.telemetry.performance import PerformanceTracker, measure

__all__ = [
    "CANCELLED",
    "CLASS_FOR_TYPE",
    "EVENT_CLASSES",
    "FAILED",
    "OK",
    "AlertEvent",
    "Collector",
    "CollectorStats",
    "ErrorEvent",
    "Event",
    "EventFilter",
    "EventType",
    "FallbackEvent",
    "GateEvent",
    "Listener",
    "ModelCallEvent",
    "NullCollector",
    "PerformanceEvent",
    "PerformanceTracker",
    "Recorder",
    "RetryEvent",
    "RoutingDecisionEvent",
    "SecurityFindingEvent",
    "SecurityScanEvent",
    "SessionEvent",
    "Severity",
    "SystemEvent",
    "TaskEvent",
    "WorkerEvent",
    "configure",
    "flush",
    "get_collector",
    "measure",
    "new_event_id",
    "open_collector",
    "record",
    "set_collector",
    "use_collector",
]

_LAZY = {
    "PerformanceTracker": "buildrunner.telemetry.performance",
    "measure": "buildrunner.telemetry.performance",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'buildrunner.telemetry' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
