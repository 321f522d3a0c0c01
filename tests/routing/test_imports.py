"""Importing routing, estimating and selecting never load the SDK (about a second)."""

from __future__ import annotations

import subprocess
import sys


def test_routing_imports_stay_light() -> None:
    code = (
        "import sys, buildrunner.routing as r\n"
        "r.estimate_complexity('Fix typo in README')\n"
        "print(sorted(m for m in ('anthropic', 'httpx2', 'genai_prices', 'rich') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_estimate_command_does_not_load_the_sdk() -> None:
    code = (
        "import sys\nfrom buildrunner.cli.main import main\n"
        "main(['routing', 'estimate', 'Fix typo in README'])\n"
        "print('anthropic' in sys.modules, 'genai_prices' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "False False"
