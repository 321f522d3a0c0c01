from __future__ import annotations

import csv
import io
import json
import re
import threading
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, EventType, ModelCallEvent, TaskEvent
from buildrunner.telemetry.codec import from_dict
from buildrunner.telemetry.export import export_events
from buildrunner.telemetry.filters import EventFilter
from buildrunner.telemetry.query import query_events
from buildrunner.telemetry.report import report_data, write_report
from buildrunner.testing.telemetry import T0, sample_events

DAY = 86400.0


def test_jsonl_export_reads_back_into_the_same_events(collector: Collector, store: Store) -> None:
    for event in sample_events():
        collector.record(event)
    collector.flush()
    out = io.StringIO()
    assert export_events(store, out, fmt="jsonl") == len(sample_events())
    lines = out.getvalue().splitlines()
    assert [from_dict(json.loads(line)) for line in lines] == query_events(store)
    assert json.loads(lines[0])["time"] == "2027-01-15T08:00:00.000+00:00"


def test_csv_export_has_typed_columns_and_respects_the_filter(
    collector: Collector, store: Store
) -> None:
    for event in sample_events():
        collector.record(event)
    collector.flush()
    out = io.StringIO()
    count = export_events(store, out, fmt="csv", where=EventFilter(types=("model.call",)))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 1
    assert rows[0]["type"] == "model.call"
    assert rows[0]["model"] == "claude-opus-4-1"
    assert rows[0]["cost_usd"] == "0.0812345678"
    assert rows[0]["cache_read_tokens"] == "4096"


def _report_dataset(collector: Collector) -> None:
    for day in range(3):
        for model, cost, latency in (("haiku", "0.10", 150.0), ("sonnet", "1.00", 2500.0)):
            collector.record(
                ModelCallEvent(
                    timestamp=T0 + day * DAY,
                    model=model,
                    cost_usd=Decimal(cost) * (day + 1),
                    latency_ms=latency,
                    error_type="overloaded" if day == 2 and model == "sonnet" else None,
                )
            )
        for index in range(4):
            kind = EventType.TASK_FAILED if index < day else EventType.TASK_COMPLETED
            collector.record(
                TaskEvent(
                    type=kind,
                    timestamp=T0 + day * DAY + index,
                    error_type=("tests_failed" if kind == EventType.TASK_FAILED else None),
                )
            )
    collector.flush()


def test_report_data_behind_each_chart(collector: Collector, store: Store) -> None:
    _report_dataset(collector)
    data = report_data(store)
    cost = data["cost_per_day"]
    assert cost["days"] == ["2027-01-15", "2027-01-16", "2027-01-17"]
    assert cost["models"] == ["haiku", "sonnet"]
    assert cost["cost_usd"] == {"haiku": [0.1, 0.2, 0.3], "sonnet": [1.0, 2.0, 3.0]}
    latency = data["latency"]
    assert sum(latency["counts"]) == 6
    # 150 ms falls in the (0.08, 0.16] s bucket, 2500 ms in (1.28, 2.56] s
    assert latency["counts"][latency["bucket_upper_ms"].index(160.0)] == 3
    assert latency["counts"][latency["bucket_upper_ms"].index(2560.0)] == 3
    assert [(p["day"], p["rate"]) for p in data["success_rate"]] == [
        ("2027-01-15", 1.0),
        ("2027-01-16", 0.75),
        ("2027-01-17", 0.5),
    ]
    assert data["top_errors"] == [
        {"error_type": "tests_failed", "count": 3},
        {"error_type": "overloaded", "count": 1},
    ]


def test_report_html_is_self_contained_and_embeds_its_data(
    collector: Collector, store: Store, tmp_path: Path
) -> None:
    _report_dataset(collector)
    path = tmp_path / "report.html"
    write_report(store, path)
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text
    assert "https://" not in text
    assert "<script src" not in text
    embedded = re.search(
        r'<script type="application/json" id="br-report-data">(.*?)</script>', text, re.S
    )
    assert embedded is not None
    data = json.loads(embedded.group(1))
    assert data["cost_per_day"]["cost_usd"]["sonnet"] == [1.0, 2.0, 3.0]
    bars = re.findall(r'data-series="sonnet" data-label="([^"]+)" data-value="([^"]+)"', text)
    assert bars == [("2027-01-15", "1.0"), ("2027-01-16", "2.0"), ("2027-01-17", "3.0")]
    assert len(re.findall(r"<circle ", text)) == 3


