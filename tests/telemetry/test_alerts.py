from __future__ import annotations

import json
import stat
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.sections import AlertRuleConfig, AlertsConfig
from buildrunner.core.store import Store
from buildrunner.telemetry import (
    Collector,
    EventType,
    ModelCallEvent,
    SecurityFindingEvent,
    TaskEvent,
)
from buildrunner.telemetry.alerts import (
    BUILTIN_IDS,
    AlertRule,
    builtin_rules,
    evaluate_alerts,
    list_alerts,
    rules_from_config,
)
from buildrunner.telemetry.query import query_events
from buildrunner.testing.clock import FakeClock
from buildrunner.testing.telemetry import T0

RULES = builtin_rules(AlertsConfig())


def _tasks(collector: Collector, at: float, ok: int, failed: int) -> None:
    for index in range(ok + failed):
        kind = EventType.TASK_COMPLETED if index < ok else EventType.TASK_FAILED
        collector.record(TaskEvent(type=kind, timestamp=at + index * 0.001))
    collector.flush()


def _history(store: Store) -> list[tuple[str, str, str]]:
    rows = store.execute(
        "SELECT rule_id, from_state, to_state FROM telemetry_alert_history ORDER BY seq"
    )
    return [(r["rule_id"], r["from_state"], r["to_state"]) for r in rows]


def test_seven_builtin_rules() -> None:
    assert tuple(rule.id for rule in RULES) == BUILTIN_IDS
    assert len(RULES) == 7
    levels = {rule.id: rule.level for rule in RULES}
    assert levels["success-rate-critical"] == "critical"
    assert levels["security-violation"] == "critical"
    thresholds = {rule.id: rule.threshold for rule in RULES}
    assert thresholds["success-rate-warning"] == 0.8
    assert thresholds["error-rate-critical"] == 0.25
    assert thresholds["latency-p95"] == 30_000.0


def test_an_empty_project_raises_no_alert(store: Store) -> None:
    clock = FakeClock(T0)
    result = evaluate_alerts(store, RULES, clock=clock)
    assert result.transitions == []
    assert result.active == []
    assert list_alerts(store) == []


def test_too_few_samples_raise_no_alert(collector: Collector, store: Store) -> None:
    _tasks(collector, T0 - 60, ok=0, failed=9)  # below the default minimum of 10
    assert evaluate_alerts(store, RULES, clock=FakeClock(T0)).active == []


def test_success_rate_fires_both_levels_then_resolves(collector: Collector, store: Store) -> None:
    clock = FakeClock(T0)
    _tasks(collector, T0 - 60, ok=4, failed=6)  # 40 %
    first = evaluate_alerts(store, RULES, clock=clock)
    assert sorted((a.rule_id, a.state) for a in first.transitions) == [
        ("success-rate-critical", "firing"),
        ("success-rate-warning", "firing"),
    ]
    assert {a.level for a in first.firing} == {"warning", "critical"}
    assert [a.rule_id for a in list_alerts(store, level="critical")] == ["success-rate-critical"]
    # still true: no new transition
    clock.advance(60)
    assert evaluate_alerts(store, RULES, clock=clock).transitions == []
    # the failures leave the 1 h window: no data, so the alerts resolve
    clock.advance(3600)
    last = evaluate_alerts(store, RULES, clock=clock)
    assert sorted((a.rule_id, a.from_state, a.state) for a in last.transitions) == [
        ("success-rate-critical", "firing", "resolved"),
        ("success-rate-warning", "firing", "resolved"),
    ]
    assert list_alerts(store) == []
    history = list_alerts(store, history=True)
    assert [a.state for a in history] == ["firing", "firing", "resolved", "resolved"]
    stored = [e.type for e in query_events(store) if e.type.startswith("alert.")]
    assert stored == ["alert.firing"] * 2 + ["alert.resolved"] * 2


def test_for_duration_goes_pending_then_firing_then_resolved(
    collector: Collector, store: Store
) -> None:
    rule = AlertRule("slow", "error_rate", ">", 0.5, window=3600, pending_for=300, level="error")
    clock = FakeClock(T0)
    for index in range(10):
        collector.record(ModelCallEvent(model="m", timestamp=T0 - 10 - index, error_type="boom"))
    collector.flush()
    states = []
    for step in (0, 100, 199, 1):  # t = 0, 100, 299, 300
        clock.advance(step)
        evaluate_alerts(store, [rule], clock=clock)
        states.append([a.state for a in list_alerts(store)])
    assert states == [["pending"], ["pending"], ["pending"], ["firing"]]
    for index in range(40):  # the error rate drops to 10/50
        collector.record(ModelCallEvent(model="m", timestamp=T0 + 301 + index))
    collector.flush()
    clock.advance(100)
    evaluate_alerts(store, [rule], clock=clock)
    assert list_alerts(store) == []
    assert _history(store) == [
        ("slow", "inactive", "pending"),
        ("slow", "pending", "firing"),
        ("slow", "firing", "resolved"),
    ]


def test_pending_that_clears_goes_back_to_inactive(collector: Collector, store: Store) -> None:
    rule = AlertRule("r", "error_rate", ">", 0.5, window=600, pending_for=300)
    clock = FakeClock(T0)
    for index in range(10):
        collector.record(ModelCallEvent(model="m", timestamp=T0 - 1 - index, error_type="x"))
    collector.flush()
    evaluate_alerts(store, [rule], clock=clock)
    clock.advance(700)  # out of the window before `for` elapsed
    evaluate_alerts(store, [rule], clock=clock)
    assert _history(store) == [("r", "inactive", "pending"), ("r", "pending", "inactive")]


