from __future__ import annotations

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, PerformanceEvent, PerformanceTracker, measure
from buildrunner.telemetry.performance import performance_summary
from buildrunner.testing.telemetry import RecordingCollector


def _burn_cpu(n: int) -> int:
    total = 0
    for index in range(n):
        total += index * index % 7
    return total


def test_context_manager_measures_time_cpu_and_peak_rss() -> None:
    recorder = RecordingCollector()
    with measure("work", items=500, recorder=recorder) as m:
        _burn_cpu(300_000)
        block = bytearray(64 * 1024 * 1024)  # 64 MiB held during the block
        block[::4096] = b"x" * len(block[::4096])
        del block
    [event] = recorder.events
    assert event is m.result
    assert isinstance(event, PerformanceEvent)
    assert event.name == "work"
    assert event.duration_ms > 0
    assert event.cpu_time_ms is not None
    assert event.cpu_time_ms > 0
    assert event.peak_rss_bytes is not None
    assert event.peak_rss_bytes >= 64 * 1024 * 1024
    assert event.throughput == pytest.approx(500 / (event.duration_ms / 1000))
    assert event.status == "ok"


def test_decorator_records_each_call_and_failures() -> None:
    recorder = RecordingCollector()

    @measure("step", recorder=recorder)
    def step(fail: bool) -> int:
        if fail:
            raise ValueError("bad")
        return 42

    assert step(False) == 42
    with pytest.raises(ValueError, match="bad"):
        step(True)
    assert [(e.type, e.status, e.attributes.get("error.type")) for e in recorder.events] == [
        ("performance", "ok", None),
        ("performance", "error", "ValueError"),
    ]
    assert all(isinstance(e, PerformanceEvent) and e.throughput is None for e in recorder.events)


def test_tracker_binds_session_and_stores_events(collector: Collector, store: Store) -> None:
    tracker = PerformanceTracker(collector, session_id="s1", task_id="t1")
    for _ in range(3):
        with tracker.measure("index", items=10):
            _burn_cpu(10_000)
    collector.flush()
    [row] = performance_summary(store)
    assert (row.name, row.count) == ("index", 3)
    assert row.duration_ms.p50 is not None
    assert row.peak_rss_bytes is not None
    assert row.peak_rss_bytes > 0
    stored = store.execute("SELECT session_id, task_id FROM telemetry_events")
    assert {(r["session_id"], r["task_id"]) for r in stored} == {("s1", "t1")}
