"""Metrics over stored events: outcomes, exact latency percentiles, cost, tokens, throughput.

Everything is computed from the raw rows in SQL plus one sort per latency series, so
percentiles are exact (linear interpolation between closest ranks, the "inclusive" method of
:func:`statistics.quantiles` and NumPy's default). A metric without data is ``None`` ("no
data"), never 0: a success rate needs at least one finished operation, a percentile one
sample, a cost one event carrying a cost.

Definitions:

- an *outcome* is an event with a status: ``ok``, ``error`` or ``cancelled``;
  ``success_rate = ok / (ok + error)`` and ``failure_rate = error / (ok + error)`` (cancelled
  operations are neither);
- *tasks* are ``task.*`` events, *model calls* ``model.call`` events; model-call latency is
  ``latency_ms``, task duration ``duration_ms`` of finished tasks;
- *errors* are events with status ``error`` and ``error`` events, by ``error_type``;
- *throughput* is events per second over the window (or between the first and last event).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from buildrunner.telemetry.events import CANCELLED, FAILED, OK, EventType, Severity
from buildrunner.telemetry.window import Window

if TYPE_CHECKING:
    from buildrunner.core.store import Store

GroupBy = Literal["model", "day", "task_type", "session"]
GROUP_BY: tuple[str, ...] = ("model", "day", "task_type", "session")
NONE_GROUP = "(none)"
NANOS = Decimal(1_000_000_000)

_GROUP_SQL = {
    None: "'all'",
    "model": "nullif(model, '')",
    "day": "strftime('%Y-%m-%d', ts, 'unixepoch')",
    "task_type": "nullif(task_type, '')",
    "session": "session_id",
}
_ROLLUP_GROUP_SQL = {
    None: "'all'",
    "model": "nullif(model, '')",
    "day": "strftime('%Y-%m-%d', hour * 3600, 'unixepoch')",
    "task_type": "nullif(task_type, '')",
}
HOUR = 3600
_AGGREGATES = (
    "count(*) AS n, sum(cost_nanos) AS cost_nanos, count(cost_nanos) AS with_cost, "
    "sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, "
    "sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens, "
    "count(input_tokens) AS with_tokens, min(ts) AS first, max(ts) AS last"
)
_ROLLUP_AGGREGATES = (
    "sum(events) AS n, sum(cost_nanos) AS cost_nanos, sum(with_cost) AS with_cost, "
    "sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, "
    "sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens, "
    "sum(with_tokens) AS with_tokens, min(first_ts) AS first, max(last_ts) AS last"
)
_FINISHED_TASKS = (EventType.TASK_COMPLETED.value, EventType.TASK_FAILED.value)
_MODEL_CALL = EventType.MODEL_CALL.value


# ---------------------------------------------------------------- percentiles


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) of sorted values, linear interpolation; None if empty."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = rank - low
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction)


@dataclass(frozen=True)
class Percentiles:
    """p50/p90/p95/p99 of a series (None without samples)."""

    count: int = 0
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None
    max: float | None = None

    @classmethod
    def of(cls, values: Iterable[float]) -> Percentiles:
        ordered = sorted(values)
        if not ordered:
            return cls()
        return cls(
            count=len(ordered),
            p50=percentile(ordered, 50),
            p90=percentile(ordered, 90),
            p95=percentile(ordered, 95),
            p99=percentile(ordered, 99),
            mean=math.fsum(ordered) / len(ordered),
            max=float(ordered[-1]),
        )

    def get(self, name: str) -> float | None:
        value: float | None = getattr(self, name)
        return value


# ---------------------------------------------------------------- building blocks


@dataclass(frozen=True)
class Outcomes:
    """How many operations succeeded, failed or were cancelled."""

    ok: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def finished(self) -> int:
        return self.ok + self.failed

    @property
    def success_rate(self) -> float | None:
        return self.ok / self.finished if self.finished else None

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.finished if self.finished else None

    def add(self, status: str | None, count: int) -> Outcomes:
        if status == OK:
            return Outcomes(self.ok + count, self.failed, self.cancelled)
        if status == FAILED:
            return Outcomes(self.ok, self.failed + count, self.cancelled)
        if status == CANCELLED:
            return Outcomes(self.ok, self.failed, self.cancelled + count)
        return self


@dataclass(frozen=True)
class Usage:
    """Tokens (Anthropic's four counters) and exact cost of the events that carry them."""

    events_with_cost: int = 0
    cost_nanos: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    events_with_tokens: int = 0

    @property
    def cost_usd(self) -> Decimal | None:
        return Decimal(self.cost_nanos) / NANOS if self.events_with_cost else None

    @property
    def tokens(self) -> dict[str, int] | None:
        if not self.events_with_tokens:
            return None
        return {
            "input": self.input_tokens,
            "output": self.output_tokens,
            "cache_read": self.cache_read_tokens,
            "cache_write": self.cache_write_tokens,
        }

    @property
    def cache_hit_ratio(self) -> float | None:
        """Cache reads over all input tokens (GenAI input: uncached + cache writes + reads)."""
        total = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        return self.cache_read_tokens / total if total else None

    def plus(self, row: Any) -> Usage:
        has_tokens = row["input_tokens"] is not None
        return Usage(
            self.events_with_cost + (row["with_cost"] or 0),
            self.cost_nanos + (row["cost_nanos"] or 0),
            self.input_tokens + (row["input_tokens"] or 0),
            self.output_tokens + (row["output_tokens"] or 0),
            self.cache_read_tokens + (row["cache_read_tokens"] or 0),
            self.cache_write_tokens + (row["cache_write_tokens"] or 0),
            self.events_with_tokens + (row["with_tokens"] if has_tokens else 0),
        )


@dataclass
class GroupMetrics:
    """The metrics of one group (``all`` when not grouped)."""

    key: str
    events: int = 0
    tasks: Outcomes = field(default_factory=Outcomes)
    model_calls: Outcomes = field(default_factory=Outcomes)
    latency_ms: Percentiles = field(default_factory=Percentiles)
    task_duration_ms: Percentiles = field(default_factory=Percentiles)
    usage: Usage = field(default_factory=Usage)
    errors: int = 0


@dataclass
class Summary:
    """Everything ``br telemetry summary`` shows."""

    window: Window
    group_by: str | None
    first_ts: float | None = None
    last_ts: float | None = None
    events: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    overall: GroupMetrics = field(default_factory=lambda: GroupMetrics("all"))
    groups: list[GroupMetrics] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)
    cost_by_type: dict[str, Decimal] = field(default_factory=dict)
    security_findings: dict[str, int] = field(default_factory=dict)
    security_violations: int = 0

    @property
    def throughput_per_s(self) -> float | None:
        """Events per second over the window (or between the first and last event)."""
        if not self.events:
            return None
        start = self.window.since if self.window.since is not None else self.first_ts
        end = self.window.until if self.window.until is not None else self.last_ts
        if start is None or end is None or end <= start:
            return None
        return self.events / (end - start)


