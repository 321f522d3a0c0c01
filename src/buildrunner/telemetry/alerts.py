"""The threshold monitor: Prometheus-style alert rules evaluated over the stored events.

A rule watches one metric over a look-back window (optionally one instance per model, task
type or session), compares it with a threshold and has a level (info, warning, error,
critical). Instances move inactive -> pending -> firing -> resolved like Prometheus alerts:
``pending_for`` is Prometheus ``for`` (the condition must hold that long before firing; 0
fires at once) and ``keep_firing_for`` keeps an alert firing that long after it clears.
Active instances live in ``telemetry_alert_instances``; every transition is appended to
``telemetry_alert_history`` and stored as an ``alert.*`` event.

No data is never an alert: rate and latency rules need ``min_samples`` samples, a cost needs
at least one event with a cost. An empty project raises nothing.

A notification command per level (``[telemetry.alerts.notify]``) runs after the evaluation
commits, on every transition to firing or resolved and again every ``repeat_interval`` while
an alert keeps firing; it gets the alert as JSON on stdin and ``BR_ALERT_*`` variables.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import operator
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.telemetry.codec import encode_row
from buildrunner.telemetry.events import FAILED, OK, AlertEvent, EventType, Severity
from buildrunner.telemetry.filters import EventFilter
from buildrunner.telemetry.metrics import percentile
from buildrunner.telemetry.storage import insert_rows

if TYPE_CHECKING:
    import sqlite3

    from buildrunner.core.sections import AlertsConfig
    from buildrunner.core.store import Store

log = logging.getLogger("buildrunner.telemetry")

LEVELS = ("info", "warning", "error", "critical")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SAMPLED = (
    "success_rate",
    "error_rate",
    "latency_p50",
    "latency_p90",
    "latency_p95",
    "latency_p99",
)
DEFAULT_TYPES: Mapping[str, tuple[str, ...]] = {
    "success_rate": ("task",),
    "error_rate": (EventType.MODEL_CALL.value,),
    "latency_p50": (EventType.MODEL_CALL.value,),
    "latency_p90": (EventType.MODEL_CALL.value,),
    "latency_p95": (EventType.MODEL_CALL.value,),
    "latency_p99": (EventType.MODEL_CALL.value,),
    "cost_usd": (EventType.MODEL_CALL.value,),
    "events": (),
    "security_violations": (EventType.SECURITY_FINDING.value,),
}
_GROUP_COLUMN = {"": "''", "model": "model", "task_type": "task_type", "session": "session_id"}


@dataclass(frozen=True)
class AlertRule:
    """One rule. ``window`` 0 means the current UTC day (for daily budgets)."""

    id: str
    metric: str
    op: str
    threshold: float
    window: float = 3600.0
    pending_for: float = 0.0
    keep_firing_for: float = 0.0
    level: str = "warning"
    types: tuple[str, ...] = ()
    group_by: str = ""
    min_samples: int = 0
    summary: str = ""

    def __post_init__(self) -> None:
        if self.metric not in DEFAULT_TYPES:
            raise ValueError(f"rule {self.id}: unknown metric {self.metric!r}")
        if self.op not in _OPS:
            raise ValueError(f"rule {self.id}: unknown comparison {self.op!r}")
        if self.level not in LEVELS:
            raise ValueError(f"rule {self.id}: unknown level {self.level!r}")
        if self.group_by not in _GROUP_COLUMN:
            raise ValueError(f"rule {self.id}: cannot group by {self.group_by!r}")

    def describe(self, value: float | None, labels: Mapping[str, str]) -> str:
        where = "".join(f" {k}={v}" for k, v in labels.items())
        shown = "no data" if value is None else _format(self.metric, value)
        text = self.summary or f"{self.metric}{where} is {shown}"
        return f"{text} ({self.op} {_format(self.metric, self.threshold)})"


def _format(metric: str, value: float) -> str:
    if metric in ("success_rate", "error_rate"):
        return f"{value * 100:.1f}%"
    if metric.startswith("latency"):
        return f"{value:.0f} ms"
    if metric == "cost_usd":
        return f"${value:.2f}"
    return f"{value:g}"


BUILTIN_IDS = (
    "success-rate-warning",
    "success-rate-critical",
    "error-rate-warning",
    "error-rate-critical",
    "latency-p95",
    "daily-cost",
    "security-violation",
)


def builtin_rules(config: AlertsConfig) -> tuple[AlertRule, ...]:
    """The seven built-in rules with the thresholds of `config`."""
    w, f = config.window, config.pending_for
    return (
        AlertRule(
            "success-rate-warning", "success_rate", "<", config.success_rate_warning, w, f,
            level="warning", summary="task success rate below target",
        ),
        AlertRule(
            "success-rate-critical", "success_rate", "<", config.success_rate_critical, w, f,
            level="critical", summary="task success rate collapsed",
        ),
        AlertRule(
            "error-rate-warning", "error_rate", ">", config.error_rate_warning, w, f,
            level="warning", summary="model-call error rate high",
        ),
        AlertRule(
            "error-rate-critical", "error_rate", ">", config.error_rate_critical, w, f,
            level="critical", summary="model-call error rate very high",
        ),
        AlertRule(
            "latency-p95", "latency_p95", ">", config.p95_latency * 1000.0, w, f,
            level="warning", group_by="model", summary="p95 model-call latency high",
        ),
        AlertRule(
            "daily-cost", "cost_usd", ">", float(config.daily_budget_usd), 0.0,
            level="error", summary="today's cost is over the daily budget",
        ),
        AlertRule(
            "security-violation", "security_violations", ">", 0.0, w,
            level="critical", summary="security violation recorded",
        ),
    )  # fmt: skip


def rules_from_config(config: AlertsConfig) -> tuple[AlertRule, ...]:
    """Built-ins (minus ``disabled``), with custom rules replacing built-ins of the same id."""
    custom = {
        rule.id: AlertRule(
            id=rule.id,
            metric=rule.metric,
            op=rule.op,
            threshold=rule.threshold,
            window=rule.window,
            pending_for=rule.pending_for,
            keep_firing_for=rule.keep_firing_for,
            level=rule.level,
            types=rule.types,
            group_by=rule.group_by,
            min_samples=rule.min_samples,
            summary=rule.summary,
        )
        for rule in config.rules
    }
    rules = [
        custom.pop(rule.id, rule)
        for rule in builtin_rules(config)
        if rule.id not in config.disabled
    ]
    return (*rules, *custom.values())


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Sample:
    """A metric value of one instance (None: no data) and how many samples it rests on."""

    labels: dict[str, str]
    value: float | None
    samples: int


def window_start(rule: AlertRule, now: float) -> float:
    if rule.window > 0:
        return now - rule.window
    midnight = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


def measure(conn: sqlite3.Connection, rule: AlertRule, now: float) -> list[Sample]:
    """The rule's metric for each instance, over its window ending at `now`."""
    types = rule.types or DEFAULT_TYPES[rule.metric]
    condition, params = EventFilter(types=types, since=window_start(rule, now), until=now).where()
    group = _GROUP_COLUMN[rule.group_by]
    metric = rule.metric
    if metric in ("success_rate", "error_rate"):
        rows = conn.execute(
            f"SELECT {group}, sum(status = ?), sum(status = ?) FROM telemetry_events "
            f"WHERE {condition} GROUP BY 1",
            [OK, FAILED, *params],
        ).fetchall()
        out = []
        for key, ok, failed in rows:
            finished = (ok or 0) + (failed or 0)
            rate = None if not finished else (ok if metric == "success_rate" else failed) / finished
            out.append(Sample(_labels(rule, key), rate, finished))
        return out
    if metric.startswith("latency_"):
        series: dict[Any, list[float]] = {}
        for key, duration in conn.execute(
            f"SELECT {group}, duration_ms FROM telemetry_events "
            f"WHERE {condition} AND duration_ms IS NOT NULL",
            params,
        ):
            series.setdefault(key, []).append(duration)
        q = float(metric.removeprefix("latency_p"))
        return [
            Sample(_labels(rule, key), percentile(sorted(values), q), len(values))
            for key, values in series.items()
        ]
    if metric == "cost_usd":
        rows = conn.execute(
            f"SELECT {group}, sum(cost_nanos), count(cost_nanos) FROM telemetry_events "
            f"WHERE {condition} GROUP BY 1",
            params,
        ).fetchall()
        return [
            Sample(_labels(rule, key), (nanos or 0) / 1e9 if n else None, n)
            for key, nanos, n in rows
        ]
    extra = ""
    if metric == "security_violations":
        extra = " AND NOT coalesce(json_extract(data, '$.allowlisted'), 0)"
    rows = conn.execute(
        f"SELECT {group}, count(*) FROM telemetry_events WHERE {condition}{extra} GROUP BY 1",
        params,
    ).fetchall()
    counted = [Sample(_labels(rule, key), float(n), n) for key, n in rows]
    if not counted and not rule.group_by:
        counted = [Sample({}, 0.0, 0)]  # a count of nothing is 0, which is data
    return counted


