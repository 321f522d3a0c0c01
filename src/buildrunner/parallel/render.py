"""Rich renderings of snapshots and summaries for `br parallel status`, `summary` and friends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from buildrunner.parallel.records import ClaimInfo, SessionInfo, TaskInfo, WorkerInfo
from buildrunner.parallel.snapshot import Snapshot
from buildrunner.parallel.summary import Summary

STATE_STYLES = {
    "pending": "dim",
    "ready": "cyan",
    "running": "bold yellow",
    "paused": "magenta",
    "done": "green",
    "merged": "bold green",
    "conflict": "bold red",
    "blocked": "bold red",
    "failed": "red",
    "cancelled": "dim red",
    "skipped": "dim",
    "created": "cyan",
    "completed": "bold green",
    "idle": "cyan",
    "busy": "yellow",
    "starting": "cyan",
    "stopping": "magenta",
    "stopped": "dim",
    "dead": "red",
}


def styled(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def format_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_cost(usd: float) -> str:
    return f"${usd:.4f}" if usd else "-"


def sessions_table(sessions: Sequence[SessionInfo], *, now: float) -> Table:
    table = Table(title="Parallel sessions", title_justify="left", expand=False)
    for column in ("id", "plan", "state", "workers", "created", "age"):
        table.add_column(column)
    for s in sessions:
        table.add_row(
            s.id,
            s.name,
            styled(s.state),
            str(s.workers_wanted),
            format_time(s.created_at),
            format_duration(now - s.created_at),
        )
    return table


def tasks_table(tasks: Sequence[TaskInfo], *, now: float, title: str = "Tasks") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("task", "state", "executor", "model", "attempt", "cost", "time"):
        table.add_column(column, no_wrap=column in ("state", "attempt", "cost", "time"))
    table.add_column("progress", overflow="fold")
    for t in tasks:
        table.add_row(
            t.task_id,
            styled(t.state),
            t.executor,
            t.model or "-",
            f"{t.attempt}/{t.max_attempts}",
            format_cost(t.cost_usd),
            format_duration(t.duration(now)),
            _short(t.progress or t.error or "", 48),
        )
    return table


def _short(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def workers_table(workers: Sequence[WorkerInfo], *, now: float) -> Table:
    table = Table(title="Workers", title_justify="left")
    for column in ("worker", "pid", "state", "task", "done", "heartbeat"):
        table.add_column(column)
    for w in workers:
        table.add_row(
            w.worker_id,
            str(w.pid or "-"),
            styled(w.state),
            w.current_task or "-",
            str(w.tasks_done),
            f"{format_duration(now - w.heartbeat_at)} ago",
        )
    return table


def claims_table(claims: Sequence[ClaimInfo], *, now: float) -> Table:
    table = Table(title="Path claims", title_justify="left")
    for column in ("pattern", "session", "task", "holder", "expires in"):
        table.add_column(column)
    for c in claims:
        table.add_row(
            c.pattern,
            c.session_id,
            c.task_id,
            c.holder,
            format_duration(c.expires_at - now),
        )
    return table


def status_renderable(snapshot: Snapshot) -> RenderableType:
    """The whole status view of the selected session."""
    session = snapshot.session
    if session is None:
        return Text("No parallel session yet: start one with br parallel start PLAN")
    settled, total = snapshot.progress()
    supervisor = (
        f"supervisor pid {session.supervisor_pid}"
        if snapshot.supervisor_alive
        else "no supervisor running"
    )
    header = Text.assemble(
        ("Session ", "bold"),
        (session.id, "bold cyan"),
        f"  {session.name}  ",
        styled(session.state),
        f"  {settled}/{total} settled  cost {format_cost(snapshot.cost_usd)}  {supervisor}",
    )
    counts = "  ".join(f"{state} {n}" for state, n in sorted(snapshot.counts().items()))
    parts: list[RenderableType] = [header, Text(counts, style="dim")]
    if session.session_branch:
        parts.append(Text(f"session branch {session.session_branch}", style="dim"))
    parts.append(tasks_table(snapshot.tasks, now=snapshot.now))
    live = [w for w in snapshot.workers if w.state not in ("stopped", "dead")]
    if live:
        parts.append(workers_table(live, now=snapshot.now))
    mine = [c for c in snapshot.claims if c.session_id == session.id]
    if mine:
        parts.append(claims_table(mine, now=snapshot.now))
    if snapshot.alerts:
        parts.append(Text("Alerts", style="bold"))
        for alert in snapshot.alerts[-8:]:
            who = f"{alert.task_id}: " if alert.task_id else ""
            parts.append(Text(f"  {alert.level:7} {who}{alert.message}", style=_alert(alert.level)))
    return Group(*parts)


def _alert(level: str) -> str:
    return "red" if level == "error" else "yellow"


def summary_renderable(summary: Summary) -> RenderableType:
    s = summary.session
    lines: list[RenderableType] = [
        Text.assemble(("Session ", "bold"), (s.id, "bold cyan"), f"  {s.name}  ", styled(s.state)),
        Text(
            f"{summary.total_tasks} tasks: "
            + ", ".join(f"{n} {state}" for state, n in sorted(summary.counts.items()))
        ),
        Text(
            f"attempts {summary.attempts} ({summary.lost_attempts} lost to dead workers)  "
            f"duration {format_duration(summary.duration)}"
        ),
        Text(
            f"cost {format_cost(summary.cost_usd)}  tokens in {summary.input_tokens} "
            f"out {summary.output_tokens}"
        ),
    ]
    if summary.cost_by_model:
        table = Table(title="Cost by model", title_justify="left")
        table.add_column("model")
        table.add_column("cost (USD)", justify="right")
        for model, cost in summary.cost_by_model.items():
            table.add_row(model, f"{cost:.6f}")
        lines.append(table)
    if summary.problems:
        table = Table(title="Needs attention", title_justify="left")
        for column in ("task", "state", "detail"):
            table.add_column(column, overflow="fold")
        for p in summary.problems:
            table.add_row(p.task_id, styled(p.state), p.detail[:300])
        lines.append(table)
    if s.session_branch and summary.merged:
        lines.append(Text(f"{len(summary.merged)} task(s) merged on {s.session_branch}"))
        lines.append(Text(f"land them with: git merge {s.session_branch}"))
    return Group(*lines)
