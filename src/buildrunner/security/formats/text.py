"""``--format text``: findings grouped by file, then a summary line.

The layout is built once as styled segments. ``br security scan`` prints it through Rich;
the pre-commit hook (``br security check``) prints the same text without importing Rich, with
plain ANSI colours when the terminal wants them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from buildrunner.security.findings import SEVERITIES, Finding
from buildrunner.security.report import (
    SKIP_BINARY,
    SKIP_EXCLUDED,
    ScanReport,
)

Segment = tuple[str, str]
"""(style, text); style is '' or a Rich style name."""

SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
}
_ANSI = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
}
QUIET_SKIP_REASONS = (SKIP_BINARY, SKIP_EXCLUDED)
"""Skip reasons that are expected and only counted, not listed one by one."""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def _finding_lines(finding: Finding) -> list[list[Segment]]:
    where = f"  {finding.line}:{finding.column}"
    if finding.end_line != finding.line:
        where += f"-{finding.end_line}"
    head: list[Segment] = [
        ("dim", where.ljust(14)),
        (SEVERITY_STYLE.get(finding.severity, ""), finding.severity.ljust(9)),
        ("bold", finding.rule_id),
    ]
    if finding.commit:
        head.append(("dim", f"  commit {finding.commit[:12]}"))
    detail: list[Segment] = [("", " " * 14), ("", finding.message)]
    if finding.kind != "secret":  # SQL injection: the (masked) code of the sink is the value
        code: list[Segment] = [("", " " * 14), ("dim", "code: "), ("", finding.snippet)]
        return [head, detail, code]
    shown: list[Segment] = [("", " " * 14), ("dim", "value: "), ("", finding.masked)]
    if finding.snippet:
        shown += [("dim", "   line: "), ("", finding.snippet)]
    return [head, detail, shown]


def summary(report: ScanReport) -> list[Segment]:
    """The closing line: counts of findings by severity, files, bytes, time, suppressions."""
    stats = report.stats
    findings = report.findings
    files = len({f.path for f in findings})
    parts: list[Segment] = []
    if findings:
        by_severity = Counter(f.severity for f in findings)
        detail = ", ".join(f"{by_severity[s]} {s}" for s in SEVERITIES if by_severity[s])
        parts.append(
            (
                "bold red",
                f"{_plural(len(findings), 'finding')} ({detail}) in {_plural(files, 'file')}",
            )
        )
    else:
        parts.append(("bold green", "No new findings"))
    tail = (
        f" · {_plural(stats.files_scanned, 'file')} scanned ({_size(stats.bytes_scanned)}), "
        f"{stats.files_skipped} skipped, {stats.duration_ms / 1000:.2f} s"
    )
    if report.suppressed:
        tail += f" · {report.suppressed} suppressed inline"
    if report.baselined:
        tail += f" · {report.baselined} in baseline"
    parts.append(("dim", tail))
    return parts


def layout(report: ScanReport) -> list[list[Segment]]:
    """Every output line as styled segments."""
    lines: list[list[Segment]] = []
    current = None
    for finding in report.findings:
        if finding.path != current:
            if current is not None:
                lines.append([])
            current = finding.path
            lines.append([("bold", finding.path)])
        lines.extend(_finding_lines(finding))
    listed = [s for s in report.skipped if s.reason not in QUIET_SKIP_REASONS]
    if listed:
        if lines:
            lines.append([])
        lines.append([("bold", "Skipped")])
        for skipped in listed:
            note = f" ({skipped.detail})" if skipped.detail else ""
            lines.append([("", f"  {skipped.path}"), ("dim", f": {skipped.reason}{note}")])
    if lines:
        lines.append([])
    lines.append(summary(report))
    return lines


def _ansi(style: str, text: str) -> str:
    codes = [_ANSI[word] for word in style.split() if word in _ANSI]
    if not codes or not text:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def render_text(report: ScanReport, *, color: bool = False) -> str:
    """The text report as a string (ANSI colours when `color`)."""
    out = []
    for segments in layout(report):
        line = "".join(_ansi(style, text) if color else text for style, text in segments)
        out.append(line.rstrip())
    return "\n".join(out) + "\n"


def print_rich(report: ScanReport, console: Any) -> None:
    """Print the text report through a Rich console."""
    from rich.text import Text

    for segments in layout(report):
        text = Text(no_wrap=False, overflow="fold")
        for style, piece in segments:
            text.append(piece, style=style or None)
        console.print(text, highlight=False, markup=False, soft_wrap=True)


def skipped_counts(report: ScanReport) -> Sequence[tuple[str, int]]:
    """(reason, count) of skipped files, most frequent first."""
    return Counter(s.reason for s in report.skipped).most_common()