def _labels(rule: AlertRule, key: Any) -> dict[str, str]:
    return {rule.group_by: "(none)" if key in (None, "") else str(key)} if rule.group_by else {}


def _fingerprint(labels: Mapping[str, str]) -> str:
    text = json.dumps(labels, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16] if labels else ""


# ---------------------------------------------------------------- evaluating


@dataclass(frozen=True)
class Alert:
    """An active alert instance, or a transition from the history."""

    rule_id: str
    level: str
    state: str
    labels: dict[str, str]
    value: float | None
    threshold: float
    summary: str
    since: float
    at: float
    from_state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        from buildrunner.core.clock import utc_iso

        data: dict[str, Any] = {
            "rule": self.rule_id,
            "level": self.level,
            "state": self.state,
            "labels": self.labels,
            "value": self.value,
            "threshold": self.threshold,
            "summary": self.summary,
            "since": utc_iso(self.since),
            "at": utc_iso(self.at),
        }
        if self.from_state is not None:
            data["from_state"] = self.from_state
        return data


@dataclass
class Evaluation:
    """What one evaluation changed, and what is active afterwards."""

    transitions: list[Alert] = field(default_factory=list)
    active: list[Alert] = field(default_factory=list)
    notified: list[tuple[Alert, str]] = field(default_factory=list)

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.active if a.state == "firing"]