def test_keep_firing_for_holds_a_cleared_alert(collector: Collector, store: Store) -> None:
    rule = AlertRule("r", "events", ">", 5, window=60, keep_firing_for=600)
    clock = FakeClock(T0)
    for index in range(6):
        collector.record(TaskEvent(type=EventType.TASK_STARTED, timestamp=T0 - 1 - index))
    collector.flush()
    evaluate_alerts(store, [rule], clock=clock)
    clock.advance(120)
    evaluate_alerts(store, [rule], clock=clock)
    assert [a.state for a in list_alerts(store)] == ["firing"]
    clock.advance(600)
    evaluate_alerts(store, [rule], clock=clock)
    assert list_alerts(store) == []


def test_latency_rule_has_one_instance_per_model(collector: Collector, store: Store) -> None:
    for index in range(10):
        collector.record(ModelCallEvent(model="slow", latency_ms=40_000.0, timestamp=T0 - index))
        collector.record(ModelCallEvent(model="fast", latency_ms=400.0, timestamp=T0 - index))
    collector.flush()
    result = evaluate_alerts(store, RULES, clock=FakeClock(T0 + 1))
    assert [(a.rule_id, a.labels, a.value) for a in result.firing] == [
        ("latency-p95", {"model": "slow"}, 40_000.0)
    ]


def test_daily_cost_counts_only_the_current_utc_day(collector: Collector, store: Store) -> None:
    rules = builtin_rules(AlertsConfig(daily_budget_usd=Decimal("1.00")))
    midnight = T0 - 8 * 3600  # T0 is 08:00 UTC
    collector.record(ModelCallEvent(model="m", cost_usd=Decimal("5"), timestamp=midnight - 60))
    collector.record(ModelCallEvent(model="m", cost_usd=Decimal("0.60"), timestamp=midnight + 60))
    collector.flush()
    assert evaluate_alerts(store, rules, clock=FakeClock(T0)).active == []
    collector.record(ModelCallEvent(model="m", cost_usd=Decimal("0.50"), timestamp=T0 - 1))
    collector.flush()
    [alert] = evaluate_alerts(store, rules, clock=FakeClock(T0)).firing
    assert (alert.rule_id, alert.level, alert.value) == ("daily-cost", "error", 1.1)


def test_security_violation_is_critical_and_ignores_allowlisted(
    collector: Collector, store: Store
) -> None:
    collector.record(SecurityFindingEvent(rule_id="aws", allowlisted=True, timestamp=T0 - 5))
    collector.flush()
    assert evaluate_alerts(store, RULES, clock=FakeClock(T0)).active == []
    collector.record(SecurityFindingEvent(rule_id="aws", timestamp=T0 - 4))
    collector.flush()
    [alert] = evaluate_alerts(store, RULES, clock=FakeClock(T0)).firing
    assert (alert.rule_id, alert.level, alert.value) == ("security-violation", "critical", 1.0)


def test_notification_command_per_level(collector: Collector, store: Store, tmp_path: Path) -> None:
    log = tmp_path / "notified.jsonl"
    script = tmp_path / "notify.py"
    script.write_text(
        "import json, os, sys\n"
        "alert = json.load(sys.stdin)\n"
        f"with open({str(log)!r}, 'a') as out:\n"
        "    out.write(json.dumps([alert['rule'], alert['state'], os.environ['BR_ALERT_LEVEL'],"
        " sys.argv[1]]) + '\\n')\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    notify = {"critical": f"{sys.executable} {script} crit"}
    clock = FakeClock(T0)
    _tasks(collector, T0 - 60, ok=4, failed=6)
    evaluate_alerts(store, RULES, clock=clock, notify=notify, repeat_interval=3000)
    clock.advance(60)
    evaluate_alerts(store, RULES, clock=clock, notify=notify, repeat_interval=3000)
    clock.advance(3000)
    _tasks(collector, clock.now() - 10, ok=4, failed=6)
    evaluate_alerts(store, RULES, clock=clock, notify=notify, repeat_interval=3000)
    clock.advance(7200)
    evaluate_alerts(store, RULES, clock=clock, notify=notify, repeat_interval=3000)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        ["success-rate-critical", "firing", "critical", "crit"],  # first firing
        ["success-rate-critical", "firing", "critical", "crit"],  # repeat interval elapsed
        ["success-rate-critical", "resolved", "critical", "crit"],
    ]


def test_rules_from_config_disable_replace_and_add() -> None:
    config = AlertsConfig(
        disabled=("daily-cost",),
        rules=(
            AlertRuleConfig(id="latency-p95", metric="latency_p99", op=">", threshold=5000.0),
            AlertRuleConfig(id="opus-errors", metric="error_rate", threshold=0.05, level="error"),
        ),
    )
    rules = {rule.id: rule for rule in rules_from_config(config)}
    assert "daily-cost" not in rules
    assert rules["latency-p95"].metric == "latency_p99"
    assert rules["opus-errors"].level == "error"
    assert len(rules) == 7


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        AlertRule("x", "vibes", ">", 1.0)
    with pytest.raises(ValueError, match="unknown comparison"):
        AlertRule("x", "events", "!=", 1.0)