# ---------------------------------------------------------------- the summary


def summarize(store: Store, window: Window | None = None, group_by: str | None = None) -> Summary:
    """Compute the summary of the events in `window`, optionally grouped."""
    window = window or Window()
    if group_by not in _GROUP_SQL:
        raise ValueError(f"cannot group by {group_by!r} (one of {', '.join(GROUP_BY)})")
    group_sql = _GROUP_SQL[group_by]
    condition, params = window.where()
    summary = Summary(window=window, group_by=group_by)
    groups: dict[str, GroupMetrics] = {}
    errors: dict[str, int] = defaultdict(int)
    cost_by_type: dict[str, int] = defaultdict(int)
    with store.transaction(immediate=False) as conn:
        rows = _aggregates(conn, window, group_by)
        latencies = _durations(conn, group_sql, condition, params)
        findings = _security(conn, condition, params)
    for row in rows:
        key = NONE_GROUP if row["g"] is None else str(row["g"])
        count = row["n"]
        for target in _targets(summary.overall, groups, key, group_by):
            _fold(target, row, count)
        summary.events += count
        summary.by_type[row["type"]] = summary.by_type.get(row["type"], 0) + count
        summary.first_ts = _min(summary.first_ts, row["first"])
        summary.last_ts = _max(summary.last_ts, row["last"])
        if row["status"] == FAILED or row["type"] == EventType.ERROR:
            # a failure without an error type is named after its event: "(gate.result)"
            errors[row["error_type"] or f"({row['type']})"] += count
        if row["with_cost"]:
            cost_by_type[row["type"]] += row["cost_nanos"] or 0
    for (key, kind), values in latencies.items():
        for target in _targets(summary.overall, groups, key, group_by):
            if kind == _MODEL_CALL:
                target.latency_ms = Percentiles.of(values)
            else:
                target.task_duration_ms = Percentiles.of(values)
    if group_by is not None:
        # the overall series are computed over all groups together
        overall_model = [v for (_, k), vs in latencies.items() if k == _MODEL_CALL for v in vs]
        overall_tasks = [v for (_, k), vs in latencies.items() if k != _MODEL_CALL for v in vs]
        summary.overall.latency_ms = Percentiles.of(overall_model)
        summary.overall.task_duration_ms = Percentiles.of(overall_tasks)
    summary.groups = sorted(groups.values(), key=lambda g: g.key)
    summary.by_type = dict(sorted(summary.by_type.items(), key=lambda kv: (-kv[1], kv[0])))
    summary.errors = sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))
    summary.cost_by_type = {t: Decimal(n) / NANOS for t, n in sorted(cost_by_type.items())}
    summary.security_findings, summary.security_violations = findings
    return summary


