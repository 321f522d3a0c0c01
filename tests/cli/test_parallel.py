"""`br parallel` through the real entry point (in-process and as a subprocess)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BrResult
from tests.helpers import git, run_br

FAST = {
    "BR_PARALLEL_POLL_INTERVAL": "0.02",
    "BR_PARALLEL_HEARTBEAT_INTERVAL": "0.5",
    "BR_PARALLEL_MERGE_GATE": "none",
}

PLAN = """
[plan]
name = "cli"

[[tasks]]
id = "hello"
command = "echo hello > hello.txt"
claims = ["hello.txt"]

[[tasks]]
id = "world"
command = "echo world > world.txt"
depends_on = ["hello"]
"""


@pytest.fixture
def fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("fast_env")
def test_start_status_summary_list_and_cleanup(git_repo: Path, br: Callable[..., BrResult]) -> None:
    (git_repo / "plan.toml").write_text(PLAN, encoding="utf-8")
    started = br("parallel", "start", "plan.toml", "--workers", "2")
    assert started.exit_code == 0, started
    first = started.stdout.splitlines()[0]
    assert first.startswith("session ")
    assert ": cli, base HEAD (" in first
    session_id = first.split()[1].rstrip(":")
    assert "[hello] attempt 1: ok -> done" in started.stdout
    assert "session running -> completed" in started.stdout
    assert f"git merge br/{session_id}/_session" in started.stdout.replace("\n", " ")

    status = br("parallel", "status", session_id[:4], "--format", "json")
    assert status.exit_code == 0
    data = json.loads(status.stdout)
    assert data["session"]["id"] == session_id
    assert data["counts"] == {"merged": 2}
    assert [t["task_id"] for t in data["tasks"]] == ["hello", "world"]

    listing = json.loads(br("parallel", "list", "--format", "json").stdout)
    assert [s["id"] for s in listing["sessions"]] == [session_id]
    summary = json.loads(br("parallel", "summary", "--format", "json").stdout)
    assert summary["counts"] == {"merged": 2}
    assert [m["task"] for m in summary["merged"]] == ["hello", "world"]
    workers = json.loads(br("parallel", "workers", "--format", "json").stdout)
    assert {w["state"] for w in workers["workers"]} == {"stopped"}
    claims = json.loads(br("parallel", "claims", "--format", "json").stdout)
    assert claims == {"version": 1, "claims": []}
    assert git(git_repo, "show", f"br/{session_id}/_session:world.txt") == "world\n"

    dry = json.loads(
        br("parallel", "cleanup", "--older-than", "0s", "--dry-run", "--format", "json").stdout
    )
    assert [s["id"] for s in dry["sessions"]] == [session_id]
    assert len(dry["sessions"][0]["removed"]) == 2
    cleaned = br("parallel", "cleanup", "--older-than", "0s")
    assert cleaned.stdout.startswith(f"removed session {session_id} (completed,")
    assert json.loads(br("parallel", "list", "--format", "json").stdout)["sessions"] == []
    assert git(git_repo, "branch", "--list", f"br/{session_id}/*").split() == [
        f"br/{session_id}/_session"
    ]


def test_a_corrupt_plan_is_rejected_with_a_clear_message(
    git_repo: Path, br: Callable[..., BrResult]
) -> None:
    (git_repo / "plan.toml").write_text(
        '[[tasks]]\nid = "a"\ncommand = "x"\n[[tasks]]\nid = "b"\nexecutor = "claude"\n'
        'prompt = "p"\ntimeout = "forever"\n',
        encoding="utf-8",
    )
    result = br("parallel", "start", "plan.toml")
    assert result.exit_code == 3
    assert result.stderr == (
        'br: error: plan.toml: tasks[1] (id "b"): timeout: expected a duration such as 90, '
        '"30s", "10m" or "2h", got "forever"\n'
    )
    (git_repo / "broken.yaml").write_bytes(b"tasks: [\x00\x01")
    binary = br("parallel", "start", "broken.yaml")
    assert binary.exit_code == 3
    assert binary.stderr.startswith("br: error: broken.yaml: ")
    # nothing was recorded
    assert json.loads(br("parallel", "list", "--format", "json").stdout)["sessions"] == []


def test_unknown_and_ambiguous_session_ids(git_repo: Path, br: Callable[..., BrResult]) -> None:
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store

    store = Store(resolve_paths(git_repo).db_path)
    for sid in ("abc11111", "abc22222"):
        store.execute(
            "INSERT INTO parallel_sessions(id, name, plan_path, plan_json, state, base_ref, "
            "base_commit, workers_wanted, created_at, updated_at) "
            "VALUES (?, 'p', 'p', '{}', 'completed', 'HEAD', '', 1, 1, 1)",
            (sid,),
        )
    ambiguous = br("parallel", "status", "abc")
    assert ambiguous.exit_code == 2
    assert ambiguous.stderr == (
        "br: error: session prefix 'abc' is ambiguous: abc11111, abc22222 (type more characters)\n"
    )
    missing = br("parallel", "pause", "fff")
    assert missing.exit_code == 2
    assert "no session matches 'fff'" in missing.stderr
    finished = br("parallel", "pause", "abc1")
    assert finished.exit_code == 2
    assert finished.stderr == (
        "br: error: session abc11111 is completed; expected running or created or paused\n"
    )


def test_start_outside_git_is_an_operational_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, br: Callable[..., BrResult]
) -> None:
    monkeypatch.delenv("BR_HOME")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    result = br("parallel", "start", "plan.toml")
    assert result.exit_code == 3
    assert "is not a git repository; parallel sessions need git" in result.stderr


def _hook_input(path: str, cwd: Path) -> str:
    return json.dumps(
        {
            "session_id": "claude-session",
            "cwd": str(cwd),
            "hook_event_name": "PreToolUse",
            "tool_name": "Write",
            "tool_input": {"file_path": path, "content": "x"},
        }
    )


def test_guard_hook_blocks_claimed_paths_and_fails_closed(git_repo: Path) -> None:
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store
    from buildrunner.parallel import queue
    from buildrunner.parallel.plan import validate_plan
    from buildrunner.parallel.sessions import create_session

    store = Store(resolve_paths(git_repo).db_path)
    plan = validate_plan({"tasks": [{"id": "owner", "command": "x", "claims": ["src/**"]}]})
    import time

    session = create_session(
        store, plan, plan_path="p", base_ref="HEAD", base_commit="", workers=1, now=time.time()
    )
    assert queue.claim_next(store, session.id, "w1", now=time.time(), ttl=600)
    env = {"BR_PARALLEL_SESSION": "other", "BR_PARALLEL_TASK": "t"}
    blocked = run_br(
        "parallel",
        "guard",
        cwd=git_repo,
        env=env,
        stdin=_hook_input(str(git_repo / "src" / "x.py"), git_repo),
    )
    assert blocked.returncode == 2
    assert blocked.stderr.startswith(
        f"br: edit blocked: src/x.py is claimed by task owner of session {session.id}"
    )
    allowed = run_br(
        "parallel", "guard", cwd=git_repo, env=env, stdin=_hook_input("README.md", git_repo)
    )
    assert (allowed.returncode, allowed.stderr) == (0, "")
    own = run_br(
        "parallel", "guard", cwd=git_repo,
        env={"BR_PARALLEL_SESSION": session.id, "BR_PARALLEL_TASK": "owner"},
        stdin=_hook_input("src/x.py", git_repo),
    )  # fmt: skip
    assert own.returncode == 0
    garbage = run_br("parallel", "guard", cwd=git_repo, env=env, stdin="{not json")
    assert garbage.returncode == 2
    assert "the hook input is not JSON" in garbage.stderr
    for leftover in (git_repo / ".buildrunner").glob("buildrunner.db*"):
        leftover.unlink()
    (git_repo / ".buildrunner" / "buildrunner.db").write_bytes(b"not a database" * 100)
    broken = run_br(
        "parallel", "guard", cwd=git_repo, env=env, stdin=_hook_input("src/x.py", git_repo)
    )
    assert broken.returncode == 2
    assert broken.stderr.startswith("br parallel guard failed (StoreCorruptError")


def test_the_cli_module_imports_no_heavy_library() -> None:
    import subprocess

    code = (
        "import sys, buildrunner.cli.parallel; "
        "print(sorted(m for m in ('rich', 'textual', 'yaml', 'pathspec') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.usefixtures("fast_env")
def test_detached_start_then_status_until_done(git_repo: Path) -> None:
    import time

    (git_repo / "plan.toml").write_text(PLAN, encoding="utf-8")
    started = run_br("parallel", "start", "plan.toml", "--detach", cwd=git_repo)
    assert started.returncode == 0, started.stderr
    session_id = started.stdout.split()[1].rstrip(":")
    assert "supervisor running in the background (pid " in started.stdout
    deadline = time.monotonic() + 120
    state = ""
    while time.monotonic() < deadline:
        status = run_br("parallel", "status", session_id, "--format", "json", cwd=git_repo)
        state = json.loads(status.stdout)["session"]["state"]
        if state in ("completed", "failed"):
            break
        time.sleep(0.2)
    assert state == "completed"
    resumed = run_br("parallel", "resume", session_id, cwd=git_repo)
    assert resumed.returncode == 2
    assert f"session {session_id} is completed; only a paused or running session resumes" in (
        resumed.stderr
    )


@pytest.mark.usefixtures("fast_env")
def test_ctrl_c_pauses_the_session_and_resume_finishes_it(git_repo: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    (git_repo / "plan.toml").write_text(
        '[[tasks]]\nid = "a"\ncommand = "sleep 2; echo a > a.txt"\n'
        '[[tasks]]\nid = "b"\ncommand = "echo b > b.txt"\ndepends_on = ["a"]\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildrunner", "parallel", "start", "plan.toml"],
        cwd=git_repo,
        env={**os.environ},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    session_id = first.split()[1].rstrip(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until task a runs
        status = run_br("parallel", "status", session_id, "--format", "json", cwd=git_repo)
        if any(t["state"] == "running" for t in json.loads(status.stdout)["tasks"]):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert f"paused session {session_id}; resume with: br parallel resume {session_id}" in err
    data = json.loads(run_br("parallel", "status", session_id, "--format", "json",
                             cwd=git_repo).stdout)  # fmt: skip
    assert data["session"]["state"] == "paused"
    assert [(t["task_id"], t["state"]) for t in data["tasks"]] == [("a", "ready"), ("b", "pending")]
    resumed = run_br("parallel", "resume", session_id, cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    assert git(git_repo, "show", f"br/{session_id}/_session:b.txt") == "b\n"


@pytest.mark.usefixtures("fast_env")
def test_status_watch_ends_when_the_session_does(
    git_repo: Path, br: Callable[..., BrResult]
) -> None:
    (git_repo / "plan.toml").write_text(PLAN, encoding="utf-8")
    assert br("parallel", "start", "plan.toml").exit_code == 0
    watched = br("parallel", "status", "--watch", "--interval", "0.1")
    assert watched.exit_code == 0
    assert "completed  2/2 settled" in watched.stdout
    mixed = br("parallel", "status", "--watch", "--format", "json")
    assert mixed.exit_code == 2
    assert "--watch cannot be combined with --format json" in mixed.stderr


@pytest.mark.usefixtures("fast_env")
def test_unknown_backend_and_scaling_a_finished_session(
    git_repo: Path, br: Callable[..., BrResult]
) -> None:
    (git_repo / "plan.toml").write_text(PLAN, encoding="utf-8")
    unknown = br("parallel", "start", "plan.toml", "--backend", "ray")
    assert unknown.exit_code == 2
    assert unknown.stderr == "br: error: unknown backend 'ray' (choose one of: local)\n"
    assert br("parallel", "start", "plan.toml").exit_code == 0
    scaled = br("parallel", "workers", "--scale", "4")
    assert scaled.exit_code == 2
    assert "is completed; it has no workers to scale" in scaled.stderr
