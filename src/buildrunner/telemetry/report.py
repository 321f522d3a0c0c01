"""The HTML report: one self-contained offline page with charts (no script, font or CDN).

Charts are inline SVG drawn here: cost per day by model (stacked bars), model-call latency
distribution (histogram on the GenAI duration buckets, with p50/p95/p99), task success rate
per day (line), top error types (bars), plus headline numbers. The data behind every chart is
embedded as JSON (``<script type="application/json" id="br-report-data">``), so tests and
other tools read exactly what is drawn.
"""

from __future__ import annotations

import html
import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from buildrunner.telemetry.events import FAILED, OK, EventType
from buildrunner.telemetry.metrics import summarize
from buildrunner.telemetry.semconv import DURATION_BUCKETS
from buildrunner.telemetry.window import Window

if TYPE_CHECKING:
    from buildrunner.core.store import Store

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")


def report_data(store: Store, window: Window | None = None) -> dict[str, Any]:
    """The numbers behind every chart of the report."""
    window = window or Window()
    summary = summarize(store, window)
    condition, params = window.where()
    cost_rows = store.execute(
        "SELECT strftime('%Y-%m-%d', ts, 'unixepoch') AS day, coalesce(model, '') AS model, "
        "sum(cost_nanos) AS nanos FROM telemetry_events "
        f"WHERE type = ? AND {condition} AND cost_nanos IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        [EventType.MODEL_CALL.value, *params],
    )
    days = sorted({r["day"] for r in cost_rows})
    models = sorted({r["model"] for r in cost_rows})
    cost: dict[str, list[float]] = {m: [0.0] * len(days) for m in models}
    for row in cost_rows:
        cost[row["model"]][days.index(row["day"])] = row["nanos"] / 1e9
    latencies = sorted(
        r[0]
        for r in store.execute(
            f"SELECT duration_ms FROM telemetry_events WHERE type = ? AND {condition} "
            "AND duration_ms IS NOT NULL",
            [EventType.MODEL_CALL.value, *params],
        )
    )
    edges_ms = [b * 1000 for b in DURATION_BUCKETS]
    counts = [0] * (len(edges_ms) + 1)
    index = 0
    for value in latencies:
        while index < len(edges_ms) and value > edges_ms[index]:
            index += 1
        counts[index] += 1
    success_rows = store.execute(
        "SELECT strftime('%Y-%m-%d', ts, 'unixepoch') AS day, sum(status = ?) AS ok, "
        "sum(status = ?) AS failed FROM telemetry_events "
        f"WHERE type >= 'task.' AND type < 'task/' AND {condition} GROUP BY 1 ORDER BY 1",
        [OK, FAILED, *params],
    )
    success = [
        {
            "day": r["day"],
            "ok": r["ok"] or 0,
            "failed": r["failed"] or 0,
            "rate": (r["ok"] / (r["ok"] + r["failed"]))
            if (r["ok"] or 0) + (r["failed"] or 0)
            else None,
        }
        for r in success_rows
    ]
    overall = summary.overall
    return {
        "window": {"since": window.since, "until": window.until, "text": window.describe()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "headline": {
            "events": summary.events,
            "model_calls": overall.model_calls.ok + overall.model_calls.failed,
            "tasks_finished": overall.tasks.finished,
            "task_success_rate": overall.tasks.success_rate,
            "model_error_rate": overall.model_calls.failure_rate,
            "cost_usd": None if overall.usage.cost_usd is None else str(overall.usage.cost_usd),
            "latency_p50_ms": overall.latency_ms.p50,
            "latency_p95_ms": overall.latency_ms.p95,
            "latency_p99_ms": overall.latency_ms.p99,
            "security_violations": summary.security_violations,
        },
        "cost_per_day": {"days": days, "models": models, "cost_usd": cost},
        "latency": {
            "bucket_upper_ms": edges_ms,
            "counts": counts,
            "p50": overall.latency_ms.p50,
            "p95": overall.latency_ms.p95,
            "p99": overall.latency_ms.p99,
        },
        "success_rate": success,
        "top_errors": [{"error_type": k, "count": n} for k, n in summary.errors[:10]],
    }


# ---------------------------------------------------------------- SVG


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bar_chart(labels: list[str], series: dict[str, list[float]], *, unit: str, chart: str) -> str:
    width, height, left, bottom = 720, 260, 60, 40
    if not labels:
        return '<p class="empty">No data in this window.</p>'
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals) or 1.0
    slot = (width - left - 10) / len(labels)
    bar = max(slot * 0.7, 1.0)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" data-chart="{chart}">']
    for step in range(5):
        y = bottom + (height - 2 * bottom) * step / 4
        value = top * (1 - step / 4)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f"{_esc(_fmt(value, unit))}</text>")  # fmt: skip
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar) / 2
        base = float(height - bottom)
        for color, (name, values) in zip(PALETTE * 4, series.items(), strict=False):
            value = values[i]
            if value <= 0:
                continue
            h = (height - 2 * bottom) * value / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{color}" data-series="{_esc(name)}" data-label="{_esc(label)}" '
                f'data-value="{value!r}"><title>{_esc(name)} {_esc(label)}: '
                f"{_esc(_fmt(value, unit))}</title></rect>"
            )
        if i % max(1, math.ceil(len(labels) / 10)) == 0:
            shown = label[5:] if len(label) == 10 and label[4] == "-" else label  # MM-DD
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" class="axis" '
                         f'text-anchor="middle">{_esc(shown)}</text>')  # fmt: skip
    parts.append("</svg>")
    if len(series) > 1:
        parts.append('<p class="legend">' + "".join(
            f'<span><i style="background:{c}"></i>{_esc(n)}</span>'
            for c, n in zip(PALETTE * 4, series, strict=False)
        ) + "</p>")  # fmt: skip
    return "".join(parts)