def _aggregates(conn: Any, window: Window, group_by: str | None) -> list[Any]:
    """Counts, outcomes, cost and tokens by (group, type, status, error type).

    Whole hours inside the window come from the hourly roll-up; the partial hours at its
    edges (and every hour when grouping by session) from the raw rows.
    """
    if group_by not in _ROLLUP_GROUP_SQL:
        return _raw_aggregates(conn, _GROUP_SQL[group_by], window)
    first_hour = None if window.since is None else math.ceil(window.since / HOUR)
    end_hour = None if window.until is None else math.floor(window.until / HOUR)
    if first_hour is not None and end_hour is not None and first_hour >= end_hour:
        return _raw_aggregates(conn, _GROUP_SQL[group_by], window)
    clauses, params = [], []
    if first_hour is not None:
        clauses.append("hour >= ?")
        params.append(first_hour)
    if end_hour is not None:
        clauses.append("hour < ?")
        params.append(end_hour)
    rows: list[Any] = conn.execute(
        f"SELECT {_ROLLUP_GROUP_SQL[group_by]} AS g, type, nullif(status, '') AS status, "
        f"nullif(error_type, '') AS error_type, {_ROLLUP_AGGREGATES} FROM telemetry_rollup "
        f"WHERE {' AND '.join(clauses) or '1'} GROUP BY 1, 2, 3, 4",
        params,
    ).fetchall()
    if first_hour is not None and window.since is not None and window.since < first_hour * HOUR:
        rows += _raw_aggregates(
            conn, _GROUP_SQL[group_by], Window(window.since, float(first_hour * HOUR))
        )
    if end_hour is not None and window.until is not None and window.until > end_hour * HOUR:
        rows += _raw_aggregates(
            conn, _GROUP_SQL[group_by], Window(float(end_hour * HOUR), window.until)
        )
    return rows


def _raw_aggregates(conn: Any, group_sql: str, window: Window) -> list[Any]:
    condition, params = window.where()
    rows: list[Any] = conn.execute(
        f"SELECT {group_sql} AS g, type, status, error_type, {_AGGREGATES} "
        f"FROM telemetry_events WHERE {condition} GROUP BY 1, 2, 3, 4",
        params,
    ).fetchall()
    return rows


def _targets(
    overall: GroupMetrics, groups: dict[str, GroupMetrics], key: str, group_by: str | None
) -> list[GroupMetrics]:
    if group_by is None:
        return [overall]
    group = groups.get(key)
    if group is None:
        group = groups[key] = GroupMetrics(key)
    return [overall, group]


def _fold(target: GroupMetrics, row: Any, count: int) -> None:
    target.events += count
    event_type = row["type"]
    if event_type.startswith("task."):
        target.tasks = target.tasks.add(row["status"], count)
    elif event_type == _MODEL_CALL:
        target.model_calls = target.model_calls.add(row["status"], count)
    if row["with_cost"] or row["with_tokens"]:
        target.usage = target.usage.plus(row)
    if row["status"] == FAILED or event_type == EventType.ERROR:
        target.errors += count


def _durations(
    conn: Any, group_sql: str, condition: str, params: list[float]
) -> dict[tuple[str, str], list[float]]:
    """Latency series by (group, ``model.call`` or ``task``), read through a covering index."""
    series: dict[tuple[str, str], list[float]] = defaultdict(list)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: several times faster than sqlite3.Row here
    for kind, types in ((_MODEL_CALL, (_MODEL_CALL,)), ("task", _FINISHED_TASKS)):
        marks = ", ".join("?" for _ in types)
        where = f"type IN ({marks}) AND {condition} AND duration_ms IS NOT NULL"
        if group_sql == _GROUP_SQL[None]:
            cursor.execute(
                f"SELECT duration_ms FROM telemetry_events WHERE {where}", [*types, *params]
            )
            values = [row[0] for row in cursor.fetchall()]
            if values:
                series[("all", kind)] = values
            continue
        cursor.execute(
            f"SELECT {group_sql}, duration_ms FROM telemetry_events WHERE {where}",
            [*types, *params],
        )
        for group, duration in cursor.fetchall():
            series[(NONE_GROUP if group is None else str(group), kind)].append(duration)
    return series


def _security(conn: Any, condition: str, params: list[float]) -> tuple[dict[str, int], int]:
    rows = conn.execute(
        "SELECT severity, count(*) AS n, "
        "sum(coalesce(json_extract(data, '$.allowlisted'), 0)) AS allowed "
        f"FROM telemetry_events WHERE type = ? AND {condition} GROUP BY severity",
        [EventType.SECURITY_FINDING.value, *params],
    ).fetchall()
    by_severity = {Severity(row["severity"]).label: row["n"] for row in rows}
    violations = sum(row["n"] - (row["allowed"] or 0) for row in rows)
    return by_severity, violations


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)
