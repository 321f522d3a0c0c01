"""How a run looks: a live table while it runs, plain lines when output is not a terminal, and
the closing summary. Every function renders an immutable value (a :class:`Frame`, a
:class:`RunSummary`), so a test renders exactly what a user sees."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from buildrunner.run.engine import Frame
from buildrunner.run.summary import RunSummary, TaskLine

STATE_STYLES = {
    "pending": "dim",
    "ready": "cyan",
    "running": "bold yellow",
    "paused": "magenta",
    "done": "green",
    "merged": "bold green",
    "completed": "bold green",
    "conflict": "bold red",
    "blocked": "bold red",
    "failed": "red",
    "cancelled": "dim red",
    "skipped": "dim",
}
FINAL_ORDER = ("merged", "done", "blocked", "conflict", "failed", "skipped", "cancelled")


def usd(amount: Decimal | float) -> str:
    """Dollars with six decimals (exact amounts are in the JSON output)."""
    return f"${Decimal(str(amount)):.6f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.1f}s"
    return f"{int(value // 60)}m{int(value % 60):02d}s"


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """`path` relative to the working directory when it is inside it."""
    base = cwd or Path(os.getcwd())
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- while running


def start_line(frame: Frame) -> str:
    s = frame.session
    commit = s.base_commit[:10] or "no git"
    return (
        f"br run {shown_path(Path(s.plan_path))}: session {s.id}, base {s.base_ref} ({commit}), "
        f"{s.workers_wanted} workers, {len(frame.tasks)} tasks"
    )


def journal_lines(frame: Frame) -> list[str]:
    """The journal entries of a frame as plain lines: ``  1.2s [task] message``."""
    lines = []
    for entry in frame.journal:
        who = f"[{entry.task_id}] " if entry.task_id else ""
        lines.append(f"{seconds(max(0.0, entry.at - frame.started)):>6}  {who}{entry.message}")
    return lines


def live_renderable(frame: Frame) -> RenderableType:
    """The live display: one row per task, refreshed after every supervisor tick."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("task", "executor", "complexity", "model", "state", "cost", "time", "progress"):
        table.add_column(column, no_wrap=column != "progress", overflow="ellipsis")
    for task in frame.tasks:
        running = task.state == "running"
        table.add_row(
            task.task_id,
            task.executor,
            frame.levels.get(task.task_id, "-"),
            task.model if task.model and task.model != "auto" else "-",
            Text(task.state, style=STATE_STYLES.get(task.state, "")),
            usd(task.cost_usd) if task.cost_usd else "-",
            seconds(task.duration(frame.now)) if task.started_at else "-",
            (task.progress or "") if running or task.state in ("ready", "pending") else "",
        )
    header = Text(
        f"{start_line(frame)}\n{frame.settled()}/{len(frame.tasks)} settled, "
        f"{seconds(frame.elapsed)} elapsed",
        style="bold",
    )
    return Group(header, table)


# --------------------------------------------------------------------------- the summary


def summary_lines(summary: RunSummary, *, cwd: Path | None = None) -> list[Text]:
    """The closing summary: tasks, cost against the opus baseline, findings, fallbacks, waits,
    alerts, and where the report and logs are."""
    lines = [_headline(summary, cwd), *_task_rows(summary.tasks)]
    lines += _cost_lines(summary)
    lines += _security_lines(summary)
    if summary.fallbacks:
        lines.append(Text("\nFallbacks", style="bold"))
        lines += [
            Text(f"  {h.task_id or '-'}: {h.from_model} -> {h.to_model} ({h.reason})")
            for h in summary.fallbacks
        ]
    if summary.waits:
        lines.append(Text("\nWaited for a path claim", style="bold"))
        lines += [Text(f"  {w.task_id}: {w.message}") for w in summary.waits]
    lines += _alert_lines(summary)
    lines += _where_lines(summary, cwd)
    return lines


def summary_text(summary: RunSummary, *, cwd: Path | None = None) -> str:
    """The summary as plain text (what a log file or CI shows)."""
    return "\n".join(line.plain for line in summary_lines(summary, cwd=cwd)) + "\n"


def _headline(summary: RunSummary, cwd: Path | None) -> Text:
    s = summary.session
    counts = summary.counts
    parts = [f"{counts[state]} {state}" for state in FINAL_ORDER if counts.get(state)]
    parts += [f"{n} {state}" for state, n in counts.items() if state not in FINAL_ORDER]
    text = Text(f"\nRun {s.id} ({shown_path(Path(s.plan_path), cwd)}) ", style="bold")
    text.append(s.state, style=STATE_STYLES.get(s.state, "bold"))
    text.append(f" in {seconds(summary.duration)}: {len(summary.tasks)} tasks, ")
    text.append(", ".join(parts) or "none")
    return text


