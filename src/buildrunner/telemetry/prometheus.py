"""Prometheus exposition of the event store (extra ``prometheus``): ``br telemetry serve``.

A custom collector queries SQLite on every scrape, so the store stays the single source of
truth: counters from the hourly roll-up, a model-call duration histogram on the GenAI
buckets, and the active alerts as ``ALERTS{alertname, alertstate, severity}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.core.errors import BuildRunnerError
from buildrunner.telemetry.semconv import DURATION_BUCKETS

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from buildrunner.core.sections import TelemetryConfig


def _require() -> None:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise BuildRunnerError(
            "br telemetry serve needs prometheus_client",
            hint="pip install 'buildrunner3[prometheus]'",
        ) from None


class StoreCollector:
    """A ``prometheus_client`` collector whose ``collect()`` reads the event store."""

    def __init__(self, db_path: Path, *, timeout: float = 30.0) -> None:
        self.db_path = Path(db_path)
        self.timeout = timeout

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        from buildrunner.core.store import Store

        store = Store(self.db_path, timeout=self.timeout)
        try:
            events = CounterMetricFamily("br_events", "Events stored, by type.", labels=["type"])
            for row in store.execute(
                "SELECT type, sum(events) FROM telemetry_rollup GROUP BY type ORDER BY type"
            ):
                events.add_metric([row[0]], row[1])
            yield events
            calls = CounterMetricFamily(
                "br_model_calls", "Model calls, by model and status.", labels=["model", "status"]
            )
            cost = CounterMetricFamily("br_cost_usd", "Cost of model calls.", labels=["model"])
            tokens = CounterMetricFamily(
                "br_tokens", "Tokens of model calls.", labels=["model", "token_type"]
            )
            for row in store.execute(
                "SELECT model, status, sum(events), sum(cost_nanos), sum(input_tokens), "
                "sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens) "
                "FROM telemetry_rollup WHERE type = 'model.call' GROUP BY 1, 2 ORDER BY 1, 2"
            ):
                calls.add_metric([row[0], row[1]], row[2])
            for row in store.execute(
                "SELECT model, sum(cost_nanos), sum(input_tokens), sum(output_tokens), "
                "sum(cache_read_tokens), sum(cache_write_tokens) FROM telemetry_rollup "
                "WHERE type = 'model.call' GROUP BY 1 ORDER BY 1"
            ):
                cost.add_metric([row[0]], row[1] / 1e9)
                for name, value in zip(
                    ("input", "output", "cache_read", "cache_write"), row[2:], strict=True
                ):
                    tokens.add_metric([row[0], name], value)
            yield calls
            yield cost
            yield tokens
            yield self._durations(store, HistogramMetricFamily)
            alerts = GaugeMetricFamily(
                "ALERTS", "Active alerts.", labels=["alertname", "alertstate", "severity", "labels"]
            )
            for row in store.execute(
                "SELECT rule_id, state, level, labels FROM telemetry_alert_instances ORDER BY 1"
            ):
                extra = ",".join(f"{k}={v}" for k, v in json.loads(row[3]).items())
                alerts.add_metric([row[0], row[1], row[2], extra], 1)
            yield alerts
        finally:
            store.close()

    def _durations(self, store: Any, family: Any) -> Any:
        bounds = [b * 1000 for b in DURATION_BUCKETS]
        sums = ", ".join(f"sum(duration_ms <= {b!r})" for b in bounds)
        histogram = family(
            "br_model_call_duration_seconds", "Model call duration.", labels=["model"]
        )
        for row in store.execute(
            f"SELECT model, {sums}, count(*), sum(duration_ms) FROM telemetry_events "
            "WHERE type = 'model.call' AND duration_ms IS NOT NULL GROUP BY 1 ORDER BY 1"
        ):
            counts = list(row[1 : 1 + len(bounds)])
            buckets = [(f"{b:g}", c) for b, c in zip(DURATION_BUCKETS, counts, strict=True)]
            buckets.append(("+Inf", row[1 + len(bounds)]))
            histogram.add_metric([row[0]], buckets, sum_value=(row[-1] or 0) / 1000.0)
        return histogram


def metrics_text(db_path: Path) -> str:
    """The exposition text of the store, as a scrape would return it."""
    _require()
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(db_path))
    return generate_latest(registry).decode("utf-8")


def serve_metrics(
    db_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 9464,
    config: TelemetryConfig | None = None,
) -> tuple[WSGIServer, int]:
    """A WSGI server exposing ``/metrics`` (not started: call ``serve_forever``)."""
    _require()
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client import CollectorRegistry, make_wsgi_app

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(db_path))
    try:
        server = make_server(host, port, make_wsgi_app(registry), handler_class=Quiet)
    except OSError as exc:
        raise BuildRunnerError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint="choose another --port"
        ) from exc
    return server, server.server_port
