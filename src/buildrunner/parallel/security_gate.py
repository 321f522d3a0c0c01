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
        if not findings:
            return GateResult(True, 0, "", self.name)
        text = self._security.render_report(report, "text")
        return GateResult(False, len(findings), redact_text(text)[:MAX_REPORT], self.name)
