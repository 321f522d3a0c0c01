from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.parallel import queue
from buildrunner.parallel.guard import ALLOW, BLOCK, bash_targets, evaluate_hook
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.sessions import create_session
from buildrunner.testing.clock import FakeClock


@pytest.mark.parametrize(
    ("command", "targets"),
    [
        ("echo hi > src/a.py", ["src/a.py"]),
        ("cat x >> notes.md && git diff", ["notes.md"]),
        ("printf x | tee -a out.txt log.txt", ["out.txt", "log.txt"]),
        ("rm -rf build dist", ["build", "dist"]),
        ("mv old.py new.py", ["new.py"]),
        ("sed -i 's/a/b/' src/a.py src/b.py", ["src/a.py", "src/b.py"]),
        ("FOO=1 touch x.txt; ls -l", ["x.txt"]),
        ("pytest -q 2>/dev/null", []),
        ("git status", []),
        ("echo 'unterminated", []),
    ],
)
def test_bash_targets(command: str, targets: list[str]) -> None:
    assert bash_targets(command) == targets


def test_evaluate_hook_for_edits_and_bash(store: Store, git_repo: Path) -> None:
    clock = FakeClock()
    plan = validate_plan({"tasks": [{"id": "owner", "command": "x", "claims": ["src/**"]}]})
    session = create_session(
        store, plan, plan_path="p", base_ref="HEAD", base_commit="", workers=1, now=clock.now()
    )
    assert queue.claim_next(store, session.id, "w1", now=clock.now(), ttl=600)
    env = {"BR_PARALLEL_SESSION": "other", "BR_PARALLEL_TASK": "t"}

    def opener(cwd: Path) -> tuple[Store, Path, bool]:
        return store, git_repo, False

    def hook(tool: str, tool_input: dict[str, str]) -> int:
        payload = json.dumps({"tool_name": tool, "tool_input": tool_input, "cwd": str(git_repo)})
        return evaluate_hook(payload, env=env, open_store=opener, now=clock.now()).exit_code

    assert hook("Write", {"file_path": str(git_repo / "src" / "a.py")}) == BLOCK
    assert hook("Edit", {"file_path": "README.md"}) == ALLOW
    assert hook("Bash", {"command": "echo x > src/b.py"}) == BLOCK
    assert hook("Bash", {"command": "echo x > README.md"}) == ALLOW
    assert hook("Read", {"file_path": "/etc/hosts"}) == ALLOW  # outside the repository

    def broken(cwd: Path) -> tuple[Store, Path, bool]:
        raise OSError("disk on fire")

    verdict = evaluate_hook(
        json.dumps({"tool_name": "Write", "tool_input": {"file_path": "x"}}),
        env=env,
        open_store=broken,
        now=clock.now(),
    )
    assert verdict == type(verdict)(BLOCK, "br parallel guard failed (OSError: disk on fire)")
