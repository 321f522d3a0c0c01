"""`br run` through the real entry point: progress lines, the summary, JSON, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BrResult
from tests.helpers import git, run_br
from tests.security.tokens import Tokens

Br = Callable[..., BrResult]
FAST = {"BR_PARALLEL_POLL_INTERVAL": "0.02", "BR_PARALLEL_HEARTBEAT_INTERVAL": "0.5"}

PLAN = """
[plan]
name = "cli-run"
workers = 2

[[tasks]]
id = "first"
command = "sleep 0.5 && echo one > shared.txt"
claims = ["shared.txt"]
priority = 5

[[tasks]]
id = "second"
command = "echo two >> shared.txt"
claims = ["shared.txt"]

[[tasks]]
id = "check"
command = "grep -q two shared.txt"
depends_on = ["second"]
"""


@pytest.fixture(autouse=True)
def fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)


def _write(repo: Path, text: str) -> Path:
    (repo / "plan.toml").write_text(text, encoding="utf-8")
    return repo / "plan.toml"


def test_run_shows_progress_lines_and_the_summary(git_repo: Path, br: Br) -> None:
    assert br("init").exit_code == 0
    _write(git_repo, PLAN)
    result = br("run", "plan.toml")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith("br run plan.toml: session ")
    assert ", base HEAD (" in lines[0]
    assert lines[0].endswith(", 2 workers, 3 tasks")
    sid = lines[0].split()[4].rstrip(",")
    assert any(
        line.endswith(
            f"[second] waiting: claim 'shared.txt' overlaps 'shared.txt' held by {sid}/first"
        )
        for line in lines
    )
    assert f"Run {sid} (plan.toml) completed in " in result.stdout
    assert ": 3 tasks, 3 merged" in result.stdout
    assert "Security gate: every finished task passed" in result.stdout
    assert "no model calls and no Claude Code sessions: $0" in result.stdout
    assert f"Report:  .buildrunner/reports/run-{sid}.html" in result.stdout
    assert f"land them: git merge br/{sid}/_session" in result.stdout
    assert git(git_repo, "show", f"br/{sid}/_session:shared.txt") == "one\ntwo\n"


def test_run_json_summary(git_repo: Path, br: Br) -> None:
    _write(git_repo, PLAN)
    result = br("run", "plan.toml", "--format", "json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)  # nothing but the JSON document on stdout
    assert data["state"] == "completed"
    assert data["counts"] == {"merged": 3}
    assert [t["task"] for t in data["tasks"]] == ["first", "second", "check"]
    assert data["cost"]["total_usd"] == "0"
    assert data["cost"]["baseline"] == "the same usage priced at claude-opus-5-5 (the opus tier)"
    assert [w["task"] for w in data["waits"]] == ["second"]
    assert Path(data["report"]).is_file()


def test_a_blocked_credential_exits_1_and_is_shown_masked(git_repo: Path, br: Br) -> None:
    token = Tokens(33).github()
    head, tail = token[:12], token[12:]
    _write(
        git_repo,
        f"""
[[tasks]]
id = "leak"
command = "printf 'TOKEN = \\"%s%s\\"\\\\n' {head} {tail} > settings.py"

[[tasks]]
id = "fine"
command = "echo ok > ok.txt"
""",
    )
    result = br("run", "plan.toml", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["state"] == "failed"
    assert data["counts"] == {"blocked": 1, "merged": 1}
    assert data["findings"] == [
        {
            "task": "leak",
            "rule_id": "github-personal-access-token",
            "severity": "critical",
            "path": "settings.py",
            "line": 1,
            "masked": f"{token[:4]}…{token[-4:]}",
        }
    ]
    assert token not in result.stdout + result.stderr
    text = br("run", "plan.toml")
    assert text.exit_code == 1
    assert "leak: critical github-personal-access-token in settings.py:1" in text.stdout
    assert token not in text.stdout


@pytest.mark.parametrize(
    ("plan", "code", "message"),
    [
        ('[[tasks]]\nid = "a"\n', 3, 'tasks[0] (id "a"): command: missing; a shell task needs'),
        ('[[tasks]]\nid = "a"\ncommand = "true"\ndepends_on = ["b"]\n', 3, 'unknown task "b"'),
    ],
)
def test_bad_plans_are_one_line_errors(
    git_repo: Path, br: Br, plan: str, code: int, message: str
) -> None:
    _write(git_repo, plan)
    result = br("run", "plan.toml")
    assert result.exit_code == code
    assert result.stderr.startswith("br: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_plan_and_outside_git(tmp_path: Path, git_repo: Path, br: Br) -> None:
    missing = br("run", "nope.toml")
    assert missing.exit_code == 3
    assert "nope.toml" in missing.stderr
    elsewhere = tmp_path / "not-git"
    elsewhere.mkdir()
    (elsewhere / "plan.toml").write_text('[[tasks]]\nid = "a"\ncommand = "true"\n', "utf-8")
    outside = br("-C", str(elsewhere), "run", "plan.toml")
    assert outside.exit_code == 3
    assert "is not a git repository" in outside.stderr


def test_ctrl_c_pauses_the_run_and_says_how_to_resume(git_repo: Path) -> None:
    _write(git_repo, '[[tasks]]\nid = "slow"\ncommand = "sleep 30"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildrunner", "run", "plan.toml", "--plain"],
        cwd=git_repo,
        env={**os.environ},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    sid = proc.stdout.readline().split()[4].rstrip(",")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the task runs
        status = run_br("parallel", "status", sid, "--format", "json", cwd=git_repo)
        if any(t["state"] == "running" for t in json.loads(status.stdout)["tasks"]):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert f"paused session {sid}; resume with: br parallel resume {sid}" in err
    status = run_br("parallel", "status", sid, "--format", "json", cwd=git_repo)
    assert json.loads(status.stdout)["session"]["state"] == "paused"


def test_on_a_terminal_the_progress_is_a_live_table(git_repo: Path, br: Br) -> None:
    from rich.console import Console

    from buildrunner.core import console as consoles

    terminal = Console(force_terminal=True, record=True, width=160, no_color=True)
    previous = consoles._consoles.get(False)
    consoles.set_console(terminal)
    try:
        _write(git_repo, PLAN)
        result = br("run", "plan.toml")
    finally:
        if previous is None:
            consoles._consoles.pop(False, None)
        else:
            consoles.set_console(previous)
    assert result.exit_code == 0, result
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stdout)
    assert "0/3 settled" in shown  # the first frame ...
    assert "3/3 settled" in shown  # ... and the last one
    header = next(line for line in shown.splitlines() if line.startswith("task "))
    assert header.split() == [
        "task", "executor", "complexity", "model", "state", "cost", "time", "progress",
    ]  # fmt: skip
    assert ": 3 tasks, 3 merged" in shown  # the summary follows the table
    assert "  [second] waiting" not in shown  # journal lines are for plain output only