Runner = Callable[[Sequence[str], str, Mapping[str, str]], None]


def run_command(argv: Sequence[str], stdin: str, env: Mapping[str, str]) -> None:
    """Run a notification command (no shell), 30 s at most; failures are logged."""
    import os

    try:
        proc = subprocess.run(
            list(argv),
            input=stdin,
            text=True,
            capture_output=True,
            timeout=30,
            env={**os.environ, **env},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("alert notification %s failed: %s", argv[0], exc)
        return
    if proc.returncode != 0:
        log.warning("alert notification %s exited %s", argv[0], proc.returncode)


def evaluate_alerts(
    store: Store,
    rules: Sequence[AlertRule],
    *,
    min_samples: int = 10,
    notify: Mapping[str, str] | None = None,
    repeat_interval: float = 14400.0,
    clock: Clock = SYSTEM_CLOCK,
    runner: Runner = run_command,
) -> Evaluation:
    """Evaluate every rule at ``clock.now()``, persist the new states, then notify."""
    now = clock.now()
    result = Evaluation()
    notify = notify or {}
    pending_notes: list[Alert] = []
    with store.transaction() as conn:
        current = {
            (row["rule_id"], row["fingerprint"]): row
            for row in conn.execute("SELECT * FROM telemetry_alert_instances")
        }
        events: list[AlertEvent] = []
        for rule in rules:
            needed = rule.min_samples or min_samples
            seen: set[str] = set()
            for sample in measure(conn, rule, now):
                fingerprint = _fingerprint(sample.labels)
                seen.add(fingerprint)
                enough = rule.metric not in _SAMPLED or sample.samples >= needed
                holds = (
                    enough
                    and sample.value is not None
                    and _OPS[rule.op](sample.value, rule.threshold)
                )
                row = current.get((rule.id, fingerprint))
                _step(conn, rule, sample, fingerprint, row, holds, now, result, events)
            for (rule_id, fingerprint), row in current.items():
                if rule_id == rule.id and fingerprint not in seen:
                    gone = Sample(json.loads(row["labels"]), None, 0)
                    _step(conn, rule, gone, fingerprint, row, False, now, result, events)
        result.active = _active(conn)
        for alert in result.active:
            if alert.state != "firing" or alert.level not in notify:
                continue
            last = conn.execute(
                "SELECT last_notified_at FROM telemetry_alert_instances "
                "WHERE rule_id = ? AND fingerprint = ?",
                (alert.rule_id, _fingerprint(alert.labels)),
            ).fetchone()[0]
            if last is None or now - last >= repeat_interval:
                pending_notes.append(alert)
                conn.execute(
                    "UPDATE telemetry_alert_instances SET last_notified_at = ? "
                    "WHERE rule_id = ? AND fingerprint = ?",
                    (now, alert.rule_id, _fingerprint(alert.labels)),
                )
        pending_notes += [
            t for t in result.transitions if t.state == "resolved" and t.level in notify
        ]
        insert_rows(conn, [encode_row(event) for event in events])
    for alert in pending_notes:
        command = notify[alert.level]
        runner(shlex.split(command), json.dumps(alert.to_dict()), _alert_env(alert))
        result.notified.append((alert, command))
    return result


def _alert_env(alert: Alert) -> dict[str, str]:
    return {
        "BR_ALERT_RULE": alert.rule_id,
        "BR_ALERT_LEVEL": alert.level,
        "BR_ALERT_STATE": alert.state,
        "BR_ALERT_VALUE": "" if alert.value is None else repr(alert.value),
        "BR_ALERT_THRESHOLD": repr(alert.threshold),
        "BR_ALERT_SUMMARY": alert.summary,
    }


def _step(
    conn: sqlite3.Connection,
    rule: AlertRule,
    sample: Sample,
    fingerprint: str,
    row: Any,
    holds: bool,
    now: float,
    result: Evaluation,
    events: list[AlertEvent],
) -> None:
    """Advance one instance's state machine."""
    labels = sample.labels
    summary = rule.describe(sample.value, labels)
    state = row["state"] if row is not None else "inactive"
    if holds:
        if state == "inactive":
            new = "firing" if rule.pending_for <= 0 else "pending"
            conn.execute(
                "INSERT INTO telemetry_alert_instances (rule_id, fingerprint, labels, level, "
                "state, active_since, fired_at, last_true_at, last_eval_at, last_value, "
                "threshold, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rule.id, fingerprint, json.dumps(labels, sort_keys=True), rule.level, new,
                    now, now if new == "firing" else None, now, now, sample.value,
                    rule.threshold, summary,
                ),
            )  # fmt: skip
            _transition(conn, rule, labels, fingerprint, state, new, sample.value, summary, now,
                        now, result, events)  # fmt: skip
            return
        new = state
        if state == "pending" and now - row["active_since"] >= rule.pending_for:
            new = "firing"
        conn.execute(
            "UPDATE telemetry_alert_instances SET state = ?, fired_at = coalesce(fired_at, ?), "
            "last_true_at = ?, last_eval_at = ?, last_value = ?, summary = ?, level = ?, "
            "threshold = ? WHERE rule_id = ? AND fingerprint = ?",
            (new, now if new == "firing" else None, now, now, sample.value, summary, rule.level,
             rule.threshold, rule.id, fingerprint),
        )  # fmt: skip
        if new != state:
            _transition(conn, rule, labels, fingerprint, state, new, sample.value, summary,
                        row["active_since"], now, result, events)  # fmt: skip
        return
    if state == "inactive":
        return
    if state == "firing" and now - row["last_true_at"] < rule.keep_firing_for:
        conn.execute(
            "UPDATE telemetry_alert_instances SET last_eval_at = ? "
            "WHERE rule_id = ? AND fingerprint = ?",
            (now, rule.id, fingerprint),
        )
        return
    conn.execute(
        "DELETE FROM telemetry_alert_instances WHERE rule_id = ? AND fingerprint = ?",
        (rule.id, fingerprint),
    )
    new = "resolved" if state == "firing" else "inactive"
    _transition(conn, rule, labels, fingerprint, state, new, sample.value, summary,
                row["active_since"], now, result, events)  # fmt: skip


