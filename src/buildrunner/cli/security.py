"""`br security`: scan for secrets, run the pre-commit check, manage hooks and baselines.

``br security check`` is the pre-commit entry point: it imports only the scanner (no Rich, no
configuration explanation, no other command group) and prints plain text.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from buildrunner.cli.precommit import require_git, run_check, scan_options
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError

FORMATS = ("text", "json", "sarif")
F = TypeVar("F", bound=Callable[..., Any])


def _analyzer_names() -> tuple[str, ...]:
    from buildrunner.security.analyzers import BUILTIN_ANALYZERS

    return tuple(spec.name for spec in BUILTIN_ANALYZERS)


def _analyzer_switches(command: F) -> F:
    """One ``--no-<name>`` flag per built-in analyzer (``--no-secrets``, ``--no-sql``)."""
    from buildrunner.security.analyzers import BUILTIN_ANALYZERS

    for spec in reversed(BUILTIN_ANALYZERS):
        command = click.option(
            f"--no-{spec.name}",
            f"no_{spec.name}",
            is_flag=True,
            help=f"Do not run the {spec.name} analyzer ({spec.summary}).",
        )(command)
    return command


@click.group("security")
def security_group() -> None:
    """Find leaked secrets and SQL injection in files, the index and history; hooks, baselines.

    Example: br security scan . --format sarif --output br.sarif
    """


def _emit(text: str, output: Path | None, state: CliState) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from buildrunner.core.errors import InputError
    from buildrunner.core.project import write_atomic

    target = output if output.is_absolute() else state.cwd / output
    try:
        write_atomic(target, text)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc


@security_group.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--staged", is_flag=True, help="Scan the git index (what the next commit adds).")
@click.option(
    "--history",
    "history",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[RANGE]",
    help="Scan the lines each commit added (default: all of HEAD's history; or a range).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file (default: security.baseline when it exists).",
)
@click.option("--no-baseline", is_flag=True, help="Report findings even if they are baselined.")
@_analyzer_switches
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (0: one per CPU).")
@click.option("--max-file-size", metavar="SIZE", help='Skip larger files (e.g. "5MB").')
@click.pass_obj
def scan_command(
    state: CliState,
    /,
    paths: tuple[Path, ...],
    staged: bool,
    history: str | None,
    output_format: str,
    output: Path | None,
    baseline: Path | None,
    no_baseline: bool,
    jobs: int | None,
    max_file_size: str | None,
    **switches: bool,
) -> int:
    """Scan PATHS (default: the current directory), the index or history for secrets and SQL
    injection.

    Use - to read standard input. Exit 1 when something new is found.

    Example: br security scan src/ --format json
    """
    if staged and history is not None:
        raise UsageError("--staged and --history cannot be combined")
    if (staged or history is not None) and paths:
        raise UsageError("give either PATHS or --staged/--history, not both")
    if Path("-") in paths and len(paths) > 1:
        raise UsageError("- (standard input) cannot be combined with other paths")
    disabled = tuple(name for name in _analyzer_names() if switches.get(f"no_{name}"))
    options = scan_options(
        state,
        jobs=jobs,
        max_file_size=max_file_size,
        baseline=baseline,
        no_baseline=no_baseline,
        disabled=disabled,
    )
    report = _run_scan(state, options, paths, staged=staged, history=history)
    _render(report, output_format, output, state)
    _record(state, report, _target(paths, staged=staged, history=history))
    return ExitCode.FINDINGS if report.findings else ExitCode.OK


def _target(paths: tuple[Path, ...], *, staged: bool, history: str | None) -> str:
    if staged:
        return "staged"
    if history is not None:
        return "history"
    return "stdin" if paths == (Path("-"),) else "files"


def _record(state: CliState, report: Any, target: str) -> None:
    """The scan and its (masked) findings as telemetry events of the project."""
    from buildrunner.security.events import scan_events

    state.record_telemetry(scan_events(report, target=target))


def _run_scan(
    state: CliState, options: Any, paths: tuple[Path, ...], *, staged: bool, history: str | None
) -> Any:
    from buildrunner.security import scanner

    project = state.paths
    if staged or history is not None:
        repo = require_git(state)
        if staged:
            return scanner.scan_staged(repo, cwd=state.cwd, options=options)
        return scanner.scan_history(repo, history or None, cwd=state.cwd, options=options)
    if paths == (Path("-"),):
        data = sys.stdin.buffer.read()
        return scanner.scan_bytes(data, root=project.worktree_root, options=options)
    return scanner.scan_paths(
        list(paths) or [state.cwd], root=project.worktree_root, cwd=state.cwd, options=options
    )


def _render(report: Any, output_format: str, output: Path | None, state: CliState) -> None:
    from buildrunner.security.formats import render

    if output_format == "text" and output is None:
        from buildrunner.cli.output import console
        from buildrunner.security.formats.text import print_rich

        print_rich(report, console())
        return
    _emit(render(report, output_format), output, state)
    if output is not None:
        from buildrunner.security.formats.text import summary

        line = "".join(text for _style, text in summary(report))
        click.echo(f"{line} -> {output}", err=True)


@security_group.command("check")
@click.option("--no-sql", is_flag=True, help="Do not run the SQL-injection analyzer.")
@click.pass_obj
def check_command(state: CliState, no_sql: bool) -> int:
    """Pre-commit check: block the commit if the staged changes add a secret or SQL injection.

    Reads the git index, not the working tree; exit 1 blocks the commit.

    Example: br security check
    """
    return run_check(state, no_sql=no_sql)


@security_group.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(("text", "json")), default="text",
    show_default=True, help="Output format.",
)  # fmt: skip
def rules_command(output_format: str) -> int:
    """List the detection rules: id, severity, title, weakness.

    Example: br security rules --format json
    """
    from buildrunner.security import list_rules

    rules = list_rules()
    if output_format == "json":
        from buildrunner.cli.output import emit_json

        emit_json({"version": 1, "rules": [rule.to_json() for rule in rules]})
        return ExitCode.OK
    width = max(len(rule.id) for rule in rules)
    for rule in rules:
        click.echo(f"{rule.id.ljust(width)}  {rule.severity:<8}  {rule.cwe:<7}  {rule.title}")
    click.echo(f"\n{len(rules)} rules")
    return ExitCode.OK


@security_group.command("mask")
def mask_command() -> int:
    """Copy standard input to standard output with every secret masked.

    Example: cat deploy.log | br security mask > deploy.masked.log
    """
    from buildrunner.security.masking import mask_lines

    stdout = sys.stdout.buffer
    lines = (raw.decode("utf-8", "surrogateescape") for raw in iter(sys.stdin.buffer.readline, b""))
    for masked in mask_lines(lines):
        stdout.write(masked.encode("utf-8", "surrogateescape"))
        stdout.flush()
    return ExitCode.OK


@security_group.group("hooks")
def hooks_group() -> None:
    """Install, remove or inspect the native git pre-commit hook.

    Example: br security hooks install
    """


@hooks_group.command("install")
@click.option("--with-quality", is_flag=True, help="Also run the quality gate (br quality check).")
@click.pass_obj
def hooks_install_command(state: CliState, with_quality: bool) -> int:
    """Install the pre-commit hook (an existing hook is kept and chained).

    Example: br security hooks install --with-quality
    """
    from buildrunner.security.hooks import install_hook

    change = install_hook(require_git(state), with_quality=with_quality)
    click.echo(f"pre-commit hook {change.action}: {change.path}")
    if change.chained is not None:
        click.echo(f"the previous hook runs after br: {change.chained}")
    return ExitCode.OK


@hooks_group.command("uninstall")
@click.pass_obj
def hooks_uninstall_command(state: CliState) -> int:
    """Remove br's pre-commit hook and restore the hook it chained.

    Example: br security hooks uninstall
    """
    from buildrunner.security.hooks import uninstall_hook

    change = uninstall_hook(require_git(state))
    click.echo(f"pre-commit hook {change.action}: {change.path}")
    return ExitCode.OK


@hooks_group.command("status")
@click.option(
    "--format", "output_format", type=click.Choice(("text", "json")), default="text",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.pass_obj
def hooks_status_command(state: CliState, output_format: str) -> int:
    """Show whether the hook is installed, what it runs and what it chains.

    Example: br security hooks status
    """
    from buildrunner.security.hooks import hook_status

    status = hook_status(require_git(state))
    if output_format == "json":
        from buildrunner.cli.output import emit_json

        emit_json(
            {
                "version": 1,
                "path": str(status.path),
                "installed": status.installed,
                "foreign": status.foreign,
                "chained": str(status.chained) if status.chained else None,
                "command": status.command,
                "command_exists": status.command_exists,
            }
        )
    else:
        click.echo(status.describe())
    return ExitCode.OK


@security_group.group("baseline")
def baseline_group() -> None:
    """Accept current findings so that only new ones fail a scan.

    Example: br security baseline create
    """


def _baseline_target(state: CliState, path: Path | None) -> tuple[Path, Any]:
    options = scan_options(state, no_baseline=True)
    if path is not None:
        target = path if path.is_absolute() else state.cwd / path
    else:
        configured = state.config().config.security.baseline
        target = Path(configured)
        if not target.is_absolute():
            target = state.paths.worktree_root / target
    return target, options


_baseline_option = click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file (default: security.baseline).",
)


@baseline_group.command("create")
@_baseline_option
@click.option("--force", is_flag=True, help="Replace an existing baseline.")
@click.pass_obj
def baseline_create_command(state: CliState, baseline_path: Path | None, force: bool) -> int:
    """Scan the project and record every finding as accepted.

    Example: br security baseline create
    """
    from buildrunner.security.baseline import create_baseline

    target, options = _baseline_target(state, baseline_path)
    change = create_baseline(state.paths.worktree_root, target, options, force=force)
    click.echo(f"baseline {target}: {len(change.baseline.entries)} accepted findings")
    return ExitCode.OK


@baseline_group.command("update")
@_baseline_option
@click.pass_obj
def baseline_update_command(state: CliState, baseline_path: Path | None) -> int:
    """Add new findings to the baseline and drop entries whose secret is gone.

    Example: br security baseline update
    """
    from buildrunner.security.baseline import update_baseline

    target, options = _baseline_target(state, baseline_path)
    change = update_baseline(state.paths.worktree_root, target, options)
    verdict = "updated" if change.written else "unchanged"
    click.echo(
        f"baseline {target} {verdict}: {len(change.added)} added, {len(change.removed)} removed, "
        f"{len(change.baseline.entries)} accepted findings"
    )
    return ExitCode.OK


@baseline_group.command("audit")
@_baseline_option
@click.option(
    "--format", "output_format", type=click.Choice(("text", "json")), default="text",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.pass_obj
def baseline_audit_command(state: CliState, baseline_path: Path | None, output_format: str) -> int:
    """List baseline entries whose secret is gone (exit 1 if there are any).

    Example: br security baseline audit
    """
    from buildrunner.security.baseline import audit_baseline

    target, options = _baseline_target(state, baseline_path)
    audit = audit_baseline(state.paths.worktree_root, target, options)
    if output_format == "json":
        from buildrunner.cli.output import emit_json

        emit_json(
            {
                "version": 1,
                "baseline": str(target),
                "present": [entry.to_json() for entry in audit.present],
                "gone": [entry.to_json() for entry in audit.gone],
            }
        )
    else:
        for entry in audit.gone:
            click.echo(f"gone  {entry.path}  {entry.rule_id}  {entry.fingerprint}")
        click.echo(
            f"{len(audit.present)} entries still match a finding, {len(audit.gone)} are gone"
            + (" (remove them with `br security baseline update`)" if audit.gone else "")
        )
    return ExitCode.FINDINGS if audit.gone else ExitCode.OK