def test_report_of_an_empty_store_says_no_data(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    data = write_report(store, path)
    text = path.read_text(encoding="utf-8")
    assert data["headline"]["task_success_rate"] is None
    assert "No data in this window." in text
    assert "no data" in text


def test_otlp_export_sends_genai_spans_and_metrics(collector: Collector, store: Store) -> None:
    from buildrunner.telemetry.otlp import export_stored
    from buildrunner.testing.otlp import OtlpReceiver

    collector.record(
        TaskEvent(type=EventType.TASK_COMPLETED, task_id="t1", timestamp=T0 + 10,
                  duration_ms=10_000.0, runner="claude-code")
    )  # fmt: skip
    collector.record(
        ModelCallEvent(task_id="t1", timestamp=T0 + 5, model="claude-sonnet-4-6",
                       input_tokens=100, cache_read_tokens=50, output_tokens=20,
                       cost_usd=Decimal("0.01"), latency_ms=1500.0, session_id="sess")
    )  # fmt: skip
    collector.record(ModelCallEvent(timestamp=T0 + 6, model="claude-haiku-4-5",
                                    error_type="rate_limited"))  # fmt: skip
    collector.flush()
    with OtlpReceiver() as receiver:
        assert export_stored(store, receiver.url) == 3
    spans = {span["name"]: span for span in receiver.spans}
    assert set(spans) == {
        "invoke_agent claude-code",
        "chat claude-sonnet-4-6",
        "chat claude-haiku-4-5",
    }
    chat = spans["chat claude-sonnet-4-6"]
    assert chat["kind"] == 3  # CLIENT
    assert chat["parent_span_id"] == spans["invoke_agent claude-code"]["span_id"]
    assert chat["end"] - chat["start"] == 1_500_000_000
    attrs = chat["attributes"]
    assert attrs["gen_ai.provider.name"] == "anthropic"
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-6"
    assert attrs["gen_ai.usage.input_tokens"] == 150
    assert attrs["gen_ai.usage.output_tokens"] == 20
    assert attrs["gen_ai.conversation.id"] == "sess"
    assert attrs["br.cost.usd"] == 0.01
    failed = spans["chat claude-haiku-4-5"]
    assert failed["status"] == 2  # ERROR
    assert failed["attributes"]["error.type"] == "rate_limited"
    assert chat["resource"]["service.name"] == "buildrunner"
    durations = receiver.metrics["gen_ai.client.operation.duration"]
    assert sum(p["count"] for p in durations) == 2
    assert durations[0]["bounds"][:3] == [0.01, 0.02, 0.04]
    tokens = receiver.metrics["gen_ai.client.token.usage"]
    by_type = {(p["attributes"]["gen_ai.request.model"], p["attributes"]["gen_ai.token.type"]):
               p["sum"] for p in tokens}  # fmt: skip
    assert by_type[("claude-sonnet-4-6", "input")] == 150


def test_otlp_export_to_a_refusing_endpoint_is_a_clear_error(
    collector: Collector, store: Store
) -> None:
    from buildrunner.telemetry.otlp import OtlpExportError, export_stored
    from buildrunner.testing.otlp import OtlpReceiver

    collector.record(ModelCallEvent(model="m"))
    collector.flush()
    with (
        OtlpReceiver(status=400) as receiver,
        pytest.raises(OtlpExportError, match="did not accept"),
    ):
        export_stored(store, receiver.url)


def test_prometheus_metrics_come_from_the_store(collector: Collector, store: Store) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from buildrunner.telemetry.prometheus import serve_metrics

    for latency in (100.0, 300.0, 5000.0):
        collector.record(ModelCallEvent(model="m1", latency_ms=latency, cost_usd=Decimal("0.5"),
                                        input_tokens=10))  # fmt: skip
    collector.record(ModelCallEvent(model="m1", error_type="boom"))
    collector.flush()
    server, port = serve_metrics(store.path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("br_events_total", (("type", "model.call"),))] == 4
    assert samples[("br_model_calls_total", (("model", "m1"), ("status", "ok")))] == 3
    assert samples[("br_model_calls_total", (("model", "m1"), ("status", "error")))] == 1
    assert samples[("br_cost_usd_total", (("model", "m1"),))] == 1.5
    assert samples[("br_tokens_total", (("model", "m1"), ("token_type", "input")))] == 30
    bucket = ("br_model_call_duration_seconds_bucket", (("le", "0.32"), ("model", "m1")))
    assert samples[bucket] == 3  # 0, 100 and 300 ms
    assert samples[("br_model_call_duration_seconds_count", (("model", "m1"),))] == 4
