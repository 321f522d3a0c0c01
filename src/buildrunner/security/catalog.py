"""Rule metadata shared by every analyzer: what SARIF, ``br security rules`` and the docs show.

Each analyzer describes its rules with :class:`RuleInfo` (see
:meth:`buildrunner.security.analyzers.Analyzer.rules`). The weakness (CWE) decides the SARIF
tags: CWE-798 for hard-coded credentials, CWE-89 for SQL injection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from buildrunner.security.findings import Confidence, Severity

CWE_HARDCODED_CREDENTIALS = "CWE-798"
CWE_SQL_INJECTION = "CWE-89"

CWE_TITLES: dict[str, str] = {
    CWE_HARDCODED_CREDENTIALS: "Use of Hard-coded Credentials",
    CWE_SQL_INJECTION: "Improper Neutralization of Special Elements used in an SQL Command",
}

SECURITY_SEVERITY: dict[str, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
}
"""GitHub's ``security-severity`` (0-10, as a string) for each severity."""

SARIF_LEVEL: dict[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
}

PRECISION: dict[str, str] = {"high": "high", "medium": "medium", "low": "low"}


@dataclass(frozen=True)
class RuleInfo:
    """The public description of one rule. ``id`` is permanent: baselines name it."""

    id: str
    kind: str
    title: str
    severity: Severity
    cwe: str
    description: str = ""
    confidence: Confidence = "high"
    keywords: tuple[str, ...] = ()
    help: str = ""

    @property
    def tags(self) -> list[str]:
        kind_tag = "secret" if self.cwe == CWE_HARDCODED_CREDENTIALS else self.kind
        return ["security", kind_tag, f"external/cwe/{self.cwe.lower()}"]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "severity": self.severity,
            "confidence": self.confidence,
            "cwe": self.cwe,
            "keywords": list(self.keywords),
            "description": self.description,
        }