def _line_chart(points: list[dict[str, Any]]) -> str:
    width, height, left, bottom = 720, 220, 60, 36
    known = [p for p in points if p["rate"] is not None]
    if not known:
        return '<p class="empty">No finished tasks in this window.</p>'
    step = (width - left - 20) / max(len(points) - 1, 1)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" data-chart="success_rate">']
    for pct in (0, 50, 80, 100):
        y = bottom + (height - 2 * bottom) * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f"{pct}%</text>")  # fmt: skip
    coords = []
    for i, point in enumerate(points):
        if point["rate"] is None:
            continue
        x = left + i * step
        y = bottom + (height - 2 * bottom) * (1 - point["rate"])
        coords.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" data-label="{_esc(point["day"])}" '
            f'data-value="{point["rate"]!r}"><title>{_esc(point["day"])}: '
            f"{point['rate'] * 100:.1f}% of {point['ok'] + point['failed']}</title></circle>"
        )
        if i % max(1, math.ceil(len(points) / 10)) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" class="axis" '
                         f'text-anchor="middle">{_esc(point["day"][5:])}</text>')  # fmt: skip
    parts.insert(1, f'<polyline points="{" ".join(coords)}" class="line"/>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float, unit: str) -> str:
    if unit == "$":
        return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"
    return f"{value:,.0f}"


def _headline(value: Any, kind: str) -> str:
    if value is None:
        return '<span class="nodata">no data</span>'
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "ms":
        return f"{value:,.0f} ms"
    if kind == "usd":
        return f"${float(value):,.2f}"
    return f"{value:,}"


CSS = """
:root{color-scheme:light dark;--fg:#1d2430;--muted:#6b7280;--card:#f6f7f9;--grid:#d9dde3}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa3ad;--card:#1c2128;
--grid:#30363d}body{background:#0d1117}}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
margin:2rem auto;max-width:980px;padding:0 1rem}
h1{font-size:1.6rem;margin:0}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.sub{color:var(--muted);margin:.2rem 0 1.5rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem}
.card{background:var(--card);border-radius:10px;padding:.8rem 1rem}
.card b{display:block;font-size:1.45rem}.card span{color:var(--muted);font-size:.85rem}
svg{width:100%;height:auto;background:var(--card);border-radius:10px}
.grid{stroke:var(--grid);stroke-width:1}.axis{fill:var(--muted);font-size:11px}
.line{fill:none;stroke:#59a14f;stroke-width:2.5}circle{fill:#59a14f}
.legend span{margin-right:1rem;font-size:.85rem}.legend i{display:inline-block;width:.8rem;
height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.nodata,.empty{color:var(--muted)}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--grid)}
td.n{text-align:right;font-variant-numeric:tabular-nums}
"""


def render_report(data: dict[str, Any]) -> str:
    """The HTML page for `data` (see :func:`report_data`)."""
    h = data["headline"]
    cards = [
        ("events", _headline(h["events"], "n")),
        ("model calls", _headline(h["model_calls"], "n")),
        ("task success", _headline(h["task_success_rate"], "rate")),
        ("model errors", _headline(h["model_error_rate"], "rate")),
        ("cost", _headline(h["cost_usd"], "usd")),
        ("latency p95", _headline(h["latency_p95_ms"], "ms")),
        ("security violations", _headline(h["security_violations"], "n")),
    ]
    cost = data["cost_per_day"]
    latency = data["latency"]
    labels = [f"≤{b:g}" if b < 1000 else f"≤{b / 1000:g}s" for b in latency["bucket_upper_ms"]]
    labels.append(">" + labels[-1][1:])
    first = next((i for i, c in enumerate(latency["counts"]) if c), 0)
    last = max((i for i, c in enumerate(latency["counts"]) if c), default=-1)
    hist_labels = labels[first : last + 1]
    hist = {"model calls": [float(c) for c in latency["counts"][first : last + 1]]}
    errors = data["top_errors"]
    error_chart = _bar_chart(
        [e["error_type"] for e in errors],
        {"errors": [float(e["count"]) for e in errors]},
        unit="n",
        chart="top_errors",
    )
    pct = "".join(f"<span>p{q} {_headline(latency[f'p{q}'], 'ms')}</span> " for q in (50, 95, 99))
    card_html = "".join(
        f'<div class="card"><b>{v}</b><span>{_esc(k)}</span></div>' for k, v in cards
    )
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>br telemetry report</title><style>{CSS}</style></head><body>
<h1>br telemetry report</h1>
<p class="sub">{_esc(data["window"]["text"])} · generated {_esc(data["generated_at"])}</p>
<div class="cards">{card_html}</div>
<h2>Cost per day by model</h2>
{_bar_chart(cost["days"], cost["cost_usd"], unit="$", chart="cost_per_day")}
<h2>Model-call latency distribution</h2>
<p class="sub">{pct}</p>
{_bar_chart(hist_labels, hist, unit="n", chart="latency")}
<h2>Task success rate per day</h2>
{_line_chart(data["success_rate"])}
<h2>Top errors</h2>
{error_chart}
<script type="application/json" id="br-report-data">{payload}</script>
</body></html>
"""


def write_report(store: Store, path: Any, window: Window | None = None) -> dict[str, Any]:
    """Write the report to `path` atomically; returns its data."""
    from pathlib import Path

    from buildrunner.core.project import write_atomic

    data = report_data(store, window)
    write_atomic(Path(path), render_report(data))
    return data
