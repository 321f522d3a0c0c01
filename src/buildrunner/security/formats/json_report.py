"""``--format json``: ``{"version": 1, "findings": [...], "stats": {...}}``."""

from __future__ import annotations

import json

from buildrunner.security.report import ScanReport


def render_json(report: ScanReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
