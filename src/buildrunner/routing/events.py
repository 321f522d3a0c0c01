"""The recorder seam: every routing decision, attempt, retry, fallback hop, breaker transition
and budget step is an event handed to a :class:`Recorder`.

Telemetry (``buildrunner.telemetry``) is where events are stored; routing does not depend on
it. :func:`default_recorder` returns a recorder that forwards to telemetry when that package
offers ``record_event(name, attributes)``, and a no-op recorder otherwise. Tests pass a
:class:`ListRecorder` and assert on the events.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

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


class CallableRecorder:
    """Adapts a function ``(name, attributes) -> None`` (e.g. telemetry's ``record_event``)."""

    def __init__(self, sink: Callable[[str, Mapping[str, Any]], object]) -> None:
        self._sink = sink

    def record(self, event: RoutingEvent) -> None:
        with contextlib.suppress(Exception):  # telemetry must never break a model call
            self._sink(event.name, {**event.attributes, "at": event.at})


TELEMETRY_SINK = "buildrunner.telemetry:record_event"
"""``module:function`` events are forwarded to when it exists."""


def default_recorder() -> Recorder:
    """Forward to telemetry when it is installed, else drop events."""
    module_name, attribute = TELEMETRY_SINK.split(":")
    try:
        sink = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return NullRecorder()
    return CallableRecorder(sink)
