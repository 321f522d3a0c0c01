"""`br parallel`: run many coding tasks at once, each in its own worktree (thin commands)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from buildrunner.cli.output import console, emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from buildrunner.parallel.settings import RunSettings


def _settings(state: CliState, **overrides: Any) -> RunSettings:
    from buildrunner.parallel.settings import RunSettings

    settings = RunSettings.from_config(state.paths, state.config().config)
    return settings.with_overrides(**overrides)


def _now() -> float:
    from buildrunner.core.clock import SYSTEM_CLOCK

    return SYSTEM_CLOCK.now()


def _parse_duration(value: str, option: str) -> float:
    from buildrunner.core.config import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        raise UsageError(
            f'{option}: expected a duration such as 30m, 12h or 7d, got "{value}"'
        ) from None


@click.group("parallel")
def parallel_group() -> None:
    """Run many coding tasks at once: isolated worktrees, leased path claims, recovery.

    Example: br parallel start plan.toml --workers 4
    """


# --------------------------------------------------------------------------- start / resume


@parallel_group.command("start")
@click.argument("plan", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--workers", "-w", type=click.IntRange(1, 256), help="Worker processes.")
@click.option("--base", help="Base ref of the session (default: the plan's, then HEAD).")
@click.option("--detach", is_flag=True, help="Run in the background and return at once.")
@click.option("--backend", default="local", show_default=True, help="Where workers run (local).")
@click.pass_obj
def start_command(
    state: CliState, plan: Path, workers: int | None, base: str | None, detach: bool, backend: str
) -> int:
    """Start a session of PLAN (TOML or YAML) and supervise it until every task settles.

    Exit status 0 when every task merged, 1 when some did not. Ctrl-C pauses the session
    (resume it with br parallel resume).

    Example: br parallel start plan.toml --workers 4 --detach
    """
    from buildrunner.parallel.control import create_from_plan, run_detached

    settings = _settings(state)
    config = state.config().config.parallel
    session = create_from_plan(
        state.store,
        settings,
        plan,
        workers=workers,
        configured_workers=config.workers,
        base=base,
        configured_base=config.base,
        backend=backend,
    )
    click.echo(
        f"session {session.id}: {session.name}, base {session.base_ref} "
        f"({session.base_commit[:10] or 'no git'}), {session.workers_wanted} workers"
    )
    if detach:
        pid = run_detached(settings, session.id)
        click.echo(f"supervisor running in the background (pid {pid})")
        click.echo(f"watch it: br parallel status {session.id} --watch")
        return ExitCode.OK
    return _supervise(state, settings, session.id)


def _supervise(state: CliState, settings: RunSettings, session_id: str) -> int:
    from buildrunner.parallel.control import run_foreground
    from buildrunner.parallel.render import summary_renderable
    from buildrunner.parallel.sessions import journal_since
    from buildrunner.parallel.summary import summarize

    seen = [0]

    def show(_session: object) -> None:
        for pk, entry in journal_since(state.store, session_id, seen[0]):
            seen[0] = pk
            who = f"[{entry.task_id}] " if entry.task_id else ""
            click.echo(f"{who}{entry.message}")

    try:
        final = run_foreground(state.store, settings, session_id, on_tick=show)
    except KeyboardInterrupt:
        click.echo(
            f"\npaused session {session_id}; resume with: br parallel resume {session_id}", err=True
        )
        return ExitCode.INTERRUPTED
    show(final)
    console().print(summary_renderable(summarize(state.store, session_id, now=_now())))
    return ExitCode.OK if final.state == "completed" else ExitCode.FINDINGS


@parallel_group.command("resume")
@click.argument("session_id", metavar="ID")
@click.option("--detach", is_flag=True, help="Supervise in the background.")
@click.pass_obj
def resume_command(state: CliState, session_id: str, detach: bool) -> int:
    """Resume a paused session, or restart one whose supervisor died.

    Paused claude tasks continue their conversation with --resume from the same worktree.

    Example: br parallel resume 3f6c
    """
    from buildrunner.parallel.control import resume_session, run_detached

    settings = _settings(state)
    result = resume_session(state.store, settings, session_id)
    session = result.session
    click.echo(f"session {session.id} is {session.state}")
    if not result.needs_supervisor:
        click.echo("its supervisor is running; it picks the tasks up again")
        return ExitCode.OK
    if detach:
        pid = run_detached(settings, session.id)
        click.echo(f"supervisor running in the background (pid {pid})")
        return ExitCode.OK
    return _supervise(state, settings, session.id)


# --------------------------------------------------------------------------- control


@parallel_group.command("pause")
@click.argument("session_id", metavar="ID")
@click.pass_obj
def pause_command(state: CliState, session_id: str) -> int:
    """Pause a session: no new task starts; claude tasks stop at their next turn boundary.

    Example: br parallel pause 3f6c
    """
    from buildrunner.parallel.control import pause_session

    session = pause_session(state.store, session_id)
    click.echo(
        f"session {session.id} is {session.state}; resume with br parallel resume {session.id}"
    )
    return ExitCode.OK


@parallel_group.command("cancel")
@click.argument("session_id", metavar="ID")
@click.option("--clean", is_flag=True, help="Also remove the worktrees, task branches and logs.")
@click.pass_obj
def cancel_command(state: CliState, session_id: str, clean: bool) -> int:
    """Cancel a session: running tasks are killed and their path claims released.

    Example: br parallel cancel 3f6c --clean
    """
    from buildrunner.parallel.control import cancel_session

    session = cancel_session(state.store, _settings(state), session_id, clean=clean)
    click.echo(f"session {session.id} is {session.state}" + (" (files removed)" if clean else ""))
    return ExitCode.OK


@parallel_group.command("workers")
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--scale", type=click.IntRange(0, 256), help="Run this many workers from now on.")
@format_option()
@click.pass_obj
def workers_command(
    state: CliState, session_id: str | None, scale: int | None, output_format: str
) -> int:
    """List the workers of a session (the newest by default), or change how many run.

    Example: br parallel workers 3f6c --scale 8
    """
    from buildrunner.parallel.control import scale_workers
    from buildrunner.parallel.render import workers_table
    from buildrunner.parallel.sessions import get_session, list_workers

    session = get_session(state.store, session_id)
    if scale is not None:
        session = scale_workers(state.store, session.id, scale)
        click.echo(f"session {session.id}: scaling to {scale} workers")
    workers = list_workers(state.store, session.id)
    if output_format == "json":
        emit_json(
            {
                "version": 1,
                "session": session.id,
                "workers_wanted": session.workers_wanted,
                "workers": [w.to_dict() for w in workers],
            }
        )
        return ExitCode.OK
    if scale is None:
        console().print(workers_table(workers, now=_now()))
    return ExitCode.OK


# --------------------------------------------------------------------------- views


@parallel_group.command("status")
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--watch", is_flag=True, help="Refresh until Ctrl-C (or the session ends).")
@click.option(
    "--interval", type=float, default=1.0, show_default=True, help="Seconds between refreshes."
)
@format_option()
@click.pass_obj
def status_command(
    state: CliState, session_id: str | None, watch: bool, interval: float, output_format: str
) -> int:
    """Show a session's tasks, workers, claims and alerts (the newest session by default).

    Example: br parallel status 3f6c --watch
    """
    from buildrunner.parallel.render import status_renderable
    from buildrunner.parallel.snapshot import load_snapshot

    settings = _settings(state)
    if session_id:
        from buildrunner.parallel.sessions import get_session

        session_id = get_session(state.store, session_id).id
    snapshot = load_snapshot(state.store, settings, session_id, now=_now())
    if output_format == "json":
        if watch:
            raise UsageError("--watch cannot be combined with --format json")
        emit_json(snapshot.to_dict())
        return ExitCode.OK
    if not watch:
        console().print(status_renderable(snapshot))
        return ExitCode.OK
    return _watch(state, settings, snapshot.session.id if snapshot.session else None, interval)


_FINAL = ("completed", "failed", "cancelled")


def _watch(state: CliState, settings: RunSettings, session_id: str | None, interval: float) -> int:
    import time

    from rich.live import Live

    from buildrunner.parallel.render import status_renderable
    from buildrunner.parallel.snapshot import data_version, load_snapshot

    version = -1
    ticks = 0
    try:
        with Live(console=console(), auto_refresh=False) as live:
            while True:
                current = data_version(state.store)
                if current != version or ticks % 5 == 0:  # re-read on change; ages every 5th
                    version = current
                    snapshot = load_snapshot(state.store, settings, session_id, now=_now())
                    live.update(status_renderable(snapshot), refresh=True)
                    if snapshot.session and snapshot.session.state in _FINAL:
                        return ExitCode.OK
                ticks += 1
                time.sleep(max(0.1, interval))
    except KeyboardInterrupt:
        return ExitCode.OK


@parallel_group.command("list")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@format_option()
@click.pass_obj
def list_command(state: CliState, limit: int, output_format: str) -> int:
    """List sessions, newest first.

    Example: br parallel list --format json
    """
    from buildrunner.parallel.render import sessions_table
    from buildrunner.parallel.sessions import list_sessions

    sessions = list_sessions(state.store, limit=limit)
    if output_format == "json":
        emit_json({"version": 1, "sessions": [s.to_dict() for s in sessions]})
        return ExitCode.OK
    if not sessions:
        click.echo("no parallel sessions yet (start one with br parallel start PLAN)")
        return ExitCode.OK
    console().print(sessions_table(sessions, now=_now()))
    return ExitCode.OK


@parallel_group.command("summary")
@click.argument("session_id", metavar="[ID]", required=False)
@format_option()
@click.pass_obj
def summary_command(state: CliState, session_id: str | None, output_format: str) -> int:
    """Summarise a session: tasks by state, cost by model, merges and what needs attention.

    Example: br parallel summary 3f6c
    """
    from buildrunner.parallel.render import summary_renderable
    from buildrunner.parallel.summary import summarize

    summary = summarize(state.store, session_id, now=_now())
    if output_format == "json":
        emit_json(summary.to_dict())
        return ExitCode.OK
    console().print(summary_renderable(summary))
    return ExitCode.OK


@parallel_group.command("claims")
@click.option("--session", "session_id", metavar="ID", help="Only this session's claims.")
@format_option()
@click.pass_obj
def claims_command(state: CliState, session_id: str | None, output_format: str) -> int:
    """List the live path claims of the project (every session).

    Example: br parallel claims --format json
    """
    from buildrunner.parallel.claims import list_claims
    from buildrunner.parallel.render import claims_table

    if session_id:
        from buildrunner.parallel.sessions import get_session

        session_id = get_session(state.store, session_id).id
    now = _now()
    claims = list_claims(state.store, now=now, session_id=session_id)
    if output_format == "json":
        emit_json({"version": 1, "claims": [c.to_dict() for c in claims]})
        return ExitCode.OK
    if not claims:
        click.echo("no live path claims")
        return ExitCode.OK
    console().print(claims_table(claims, now=now))
    return ExitCode.OK


@parallel_group.command("cleanup")
@click.option("--older-than", default="7d", show_default=True, help="Age of finished sessions.")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@format_option()
@click.pass_obj
def cleanup_command(state: CliState, older_than: str, dry_run: bool, output_format: str) -> int:
    """Remove finished sessions older than --older-than: worktrees, task branches, logs, records.

    Session branches (the merged work) are kept.

    Example: br parallel cleanup --older-than 7d --dry-run
    """
    from buildrunner.parallel.control import cleanup_sessions

    age = _parse_duration(older_than, "--older-than")
    items = cleanup_sessions(state.store, _settings(state), older_than=age, dry_run=dry_run)
    if output_format == "json":
        emit_json(
            {
                "version": 1,
                "dry_run": dry_run,
                "sessions": [
                    {"id": i.session_id, "state": i.state, "removed": list(i.removed)}
                    for i in items
                ],
            }
        )
        return ExitCode.OK
    verb = "would remove" if dry_run else "removed"
    for item in items:
        click.echo(f"{verb} session {item.session_id} ({item.state}, {len(item.removed)} paths)")
    if not items:
        click.echo(f"no finished session older than {older_than}")
    return ExitCode.OK


@parallel_group.command("dashboard")
@click.argument("session_id", metavar="[ID]", required=False)
@click.pass_obj
def dashboard_command(state: CliState, session_id: str | None) -> int:
    """Open the interactive dashboard (p pause, r resume, c cancel, q quit).

    Needs the dashboard extra: pip install 'buildrunner3[dashboard]'.

    Example: br parallel dashboard
    """
    try:
        from buildrunner.parallel.dashboard import run_dashboard
    except ImportError as exc:
        from buildrunner.core.errors import BuildRunnerError

        raise BuildRunnerError(
            f"the dashboard needs Textual ({exc})",
            hint="pip install 'buildrunner3[dashboard]'",
        ) from exc
    settings = _settings(state)
    if session_id:
        from buildrunner.parallel.sessions import get_session

        session_id = get_session(state.store, session_id).id
    run_dashboard(state.store, settings, session_id)
    return ExitCode.OK


@parallel_group.command("guard")
@click.pass_obj
def guard_command(state: CliState) -> int:
    """Claude Code PreToolUse hook: block (exit 2) an edit to a path another task claimed.

    Reads the hook's JSON on stdin. Fails closed: any internal error blocks the edit.

    Example: claude --settings '{"hooks":{"PreToolUse":[{"matcher":"Edit|Write",
    "hooks":[{"type":"command","command":"br parallel guard"}]}]}}'
    """
    from buildrunner.parallel.guard import BLOCK, evaluate_hook

    try:
        stdin_text = sys.stdin.read()
    except Exception as exc:  # fail closed on unreadable input
        click.echo(f"br parallel guard: cannot read stdin ({exc})", err=True)
        return BLOCK

    def open_store(cwd: Path) -> tuple[Any, Path, bool]:
        from buildrunner.cli.state import CliState as State

        local = State(cwd=cwd, env=state.env)
        strict = bool(local.config().config.parallel.guard_strict)
        return local.store, local.paths.worktree_root, strict

    import os

    verdict = evaluate_hook(stdin_text, env=os.environ, open_store=open_store, now=_now())
    if verdict.message:
        click.echo(verdict.message, err=True)
    return verdict.exit_code
