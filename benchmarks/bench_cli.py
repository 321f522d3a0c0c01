"""CLI start-up: the lazy-loading budget (`br --version`, `br --help`), target < 80 ms."""

from __future__ import annotations

import sys
from typing import Any

from benchlib import br_command, fmt_ms, table, time_commands

TITLE = "CLI start-up (lazy loading budget)"
TARGET_MS = 80.0


def run() -> tuple[str, dict[str, Any]]:
    br = br_command()
    commands = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "python -c 'import click' (floor + click)": [sys.executable, "-c", "import click"],
        "br --version": [br, "--version"],
        "br --help": [br, "--help"],
    }
    timings = time_commands(commands, runs=30, warmup=3)
    rows = []
    for label, timing in timings.items():
        verdict = ""
        if label.startswith("br"):
            verdict = "yes" if timing.median * 1000 < TARGET_MS else "**no**"
        rows.append(
            [
                f"`{label}`",
                fmt_ms(timing.median),
                fmt_ms(timing.minimum),
                fmt_ms(timing.maximum),
                verdict,
            ]
        )
    markdown = (
        "Median wall time of 30 runs (3 warm-ups), alternating commands. "
        f"Target: under {TARGET_MS:.0f} ms.\n\n"
        + table(["command", "median (ms)", "min", "max", f"< {TARGET_MS:.0f} ms"], rows, "lrrrl")
    )
    data = {
        label: {"median_ms": t.median * 1000, "min_ms": t.minimum * 1000}
        for label, t in timings.items()
    }
    return markdown, data
