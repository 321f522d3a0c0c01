from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import git, run_br
from tests.security.tokens import Tokens

PROBE = """
import sys
from buildrunner.cli.launcher import main
code = main(sys.argv[1:])
names = ("click", "rich", "anthropic", "opentelemetry", "textual")
heavy = sorted(m for m in names if m in sys.modules)
sys.stderr.write(f"\\nEXIT={code} HEAVY={','.join(heavy)}\\n")
"""


def _probe(repo: Path, *args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=repo, capture_output=True, text=True, check=False
    )
    tail = proc.stderr.strip().splitlines()[-1]
    code, heavy = tail.split(" ")
    return int(code.removeprefix("EXIT=")), heavy.removeprefix("HEAVY="), proc.stdout


def test_check_fast_path_imports_no_click_or_rich_and_still_blocks(git_repo: Path) -> None:
    assert _probe(git_repo, "security", "check")[:2] == (0, "")
    (git_repo / "a.env").write_text(f"T={Tokens(81).github()}\n", "utf-8")
    git(git_repo, "add", "a.env")
    code, heavy, stdout = _probe(git_repo, "security", "check")
    assert (code, heavy) == (1, "")
    assert "Commit blocked" in stdout
    assert "github-personal-access-token" in stdout


def test_other_arguments_take_the_full_cli(git_repo: Path) -> None:
    code, heavy, _ = _probe(git_repo, "security", "check", "--help")
    assert code == 0
    assert "click" in heavy


def test_fast_path_errors_are_one_line_with_exit_code(tmp_path: Path) -> None:
    result = run_br("security", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("br: error: ")
    assert "not inside a git repository" in result.stderr
    assert result.stderr.count("\n") == 1


def test_fast_path_reports_bad_configuration(git_repo: Path) -> None:
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text("[security]\njobs = -1\n", "utf-8")
    result = run_br("security", "check", cwd=git_repo)
    assert result.returncode == 3
    assert "security.jobs" in result.stderr
