"""Whole sessions with real worker processes, real git worktrees and the fake `claude`."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.parallel import control
from buildrunner.parallel.records import SessionInfo
from buildrunner.parallel.sessions import get_session, list_tasks, list_workers
from buildrunner.parallel.settings import RunSettings
from tests.helpers import git

WAIT = 120.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start(store: Store, settings: RunSettings, plan: Path, **kw: object) -> SessionInfo:
    return control.create_from_plan(store, settings, plan, **kw)  # type: ignore[arg-type]


class Background:
    """Runs a session's supervisor in a thread of the test process."""

    def __init__(self, store: Store, settings: RunSettings, session_id: str) -> None:
        self.result: SessionInfo | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(store, settings, session_id))
        self.thread.start()

    def _run(self, store: Store, settings: RunSettings, session_id: str) -> None:
        try:
            self.result = control.run_foreground(Store(store.path), settings, session_id)
        except BaseException as exc:
            self.error = exc

    def join(self) -> SessionInfo:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the supervisor did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def show(repo: Path, ref: str, path: str) -> str:
    return git(repo, "show", f"{ref}:{path}")


def test_shell_session_merges_in_order_and_reports_conflicts_and_failures(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    (git_repo / "shared.txt").write_text("base\n")
    git(git_repo, "add", "shared.txt")
    git(git_repo, "commit", "-q", "-m", "shared")
    plan = write_plan(
        """
[plan]
name = "mixed"
setup = ["echo setup > .setup-ran", 'test -d "$BR_PARALLEL_REPO/.git"']
teardown = ["rm -f .setup-ran"]

[[tasks]]
id = "alpha"
command = "echo alpha > alpha.txt && echo alpha > shared.txt"
priority = 2

[[tasks]]
id = "beta"
command = "sleep 1 && echo beta > shared.txt"
priority = 1

[[tasks]]
id = "gamma"
command = "cat alpha.txt > gamma.txt"
depends_on = ["alpha"]

[[tasks]]
id = "broken"
command = "exit 7"
retries = 1

[[tasks]]
id = "after-broken"
command = "true"
depends_on = ["broken"]
"""
    )
    session = start(store, settings, plan, workers=2)
    final = control.run_foreground(store, settings, session.id)
    tasks = {t.task_id: t for t in list_tasks(store, session.id)}
    assert final.state == "failed"
    assert {k: t.state for k, t in tasks.items()} == {
        "alpha": "merged",
        "beta": tasks["beta"].state,
        "gamma": "merged",
        "broken": "failed",
        "after-broken": "skipped",
    }
    # alpha and beta both rewrite shared.txt: whichever landed second is a reported conflict
    # (alpha has the higher priority, but they may finish at different times).
    assert tasks["beta"].state in ("conflict", "merged")
    branch = final.session_branch
    assert branch == f"br/{session.id}/_session"
    assert show(git_repo, branch, "gamma.txt") == "alpha\n"
    if tasks["beta"].state == "conflict":
        detail = json.loads(tasks["beta"].merge_detail or "{}")
        assert detail["conflicts"] == ["shared.txt"]
        assert detail["conflicts_with"] == ["alpha"]
        assert show(git_repo, branch, "shared.txt") == "alpha\n"
    assert tasks["broken"].attempt == 2
    assert tasks["broken"].error == "command exited with status 7"
    # setup ran in the worktree and teardown removed its file before the commit
    assert git(git_repo, "ls-tree", "--name-only", branch).split() == [
        "README.md",
        "alpha.txt",
        "gamma.txt",
        "shared.txt",
    ]
    assert (tasks["alpha"].branch, Path(tasks["alpha"].worktree or "").name) == (
        f"br/{session.id}/alpha",
        "alpha",
    )
    # the user's checkout was never touched (only br's own data directory is new)
    assert git(git_repo, "status", "--porcelain").split("\n")[:2] == [
        "?? .buildrunner/",
        "?? plan.toml",
    ]
    assert final.error == "1 failed, 1 skipped" or "conflict" in (final.error or "")


@pytest.mark.usefixtures("fake_claude")
def test_claude_session_with_guarded_claims(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_TURN_DELAY", "0.2")
    plan = write_plan(
        """
[defaults]
executor = "claude"
model = "opus"

[[tasks]]
id = "owner"
prompt = "WRITE src/core.py x = 1\\nSAY thinking\\nSAY still thinking"
claims = ["src/core.py"]

[[tasks]]
id = "intruder"
prompt = "WRITE docs/intro.md hello\\nWRITE src/core.py x = 2"
claims = ["docs/**"]
"""
    )
    session = start(store, settings, plan, workers=2)
    final = control.run_foreground(store, settings, session.id)
    assert final.state == "completed"
    tasks = {t.task_id: t for t in list_tasks(store, session.id)}
    assert show(git_repo, final.session_branch or "", "src/core.py") == "x = 1\n"
    assert show(git_repo, final.session_branch or "", "docs/intro.md") == "hello\n"
    assert tasks["owner"].model == "claude-sonnet-4-6"
    assert tasks["owner"].cost_usd > 0
    assert tasks["owner"].agent_session_id
    calls = [json.loads(line) for line in fake_claude.read_text().splitlines()]
    assert {c["model"] for c in calls} == {"opus"}
    attempts = store.execute(
        "SELECT task_id, usage_json FROM parallel_attempts WHERE session_id = ?", (session.id,)
    )
    assert all(json.loads(r["usage_json"])["modelUsage"] for r in attempts)
    # telemetry: lifecycle events, each final task state exactly once, cost on the attempts
    events = store.execute(
        "SELECT type, task_id, status, cost_nanos, data FROM telemetry_events "
        "WHERE session_id = ? ORDER BY seq",
        (session.id,),
    )
    kinds = [(r["type"], r["task_id"]) for r in events]
    for task_id in ("owner", "intruder"):
        assert kinds.count(("task.queued", task_id)) == 1
        assert kinds.count(("task.started", task_id)) == 1
        assert kinds.count(("session.completed", task_id)) == 1
        assert kinds.count(("task.completed", task_id)) == 1
    assert [t for t, _ in kinds].count("worker.started") == 2
    costs = {r["task_id"]: r["cost_nanos"] for r in events if r["type"] == "session.completed"}
    assert costs["owner"] == round(tasks["owner"].cost_usd * 1e9)
    claude_ids = {
        json.loads(r["data"]).get("conversation_id")
        for r in events
        if r["type"] == "session.completed"
    }
    assert claude_ids == {tasks["owner"].agent_session_id, tasks["intruder"].agent_session_id}
    assert tasks["intruder"].error == "1 permission denial(s): Write"  # flagged, still ok
    intruder_log = Path(tasks["intruder"].log_path or "").read_text()
    assert "Blocked by hook: br: edit blocked: src/core.py is claimed by task owner" in (
        intruder_log
    )


@pytest.mark.usefixtures("fake_claude")
def test_pause_stops_at_a_turn_boundary_and_resume_continues_the_conversation(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_TURN_DELAY", "0.3")
    plan = write_plan(
        '[[tasks]]\nid = "long"\nexecutor = "claude"\nprompt = """\n'
        + "\n".join(f"WRITE part{i}.txt {i}" for i in range(6))
        + '\n"""\n'
    )
    session = start(store, settings, plan, workers=1)
    runner = Background(store, settings, session.id)
    wait_for(
        lambda: (
            list_tasks(store, session.id)[0].turns >= 1
            or bool((list_tasks(store, session.id)[0].progress or "").startswith("turn"))
        ),
        "a first turn",
    )
    control.pause_session(store, session.id)
    wait_for(lambda: list_tasks(store, session.id)[0].state == "paused", "the task to pause")
    paused = list_tasks(store, session.id)[0]
    assert paused.outcome == "paused"
    assert get_session(store, session.id).state == "paused"
    worktree = Path(paused.worktree or "")
    done_before = len(list(worktree.glob("part*.txt")))
    assert 1 <= done_before < 6
    resumed = control.resume_session(store, settings, session.id)
    assert not resumed.needs_supervisor  # the supervisor stayed up while paused
    final = runner.join()
    assert final.state == "completed"
    calls = [json.loads(line) for line in fake_claude.read_text().splitlines()]
    assert [c["resume"] for c in calls] == [None, paused.agent_session_id]
    assert {c["cwd"] for c in calls} == {str(worktree.resolve())}
    resumed_task = list_tasks(store, session.id)[0]
    row = store.execute(
        "SELECT resumed_from FROM parallel_tasks WHERE session_id = ?", (session.id,)
    )[0]
    assert row["resumed_from"] == paused.agent_session_id
    assert (
        "# claude --version: 2.1.120 (Claude Code)" in Path(resumed_task.log_path or "").read_text()
    )
    branch = final.session_branch or ""
    assert [show(git_repo, branch, f"part{i}.txt") for i in range(6)] == [
        f"{i}\n" for i in range(6)
    ]


def test_cancel_kills_running_tasks_and_releases_claims(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    plan = write_plan(
        """
[[tasks]]
id = "sleeper"
command = "echo $$ > sleeper.pid; sleep 60"
claims = ["a/**"]

[[tasks]]
id = "queued"
command = "true"
claims = ["a/b"]
"""
    )
    session = start(store, settings, plan, workers=2)
    runner = Background(store, settings, session.id)
    pid_file = Path(settings.data_dir) / "worktrees" / session.id / "sleeper" / "sleeper.pid"
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "", "the sleeper")
    pid = int(pid_file.read_text())
    assert len(control.list_claims_of(store, session.id)) == 1
    control.cancel_session(store, settings, session.id, clean=True)
    final = runner.join()
    assert final.state == "cancelled"
    assert {t.task_id: t.state for t in list_tasks(store, session.id)} == {
        "sleeper": "cancelled",
        "queued": "cancelled",
    }
    wait_for(lambda: not _alive(pid), "the sleeper to be killed", timeout=10)
    assert control.list_claims_of(store, session.id) == []
    assert not (Path(settings.data_dir) / "worktrees" / session.id).exists()
    assert f"br/{session.id}/sleeper" not in git(git_repo, "branch", "--list", "br/*")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_scaling_a_running_session(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    plan = write_plan(
        '[plan]\nisolation = "none"\nmerge = false\n'
        + "".join(f'[[tasks]]\nid = "t{i}"\ncommand = "sleep 0.3"\n' for i in range(12))
    )
    session = start(store, settings, plan, workers=1)
    runner = Background(store, settings, session.id)
    wait_for(lambda: len(list_workers(store, session.id)) == 1, "one worker")
    control.scale_workers(store, session.id, 3)
    wait_for(lambda: len(list_workers(store, session.id)) == 3, "three workers")
    final = runner.join()
    assert final.state == "completed"
    busy = {w.worker_id: w.tasks_done for w in list_workers(store, session.id)}
    assert sum(busy.values()) == 12
    assert len([n for n in busy.values() if n]) >= 2


@pytest.mark.slow
def test_chaos_sigkilled_workers_lose_no_task(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    count = 200
    plan = write_plan(
        '[plan]\nisolation = "none"\nmerge = false\n[defaults]\nretries = 0\n'
        + "".join(
            f'[[tasks]]\nid = "t{i:03d}"\n'
            f'command = "sleep 0.02; echo $BR_PARALLEL_ATTEMPT >> out/t{i:03d}"\n'
            for i in range(count)
        )
    )
    (git_repo / "out").mkdir()
    session = start(store, settings, plan, workers=4)
    runner = Background(store, settings, session.id)
    rng = random.Random(7)
    killed: set[int] = set()
    while runner.thread.is_alive() and len(killed) < 12:
        time.sleep(0.25)
        busy = [
            w.pid
            for w in list_workers(store, session.id)
            if w.state == "busy" and w.pid and w.pid not in killed
        ]
        if busy:
            victim = rng.choice(busy)
            os.kill(victim, signal.SIGKILL)  # a killed worker stays a zombie until reaped
            killed.add(victim)
    final = runner.join()
    assert len(killed) >= 3
    assert final.state == "completed"
    tasks = list_tasks(store, session.id)
    assert [t.state for t in tasks] == ["done"] * count
    ok = store.execute(
        "SELECT task_id, COUNT(*) AS n FROM parallel_attempts WHERE session_id = ? AND "
        "outcome = 'ok' GROUP BY task_id",
        (session.id,),
    )
    assert {r["task_id"]: r["n"] for r in ok} == {f"t{i:03d}": 1 for i in range(count)}
    lost = store.execute(
        "SELECT COUNT(*) FROM parallel_attempts WHERE session_id = ? AND outcome = 'lost'",
        (session.id,),
    )[0][0]
    assert lost >= 1
    assert all((git_repo / "out" / f"t{i:03d}").exists() for i in range(count))
    dead = [w for w in list_workers(store, session.id) if w.state == "dead"]
    assert {w.pid for w in dead} == killed
    lost_events = store.execute(
        "SELECT COUNT(*) FROM telemetry_events WHERE session_id = ? AND type = 'worker.lost'",
        (session.id,),
    )[0][0]
    assert lost_events == len(killed)
    completed = store.execute(
        "SELECT COUNT(DISTINCT task_id), COUNT(*) FROM telemetry_events WHERE session_id = ? "
        "AND type = 'task.completed'",
        (session.id,),
    )[0]
    assert tuple(completed) == (count, count)


@pytest.mark.slow
def test_a_killed_supervisor_is_restarted_and_finishes_the_session(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    count = 30
    plan = write_plan(
        "".join(
            f'[[tasks]]\nid = "t{i:02d}"\ncommand = "sleep 0.1; echo {i} > f{i:02d}.txt"\n'
            for i in range(count)
        )
    )
    session = start(store, settings, plan, workers=2)
    pid = control.run_detached(settings, session.id)
    wait_for(
        lambda: sum(t.state == "merged" for t in list_tasks(store, session.id)) >= 3,
        "a few merged tasks",
    )
    assert control.supervisor_alive(settings, session.id)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not control.supervisor_alive(settings, session.id), "the flock to drop")
    assert get_session(store, session.id).state == "running"
    resumed = control.resume_session(store, settings, session.id)
    assert resumed.needs_supervisor
    final = control.run_foreground(store, settings, session.id)
    assert final.state == "completed"
    assert [t.state for t in list_tasks(store, session.id)] == ["merged"] * count
    files = git(git_repo, "ls-tree", "--name-only", final.session_branch or "").split()
    assert files == ["README.md", *[f"f{i:02d}.txt" for i in range(count)]]
    ok = store.execute(
        "SELECT COUNT(*) FROM parallel_attempts WHERE session_id = ? AND outcome = 'ok'",
        (session.id,),
    )[0][0]
    assert ok == count


@pytest.mark.parametrize(
    ("scenario", "first_outcome"),
    [("crash", "crashed"), ("overloaded", "api_overloaded")],
)
@pytest.mark.usefixtures("fake_claude")
def test_retryable_claude_failures_resume_the_conversation(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    first_outcome: str,
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_SCENARIO", scenario)
    monkeypatch.setenv("FAKE_CLAUDE_FAIL_TIMES", "1")
    plan = write_plan(
        '[[tasks]]\nid = "flaky"\nexecutor = "claude"\nretries = 2\n'
        'prompt = "WRITE one.txt 1\\nWRITE two.txt 2"\n'
    )
    session = start(store, settings, plan, workers=1)
    final = control.run_foreground(store, settings, session.id)
    assert final.state == "completed"
    attempts = store.execute(
        "SELECT attempt, outcome, agent_session_id FROM parallel_attempts WHERE session_id = ? "
        "ORDER BY attempt",
        (session.id,),
    )
    assert [(r["attempt"], r["outcome"]) for r in attempts] == [(1, first_outcome), (2, "ok")]
    calls = [json.loads(line) for line in fake_claude.read_text().splitlines()]
    assert calls[1]["resume"] == calls[0]["session_id"]
    branch = final.session_branch or ""
    assert show(git_repo, branch, "one.txt") == "1\n"
    assert show(git_repo, branch, "two.txt") == "2\n"


def test_a_task_that_hits_its_limit_fails_without_retry(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    plan = write_plan(
        '[[tasks]]\nid = "slow"\ncommand = "sleep 30"\ntimeout = "0.5s"\nretries = 3\n'
    )
    session = start(store, settings, plan, workers=1)
    final = control.run_foreground(store, settings, session.id)
    task = list_tasks(store, session.id)[0]
    assert (final.state, task.state, task.outcome, task.attempt) == (
        "failed",
        "failed",
        "timeout",
        1,
    )
    assert final.error == "1 failed"


@pytest.mark.slow
def test_chaos_with_worktrees_replaces_the_leftovers_of_killed_workers(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    count = 40
    plan = write_plan(
        "[defaults]\nretries = 0\n"
        + "".join(
            f'[[tasks]]\nid = "w{i:02d}"\n'
            f'command = "echo start >> f{i:02d}.txt; sleep 0.1; echo {i} >> f{i:02d}.txt"\n'
            for i in range(count)
        )
    )
    session = start(store, settings, plan, workers=3)
    runner = Background(store, settings, session.id)
    rng = random.Random(11)
    killed: set[int] = set()
    while runner.thread.is_alive() and len(killed) < 5:
        time.sleep(0.3)
        busy = [
            w.pid
            for w in list_workers(store, session.id)
            if w.state == "busy" and w.pid and w.pid not in killed
        ]
        if busy:
            victim = rng.choice(busy)
            os.kill(victim, signal.SIGKILL)
            killed.add(victim)
    final = runner.join()
    assert final.state == "completed"
    assert len(killed) >= 2
    branch = final.session_branch or ""
    # every file holds exactly one attempt's output: a killed attempt's worktree is replaced
    assert [show(git_repo, branch, f"f{i:02d}.txt") for i in range(count)] == [
        f"start\n{i}\n" for i in range(count)
    ]
    ok = store.execute(
        "SELECT COUNT(*) FROM parallel_attempts WHERE session_id = ? AND outcome = 'ok'",
        (session.id,),
    )[0][0]
    assert ok == count


def test_a_failing_setup_fails_the_task_after_its_retries(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    plan = write_plan(
        '[plan]\nsetup = ["test -f .ready"]\n[[tasks]]\nid = "a"\ncommand = "true"\nretries = 1\n'
    )
    session = start(store, settings, plan, workers=1)
    final = control.run_foreground(store, settings, session.id)
    task = list_tasks(store, session.id)[0]
    assert (final.state, task.state, task.outcome, task.attempt) == (
        "failed",
        "failed",
        "setup_failed",
        2,
    )
    assert task.error == "setup command 'test -f .ready' failed: exit status 1"
