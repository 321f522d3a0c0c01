"""The result of one scan: findings, what was skipped and why, counters, rule metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from buildrunner.security.catalog import RuleInfo
from buildrunner.security.findings import Finding

REPORT_VERSION = 1

SKIP_BINARY = "binary"
SKIP_TOO_LARGE = "too large"
SKIP_UNREADABLE = "unreadable"
SKIP_BROKEN_SYMLINK = "broken symlink"
SKIP_OUTSIDE = "symlink leaves the repository"
SKIP_EXCLUDED = "excluded"
SKIP_NOT_FOUND = "not found"


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not scanned, with the reason (``binary``, ``too large``, ...)."""

    path: str
    reason: str
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class ScanStats:
    """Counters of one scan (``duration_ms`` is wall time)."""

    files_scanned: int = 0
    files_skipped: int = 0
    bytes_scanned: int = 0
    duration_ms: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "bytes_scanned": self.bytes_scanned,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class ScanReport:
    """Everything one scan found, after inline suppressions, allowlists and the baseline.

    ``findings`` are new problems (they decide the exit code). ``suppressed`` counts findings
    silenced inline (``br:allow``), ``baselined`` those accepted in the baseline. ``rules``
    describes every rule that could have reported (for SARIF). ``root`` is the project root.
    """

    findings: tuple[Finding, ...]
    stats: ScanStats
    skipped: tuple[SkippedFile, ...] = ()
    suppressed: int = 0
    baselined: int = 0
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    root: str = ""
    mode: str = "paths"

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON report: ``{"version", "findings", "stats"}``."""
        return {
            "version": REPORT_VERSION,
            "findings": [finding.to_json() for finding in self.findings],
            "stats": self.stats.to_json(),
        }