def _task_rows(tasks: tuple[TaskLine, ...]) -> list[Text]:
    widths = {
        "task": max([4, *(len(t.task_id) for t in tasks)]),
        "model": max([5, *(len(t.model or "-") for t in tasks)]),
    }
    header = (
        f"  {'task':<{widths['task']}}  {'executor':<8}  {'complexity':<10}  "
        f"{'model':<{widths['model']}}  {'state':<8}  {'cost':>10}  note"
    )
    rows = [Text(header, style="bold")]
    for t in tasks:
        row = Text(
            f"  {t.task_id:<{widths['task']}}  {t.executor:<8}  {t.level or '-':<10}  "
            f"{t.model or '-':<{widths['model']}}  "
        )
        row.append(f"{t.state:<8}", style=STATE_STYLES.get(t.state, ""))
        cost = usd(t.cost) if t.cost else "-"
        row.append(f"  {cost:>10}  {t.note}")
        rows.append(row)
    return rows


def _cost_lines(summary: RunSummary) -> list[Text]:
    lines = [
        Text(
            f"\nCost by model (baseline: the same tokens priced at {summary.baseline_model}, "
            "the opus tier)",
            style="bold",
        )
    ]
    if not summary.costs:
        return [*lines, Text("  no model calls and no Claude Code sessions: $0")]
    width = max([5, *(len(c.model) for c in summary.costs)])
    lines.append(
        Text(
            f"  {'model':<{width}}  {'calls':>5}  {'tokens in':>10}  {'out':>8}  "
            f"{'cost':>10}  {'at opus':>10}",
            style="bold",
        )
    )
    for c in summary.costs:
        lines.append(
            Text(
                f"  {c.model:<{width}}  {c.calls:>5}  {c.input_tokens + c.cache_tokens:>10,}  "
                f"{c.output_tokens:>8,}  {usd(c.cost):>10}  {usd(c.baseline):>10}"
            )
        )
    total, baseline = summary.total_cost, summary.baseline_cost
    share = f" ({summary.saved / baseline:.0%} less)" if baseline > 0 else ""
    lines.append(
        Text(
            f"  {'total':<{width}}  {'':>5}  {'':>10}  {'':>8}  {usd(total):>10}  "
            f"{usd(baseline):>10}{share}",
            style="bold",
        )
    )
    return lines


def _security_lines(summary: RunSummary) -> list[Text]:
    blocked = [t for t in summary.tasks if t.state == "blocked"]
    if not summary.session.session_branch:
        return [Text("\nSecurity gate: not run (the plan does not merge: isolation = none)")]
    if summary.gate == "none":
        return [Text("\nSecurity gate: off (parallel.merge_gate = none): nothing was scanned")]
    if not summary.findings and not blocked:
        return [Text("\nSecurity gate: every finished task passed")]
    lines = [
        Text(
            f"\nSecurity gate: {len(summary.findings)} finding(s) blocked "
            f"{len(blocked)} task(s) (values masked)",
            style="bold red",
        )
    ]
    for f in summary.findings:
        lines.append(
            Text(f"  {f.task_id}: {f.severity} {f.rule_id} in {f.path}:{f.line}  {f.masked}")
        )
    return lines


def _alert_lines(summary: RunSummary) -> list[Text]:
    if not summary.alerts:
        return [Text("\nAlerts: none firing")]
    lines = [Text("\nAlerts firing", style="bold red")]
    for alert in summary.alerts:
        lines.append(Text(f"  {alert.level.upper():<8} {alert.rule_id}: {alert.summary}"))
    return lines


def _where_lines(summary: RunSummary, cwd: Path | None) -> list[Text]:
    lines = [Text("")]
    if summary.report is not None:
        lines.append(Text(f"Report:  {shown_path(summary.report, cwd)}"))
    if summary.logs is not None:
        lines.append(Text(f"Logs:    {shown_path(summary.logs, cwd)}/"))
    branch = summary.session.session_branch
    merged = summary.counts.get("merged", 0)
    if branch and merged:
        lines.append(Text(f"Merged:  {merged} task(s) on {branch}; land them: git merge {branch}"))
    return lines
