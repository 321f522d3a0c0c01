"""The fake `claude` is a real executable: drive it as a subprocess, like the executor does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def claude(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "buildrunner.testing.fake_claude", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=60,
    )


def events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


STREAM = ("--output-format", "stream-json", "--verbose")


def test_stream_shape_and_consistent_costs(tmp_path: Path) -> None:
    proc = claude(tmp_path, "-p", "WRITE a.txt hi\nSAY done", *STREAM, "--session-id", "s-1")
    assert proc.returncode == 0
    evs = events(proc.stdout)
    assert [e["type"] for e in evs] == ["system", "assistant", "user", "assistant", "result"]
    assert evs[0]["subtype"] == "init"
    assert evs[0]["session_id"] == "s-1"
    result = evs[-1]
    assert (result["subtype"], result["is_error"], result["num_turns"]) == ("success", False, 2)
    costs = [m["costUSD"] for m in result["modelUsage"].values()]
    assert result["total_cost_usd"] == pytest.approx(sum(costs), abs=1e-7)
    assert (tmp_path / "a.txt").read_text() == "hi\n"


def test_stream_json_requires_verbose(tmp_path: Path) -> None:
    proc = claude(tmp_path, "-p", "x", "--output-format", "stream-json")
    assert proc.returncode == 1
    assert "requires --verbose" in proc.stderr


def test_session_ids_cannot_be_reused_and_resume_is_cwd_scoped(tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    assert claude(here, "-p", "SAY hi", *STREAM, "--session-id", "s-2").returncode == 0
    reused = claude(here, "-p", "SAY hi", *STREAM, "--session-id", "s-2")
    assert reused.returncode == 1
    assert "already in use" in reused.stderr
    elsewhere = claude(there, "-p", "continue", *STREAM, "--resume", "s-2")
    assert elsewhere.returncode == 1
    assert "No conversation found with session ID: s-2" in elsewhere.stderr
    again = claude(
        here,
        "-p",
        "continue",
        *STREAM,
        "--resume",
        "s-2",
        env={"FAKE_CLAUDE_NEW_ID_ON_RESUME": "1"},
    )
    assert again.returncode == 0
    new_id = events(again.stdout)[0]["session_id"]
    assert new_id != "s-2"
    assert events(again.stdout)[-1]["session_id"] == new_id


def test_fail_times_then_success(tmp_path: Path) -> None:
    env = {"FAKE_CLAUDE_SCENARIO": "overloaded", "FAKE_CLAUDE_FAIL_TIMES": "1"}
    first = claude(tmp_path, "-p", "SAY a", *STREAM, env=env)
    second = claude(tmp_path, "-p", "SAY b", *STREAM, env=env)
    assert events(first.stdout)[-1]["api_error_status"] == 529
    assert events(first.stdout)[-1]["subtype"] == "success"
    assert "api_error_status" not in events(second.stdout)[-1]


def test_hooks_exit_2_blocks_the_edit(tmp_path: Path) -> None:
    settings = json.dumps(
        {"hooks": {"PreToolUse": [{"matcher": "Edit|Write", "hooks": [
            {"type": "command", "command": "echo nope >&2; exit 2"}]}]}}
    )  # fmt: skip
    proc = claude(tmp_path, "-p", "WRITE a.txt x", *STREAM, "--settings", settings)
    assert not (tmp_path / "a.txt").exists()
    result = events(proc.stdout)[-1]
    assert [d["tool_name"] for d in result["permission_denials"]] == ["Write"]
    assert "Blocked by hook: nope" in proc.stdout


def test_version(tmp_path: Path) -> None:
    assert claude(tmp_path, "--version").stdout.strip() == "2.1.120 (Claude Code)"
