"""Routing events reach telemetry as typed events, stored in the project database."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from buildrunner import telemetry
from buildrunner.core.sections import RoutingConfig
from buildrunner.core.store import Store
from buildrunner.routing.events import RoutingEvent, TelemetryRecorder, to_telemetry
from buildrunner.routing.router import Router
from buildrunner.telemetry.query import query_events
from buildrunner.testing.clock import FakeClock
from buildrunner.testing.fake_anthropic import FakeAnthropic, Fault

CRITICAL = "SQL injection in the admin search, exploited in production. Fix it now."


def test_a_call_with_retry_and_fallback_is_stored_as_telemetry(
    tmp_path: Path, server: FakeAnthropic
) -> None:
    store = Store(tmp_path / "br.db")
    collector = telemetry.Collector(store, background=False)
    router = Router(
        RoutingConfig(base_url=server.url),
        store,
        clock=FakeClock(),
        rng=random.Random(3),
        recorder=TelemetryRecorder(collector),
        env={"ANTHROPIC_API_KEY": "sk-ant-test"},
    )
    server.enqueue(Fault(529, times=2, model="claude-opus-5-5"), Fault(500))
    done = router.complete(CRITICAL, session_id="s1", task_id="t1", task_type="fix")
    collector.close()
    stored = query_events(store)
    assert [e.type for e in stored] == [
        "routing.decision",
        "model.call",  # opus 529
        "routing.retry",
        "model.call",  # opus 529 again: overload attempts used up
        "routing.fallback",
        "model.call",  # sonnet 500
        "routing.retry",
        "model.call",  # sonnet ok, with usage and cost
    ]
    decision, *_, last = stored
    assert (decision.model, decision.complexity, decision.task_type) == (  # type: ignore[attr-defined]
        "claude-opus-5-5",
        "critical",
        "fix",
    )
    failed = [e for e in stored if e.type == "model.call" and e.status == telemetry.FAILED]
    assert [e.error_type for e in failed] == ["overloaded", "overloaded", "server_error"]  # type: ignore[attr-defined]
    assert last.status == telemetry.OK
    assert (last.model, last.cost_usd, last.attempt) == (  # type: ignore[attr-defined]
        "claude-sonnet-5-5",
        done.cost.total,
        4,
    )
    assert {(e.session_id, e.task_id) for e in stored} == {("s1", "t1")}
    hop = next(e for e in stored if e.type == "routing.fallback")
    assert (hop.from_model, hop.to_model, hop.error_type) == (  # type: ignore[attr-defined]
        "claude-opus-5-5",
        "claude-sonnet-5-5",
        "overloaded",
    )


def test_breaker_and_budget_notices(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")
    collector = telemetry.Collector(store, background=False)
    recorder = TelemetryRecorder(collector)
    recorder.record(
        RoutingEvent("routing.breaker", 1.0, {"model": "m", "old": "closed", "new": "open"})
    )
    recorder.record(
        RoutingEvent("routing.budget.refused", 2.0, {"scope": "day", "needed_usd": "0.5"})
    )
    recorder.record(RoutingEvent("routing.budget.reserve", 3.0, {"amount_usd": "0.1"}))
    collector.close()
    stored = query_events(store)
    assert [(e.type, e.severity, e.status) for e in stored] == [
        ("routing.breaker", telemetry.Severity.WARNING, None),
        ("routing.budget.refused", telemetry.Severity.WARNING, telemetry.FAILED),
    ]
    assert stored[0].attributes["new"] == "open"


def test_a_broken_sink_never_breaks_a_call() -> None:
    calls: list[str] = []

    class Broken:
        def record(self, event: telemetry.Event) -> None:
            calls.append(event.type)
            raise RuntimeError("disk full")

    TelemetryRecorder(Broken()).record(RoutingEvent("routing.retry", 1.0, {"model": "m"}))
    assert calls == ["routing.retry"]


def test_decision_costs_are_decimal() -> None:
    event = RoutingEvent(
        "routing.decision",
        1.0,
        {"model": "m", "expected_cost_usd": "0.25", "alternatives": [{"model": "x"}]},
    )
    converted = to_telemetry(event)
    assert converted.estimated_cost_usd == Decimal("0.25")
    assert converted.candidates == ("x",)
