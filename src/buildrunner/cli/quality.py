"""`br quality`: the quality gate (security, coverage, tests, lint)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from buildrunner.cli.output import emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode

if TYPE_CHECKING:
    from buildrunner.security.quality import QualityReport

GATE_NAMES = ("security", "coverage", "tests", "lint")


@click.group("quality")
def quality_group() -> None:
    """Check the project against its quality gate: security, coverage, tests and lint.

    Example: br quality check --format json
    """


@quality_group.command("check")
@click.option(
    "--gate",
    "gates",
    multiple=True,
    type=click.Choice(GATE_NAMES),
    help="Run only this gate (repeatable); default: quality.gates.",
)
@click.option(
    "--coverage-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Coverage data to read (coverage.xml or .coverage); default: quality.coverage_file.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Minimum total coverage in percent; default: quality.coverage_threshold (85).",
)
@format_option()
@click.pass_obj
def check_command(
    state: CliState,
    gates: tuple[str, ...],
    coverage_file: Path | None,
    threshold: float | None,
    output_format: str,
) -> int:
    """Run the quality gates and exit 1 if any fails (a missing input fails its gate).

    Example: br quality check --gate coverage --threshold 90
    """
    from buildrunner.security.probes import project_options, security_check
    from buildrunner.security.quality import QualitySettings, check_quality

    overrides = {"quality.coverage_threshold": threshold}
    config = state.config(overrides).config
    section = config.quality
    root = state.paths.worktree_root
    settings = QualitySettings(
        gates=gates or section.gates,
        coverage_threshold=section.coverage_threshold,
        coverage_file=str(coverage_file) if coverage_file else section.coverage_file,
        tests_command=section.tests_command,
        lint_commands=section.lint_commands,
        command_timeout=section.command_timeout,
    )
    options = project_options(config.security, root)
    report = check_quality(root, settings, security_check=security_check(root, options))
    from buildrunner.security.events import quality_events

    state.record_telemetry(quality_events(report))
    if output_format == "json":
        emit_json(report.to_json())
    else:
        _render(report)
    return ExitCode.OK if report.passed else ExitCode.FINDINGS


def _render(report: QualityReport) -> None:
    width = max((len(g.gate) for g in report.gates), default=4)
    click.echo(f"{'gate'.ljust(width)}  status  detail")
    for gate in report.gates:
        click.echo(f"{gate.gate.ljust(width)}  {gate.status.upper():<6}  {gate.detail}")
        if gate.status == "fail":
            for line in gate.output.splitlines():
                click.echo(f"{'':<{width}}          | {line}")
            if gate.hint:
                click.echo(f"{'':<{width}}          fix: {gate.hint}")
    failed = len(report.failed)
    verdict = "passed" if report.passed else f"failed ({failed} of {len(report.gates)} gates)"
    click.echo(f"quality gate {verdict}")
