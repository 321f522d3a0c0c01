"""`br routing`: estimate, select, ask, and account for model calls."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from buildrunner.cli.output import emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError

if TYPE_CHECKING:
    _ParamType = click.ParamType[Any, Any]  # generic from click 8.2; plain before
else:
    _ParamType = click.ParamType


class UsdType(_ParamType):
    """A USD amount (``2.50``), or ``none`` when `allow_none`."""

    name = "usd"

    def __init__(self, *, allow_none: bool = False) -> None:
        self.allow_none = allow_none

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Decimal) or value is None:
            return value
        text = str(value).strip().lstrip("$")
        if self.allow_none and text.lower() in ("none", "off", "unlimited"):
            return "none"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.fail(f"{value!r} is not an amount in USD such as 2.50", param, ctx)
        if not amount.is_finite() or amount <= 0:
            self.fail(f"{value!r} must be greater than 0", param, ctx)
        return amount


@click.group("routing")
def routing_group() -> None:
    """Estimate task complexity, choose Claude models, call them and track costs and budgets.

    Example: br routing estimate "Fix the typo in README.md"
    """


# --------------------------------------------------------------------------- models


@routing_group.command("models")
@click.option("--all", "show_all", is_flag=True, help="Also list models not assigned to a tier.")
@format_option()
@click.pass_obj
def models_command(state: CliState, show_all: bool, output_format: str) -> int:
    """Show the model catalog: tiers, context windows, prices per million tokens and sources.

    Example: br routing models --all --format json
    """
    from buildrunner.routing.catalog import Catalog

    catalog = Catalog.from_config(state.config().config.routing)
    entries = catalog.entries(include_all=show_all)
    if output_format == "json":
        emit_json({"version": 1, "models": [entry.as_dict() for entry in entries]})
        return ExitCode.OK
    rows = [
        (
            "tier",
            "model",
            "context",
            "max out",
            "input",
            "output",
            "cache w5m/w1h/read",
            "price source",
        )
    ]
    for entry in entries:
        prices = entry.prices
        rates = prices.rates if prices else None
        rows.append(
            (
                ",".join(entry.tiers) or "-",
                entry.spec.id
                + ("" if entry.spec.status == "current" else f" ({entry.spec.status})"),
                f"{entry.spec.context_window // 1000}k",
                f"{entry.spec.max_output // 1000}k",
                f"${rates.input}" if rates else "-",
                f"${rates.output}" if rates else "-",
                f"${rates.cache_write_5m}/${rates.cache_write_1h}/${rates.cache_read}"
                if rates
                else "-",
                (prices.source if prices else "no price") + f", checked {entry.spec.checked_at}",
            )
        )
    _table(rows)
    click.echo(
        "Prices: USD per million tokens; batch calls cost 50%; long-context rates apply "
        "to the whole request above the threshold (--format json)."
    )
    return ExitCode.OK


# --------------------------------------------------------------------------- estimate


@routing_group.command("estimate")
@click.argument("text", required=False)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A file the task touches (read: lines, language, tokens). Repeatable.",
)
@click.option(
    "--batch",
    "batch",
    type=click.Path(path_type=Path),
    help='JSON Lines of {"id", "text"}: one estimate per line on stdout.',
)
@format_option()
@click.pass_obj
def estimate_command(
    state: CliState,
    text: str | None,
    files: tuple[Path, ...],
    batch: Path | None,
    output_format: str,
) -> int:
    """Estimate how complex a coding task is (simple, moderate, complex, critical) and why.

    TEXT may be '-' to read the task from stdin.

    Example: br routing estimate "Migrate the job queue to Postgres" --file jobs/queue.py
    """
    from buildrunner.routing.batch import estimate_batch, read_batch
    from buildrunner.routing.complexity import estimate_complexity

    default_level = state.config().config.routing.default_level
    if batch is not None:
        if text is not None or files:
            raise UsageError("--batch cannot be combined with TEXT or --file")
        for row in estimate_batch(read_batch(batch), default_level=default_level, root=state.cwd):
            click.echo(json.dumps(row, ensure_ascii=False))
        return ExitCode.OK
    task = _task_text(text)
    estimate = estimate_complexity(task, files=files, default_level=default_level, root=state.cwd)
    if output_format == "json":
        emit_json({"version": 1, **estimate.as_dict()})
        return ExitCode.OK
    click.echo(f"level:  {estimate.level} (score {estimate.score}/100)")
    click.echo(f"tokens: ~{estimate.tokens:,} in, ~{estimate.output_tokens:,} out expected")
    if estimate.is_default:
        click.echo(
            f"why:    no signal in the text: the default level ({estimate.level}) applies "
            "(routing.default_level)"
        )
    for reason in estimate.reasons:
        click.echo(f'why:    {reason.text} ({reason.signal}: "{reason.matched}")')
    for stat in estimate.files:
        lines = f"{stat.lines} lines" if stat.lines is not None else stat.note or "not read"
        click.echo(f"file:   {stat.path} ({stat.language}, {lines}, ~{stat.tokens:,} tokens)")
    return ExitCode.OK


def _task_text(text: str | None) -> str:
    if text == "-" or (text is None and not sys.stdin.isatty()):
        data = sys.stdin.read()
        if not data.strip():
            raise UsageError("no task text on stdin")
        return data
    if text is None or not text.strip():
        raise UsageError("give the task TEXT (or '-' for stdin, or --batch FILE)")
    return text


# --------------------------------------------------------------------------- select


@routing_group.command("select")
@click.argument("text")
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A file the task touches. Repeatable.",
)
@click.option("--max-cost", type=UsdType(), help="Most USD this task may cost (worst case).")
@click.option("--model", default="auto", show_default=True, help="auto, a tier or a model id.")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Output token limit of the call.")
@click.option("--session", "session_id", help="Session id (for the session budget).")
@format_option()
@click.pass_obj
def select_command(
    state: CliState,
    text: str,
    files: tuple[Path, ...],
    max_cost: Decimal | None,
    model: str,
    max_tokens: int | None,
    session_id: str | None,
    output_format: str,
) -> int:
    """Choose a model for a task: the choice, its expected cost, the reason and alternatives.

    Example: br routing select "Add pagination to GET /api/projects" --max-cost 0.50
    """
    from buildrunner.routing.complexity import estimate_complexity
    from buildrunner.routing.router import Router

    config = state.config().config.routing
    router = Router(config, state.store)
    estimate = estimate_complexity(
        _task_text(text), files=files, default_level=config.default_level, root=state.cwd
    )
    selection = router.select(
        estimate, model=model, max_tokens=max_tokens, max_cost=max_cost, session_id=session_id
    )
    if output_format == "json":
        emit_json({"version": 1, "estimate": estimate.as_dict(), **selection.as_dict()})
        return ExitCode.OK
    click.echo(f"model:    {selection.model} ({selection.tier or 'no tier'})")
    click.echo(f"level:    {estimate.summary()}")
    click.echo(
        f"cost:     ~{_usd(selection.expected_cost)} expected, {_usd(selection.worst_case)} at most"
    )
    click.echo(f"reason:   {selection.reason}")
    for candidate in selection.alternatives:
        click.echo(
            f"instead:  {candidate.model}: ~{_usd(candidate.expected_cost)} ({candidate.verdict})"
        )
    return ExitCode.OK


# --------------------------------------------------------------------------- ask


@routing_group.command("ask")
@click.argument("prompt")
@click.option("--model", default="auto", show_default=True, help="auto, a tier or a model id.")
@click.option("--system", help="System prompt.")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Output token limit.")
@click.option("--max-cost", type=UsdType(), help="Most USD this call may cost (worst case).")
@click.option("--session", "session_id", help="Session id (for the session budget).")
@format_option()
@click.pass_obj
def ask_command(
    state: CliState,
    prompt: str,
    model: str,
    system: str | None,
    max_tokens: int | None,
    max_cost: Decimal | None,
    session_id: str | None,
    output_format: str,
) -> int:
    """Send a prompt to Claude through the router and print the answer, model, tokens and cost.

    Needs ANTHROPIC_API_KEY; routing.base_url (or ANTHROPIC_BASE_URL) points elsewhere.

    Example: br routing ask "Explain this stack trace: ..." --model sonnet
    """
    from buildrunner import telemetry
    from buildrunner.routing.events import TelemetryRecorder
    from buildrunner.routing.router import Router

    config = state.config().config
    collector = telemetry.open_collector(state.store, config.telemetry, background=False)
    try:
        router = Router(
            config.routing, state.store, env=state.env, recorder=TelemetryRecorder(collector)
        )
        completion = router.complete(
            _task_text(prompt),
            model=model,
            system=system,
            max_tokens=max_tokens,
            max_cost=max_cost,
            session_id=session_id,
            task_type="ask",
        )
    finally:
        collector.close()
    if output_format == "json":
        emit_json({"version": 1, **completion.as_dict()})
        return ExitCode.OK
    click.echo(completion.text)
    usage = completion.usage
    cached = usage.cache_read_tokens + usage.cache_write_tokens
    tokens = f"{usage.input_tokens:,} in" + (f" (+{cached:,} cache)" if cached else "")
    retries = len(completion.attempts) - 1
    extra = f", {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
    hops = "".join(f", fell back from {h.from_model} ({h.reason})" for h in completion.hops)
    click.echo(
        f"[{completion.model}: {tokens}, {usage.output_tokens:,} out, "
        f"{_usd(completion.cost.total)}{extra}{hops}]",
        err=True,
    )
    for warning in completion.warnings:
        click.echo(f"br: warning: {warning}", err=True)
    return ExitCode.OK


# --------------------------------------------------------------------------- costs


@routing_group.command("costs")
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month", "all"]),
    default="month",
    show_default=True,
    help="UTC day, ISO week, calendar month, or everything.",
)
@click.option(
    "--by",
    "group",
    type=click.Choice(["model", "day", "task-type"]),
    default="model",
    show_default=True,
    help="How to group the rows.",
)
@format_option("text", "json", "csv")
@click.pass_obj
def costs_command(state: CliState, period: str, group: str, output_format: str) -> int:
    """Show what model calls cost, from the project database (exact amounts).

    Example: br routing costs --period week --by day --format csv
    """
    from buildrunner.routing.ledger import CostLedger

    report = CostLedger(state.store).costs(period=period, by=group)  # type: ignore[arg-type]  # click.Choice
    if output_format == "json":
        emit_json({"version": 1, **report.as_dict()})
        return ExitCode.OK
    if output_format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            [
                group,
                "calls",
                "input_tokens",
                "output_tokens",
                "cache_write_tokens",
                "cache_read_tokens",
                "cost_usd",
            ]
        )
        for row in report.rows:
            writer.writerow(
                [
                    row.key,
                    row.calls,
                    row.input_tokens,
                    row.output_tokens,
                    row.cache_write_tokens,
                    row.cache_read_tokens,
                    row.cost,
                ]
            )
        return ExitCode.OK
    if not report.rows:
        click.echo(
            f"no model calls recorded this {period}"
            if period != "all"
            else "no model calls recorded"
        )
        return ExitCode.OK
    rows = [(group, "calls", "input", "output", "cache w", "cache r", "cost")]
    for row in report.rows:
        rows.append(
            (
                row.key,
                str(row.calls),
                f"{row.input_tokens:,}",
                f"{row.output_tokens:,}",
                f"{row.cache_write_tokens:,}",
                f"{row.cache_read_tokens:,}",
                _usd(row.cost),
            )
        )
    rows.append(("total", "", "", "", "", "", _usd(report.total)))
    _table(rows)
    return ExitCode.OK


# --------------------------------------------------------------------------- budget


@routing_group.group("budget")
def budget_group() -> None:
    """Set and show the daily, monthly and per-session budgets.

    Example: br routing budget set --daily 5 --monthly 100
    """


@budget_group.command("set")
@click.option("--daily", type=UsdType(allow_none=True), help="USD per UTC day, or 'none'.")
@click.option("--monthly", type=UsdType(allow_none=True), help="USD per month, or 'none'.")
@click.option("--session", type=UsdType(allow_none=True), help="USD per session, or 'none'.")
@click.option(
    "--reset",
    "reset",
    multiple=True,
    type=click.Choice(["day", "month", "session"]),
    help="Forget the stored limit of a scope (the config value applies again).",
)
@click.pass_obj
def budget_set_command(
    state: CliState, daily: Any, monthly: Any, session: Any, reset: tuple[str, ...]
) -> int:
    """Store budget limits in the project database ('none' = explicitly unlimited).

    Example: br routing budget set --daily 5 --session 1.50
    """
    from buildrunner.routing.budget import Budgets

    changes = {"day": daily, "month": monthly, "session": session}
    if all(v is None for v in changes.values()) and not reset:
        raise UsageError("give --daily, --monthly, --session or --reset")
    budgets = Budgets(state.store)
    for scope in reset:
        budgets.clear_limit(scope)  # type: ignore[arg-type]  # click.Choice
        click.echo(f"{scope}: stored limit removed")
    for scope, value in changes.items():
        if value is None:
            continue
        budgets.set_limit(scope, None if value == "none" else value)  # type: ignore[arg-type]  # a scope name
        click.echo(f"{scope}: " + ("no limit" if value == "none" else _usd(value, 2)))
    return ExitCode.OK


@budget_group.command("show")
@click.option("--session", "session_id", help="Show the session budget of this session id.")
@format_option()
@click.pass_obj
def budget_show_command(state: CliState, session_id: str | None, output_format: str) -> int:
    """Show each budget's limit, spent and reserved amounts and what is left.

    Example: br routing budget show --session build-42
    """
    from buildrunner.routing.router import Router

    router = Router(state.config().config.routing, state.store)
    statuses = router.budgets.status(session_id)
    if output_format == "json":
        emit_json({"version": 1, "session": session_id, "budgets": [s.as_dict() for s in statuses]})
        return ExitCode.OK
    rows = [("scope", "limit", "spent", "reserved", "left", "used", "source")]
    for s in statuses:
        rows.append(
            (
                s.scope + (f" {session_id}" if s.scope == "session" and session_id else ""),
                _usd(s.limit, 2) if s.limit is not None else "none",
                _usd(s.spent),
                _usd(s.reserved),
                _usd(s.remaining) if s.remaining is not None else "-",
                f"{s.used_fraction:.0%}" if s.used_fraction is not None else "-",
                s.source,
            )
        )
    _table(rows)
    return ExitCode.OK


# --------------------------------------------------------------------------- helpers


def _usd(amount: Decimal, places: int = 6) -> str:
    from buildrunner.routing.pricing import format_usd

    return format_usd(amount, places)


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
