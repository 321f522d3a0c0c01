"""`br quality check` end to end: real git repository, real coverage data, real commands."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import BrResult
from tests.helpers import git
from tests.security.test_quality import make_coverage

Br = Callable[..., BrResult]


def configure(repo: Path, body: str) -> None:
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(body, encoding="utf-8")


def test_all_gates_pass_in_json(git_repo: Path, br: Br) -> None:
    make_coverage(git_repo, xml=True)
    ok = shlex.join([sys.executable, "-c", "pass"])
    configure(
        git_repo,
        f"[quality]\ncoverage_threshold = 50\ntests_command = {json.dumps(ok)}\n"
        f"lint_commands = [{json.dumps(ok)}]\n",
    )
    result = br("quality", "check", "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["passed"] is True
    assert [(g["gate"], g["status"]) for g in data["gates"]] == [
        ("security", "pass"),
        ("coverage", "pass"),
        ("tests", "pass"),
        ("lint", "pass"),
    ]
    assert data["gates"][1]["value"] == 57.14


def test_failing_gates_exit_1_with_a_table(git_repo: Path, br: Br) -> None:
    (git_repo / "db.py").write_text(
        "def f(cur, x):\n    cur.execute('SELECT * FROM t WHERE a = ' + x)\n", encoding="utf-8"
    )
    result = br("quality", "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["gate", "status", "detail"]
    assert lines[1].split()[:4] == ["security", "FAIL", "1", "new"]
    missing = "no coverage data (looked for coverage.xml, .coverage and lcov.info)"
    assert f"coverage  FAIL    {missing}" in lines
    assert any("coverage run -m pytest && coverage xml" in line for line in lines)
    assert "tests     SKIP    no tests command configured (quality.tests_command)" in lines
    assert lines[-1] == "quality gate failed (2 of 4 gates)"


def test_gate_and_threshold_options(git_repo: Path, br: Br) -> None:
    make_coverage(git_repo, xml=False)
    passing = br("quality", "check", "--gate", "coverage", "--threshold", "50")
    failing = br("quality", "check", "--gate", "coverage", "--threshold", "90")
    assert (passing.exit_code, failing.exit_code) == (0, 1)
    assert "57.1% >= 50% (.coverage)" in passing.stdout
    assert "57.1% < 90% (.coverage)" in failing.stdout


def test_invalid_gate_in_config_is_a_config_error(git_repo: Path, br: Br) -> None:
    configure(git_repo, '[quality]\ngates = ["speed"]\n')
    result = br("quality", "check")
    assert result.exit_code == 3
    assert "quality.gates" in result.stderr
    assert "unknown gate 'speed'" in result.stderr


def test_hook_with_quality_blocks_a_commit_below_the_threshold(git_repo: Path, br: Br) -> None:
    make_coverage(git_repo, xml=True)
    configure(git_repo, '[quality]\ngates = ["coverage"]\ncoverage_threshold = 90\n')
    result = br("security", "hooks", "install", "--with-quality")
    assert result.exit_code == 0
    hook = (git_repo / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    assert "quality check" in hook
    (git_repo / "notes.md").write_text("notes\n", encoding="utf-8")
    git(git_repo, "add", "notes.md")
    blocked = subprocess.run(
        ["git", "commit", "-q", "-m", "notes"], cwd=git_repo, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert blocked.returncode == 1
    assert "57.1% < 90% (coverage.xml)" in blocked.stdout + blocked.stderr
    configure(git_repo, '[quality]\ngates = ["coverage"]\ncoverage_threshold = 50\n')
    allowed = subprocess.run(
        ["git", "commit", "-q", "-m", "notes"], cwd=git_repo, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_quality_check_records_one_gate_event_per_gate_that_ran(git_repo: Path, br: Br) -> None:
    from buildrunner.core.store import Store

    assert br("init").exit_code == 0
    assert br("quality", "check", "--gate", "security", "--gate", "tests").exit_code == 0
    rows = Store(git_repo / ".buildrunner" / "buildrunner.db").execute(
        "SELECT name, status FROM telemetry_events WHERE type = 'gate.result' ORDER BY seq"
    )
    assert [(r["name"], r["status"]) for r in rows] == [("quality.security", "ok")]
