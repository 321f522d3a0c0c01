from __future__ import annotations

import random
import statistics
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import (
    Collector,
    ErrorEvent,
    EventType,
    ModelCallEvent,
    SecurityFindingEvent,
    TaskEvent,
)
from buildrunner.telemetry.metrics import Percentiles, percentile, summarize
from buildrunner.telemetry.window import Window, parse_window
from buildrunner.testing.telemetry import T0

HOUR = 3600.0


def _independent_percentile(values: list[float], q: int) -> float:
    # statistics.quantiles(method="inclusive") gives the 1st..99th percentiles
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@pytest.mark.parametrize("size", [2, 3, 10, 101, 1000])
def test_percentiles_match_an_independent_computation(size: int) -> None:
    rnd = random.Random(size)
    values = [rnd.lognormvariate(6, 1) for _ in range(size)]
    result = Percentiles.of(values)
    for q in (50, 90, 95, 99):
        assert result.get(f"p{q}") == pytest.approx(_independent_percentile(values, q), rel=1e-12)
    assert result.count == size


def test_percentiles_by_hand() -> None:
    ordered = [10.0, 20.0, 30.0, 40.0]
    assert percentile(ordered, 50) == 25.0
    assert percentile(ordered, 90) == pytest.approx(37.0)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_no_data_is_none_not_zero(store: Store) -> None:
    summary = summarize(store)
    assert summary.events == 0
    assert summary.overall.tasks.success_rate is None
    assert summary.overall.model_calls.failure_rate is None
    assert summary.overall.latency_ms.p95 is None
    assert summary.overall.usage.cost_usd is None
    assert summary.overall.usage.tokens is None
    assert summary.throughput_per_s is None
    assert summary.errors == []


def _dataset(collector: Collector) -> None:
    """Hand-computable: 2 hours, 3 models, 10 tasks, 8 model calls, 2 errors."""
    latencies = {
        "haiku": [100.0, 200.0, 300.0],
        "sonnet": [1000.0, 3000.0],
        "opus": [5000.0, 7000.0, 9000.0],
    }
    offset = 0.0
    for model, values in latencies.items():
        for index, latency in enumerate(values):
            failed = model == "opus" and index == 0
            collector.record(
                ModelCallEvent(
                    timestamp=T0 + 600 + offset,
                    model=model,
                    latency_ms=latency,
                    input_tokens=100,
                    output_tokens=10,
                    cache_read_tokens=50,
                    cache_write_tokens=50,
                    cost_usd=Decimal("0.001"),
                    error_type="overloaded" if failed else None,
                    task_type="feature" if model != "haiku" else "docs",
                    session_id="s1" if model == "haiku" else "s2",
                )
            )
            offset += HOUR / 4  # spreads over two hours
    for index in range(10):
        kind = EventType.TASK_COMPLETED if index < 7 else EventType.TASK_FAILED
        if index == 9:
            kind = EventType.TASK_CANCELLED
        collector.record(
            TaskEvent(
                type=kind,
                timestamp=T0 + 60 * index,
                duration_ms=1000.0 * (index + 1),
                error_type="tests_failed" if kind == EventType.TASK_FAILED else None,
            )
        )
    collector.record(ErrorEvent(timestamp=T0 + 30, error_type="GitError", message="x"))
    collector.record(
        SecurityFindingEvent(timestamp=T0 + 40, rule_id="r", finding_severity="critical")
    )
    collector.flush()


def test_summary_on_a_hand_computed_dataset(collector: Collector, store: Store) -> None:
    _dataset(collector)
    summary = summarize(store)
    assert summary.events == 8 + 10 + 2
    assert summary.by_type["model.call"] == 8
    tasks = summary.overall.tasks
    assert (tasks.ok, tasks.failed, tasks.cancelled) == (7, 2, 1)
    assert tasks.success_rate == pytest.approx(7 / 9)
    calls = summary.overall.model_calls
    assert (calls.ok, calls.failed) == (7, 1)
    assert calls.failure_rate == pytest.approx(1 / 8)
    all_latencies = [100.0, 200.0, 300.0, 1000.0, 3000.0, 5000.0, 7000.0, 9000.0]
    assert summary.overall.latency_ms.p50 == pytest.approx(2000.0)
    assert summary.overall.latency_ms.p90 == pytest.approx(
        _independent_percentile(all_latencies, 90)
    )
    finished = [1000.0 * (i + 1) for i in range(9)]
    assert summary.overall.task_duration_ms.p50 == pytest.approx(statistics.median(finished))
    assert summary.overall.usage.cost_usd == Decimal("0.008")
    assert summary.overall.usage.tokens == {
        "input": 800,
        "output": 80,
        "cache_read": 400,
        "cache_write": 400,
    }
    assert summary.overall.usage.cache_hit_ratio == pytest.approx(400 / 1600)
    assert summary.errors == [("tests_failed", 2), ("GitError", 1), ("overloaded", 1)]
    assert summary.security_findings == {"critical": 1}
    assert summary.security_violations == 1
    assert summary.cost_by_type == {"model.call": Decimal("0.008")}


