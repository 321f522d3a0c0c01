from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.paths import ProjectPaths
from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, EventType, ModelCallEvent, TaskEvent
from tests.conftest import BrResult


@pytest.fixture
def store(project: ProjectPaths) -> Store:
    return Store(project.db_path)


def _record(store: Store, *events: object) -> None:
    collector = Collector(store, masker=str, background=False)
    for event in events:
        collector.record(event)  # type: ignore[arg-type]
    collector.close()


def _now_events() -> list[object]:
    now = time.time()
    return [
        ModelCallEvent(model="claude-sonnet-4-6", latency_ms=1000.0, cost_usd=Decimal("0.25"),
                       input_tokens=100, output_tokens=10, timestamp=now - 60),
        ModelCallEvent(model="claude-haiku-4-5", latency_ms=200.0, cost_usd=Decimal("0.01"),
                       error_type="overloaded", timestamp=now - 50),
        TaskEvent(type=EventType.TASK_COMPLETED, task_id="t1", duration_ms=5000.0,
                  timestamp=now - 40),
    ]  # fmt: skip


def test_summary_of_an_empty_project_says_no_data(
    br: Callable[..., BrResult], project: ProjectPaths
) -> None:
    result = br("telemetry", "summary")
    assert result.exit_code == 0, result.stderr
    assert "every metric is 'no data'" in result.stdout
    assert "success no data" in result.stdout
    data = json.loads(br("telemetry", "summary", "--format", "json").stdout)
    assert data["events"] == 0
    assert data["overall"]["tasks"]["success_rate"] is None
    assert data["overall"]["model_calls"]["latency_ms"]["p95"] is None
    assert data["overall"]["cost_usd"] is None


def test_summary_json_grouped_by_model(br: Callable[..., BrResult], store: Store) -> None:
    _record(store, *_now_events())
    result = br("telemetry", "summary", "--since", "24h", "--group-by", "model", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["events"] == 3
    assert data["overall"]["cost_usd"] == "0.26"
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["claude-haiku-4-5"]["model_calls"]["error_rate"] == 1.0
    assert groups["claude-sonnet-4-6"]["model_calls"]["latency_ms"]["p50"] == 1000.0
    text = br("telemetry", "summary", "--group-by", "model").stdout
    assert "claude-sonnet-4-6" in text
    assert "$0.2600" in text


def test_events_listing_filters_and_json(br: Callable[..., BrResult], store: Store) -> None:
    _record(store, *_now_events())
    result = br("telemetry", "events", "--type", "model.call", "--format", "json")
    events = json.loads(result.stdout)["events"]
    assert [e["model"] for e in events] == ["claude-sonnet-4-6", "claude-haiku-4-5"]
    assert events[0]["class"] == "ModelCallEvent"
    text = br("telemetry", "events", "--severity", "error").stdout.splitlines()
    assert len(text) == 1
    assert "error_type=overloaded" in text[0]
    assert br("telemetry", "events", "--limit", "1", "--format", "json").stdout.count('"id"') == 1


def test_bad_since_is_a_usage_error(br: Callable[..., BrResult], project: ProjectPaths) -> None:
    result = br("telemetry", "summary", "--since", "last tuesday")
    assert result.exit_code == 2
    assert "--since 'last tuesday' is neither a duration" in result.stderr


def test_alerts_on_an_empty_project_and_with_check(
    br: Callable[..., BrResult], store: Store
) -> None:
    empty = br("telemetry", "alerts", "--check")
    assert empty.exit_code == 0
    assert empty.stdout.strip() == "no active alerts"
    now = time.time()
    _record(store, *[TaskEvent(type=EventType.TASK_FAILED, timestamp=now - 10 - i)
                     for i in range(12)])  # fmt: skip
    result = br("telemetry", "alerts", "--check", "--format", "json")
    assert result.exit_code == 1
    active = json.loads(result.stdout)["active"]
    assert {(a["rule"], a["state"]) for a in active} == {
        ("success-rate-warning", "firing"),
        ("success-rate-critical", "firing"),
    }
    critical = br("telemetry", "alerts", "--level", "critical", "--all")
    assert "FIRING   critical success-rate-critical" in critical.stdout
    assert "inactive -> firing" in critical.stdout


def test_performance_command(br: Callable[..., BrResult], store: Store) -> None:
    from buildrunner.telemetry import PerformanceEvent

    _record(store, PerformanceEvent(name="scan", duration_ms=120.0, items=240,
                                    peak_rss_bytes=50 * 2**20, cpu_time_ms=100.0))  # fmt: skip
    data = json.loads(br("telemetry", "performance", "--format", "json").stdout)
    [row] = data["measurements"]
    assert (row["name"], row["count"], row["throughput_per_s"]) == ("scan", 1, 2000.0)
    assert "50 MiB" in br("telemetry", "performance").stdout


def test_export_to_a_file_and_stdout(
    br: Callable[..., BrResult], store: Store, tmp_path: Path
) -> None:
    _record(store, *_now_events())
    target = tmp_path / "out.csv"
    result = br("telemetry", "export", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert "wrote 3 events" in result.stderr
    assert target.read_text(encoding="utf-8").count("\n") == 4
    lines = br("telemetry", "export", "--type", "task").stdout.splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["task.completed"]
    missing = br("telemetry", "export", "--format", "otlp")
    assert missing.exit_code == 2
    assert "--endpoint" in missing.stderr


def test_report_command(br: Callable[..., BrResult], store: Store, tmp_path: Path) -> None:
    _record(store, *_now_events())
    target = tmp_path / "r.html"
    result = br("telemetry", "report", "--html", str(target))
    assert result.exit_code == 0, result.stderr
    assert "(3 events)" in result.stdout
    assert 'data-chart="cost_per_day"' in target.read_text(encoding="utf-8")


def test_br_telemetry_off_records_nothing_through_the_default_collector(
    project: ProjectPaths, tmp_path: Path
) -> None:
    project.data_dir.mkdir(parents=True, exist_ok=True)
    script = (
        "from buildrunner import telemetry\n"
        "from buildrunner.telemetry import TaskEvent\n"
        "telemetry.record(TaskEvent(type='task.queued'))\n"
        "print(type(telemetry.get_collector()).__name__, telemetry.flush())\n"
    )
    off = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True,
                         text=True, env=_env(BR_TELEMETRY="off"), check=False)  # fmt: skip
    assert off.stdout.split() == ["NullCollector", "0"], off.stderr
    on = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True,
                        text=True, env=_env(), check=False)  # fmt: skip
    assert on.stdout.split() == ["Collector", "1"], on.stderr


def _env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "BR_HOME"}
    return {**env, **extra}


def test_follow_prints_events_stored_by_another_process(
    project: ProjectPaths, store: Store
) -> None:
    store.connection()
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildrunner", "telemetry", "events", "-f", "--format", "json"],
        cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(),
    )  # fmt: skip
    try:
        time.sleep(1.0)  # let it reach the follow loop (its start position is "now")
        _record(Store(project.db_path), TaskEvent(type=EventType.TASK_STARTED, task_id="live"))
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert json.loads(line)["task_id"] == "live"
    finally:
        proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_serve_exposes_metrics(project: ProjectPaths, store: Store) -> None:
    _record(store, *_now_events())
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildrunner", "telemetry", "serve", "--port", "0"],
        cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), (
            proc.stderr.read() if proc.stderr else ""
        )
        url = line.split()[1]
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - http://127.0.0.1
            text = response.read().decode()
        assert 'br_events_total{type="model.call"} 2.0' in text
    finally:
        proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
