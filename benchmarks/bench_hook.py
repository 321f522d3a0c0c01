"""Pre-commit latency: `br security check` next to gitleaks, detect-secrets and kingfisher.

The kit's ``make_hook_repo.py`` builds a repository with 200 committed files and a 20-file
staged change carrying one fresh GitHub token; every tool's pre-commit entry point runs in it.
Every one must block the commit (non-zero exit). Target: br median under 100 ms and faster than
gitleaks and detect-secrets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import KIT, ROOT, br_command, ensure_tools, fmt_ms, table, time_commands

TITLE = "Pre-commit hook latency (20-file staged change)"
RUNS = int(os.environ.get("BR_BENCH_HOOK_RUNS", "15"))
TARGET_MS = 100.0


def run() -> tuple[str, dict[str, Any]]:
    br = br_command()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=False)
    tools = ensure_tools("gitleaks", "kingfisher", "detect-secrets", "detect-secrets-hook")
    with tempfile.TemporaryDirectory(prefix="br-bench-hook-") as tmp:
        repo = Path(tmp) / "repo"
        listing = subprocess.run(
            [sys.executable, str(KIT / "make_hook_repo.py"), str(repo)],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        commands: dict[str, list[str]] = {"br security check": [br, "security", "check"]}
        if "gitleaks" in tools:
            commands["gitleaks git --staged"] = [str(tools["gitleaks"]), "git", "--staged"]
        if "detect-secrets-hook" in tools:
            commands["detect-secrets-hook (20 files)"] = [
                str(tools["detect-secrets-hook"]), *listing
            ]  # fmt: skip
        if "kingfisher" in tools:
            commands["kingfisher scan --staged"] = [
                str(tools["kingfisher"]), "scan", ".", "--staged", "--no-update-check",
                "--no-validate",
            ]  # fmt: skip
        timings = time_commands(
            commands, runs=RUNS, warmup=3, cwd=repo, env={"PYTHONDONTWRITEBYTECODE": ""}
        )
    base = timings["br security check"].median
    rows = []
    for label, timing in timings.items():
        ratio = "" if label.startswith("br") else f"{base / timing.median:.2f}"
        rows.append(
            [f"`{label}`", fmt_ms(timing.median), fmt_ms(timing.minimum), fmt_ms(timing.maximum),
             timing.exit_code, ratio]
        )  # fmt: skip
    others = {k: v.median for k, v in timings.items() if not k.startswith("br")}
    blocked = all(t.exit_code != 0 for t in timings.values())
    faster = all(base < m for k, m in others.items() if "kingfisher" not in k)
    verdict = (
        f"br median {base * 1000:.1f} ms: under {TARGET_MS:.0f} ms: "
        f"{'yes' if base * 1000 < TARGET_MS else '**no**'}; faster than gitleaks and "
        f"detect-secrets: {'yes' if faster else '**no**'}; every tool blocked the commit: "
        f"{'yes' if blocked else '**no**'}."
    )
    markdown = (
        f"{len(listing)} staged files (one holds a generated GitHub token) in a repository of "
        f"200 committed files; {RUNS} timed rounds after 3 warm-ups, alternating. Exit must be "
        "non-zero. Ratio is `br/other`.\n\n"
        + table(["entry point", "median (ms)", "min", "max", "exit", "br/other"], rows, "lrrrrr")
        + "\n\n"
        + verdict
    )
    data = {
        label: {"median_ms": t.median * 1000, "exit": t.exit_code, "samples": t.samples}
        for label, t in timings.items()
    }
    return markdown, data
