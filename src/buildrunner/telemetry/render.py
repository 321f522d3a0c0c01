"""Plain-data forms of metrics for ``--format json`` and text renderings for the terminal."""

from __future__ import annotations

from typing import Any

from buildrunner.core.clock import utc_iso
from buildrunner.telemetry.metrics import GroupMetrics, Percentiles, Summary


def _pct(p: Percentiles) -> dict[str, Any]:
    return {"count": p.count, "p50": p.p50, "p90": p.p90, "p95": p.p95, "p99": p.p99}


def group_dict(g: GroupMetrics) -> dict[str, Any]:
    cost = g.usage.cost_usd
    return {
        "key": g.key,
        "events": g.events,
        "tasks": {
            "ok": g.tasks.ok,
            "failed": g.tasks.failed,
            "cancelled": g.tasks.cancelled,
            "success_rate": g.tasks.success_rate,
            "failure_rate": g.tasks.failure_rate,
            "duration_ms": _pct(g.task_duration_ms),
        },
        "model_calls": {
            "ok": g.model_calls.ok,
            "failed": g.model_calls.failed,
            "success_rate": g.model_calls.success_rate,
            "error_rate": g.model_calls.failure_rate,
            "latency_ms": _pct(g.latency_ms),
        },
        "cost_usd": None if cost is None else str(cost),
        "tokens": g.usage.tokens,
        "cache_hit_ratio": g.usage.cache_hit_ratio,
        "errors": g.errors,
    }


def summary_dict(s: Summary) -> dict[str, Any]:
    """The summary as JSON-ready data (None is "no data")."""
    return {
        "version": 1,
        "window": {
            "since": None if s.window.since is None else utc_iso(s.window.since),
            "until": None if s.window.until is None else utc_iso(s.window.until),
        },
        "first_event": None if s.first_ts is None else utc_iso(s.first_ts),
        "last_event": None if s.last_ts is None else utc_iso(s.last_ts),
        "events": s.events,
        "by_type": s.by_type,
        "throughput_per_s": s.throughput_per_s,
        "overall": group_dict(s.overall),
        "group_by": s.group_by,
        "groups": [group_dict(g) for g in s.groups],
        "errors": [{"error_type": k, "count": n} for k, n in s.errors],
        "cost_by_type": {k: str(v) for k, v in s.cost_by_type.items()},
        "security": {"findings": s.security_findings, "violations": s.security_violations},
    }


NO_DATA = "no data"


def rate(value: float | None) -> str:
    return NO_DATA if value is None else f"{value * 100:.1f}%"


def ms(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.0f} ms"


def usd(value: Any) -> str:
    return NO_DATA if value is None else f"${value:.4f}"


def summary_text(s: Summary) -> list[str]:
    """The summary as terminal lines."""
    o = s.overall
    lines = [
        f"Telemetry summary: {s.window.describe()}",
        f"  events          {s.events:,}"
        + ("" if s.throughput_per_s is None else f"  ({s.throughput_per_s:.3g}/s)"),
    ]
    if not s.events:
        lines.append("  no events recorded in this window: every metric is 'no data'")
    lines += [
        f"  tasks           {o.tasks.ok} ok, {o.tasks.failed} failed, {o.tasks.cancelled} "
        f"cancelled; success {rate(o.tasks.success_rate)}",
        f"  task duration   p50 {ms(o.task_duration_ms.p50)}  p95 {ms(o.task_duration_ms.p95)}",
        f"  model calls     {o.model_calls.ok + o.model_calls.failed:,}; error rate "
        f"{rate(o.model_calls.failure_rate)}",
        f"  latency         p50 {ms(o.latency_ms.p50)}  p90 {ms(o.latency_ms.p90)}  "
        f"p95 {ms(o.latency_ms.p95)}  p99 {ms(o.latency_ms.p99)}",
        f"  cost            {usd(o.usage.cost_usd)}",
    ]
    tokens = o.usage.tokens
    lines.append(
        "  tokens          "
        + (
            NO_DATA
            if tokens is None
            else ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in tokens.items())
            + f"; cache hit {rate(o.usage.cache_hit_ratio)}"
        )
    )
    if s.errors:
        lines.append("  top errors      " + ", ".join(f"{k} ({n})" for k, n in s.errors[:5]))
    if s.security_findings:
        found = ", ".join(f"{k} {n}" for k, n in s.security_findings.items())
        lines.append(f"  security        {found}; violations {s.security_violations}")
    if s.groups:
        lines.append("")
        lines.append(
            f"  {s.group_by:<20} {'events':>8} {'calls':>7} {'errors':>7} {'p50':>9} "
            f"{'p95':>9} {'cost':>11} {'tasks ok':>9}"
        )
        for g in s.groups:
            calls = g.model_calls.ok + g.model_calls.failed
            lines.append(
                f"  {g.key[:20]:<20} {g.events:>8,} {calls:>7,} "
                f"{rate(g.model_calls.failure_rate):>7} "
                f"{ms(g.latency_ms.p50):>9} {ms(g.latency_ms.p95):>9} "
                f"{usd(g.usage.cost_usd):>11} {rate(g.tasks.success_rate):>9}"
            )
    return lines
