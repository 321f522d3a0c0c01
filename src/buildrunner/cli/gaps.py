"""`br gaps`: security-posture gap analysis of the repository."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from buildrunner.cli.output import emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from buildrunner.security.gaps import GapReport

CHECK_NAMES = ("env-files", "private-keys", "ci-credentials", "history", "hook", "baseline")


@click.group("gaps")
def gaps_group() -> None:
    """Find gaps in the repository's security posture, each with its severity and fix.

    Example: br gaps analyze --format json
    """


@gaps_group.command("analyze")
@click.option(
    "--check",
    "checks",
    multiple=True,
    type=click.Choice(CHECK_NAMES),
    help="Run only this check (repeatable); default: security.gap_checks.",
)
@format_option()
@click.pass_obj
def analyze_command(state: CliState, checks: tuple[str, ...], output_format: str) -> int:
    """Report exposed secrets, missing ignores, hooks and baselines; exit 1 on a high gap.

    Example: br gaps analyze --check env-files --check history
    """
    from buildrunner.security.gaps import analyze_gaps
    from buildrunner.security.probes import gap_probes, project_options

    if not state.paths.in_git:
        raise UsageError(f"{state.cwd} is not inside a git repository", hint="gaps need git")
    config = state.config().config
    root = state.paths.worktree_root
    probes = gap_probes(root, project_options(config.security, root))
    report = analyze_gaps(root, probes=probes, checks=checks or config.security.gap_checks)
    if output_format == "json":
        emit_json(report.to_json())
    else:
        _render(report)
    return ExitCode.FINDINGS if report.is_blocking else ExitCode.OK


def _render(report: GapReport) -> None:
    for gap in report.gaps:
        where = f" [{gap.path}]" if gap.path else ""
        click.echo(f"{gap.severity.upper():<8}  {gap.id}{where}")
        click.echo(f"          {gap.detail}")
        click.echo(f"          fix: {gap.fix}")
    counts = report.counts()
    shown = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low"))
    total = len(report.gaps)
    noun = "gap" if total == 1 else "gaps"
    click.echo(f"{total} {noun} ({shown}); checks run: {', '.join(report.ran) or 'none'}")
    if report.skipped:
        click.echo(f"checks skipped: {', '.join(report.skipped)}")