def test_summary_grouped_by_model(collector: Collector, store: Store) -> None:
    _dataset(collector)
    summary = summarize(store, group_by="model")
    groups = {g.key: g for g in summary.groups}
    assert set(groups) == {"haiku", "sonnet", "opus", "(none)"}
    assert groups["opus"].model_calls.failure_rate == pytest.approx(1 / 3)
    assert groups["haiku"].latency_ms.p50 == 200.0
    assert groups["sonnet"].latency_ms.p95 == pytest.approx(1000 + 2000 * 0.95)
    assert groups["opus"].usage.cost_usd == Decimal("0.003")
    assert groups["haiku"].model_calls.failure_rate == 0.0
    assert summary.overall.latency_ms.count == 8


def test_summary_grouped_by_day_task_type_and_session(collector: Collector, store: Store) -> None:
    _dataset(collector)
    by_day = summarize(store, group_by="day")
    assert [g.key for g in by_day.groups] == ["2027-01-15"]
    by_task_type = {
        g.key: g.model_calls.ok + g.model_calls.failed
        for g in summarize(store, group_by="task_type").groups
    }
    assert by_task_type == {"docs": 3, "feature": 5, "(none)": 0}
    by_session = {g.key: g.events for g in summarize(store, group_by="session").groups}
    assert by_session == {"s1": 3, "s2": 5, "(none)": 12}


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (T0, T0 + 2 * HOUR + 1),  # whole hours from the roll-up plus edges
        (T0 + 599, T0 + HOUR + 1200),  # partial hours on both sides
        (T0 + 601, T0 + 602),  # inside one hour
        (None, T0 + HOUR),
        (T0 + HOUR + 1, None),
    ],
)
def test_windows_are_exact_whatever_the_hour_boundaries(
    collector: Collector, store: Store, since: float | None, until: float | None
) -> None:
    _dataset(collector)
    summary = summarize(store, Window(since, until))
    expected = store.execute(
        "SELECT count(*), sum(cost_nanos), sum(status = 'error') FROM telemetry_events "
        "WHERE ts >= ? AND ts < ?",
        [since if since is not None else 0, until if until is not None else 1e12],
    )[0]
    assert summary.events == expected[0]
    assert (summary.overall.usage.cost_nanos or None) == expected[1]
    assert summary.overall.tasks.failed + summary.overall.model_calls.failed == (expected[2] or 0)


def test_throughput_over_the_window(collector: Collector, store: Store) -> None:
    for index in range(10):
        collector.record(TaskEvent(type=EventType.TASK_STARTED, timestamp=T0 + index))
    collector.flush()
    assert summarize(store, Window(T0, T0 + 100)).throughput_per_s == pytest.approx(0.1)
    assert summarize(store).throughput_per_s == pytest.approx(10 / 9)


def test_parse_window() -> None:
    window = parse_window("24h", None, now=T0)
    assert window == Window(T0 - 86400, None)
    dated = parse_window("2027-01-15", "2027-01-16T00:00:00Z", now=T0)
    assert dated.since == 1_800_000_000.0 - 8 * 3600
    assert dated.until == dated.since + 86400
    from buildrunner.core.errors import UsageError

    with pytest.raises(UsageError, match="neither a duration"):
        parse_window("yesterday", None, now=T0)
    with pytest.raises(UsageError, match="must be after"):
        parse_window("1h", "2h", now=T0)


def test_failures_without_an_error_type_are_named_after_their_event(tmp_path: Path) -> None:
    from buildrunner.telemetry import Collector, GateEvent, SecurityScanEvent

    store = Store(tmp_path / "db")
    collector = Collector(store, background=False)
    collector.record(GateEvent(gate="security", passed=False, findings=1))
    collector.record(SecurityScanEvent(target="gate", findings=1, blocked=True))
    collector.record(GateEvent(gate="security", passed=False, findings=2))
    collector.flush()
    assert summarize(store).errors == [("(gate.result)", 2), ("(security.scan)", 1)]
