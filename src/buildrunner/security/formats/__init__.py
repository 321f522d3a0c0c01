"""Report formats: ``text`` (grouped by file), ``json`` (the documented shape), ``sarif``.

Each formatter takes a :class:`~buildrunner.security.report.ScanReport` and returns a string;
none of them ever sees a secret in clear (findings hold masked values only).
"""

from __future__ import annotations

from buildrunner.security.report import ScanReport

FORMATS: tuple[str, ...] = ("text", "json", "sarif")


def render(report: ScanReport, fmt: str, *, color: bool = False) -> str:
    """`report` in format `fmt` (``text``, ``json`` or ``sarif``)."""
    if fmt == "json":
        from buildrunner.security.formats.json_report import render_json

        return render_json(report)
    if fmt == "sarif":
        from buildrunner.security.formats.sarif import render_sarif

        return render_sarif(report)
    if fmt == "text":
        from buildrunner.security.formats.text import render_text

        return render_text(report, color=color)
    raise ValueError(f"unknown format {fmt!r}")
