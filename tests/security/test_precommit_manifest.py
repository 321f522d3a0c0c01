"""The `.pre-commit-hooks.yaml` manifest at the repository root (not part of the wheel)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from buildrunner.cli.main import cli

MANIFEST = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


def _hooks(text: str) -> dict[str, dict[str, str]]:
    hooks: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^(- |  )([a-z_]+): (.*)$", line)
        if not match:
            continue
        if match.group(1) == "- ":
            current = {}
            hooks[match.group(3)] = current
        current[match.group(2)] = match.group(3).strip('"')
    return hooks


@pytest.mark.skipif(not MANIFEST.exists(), reason="runs from a source checkout only")
def test_manifest_declares_the_index_hook() -> None:
    hooks = _hooks(MANIFEST.read_text(encoding="utf-8"))
    assert set(hooks) == {"br-secrets", "br-secrets-files", "br-quality"}
    index_hook = hooks["br-secrets"]
    assert index_hook["entry"] == "br security check"
    assert index_hook["pass_filenames"] == "false"
    assert index_hook["language"] == "python"
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        argv = shlex.split(hook["entry"])
        assert argv[0] == "br"
        assert cli.get_command(None, argv[1]) is not None  # type: ignore[arg-type]
