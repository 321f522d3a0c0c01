"""A real OTLP/HTTP receiver on 127.0.0.1 for tests: decodes what exporters send.

with OtlpReceiver() as receiver:
    export_events(events, receiver.url)
    receiver.spans  # [{"name": ..., "kind": ..., "attributes": {...}, ...}]
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    value = getattr(any_value, kind)
    if kind == "array_value":
        return [_value(v) for v in value.values]
    return value


def _attributes(items: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in items}


class OtlpReceiver:
    """Accepts ``POST /v1/traces`` and ``/v1/metrics`` (protobuf) and keeps what it got."""

    def __init__(self, *, status: int = 200) -> None:
        self.spans: list[dict[str, Any]] = []
        self.metrics: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[str] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                receiver.requests.append(self.path)
                if receiver.status == 200:
                    receiver._decode(self.path, body)
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _decode(self, path: str, body: bytes) -> None:
        if path.endswith("/v1/traces"):
            from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

            request = trace_service_pb2.ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        self.spans.append(
                            {
                                "name": span.name,
                                "kind": span.kind,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_span_id": span.parent_span_id.hex(),
                                "start": span.start_time_unix_nano,
                                "end": span.end_time_unix_nano,
                                "status": span.status.code,
                                "attributes": _attributes(span.attributes),
                                "resource": resource,
                            }
                        )
        elif path.endswith("/v1/metrics"):
            from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

            request = metrics_service_pb2.ExportMetricsServiceRequest()
            request.ParseFromString(body)
            for resource_metrics in request.resource_metrics:
                for scope in resource_metrics.scope_metrics:
                    for metric in scope.metrics:
                        # cumulative temporality: the latest export holds the totals
                        self.metrics[metric.name] = _points(metric)

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _points(metric: Any) -> list[dict[str, Any]]:
    kind = metric.WhichOneof("data")
    points = []
    for point in getattr(metric, kind).data_points:
        entry: dict[str, Any] = {"attributes": _attributes(point.attributes), "kind": kind}
        if kind == "histogram":
            entry.update(
                count=point.count,
                sum=point.sum,
                bounds=list(point.explicit_bounds),
                buckets=list(point.bucket_counts),
            )
        else:
            entry["value"] = point.as_double if point.HasField("as_double") else point.as_int
        points.append(entry)
    return points
