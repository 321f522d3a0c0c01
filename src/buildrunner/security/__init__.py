"""Security scanning: leaked secrets (and, through the same pipeline, SQL injection).

The public API other subsystems and the CLI call. Every function returns a value and never
prints. Importing this package is cheap: the scanner, rules and formatters load on first use.

    from buildrunner.security import scan_paths, scan_staged, scan_diff, mask_text

    report = scan_diff(repo, "main", "task-branch")   # what the branch added since main
    if report.findings: ...                          # Finding.masked / .fingerprint, never secrets

Telemetry: :func:`record_scan` / :func:`scan_events` turn a report into ``security.scan`` and
(masked) ``security.finding`` events; :func:`quality_events` does the same for the quality gate.

Findings are :class:`Finding` records (``kind`` "secret" or "sql-injection"); reports are
:class:`ScanReport` with ``to_json()`` in the documented shape. See docs/security.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.security.analyzers import (
    BUILTIN_ANALYZERS,
    Analyzer,
    AnalyzerSpec,
    Source,
)
from buildrunner.security.catalog import RuleInfo
from buildrunner.security.events import (
    findings_events,
    quality_events,
    record_events,
    record_scan,
    scan_events,
)
from buildrunner.security.findings import KIND_SECRET, KIND_SQL_INJECTION, Finding
from buildrunner.security.options import ScanOptions
from buildrunner.security.report import ScanReport, ScanStats, SkippedFile

if TYPE_CHECKING:
    from buildrunner.security.baseline import Baseline

__all__ = [
    "BUILTIN_ANALYZERS",
    "KIND_SECRET",
    "KIND_SQL_INJECTION",
    "Analyzer",
    "AnalyzerSpec",
    "Finding",
    "RuleInfo",
    "ScanOptions",
    "ScanReport",
    "ScanStats",
    "SkippedFile",
    "Source",
    "findings_events",
    "list_rules",
    "load_baseline",
    "mask_text",
    "quality_events",
    "record_events",
    "record_scan",
    "render_report",
    "scan_bytes",
    "scan_diff",
    "scan_events",
    "scan_history",
    "scan_paths",
    "scan_staged",
]


def _options(options: ScanOptions | None, config: Any, root: Path | None) -> ScanOptions:
    if options is not None:
        return options
    if config is not None:
        return ScanOptions.from_config(config, root=root)
    return ScanOptions()


def scan_paths(
    paths: Sequence[Path | str],
    *,
    root: Path | None = None,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    config: Any = None,
) -> ScanReport:
    """Scan files and directories (git-tracked plus untracked-not-ignored inside a repository).

    `root` is the project root fingerprints are relative to (default: the top of the git
    working tree holding `cwd`, else `cwd`); `config` is a ``[security]`` configuration section,
    used when `options` is not given.
    """
    from buildrunner.core.paths import find_git_worktree
    from buildrunner.security.scanner import scan_paths as run

    here = (cwd or Path.cwd()).absolute()
    base = root or find_git_worktree(here) or here
    return run(paths, root=base, cwd=cwd, options=_options(options, config, base))


def scan_bytes(
    data: bytes, *, path: str = "<stdin>", options: ScanOptions | None = None, config: Any = None
) -> ScanReport:
    """Scan one text (standard input, a buffer); `path` names it in findings."""
    from buildrunner.security.scanner import scan_bytes as run

    return run(data, path=path, options=_options(options, config, None))


def scan_staged(
    repo: Path, *, cwd: Path | None = None, options: ScanOptions | None = None, config: Any = None
) -> ScanReport:
    """Scan what the git index adds (the next commit), read from git, not the working tree."""
    from buildrunner.security.scanner import scan_staged as run

    return run(repo, cwd=cwd, options=_options(options, config, repo))


def scan_history(
    repo: Path,
    rev_range: str | None = None,
    *,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    config: Any = None,
) -> ScanReport:
    """Scan the lines each commit in `rev_range` (default: HEAD's history) added; findings
    carry ``commit``."""
    from buildrunner.security.scanner import scan_history as run

    return run(repo, rev_range, cwd=cwd, options=_options(options, config, repo))


def scan_diff(
    repo: Path,
    base: str,
    head: str = "HEAD",
    *,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    config: Any = None,
) -> ScanReport:
    """Scan the lines `head` added since it forked from `base` (``git diff base...head``).

    This is the merge gate for a task branch: new findings mean "do not merge".
    """
    from buildrunner.security.scanner import scan_diff as run

    return run(repo, base, head, cwd=cwd, options=_options(options, config, repo))


def mask_text(text: str) -> str:
    """`text` with every secret the built-in rules find replaced by its mask."""
    from buildrunner.security.masking import mask_text as run

    return run(text)


def list_rules(analyzers: Sequence[str] | None = None) -> list[RuleInfo]:
    """Metadata of every rule of the selected (default: all built-in) analyzers."""
    from buildrunner.security.analyzers import select_analyzers

    names = analyzers if analyzers is not None else [spec.name for spec in BUILTIN_ANALYZERS]
    options = ScanOptions(analyzers=tuple(names))
    return [info for spec in select_analyzers(names) for info in spec.load(options).rules()]


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file (InputError if it is unreadable or malformed)."""
    from buildrunner.security.baseline import load_baseline as run

    return run(path)


def render_report(report: ScanReport, fmt: str) -> str:
    """`report` as ``text``, ``json`` or ``sarif``."""
    from buildrunner.security.formats import render

    return render(report, fmt)