def _transition(
    conn: sqlite3.Connection,
    rule: AlertRule,
    labels: dict[str, str],
    fingerprint: str,
    old: str,
    new: str,
    value: float | None,
    summary: str,
    since: float,
    now: float,
    result: Evaluation,
    events: list[AlertEvent],
) -> None:
    conn.execute(
        "INSERT INTO telemetry_alert_history (at, rule_id, fingerprint, labels, level, "
        "from_state, to_state, value, threshold, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now, rule.id, fingerprint, json.dumps(labels, sort_keys=True), rule.level, old, new,
         value, rule.threshold, summary),
    )  # fmt: skip
    alert = Alert(rule.id, rule.level, new, labels, value, rule.threshold, summary, since, now, old)
    result.transitions.append(alert)
    event_type = {
        "pending": EventType.ALERT_PENDING,
        "firing": EventType.ALERT_FIRING,
        "resolved": EventType.ALERT_RESOLVED,
    }.get(new)
    if event_type is not None:
        events.append(
            AlertEvent(
                type=event_type.value,
                timestamp=now,
                rule_id=rule.id,
                level=rule.level,
                value=None if value is None or math.isnan(value) else value,
                threshold=rule.threshold,
                labels=labels,
                summary=summary,
            )
        )


def _active(conn: sqlite3.Connection) -> list[Alert]:
    rows = conn.execute(
        "SELECT * FROM telemetry_alert_instances ORDER BY active_since, rule_id"
    ).fetchall()
    return [
        Alert(
            row["rule_id"], row["level"], row["state"], json.loads(row["labels"]),
            row["last_value"], row["threshold"], row["summary"], row["active_since"],
            row["last_eval_at"],
        )
        for row in rows
    ]  # fmt: skip


def level_at_least(level: str, minimum: str | None) -> bool:
    return minimum is None or LEVELS.index(level) >= LEVELS.index(minimum)


def list_alerts(
    store: Store, *, level: str | None = None, history: bool = False, limit: int = 200
) -> list[Alert]:
    """Active alerts (pending and firing), or with `history` the latest transitions."""
    if not history:
        with store.transaction(immediate=False) as conn:
            return [a for a in _active(conn) if level_at_least(a.level, level)]
    rows = store.execute(
        "SELECT * FROM telemetry_alert_history ORDER BY seq DESC LIMIT ?", (limit,)
    )
    alerts = [
        Alert(
            row["rule_id"], row["level"], row["to_state"], json.loads(row["labels"]),
            row["value"], row["threshold"], row["summary"], row["at"], row["at"],
            row["from_state"],
        )
        for row in reversed(rows)
    ]  # fmt: skip
    return [a for a in alerts if level_at_least(a.level, level)]


def severity_of(level: str) -> Severity:
    return Severity.parse(level)
