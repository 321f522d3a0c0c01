"""What a scan reports: one :class:`Finding` per problem, shared by every kind of analysis.

Secrets (``kind="secret"``) and SQL injection (``kind="sql-injection"``) produce the same
record, so formatters, baselines, suppression and the merge gate handle both alike. A finding
never holds a secret in clear: only a masked preview (:func:`buildrunner.core.redact.mask_secret`)
and a hash of the secret (``content_hash``) from which the stable ``fingerprint`` is derived.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["critical", "high", "medium", "low"]
Confidence = Literal["high", "medium", "low"]

SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")

KIND_SECRET = "secret"  # noqa: S105 - the name of a finding kind, not a password
KIND_SQL_INJECTION = "sql-injection"

JSON_FIELDS: tuple[str, ...] = (
    "rule_id",
    "kind",
    "path",
    "line",
    "column",
    "end_line",
    "severity",
    "confidence",
    "message",
    "masked",
    "fingerprint",
)
"""The keys of a finding in ``--format json``, in order (``commit`` is added for history scans)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place.

    ``path`` is relative to the working directory of the scan (what people read);
    ``key_path`` is relative to the project root (what identities are built from, so a
    fingerprint does not change with the directory the scan ran in). Lines and columns are
    1-based; ``column`` counts characters. ``snippet`` is the masked source line (for SARIF).
    """

    rule_id: str
    kind: str
    path: str
    line: int
    column: int
    end_line: int
    severity: Severity
    confidence: Confidence
    message: str
    masked: str
    fingerprint: str = ""
    end_column: int = 0
    key_path: str = ""
    content_hash: str = ""
    snippet: str = ""
    commit: str | None = None
    related_line: int = 0
    """A second place that explains the finding (SQL injection: where the string was built);
    0 when there is none. Shown in SARIF as a related location, not in the JSON shape."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this finding (the documented shape, in order)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in JSON_FIELDS}
        if self.commit is not None:
            data["commit"] = self.commit
        return data

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule_id, self.commit or "")


def fingerprint(rule_id: str, key_path: str, content_hash: str) -> str:
    """The stable identity of a finding: a hash of (rule id, project-relative path, content).

    No line number goes in, so a finding keeps its fingerprint when lines move. For a secret
    ``content_hash`` is the SHA-256 of the secret; other kinds hash what identifies their
    problem (a normalised statement, for instance).
    """
    digest = hashlib.sha256(f"{rule_id}\0{key_path}\0{content_hash}".encode()).hexdigest()
    return digest[:32]
