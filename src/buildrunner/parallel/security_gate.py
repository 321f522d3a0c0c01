"""The merge gate backed by the security subsystem: scan what a task branch added.

``buildrunner.security.scan_diff(repo, base, head)`` scans the lines the task added since it
forked; any finding blocks the merge. The report kept with the task is the security
subsystem's own text report (secrets appear only masked), passed once more through
:func:`buildrunner.core.redact.redact_text` before it is stored.

The security package is looked up at run time, so orchestration works (with ``merge_gate =
"auto"`` meaning no gate) in a build that does not ship it.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from buildrunner.core.redact import redact_text
from buildrunner.parallel.integrations import GateResult

MAX_REPORT = 4000
MAX_DETAILS = 200


def security_available() -> bool:
    """Whether the security subsystem (with its diff scan) is installed."""
    try:
        module = import_module("buildrunner.security")
    except ImportError:
        return False
    return callable(getattr(module, "scan_diff", None))


class SecurityGate:
    """Blocks a task whose diff adds a secret or SQL-injection-prone code."""

    name = "security"

    def __init__(self, config: Any = None) -> None:
        self.config = config
        self._security = import_module("buildrunner.security")

    def check(self, repo: Path, base: str, head: str) -> GateResult:
        report = self._security.scan_diff(repo, base, head, config=self.config)
        findings = list(getattr(report, "findings", ()) or ())
        stats = getattr(report, "stats", None)
        scanned = int(getattr(stats, "files_scanned", 0) or 0)
        if not findings:
            return GateResult(True, 0, "", self.name, files_scanned=scanned)
        text = self._security.render_report(report, "text")
        details = tuple(_masked(finding.to_json()) for finding in findings[:MAX_DETAILS])
        return GateResult(
            False,
            len(findings),
            redact_text(text)[:MAX_REPORT],
            self.name,
            details=details,
            files_scanned=scanned,
        )


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    """A finding's JSON with its free-text fields passed through the masker once more."""
    return {
        key: redact_text(value) if key in _FREE_TEXT and isinstance(value, str) else value
        for key, value in data.items()
    }


_FREE_TEXT = frozenset({"path", "message", "masked"})
