from __future__ import annotations

import json
from pathlib import Path

from buildrunner.core.store import Store
from buildrunner.parallel import gitops, queue
from buildrunner.parallel.integrations import GateResult, OpenGate
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.merge import Merger
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.queue import Settlement
from buildrunner.parallel.sessions import create_session, get_session, list_tasks
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.states import TaskState
from buildrunner.testing.clock import FakeClock
from tests.helpers import git


class SecretGate:
    """Blocks a diff that adds the word SECRET (reports it masked)."""

    name = "test-secrets"

    def __init__(self) -> None:
        self.checked: list[tuple[str, str]] = []

    def check(self, repo: Path, base: str, head: str) -> GateResult:
        self.checked.append((base, head))
        diff = gitops.diff_text(repo, base, head)
        if "SECRET" in diff:
            return GateResult(False, 1, "creds.txt:1 generic-secret SECR…", self.name)
        return GateResult(True, gate=self.name)


def _run_task(
    store: Store,
    layout: Layout,
    session_id: str,
    task_id: str,
    files: dict[str, str],
    clock: FakeClock,
) -> None:
    """Do what a worker does for a task: worktree from the session tip, edit, commit, settle."""
    lease = queue.claim_next(store, session_id, "w1", now=clock.now(), ttl=600)
    assert lease is not None
    assert lease.task_id == task_id
    session = get_session(store, session_id)
    start = gitops.branch_commit(layout.repo, session.session_branch or "") or session.base_commit
    path = layout.worktree(session_id, task_id)
    gitops.add_worktree(
        layout.repo, path, f"br/{session_id}/{task_id}", start, lock=layout.git_lock
    )
    queue.record_details(store, lease, now=clock.now(), worktree=str(path), start_commit=start)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    head, made = gitops.commit_all(path, f"task {task_id}")
    assert made
    queue.settle(store, lease, Settlement(TaskState.DONE, "ok", head_commit=head), now=clock.now())


def test_merge_gate_conflicts_and_order(
    git_repo: Path, store: Store, settings: RunSettings
) -> None:
    (git_repo / "shared.txt").write_text("one\n")
    git(git_repo, "add", "shared.txt")
    git(git_repo, "commit", "-q", "-m", "shared")
    base = gitops.resolve_commit(git_repo, "HEAD")
    clock = FakeClock()
    plan = validate_plan(
        {
            "tasks": [
                {"id": "low", "command": "x", "priority": 0},
                {"id": "high", "command": "x", "priority": 9},
                {"id": "leak", "command": "x", "claims": ["creds.txt"], "priority": 5},
                {"id": "empty", "command": "x", "priority": -1},
            ]
        }
    )
    session = create_session(
        store, plan, plan_path="p", base_ref="HEAD", base_commit=base, workers=1, now=clock.now()
    )
    layout = Layout.of(settings.paths)
    gitops.ensure_branch(git_repo, session.session_branch or "", base)
    _run_task(store, layout, session.id, "high", {"shared.txt": "high\n", "h.txt": "h\n"}, clock)
    _run_task(store, layout, session.id, "leak", {"creds.txt": "SECRET=1\n"}, clock)
    _run_task(store, layout, session.id, "low", {"shared.txt": "low\n"}, clock)
    lease = queue.claim_next(store, session.id, "w1", now=clock.now(), ttl=600)
    assert lease is not None
    queue.settle(store, lease, Settlement(TaskState.DONE, "ok"), now=clock.now())
    gate = SecretGate()
    merger = Merger(store, layout, session, plan, gate, clock=clock)
    outcomes = merger.merge_ready()
    assert [(o.task_id, o.state.value) for o in outcomes] == [
        ("high", "merged"),
        ("leak", "blocked"),
        ("low", "conflict"),
        ("empty", "merged"),
    ]
    tasks = {t.task_id: t for t in list_tasks(store, session.id)}
    low = json.loads(tasks["low"].merge_detail or "{}")
    assert (low["conflicts"], low["conflicts_with"]) == (["shared.txt"], ["high"])
    assert tasks["low"].progress == "conflict in shared.txt (with high)"
    assert json.loads(tasks["leak"].merge_detail or "{}")["report"] == (
        "creds.txt:1 generic-secret SECR…"
    )
    assert json.loads(tasks["empty"].merge_detail or "{}")["report"] == "no changes"
    branch = session.session_branch or ""
    assert git(git_repo, "show", f"{branch}:shared.txt") == "high\n"
    assert git(git_repo, "ls-tree", "--name-only", branch).split() == [
        "README.md",
        "h.txt",
        "shared.txt",
    ]
    merge_commit = json.loads(tasks["high"].merge_detail or "{}")["commit"]
    parents = git(git_repo, "rev-list", "--parents", "-n", "1", merge_commit).split()
    assert parents[1:] == [base, tasks["high"].head_commit]
    assert (
        store.execute("SELECT COUNT(*) FROM parallel_claims WHERE released_at IS NULL")[0][0] == 0
    )
    assert len(gate.checked) == 3  # the task without changes is not scanned
    assert merger.merge_ready() == []  # nothing left to merge


def test_open_gate_passes_everything(git_repo: Path) -> None:
    head = gitops.resolve_commit(git_repo, "HEAD")
    assert OpenGate().check(git_repo, head, head) == GateResult(True, gate="none")
