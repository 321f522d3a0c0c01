"""`br run PLAN`: run a plan through every subsystem, with progress and a closing summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from buildrunner.cli.output import console, emit_json
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode

if TYPE_CHECKING:
    from rich.live import Live

    from buildrunner.parallel import SessionInfo
    from buildrunner.run import Frame

REFRESH = 0.25
"""Seconds between two redraws of the live display (journal lines are shown at once)."""


@click.command("run")
@click.argument("plan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--workers", "-w", type=click.IntRange(1, 256), help="Worker processes.")
@click.option("--base", help="Base ref of the session (default: the plan's, then HEAD).")
@click.option("--backend", default="local", show_default=True, help="Where workers run.")
@click.option("--plain", is_flag=True, help="Progress as plain lines even on a terminal.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="json: no progress, the summary as one JSON document.",
)
@click.pass_obj
def run_command(
    state: CliState,
    plan: Path,
    workers: int | None,
    base: str | None,
    backend: str,
    plain: bool,
    output_format: str,
) -> int:
    """Run PLAN (TOML or YAML): every task in its worktree, models chosen, costs recorded,
    security-gated merges, telemetry, alerts, and a summary at the end.

    Exit status 0 when every task merged, 1 when some did not; Ctrl-C pauses the session
    (resume it with br parallel resume).

    Example: br run plan.toml --workers 4
    """
    from buildrunner.run import run_plan

    target = plan if plan.is_absolute() else state.cwd / plan
    display = _Display(output_format == "json", plain or not console().is_terminal)
    try:
        outcome = run_plan(
            state.paths,
            state.config().config,
            target,
            store=state.store,
            workers=workers,
            base=base,
            backend=backend,
            on_progress=display.show,
            on_start=display.start,
        )
    except KeyboardInterrupt:
        display.stop()
        if display.session_id:
            click.echo(
                f"\npaused session {display.session_id}; resume with: "
                f"br parallel resume {display.session_id}",
                err=True,
            )
        return ExitCode.INTERRUPTED
    display.stop()
    if output_format == "json":
        emit_json(outcome.summary.to_dict())
    else:
        from buildrunner.run.render import summary_lines

        out = console()
        for line in summary_lines(outcome.summary, cwd=state.cwd):
            out.print(line, soft_wrap=True)
    return ExitCode.OK if outcome.summary.succeeded else ExitCode.FINDINGS


class _Display:
    """Progress while the run goes: nothing (JSON), plain lines, or a live table."""

    def __init__(self, silent: bool, plain: bool) -> None:
        self.silent = silent
        self.plain = plain
        self.session_id: str | None = None
        self.live: Live | None = None
        self.started = False
        self.last = 0.0

    def start(self, session: SessionInfo) -> None:
        self.session_id = session.id
        if not self.silent and not self.plain:
            from rich.live import Live

            self.live = Live(console=console(), auto_refresh=False, transient=False)
            self.live.start()

    def show(self, frame: Frame) -> None:
        if self.silent:
            return
        from buildrunner.run.render import journal_lines, live_renderable, start_line

        if self.live is not None:
            now = time.monotonic()
            if frame.journal or now - self.last >= REFRESH:
                self.last = now
                self.live.update(live_renderable(frame), refresh=True)
            return
        if not self.started:
            self.started = True
            click.echo(start_line(frame))
        for line in journal_lines(frame):
            click.echo(line)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
