"""`br security check`, the pre-commit entry point, without Click.

The launcher (:mod:`buildrunner.cli.launcher`) calls :func:`main` for exactly
``br security check``; the Click command of the same name calls :func:`run_check`. Errors are
handled here the way :func:`buildrunner.cli.main.main` handles them: one masked line on stderr
and the documented exit code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from buildrunner.cli.state import CliState
from buildrunner.core.errors import BuildRunnerError, ExitCode, UsageError

BLOCKED = (
    "\nCommit blocked: the staged changes add secrets. Remove them (and rotate them),\n"
    "mark an intended value with a `br:allow` comment on its line, or accept the current\n"
    "findings with `br security baseline update`. Bypass once: git commit --no-verify\n"
)
BLOCKED_SQL = (
    "\nCommit blocked: the staged changes add secrets or SQL built from untrusted input.\n"
    "Remove secrets (and rotate them); pass values to SQL as parameters. Mark an intended\n"
    "line with `br:allow` (or `# nosec`), or accept the current findings with\n"
    "`br security baseline update`. Bypass once: git commit --no-verify\n"
)


def scan_options(
    state: CliState,
    *,
    jobs: int | None = None,
    max_file_size: str | None = None,
    baseline: Path | None = None,
    no_baseline: bool = False,
    disabled: tuple[str, ...] = (),
) -> Any:
    """The ScanOptions of a command: configuration, then command-line options."""
    from buildrunner.security.options import ScanOptions

    overrides = {"security.jobs": jobs, "security.max_file_size": max_file_size}
    loaded = state.config(overrides)
    options = ScanOptions.from_config(loaded.config.security, root=state.paths.worktree_root)
    changes: dict[str, Any] = {}
    if baseline is not None:
        path = baseline if baseline.is_absolute() else state.cwd / baseline
        if not path.is_file():
            raise UsageError(f"baseline file {baseline} does not exist")
        changes["baseline"] = path
    if no_baseline:
        changes["baseline"] = None
    if disabled:
        remaining = tuple(name for name in options.analyzers if name not in disabled)
        if not remaining:
            raise UsageError("nothing to scan: every analyzer is turned off")
        changes["analyzers"] = remaining
    if changes:
        from dataclasses import replace

        options = replace(options, **changes)
    return options


def require_git(state: CliState) -> Path:
    """The working-tree top, or a UsageError outside git."""
    if not state.paths.in_git:
        raise UsageError(
            f"{state.cwd} is not inside a git repository",
            hint="--staged, --history and hooks need git",
        )
    return state.paths.worktree_root


def run_check(state: CliState, *, no_sql: bool = False) -> int:
    """Scan the index; print the findings and how to proceed; exit 1 blocks the commit."""
    from buildrunner.security.scanner import scan_staged

    options = scan_options(state, disabled=("sql",) if no_sql else ())
    report = scan_staged(require_git(state), cwd=state.cwd, options=options)
    if not report.findings:
        return ExitCode.OK  # no telemetry for a clean commit: it would double the hook's time
    from buildrunner.security.formats.text import render_text

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    only_secrets = all(finding.kind == "secret" for finding in report.findings)
    sys.stdout.write(render_text(report, color=color) + (BLOCKED if only_secrets else BLOCKED_SQL))
    sys.stdout.flush()
    if state.telemetry_active():  # building the events imports telemetry: only when stored
        from buildrunner.security.events import scan_events

        state.record_telemetry(scan_events(report, target="staged", blocked=True))
    return ExitCode.FINDINGS


def _redact(text: str) -> str:
    from buildrunner.core.redact import redact_text

    return redact_text(text)


def _error(message: str) -> None:
    sys.stderr.write(f"br: error: {message}\n")
    sys.stderr.flush()


def main(argv: Sequence[str]) -> int:
    """``br security check`` with error handling, for the launcher's fast path."""
    try:
        return run_check(CliState())
    except BuildRunnerError as exc:
        _error(_redact(str(exc)))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:
        from buildrunner.core.logs import write_crash_log
        from buildrunner.core.paths import resolve_paths

        try:
            paths = resolve_paths()
        except Exception:
            paths = None
        log = write_crash_log(exc, paths=paths, argv=list(argv), redact=_redact)
        summary = _redact(f"{type(exc).__name__}: {exc}")
        _error(f"unexpected error: {summary}; traceback written to {log}")
        return ExitCode.UNEXPECTED
