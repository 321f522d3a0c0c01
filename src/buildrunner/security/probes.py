"""The scan engine as the quality gate and the gap analysis use it.

:func:`security_check` feeds the quality gate's ``security`` row (a project scan with the
baseline); :func:`gap_probes` gives the gap checks secret detection, history, the hook status
and the current findings. Both only call the public scan functions of this package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from buildrunner.security.findings import KIND_SECRET
from buildrunner.security.gaps import GapProbes, SecretHit
from buildrunner.security.options import ScanOptions
from buildrunner.security.quality import SecurityOutcome


def project_options(security: Any, root: Path) -> ScanOptions:
    """Scan options of the project from its ``[security]`` configuration section."""
    return ScanOptions.from_config(security, root=root)


def security_check(root: Path, options: ScanOptions) -> Callable[[], SecurityOutcome]:
    """The quality gate's security row: scan the project, count what the baseline lets by."""

    def check() -> SecurityOutcome:
        from buildrunner.security.scanner import scan_paths

        report = scan_paths([root], root=root, cwd=root, options=options)
        return SecurityOutcome(
            new_findings=len(report.findings),
            baselined=report.baselined,
            suppressed=report.suppressed,
        )

    return check


def gap_probes(root: Path, options: ScanOptions) -> GapProbes:
    """Every probe the gap checks use, backed by the real scan engine."""
    secrets_only = replace(options, analyzers=("secrets",), baseline=None, jobs=1)

    def scan_text(path: str, text: str) -> Sequence[SecretHit]:
        from buildrunner.security.scanner import scan_bytes

        report = scan_bytes(text.encode("utf-8"), path=path, root=root, options=secrets_only)
        return [SecretHit(f.path, f.line, f.rule_id, f.masked) for f in report.findings]

    def history(repo: Path) -> Sequence[SecretHit]:
        from buildrunner.security.scanner import scan_history

        if not _has_commits(repo):
            return []
        report = scan_history(repo, None, cwd=repo, options=secrets_only)
        return [SecretHit(f.path, f.line, f.rule_id, f.masked, f.commit) for f in report.findings]

    def hook_installed(repo: Path) -> bool:
        from buildrunner.security.hooks import hook_status

        status = hook_status(repo)
        return status.installed or (status.foreign and _uses_pre_commit_framework(repo))

    def current_findings(repo: Path) -> tuple[int, bool, int]:
        from buildrunner.security.scanner import scan_paths

        report = scan_paths([repo], root=repo, cwd=repo, options=options)
        has_baseline = options.baseline is not None and options.baseline.is_file()
        secrets = sum(1 for f in report.findings if f.kind == KIND_SECRET)
        return len(report.findings), has_baseline, secrets

    return GapProbes(
        scan_text=scan_text,
        history=history,
        hook_installed=hook_installed,
        current_findings=current_findings,
    )


def _uses_pre_commit_framework(repo: Path) -> bool:
    """The pre-commit framework's hook is installed and its config runs one of br's hooks."""
    import re

    config = repo / ".pre-commit-config.yaml"
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"(?m)^\s*-?\s*id:\s*['\"]?br-", text) is not None


def _has_commits(repo: Path) -> bool:
    from buildrunner.core.git import run_git

    return run_git(["rev-parse", "--verify", "-q", "HEAD"], cwd=repo, check=False).returncode == 0
