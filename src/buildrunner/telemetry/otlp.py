"""OTLP/HTTP export of events as spans and metrics with the GenAI conventions (extra ``otel``).

Mapping (GenAI semantic conventions, see :mod:`.semconv`):

- a finished task (``task.completed``/``task.failed``) is an ``invoke_agent {runner}`` span
  covering its duration; a finished session likewise;
- a ``model.call`` is a CLIENT span ``{operation} {model}`` (``chat claude-sonnet-4-6``) with
  the ``gen_ai.*`` usage attributes and ``br.cost.usd``, a child of its task's span when that
  task is in the same export, status ERROR with ``error.type`` on failure;
- every other event is a zero-length INTERNAL span named by its type (``security.scan``);
- metrics: ``gen_ai.client.token.usage`` and ``gen_ai.client.operation.duration`` histograms
  with the advised buckets, ``br.task.duration``, and ``br.events`` / ``br.cost.usd``
  counters.

OpenTelemetry is imported only here, when an export runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from buildrunner.core.errors import BuildRunnerError
from buildrunner.telemetry import semconv as sc
from buildrunner.telemetry.events import (
    FAILED,
    Event,
    EventType,
    ModelCallEvent,
    SessionEvent,
    TaskEvent,
)

if TYPE_CHECKING:
    from buildrunner.core.store import Store
    from buildrunner.telemetry.filters import EventFilter

log = logging.getLogger("buildrunner.telemetry")
CHUNK = 512
_FINISHED = {
    EventType.TASK_COMPLETED.value,
    EventType.TASK_FAILED.value,
    EventType.SESSION_COMPLETED.value,
    EventType.SESSION_FAILED.value,
}


class OtlpExportError(BuildRunnerError):
    """The OTLP endpoint did not accept the export."""


def _require() -> None:
    try:
        import opentelemetry.exporter.otlp.proto.http
        import opentelemetry.sdk  # noqa: F401
    except ImportError:
        raise BuildRunnerError(
            "OTLP export needs OpenTelemetry",
            hint="pip install 'buildrunner3[otel]'",
        ) from None


class OtlpSession:
    """A tracer and meter provider bound to one OTLP/HTTP endpoint; reusable across exports."""

    def __init__(self, endpoint: str, *, timeout: float = 10.0) -> None:
        _require()
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

        from buildrunner import __version__

        base = endpoint.rstrip("/")
        resource = Resource.create({"service.name": "buildrunner", "service.version": __version__})
        self.endpoint = base
        self._spans: list[ReadableSpan] = []
        spans = self._spans

        class _Collect(SpanProcessor):
            def on_end(self, span: ReadableSpan) -> None:
                spans.append(span)

        self._span_exporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces", timeout=timeout)
        self._tracer_provider = TracerProvider(resource=resource)
        self._tracer_provider.add_span_processor(_Collect())
        self.tracer = self._tracer_provider.get_tracer("buildrunner.telemetry", __version__)
        self._reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=f"{base}/v1/metrics", timeout=timeout),
            export_interval_millis=3_600_000,
        )
        self._meter_provider = MeterProvider(resource=resource, metric_readers=[self._reader])
        meter = self._meter_provider.get_meter("buildrunner.telemetry", __version__)
        self.tokens = meter.create_histogram(
            sc.METRIC_TOKEN_USAGE,
            "{token}",
            "Tokens used per model call",
            explicit_bucket_boundaries_advisory=sc.TOKEN_BUCKETS,
        )
        self.duration = meter.create_histogram(
            sc.METRIC_OPERATION_DURATION,
            "s",
            "Model call duration",
            explicit_bucket_boundaries_advisory=sc.DURATION_BUCKETS,
        )
        self.task_duration = meter.create_histogram(
            sc.METRIC_TASK_DURATION,
            "s",
            "Task duration",
            explicit_bucket_boundaries_advisory=sc.TASK_DURATION_BUCKETS,
        )
        self.events = meter.create_counter("br.events", "{event}", "Events recorded by br")
        self.cost = meter.create_counter(sc.BR_COST_USD, "USD", "Cost of model calls")

    def export(self, events: Iterable[Event]) -> int:
        """Turn `events` into spans and metric points and send them; returns how many."""
        events = list(events)
        parents = self._task_spans(events)
        for event in events:
            if event.type in _FINISHED and isinstance(event, TaskEvent | SessionEvent):
                continue  # already a span in `parents` or below
            self._span(event, parents)
            self._measure(event)
        for event in events:
            if event.type in _FINISHED:
                self._measure(event)
        self._send_spans()
        if not self._reader.force_flush(timeout_millis=30_000):
            raise OtlpExportError(f"the OTLP endpoint {self.endpoint} did not accept the metrics")
        return len(events)

    def _task_spans(self, events: Sequence[Event]) -> dict[str, Any]:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        parents: dict[str, Any] = {}
        for event in events:
            if event.type not in _FINISHED or not isinstance(event, TaskEvent | SessionEvent):
                continue
            runner = event.runner or "br"
            end = _ns(event.timestamp)
            start = end - int((event.duration_ms or 0.0) * 1e6)
            span = self.tracer.start_span(
                f"invoke_agent {runner}",
                kind=SpanKind.INTERNAL,
                start_time=start,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: "invoke_agent",
                    **event.semantic_attributes(),
                },
            )
            if event.status == FAILED:
                span.set_status(Status(StatusCode.ERROR, event.error_type or "_OTHER"))
                span.set_attribute(sc.ERROR_TYPE, event.error_type or "_OTHER")
            span.end(end_time=end)
            if event.task_id and isinstance(event, TaskEvent):
                parents[event.task_id] = span
        return parents

    def _span(self, event: Event, parents: dict[str, Any]) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        end = _ns(event.timestamp)
        context = None
        if event.task_id and event.task_id in parents:
            context = trace.set_span_in_context(parents[event.task_id])
        if isinstance(event, ModelCallEvent):
            name = f"{event.operation} {event.model}"
            kind = SpanKind.CLIENT
            start = end - int(event.latency_ms * 1e6)
        else:
            name, kind, start = event.type, SpanKind.INTERNAL, end
        span = self.tracer.start_span(
            name,
            context=context,
            kind=kind,
            start_time=start,
            attributes=event.semantic_attributes(),
        )
        if event.status == FAILED:
            error = getattr(event, "error_type", None) or "_OTHER"
            span.set_attribute(sc.ERROR_TYPE, error)
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=end)

    def _measure(self, event: Event) -> None:
        self.events.add(1, {sc.BR_EVENT_TYPE: event.type})
        if isinstance(event, ModelCallEvent):
            labels = {
                sc.GEN_AI_OPERATION_NAME: event.operation,
                sc.GEN_AI_PROVIDER_NAME: event.provider,
                sc.GEN_AI_REQUEST_MODEL: event.model,
            }
            self.tokens.record(event.total_input_tokens, {**labels, sc.GEN_AI_TOKEN_TYPE: "input"})
            self.tokens.record(event.output_tokens, {**labels, sc.GEN_AI_TOKEN_TYPE: "output"})
            timing = dict(labels)
            if event.error_type:
                timing[sc.ERROR_TYPE] = event.error_type
            self.duration.record(event.latency_ms / 1000.0, timing)
            self.cost.add(float(event.cost_usd), {sc.GEN_AI_REQUEST_MODEL: event.model})
        elif (
            isinstance(event, TaskEvent)
            and event.duration_ms is not None
            and event.type in _FINISHED
        ):
            self.task_duration.record(
                event.duration_ms / 1000.0, {sc.BR_STATUS: event.status or ""}
            )

    def _send_spans(self) -> None:
        from opentelemetry.sdk.trace.export import SpanExportResult

        while self._spans:
            batch = self._spans[:CHUNK]
            del self._spans[:CHUNK]
            if self._span_exporter.export(batch) is not SpanExportResult.SUCCESS:
                raise OtlpExportError(
                    f"the OTLP endpoint {self.endpoint} did not accept the spans",
                    hint="check the URL and that a collector listens there",
                )

    def shutdown(self) -> None:
        self._span_exporter.shutdown()  # type: ignore[no-untyped-call]  # untyped in the SDK
        self._meter_provider.shutdown()
        self._tracer_provider.shutdown()


def _ns(epoch: float) -> int:
    return int(epoch * 1e9)


def export_events(events: Iterable[Event], endpoint: str, *, timeout: float = 10.0) -> int:
    """Send `events` to an OTLP/HTTP endpoint (base URL, e.g. http://localhost:4318)."""
    session = OtlpSession(endpoint, timeout=timeout)
    try:
        return session.export(events)
    finally:
        session.shutdown()


def export_stored(
    store: Store, endpoint: str, *, where: EventFilter | None = None, timeout: float = 10.0
) -> int:
    """Replay stored events to an OTLP endpoint, in chunks."""
    from buildrunner.telemetry.query import iter_events

    session = OtlpSession(endpoint, timeout=timeout)
    total = 0
    batch: list[Event] = []
    try:
        for event in iter_events(store, where):
            batch.append(event)
            if len(batch) >= 5000:
                total += session.export(batch)
                batch = []
        if batch:
            total += session.export(batch)
    finally:
        session.shutdown()
    return total


class LiveOtlpExporter:
    """A collector exporter: every stored batch is sent to the endpoint (``otlp_endpoint``)."""

    def __init__(self, endpoint: str, *, timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._session: OtlpSession | None = None

    def __call__(self, events: Sequence[Event]) -> None:
        if self._session is None:
            self._session = OtlpSession(self.endpoint, timeout=self.timeout)
        self._session.export(events)
