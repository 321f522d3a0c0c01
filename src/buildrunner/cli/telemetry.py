"""`br telemetry`: query, alert on, report and export the events `br` stores."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from buildrunner.cli.output import emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from buildrunner.telemetry.events import Event
    from buildrunner.telemetry.window import Window

LEVELS = ("info", "warning", "error", "critical")


def _window(since: str | None, until: str | None) -> Window:
    from buildrunner.core.clock import SYSTEM_CLOCK
    from buildrunner.telemetry.window import parse_window

    return parse_window(since, until, now=SYSTEM_CLOCK.now())


def window_options(function: Any) -> Any:
    function = click.option(
        "--until", metavar="WHEN", help="End of the window (exclusive): a duration ago or a date."
    )(function)
    return click.option(
        "--since",
        metavar="WHEN",
        help="Start of the window: 24h, 7d, 2026-11-01, 2026-11-01T12:00.",
    )(function)


@click.group("telemetry")
def telemetry_group() -> None:
    """Query the local event store: summary, events, alerts, performance, export, report.

    Example: br telemetry summary --since 24h --group-by model
    """


@telemetry_group.command("summary")
@window_options
@click.option(
    "--group-by",
    type=click.Choice(["model", "day", "task-type", "session"]),
    help="One row per model, UTC day, task type or session.",
)
@format_option()
@click.pass_obj
def summary_command(
    state: CliState, since: str | None, until: str | None, group_by: str | None, output_format: str
) -> int:
    """Show success and failure rates, latency percentiles, cost, tokens and errors.

    Example: br telemetry summary --since 7d --group-by day --format json
    """
    from buildrunner.telemetry.metrics import summarize
    from buildrunner.telemetry.render import summary_dict, summary_text

    group = group_by.replace("-", "_") if group_by else None
    summary = summarize(state.store, _window(since, until), group)
    if output_format == "json":
        emit_json(summary_dict(summary))
    else:
        click.echo("\n".join(summary_text(summary)))
    return ExitCode.OK


def _event_line(event: Event) -> str:
    from buildrunner.core.clock import utc_iso

    parts = [utc_iso(event.timestamp), f"{event.severity.label:<8}", f"{event.type:<18}"]
    for name in ("model", "name", "rule_id", "gate", "status", "error_type", "message"):
        value = getattr(event, name, None)
        if value not in (None, ""):
            parts.append(f"{name}={value}")
    for name in ("latency_ms", "duration_ms"):
        value = getattr(event, name, None)
        if value is not None:
            parts.append(f"{name}={value:.0f}")
            break
    cost = getattr(event, "cost_usd", None)
    if cost:
        parts.append(f"cost=${cost}")
    if event.session_id:
        parts.append(f"session={event.session_id}")
    if event.task_id:
        parts.append(f"task={event.task_id}")
    return "  ".join(parts)


@telemetry_group.command("events")
@click.option("--type", "types", multiple=True, help="Event type or family (model.call, task).")
@window_options
@click.option("--session", help="Only this session id.")
@click.option("--task", help="Only this task id.")
@click.option("--severity", type=click.Choice(["debug", *LEVELS]), help="At or above this level.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they are stored.")
@format_option()
@click.pass_obj
def events_command(
    state: CliState,
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    session: str | None,
    task: str | None,
    severity: str | None,
    limit: int,
    follow: bool,
    output_format: str,
) -> int:
    """List the latest stored events, oldest first (JSON Lines with --format json --follow).

    Example: br telemetry events --type model.call --since 1h --limit 20
    """
    from buildrunner.telemetry.codec import to_dict
    from buildrunner.telemetry.events import Severity
    from buildrunner.telemetry.filters import EventFilter
    from buildrunner.telemetry.query import follow_events, last_seq, query_events

    window = _window(since, until)
    where = EventFilter(
        types=types,
        since=window.since,
        until=window.until,
        session_id=session,
        task_id=task,
        min_severity=Severity.parse(severity) if severity else None,
    )
    store = state.store
    start = last_seq(store)
    events = query_events(store, where, limit=limit)
    if output_format == "json" and not follow:
        emit_json({"version": 1, "events": [to_dict(e) for e in events]})
        return ExitCode.OK
    for event in events:
        _print_event(event, output_format)
    if follow:
        for event in follow_events(store, where, after=start):
            _print_event(event, output_format)
    return ExitCode.OK


def _print_event(event: Event, output_format: str) -> None:
    import json

    from buildrunner.telemetry.codec import to_dict

    if output_format == "json":
        click.echo(json.dumps(to_dict(event), ensure_ascii=False))
    else:
        click.echo(_event_line(event))
    sys.stdout.flush()


@telemetry_group.command("alerts")
@click.option("--level", type=click.Choice(LEVELS), help="Only alerts at or above this level.")
@click.option("--all", "show_all", is_flag=True, help="Show the history of transitions too.")
@click.option(
    "--no-evaluate", is_flag=True, help="Show the stored state without evaluating the rules."
)
@click.option("--check", is_flag=True, help="Exit 1 when an alert (at --level or above) fires.")
@format_option()
@click.pass_obj
def alerts_command(
    state: CliState,
    level: str | None,
    show_all: bool,
    no_evaluate: bool,
    check: bool,
    output_format: str,
) -> int:
    """Evaluate the alert rules now and show the pending and firing alerts.

    Example: br telemetry alerts --level warning --check
    """
    from buildrunner.telemetry.alerts import evaluate_alerts, list_alerts, rules_from_config

    config = state.config().config.telemetry.alerts
    store = state.store
    if not no_evaluate:
        evaluate_alerts(
            store,
            rules_from_config(config),
            min_samples=config.min_samples,
            notify=config.notify,
            repeat_interval=config.repeat_interval,
        )
    active = list_alerts(store, level=level)
    history = list_alerts(store, level=level, history=True) if show_all else []
    if output_format == "json":
        data: dict[str, Any] = {"version": 1, "active": [a.to_dict() for a in active]}
        if show_all:
            data["history"] = [a.to_dict() for a in history]
        emit_json(data)
    else:
        if not active:
            click.echo("no active alerts")
        for alert in active:
            click.echo(
                f"{alert.state.upper():<8} {alert.level:<8} {alert.rule_id}: {alert.summary}"
            )
        if show_all:
            from buildrunner.core.clock import utc_iso

            click.echo("\nhistory:" if history else "\nno alert history")
            for alert in history:
                click.echo(
                    f"{utc_iso(alert.at)}  {alert.rule_id:<22} {alert.from_state} -> "
                    f"{alert.state}  {alert.summary}"
                )
    if check and any(a.state == "firing" for a in active):
        return ExitCode.FINDINGS
    return ExitCode.OK


@telemetry_group.command("performance")
@click.option("--name", help="Only measurements with this name.")
@window_options
@format_option()
@click.pass_obj
def performance_command(
    state: CliState, name: str | None, since: str | None, until: str | None, output_format: str
) -> int:
    """Show timings, CPU time, peak memory and throughput of measured work.

    Example: br telemetry performance --since 7d
    """
    from buildrunner.telemetry.performance import performance_summary
    from buildrunner.telemetry.render import ms

    rows = performance_summary(state.store, _window(since, until), name=name)
    if output_format == "json":
        emit_json({"version": 1, "measurements": [r.to_dict() for r in rows]})
        return ExitCode.OK
    if not rows:
        click.echo("no performance measurements in this window")
        return ExitCode.OK
    click.echo(
        f"{'name':<28} {'count':>6} {'p50':>9} {'p95':>9} {'cpu':>9} {'peak rss':>10} "
        f"{'items/s':>10}"
    )
    for r in rows:
        rss = "-" if r.peak_rss_bytes is None else f"{r.peak_rss_bytes / 2**20:.0f} MiB"
        rate = "-" if r.throughput is None else f"{r.throughput:,.0f}"
        cpu = "-" if r.cpu_time_ms is None else ms(r.cpu_time_ms)
        click.echo(
            f"{r.name[:28]:<28} {r.count:>6} {ms(r.duration_ms.p50):>9} "
            f"{ms(r.duration_ms.p95):>9} {cpu:>9} {rss:>10} {rate:>10}"
        )
    return ExitCode.OK


@telemetry_group.command("export")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "csv", "otlp"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines, CSV, or OTLP/HTTP to --endpoint (needs buildrunner3[otel]).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option("--type", "types", multiple=True, help="Event type or family.")
@window_options
@click.option("--endpoint", help="OTLP/HTTP base URL (default telemetry.otlp_endpoint).")
@click.pass_obj
def export_command(
    state: CliState,
    output_format: str,
    output: Path | None,
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    endpoint: str | None,
) -> int:
    """Export stored events (already masked) to stdout, a file or an OTLP endpoint.

    Example: br telemetry export --format csv --since 30d -o events.csv
    """
    from buildrunner.telemetry.filters import EventFilter

    window = _window(since, until)
    where = EventFilter(types=types, since=window.since, until=window.until)
    if output_format == "otlp":
        from buildrunner.telemetry.otlp import export_stored

        url = endpoint or state.config().config.telemetry.otlp_endpoint
        if not url:
            raise UsageError("--format otlp needs --endpoint URL (or telemetry.otlp_endpoint)")
        count = export_stored(state.store, url, where=where)
        click.echo(f"exported {count} events to {url}", err=True)
        return ExitCode.OK
    from buildrunner.telemetry.export import export_events

    if output is None:
        export_events(state.store, sys.stdout, fmt=output_format, where=where)
        return ExitCode.OK
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            count = export_events(state.store, handle, fmt=output_format, where=where)
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        from buildrunner.core.errors import InputError

        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {count} events to {output}", err=True)
    return ExitCode.OK


@telemetry_group.command("report")
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the self-contained HTML page.",
)
@window_options
@click.pass_obj
def report_command(state: CliState, html_path: Path, since: str | None, until: str | None) -> int:
    """Write an offline HTML report with charts of cost, latency, success rate and errors.

    Example: br telemetry report --html telemetry.html --since 30d
    """
    from buildrunner.telemetry.report import write_report

    try:
        data = write_report(state.store, html_path, _window(since, until))
    except OSError as exc:
        from buildrunner.core.errors import InputError

        raise InputError(f"cannot write {html_path}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {html_path} ({data['headline']['events']} events)")
    return ExitCode.OK


@telemetry_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9464, show_default=True)
@click.pass_obj
def serve_command(state: CliState, host: str, port: int) -> int:
    """Serve Prometheus /metrics computed from the event store (needs buildrunner3[prometheus]).

    Example: br telemetry serve --port 9464
    """
    from buildrunner.telemetry.prometheus import serve_metrics

    config = state.config().config.telemetry
    server, actual = serve_metrics(state.paths.db_path, host=host, port=port, config=config)
    click.echo(f"serving http://{host}:{actual}/metrics (Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return ExitCode.OK
