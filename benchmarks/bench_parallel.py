"""Parallel orchestration: 500 no-op shell tasks on 4 workers next to a plain process pool.

`br` runs the tasks through its whole machinery (SQLite lease queue under BEGIN IMMEDIATE,
fence tokens, heartbeating monitor thread, process group per task, log file per attempt,
worker processes); the comparison is `concurrent.futures.ProcessPoolExecutor(4)` running the
same commands with `subprocess.run`. Scheduling overhead per task is the extra worker time
`br` spends per task: (br wall - pool wall) x workers / tasks. Target: under 25 ms.
Worktree creation (per task, with `isolation = "worktree"`) is measured separately.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchlib import fmt_ms, table

TITLE = "Parallel orchestration (500 no-op shell tasks, 4 workers)"
TASKS = 500
WORKERS = 4
TARGET_MS = 25.0
WORKTREES = 40
ROUNDS = 3


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name in ("README.md", "src/app.py", "tests/test_app.py"):
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "init")
    return repo


def _plan(repo: Path, tasks: int, isolation: str) -> Path:
    body = f'[plan]\nname = "bench"\nisolation = "{isolation}"\n'
    if isolation == "none":
        body += "merge = false\n"
    body += "".join(f'[[tasks]]\nid = "t{i:04d}"\ncommand = "true"\n' for i in range(tasks))
    path = repo / f"plan-{isolation}-{tasks}.toml"
    path.write_text(body)
    return path


def _run_br(repo: Path, tasks: int, isolation: str) -> tuple[float, dict[str, Any]]:
    from buildrunner.core.config import load_config
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store
    from buildrunner.parallel import control
    from buildrunner.parallel.sessions import list_tasks
    from buildrunner.parallel.settings import RunSettings

    paths = resolve_paths(repo, env={})
    settings = RunSettings.from_config(paths, load_config(paths, env={}).config).with_overrides(
        poll_interval=0.05, merge_gate="none"
    )
    store = Store(paths.db_path)
    session = control.create_from_plan(store, settings, _plan(repo, tasks, isolation),
                                       workers=WORKERS)  # fmt: skip
    start = time.perf_counter()
    final = control.run_foreground(store, settings, session.id)
    wall = time.perf_counter() - start
    states = {t.state for t in list_tasks(store, session.id)}
    assert final.state == "completed", (final.state, final.error, states)
    rows = store.execute(
        "SELECT worker_id, started_at, finished_at FROM parallel_attempts WHERE session_id = ? "
        "ORDER BY worker_id, started_at",
        (session.id,),
    )
    gaps = []  # time a worker spends between settling one task and claiming the next
    for prev, nxt in itertools.pairwise(rows):
        if prev["worker_id"] == nxt["worker_id"]:
            gaps.append(nxt["started_at"] - prev["finished_at"])
    return wall, {"idle_gap_ms": statistics.median(gaps) * 1000 if gaps else 0.0}


def _true(_: int) -> int:
    return subprocess.run(["/bin/sh", "-c", "true"], check=False).returncode


def _run_pool(tasks: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(WORKERS) as pool:
        codes = list(pool.map(_true, range(tasks)))
    assert codes == [0] * tasks
    return time.perf_counter() - start


def _worktree_times(repo: Path) -> list[float]:
    from buildrunner.parallel import gitops

    head = gitops.resolve_commit(repo, "HEAD")
    lock = repo / ".bench-git.lock"
    samples = []
    for index in range(WORKTREES):
        path = repo.parent / "wt" / f"t{index}"
        start = time.perf_counter()
        gitops.add_worktree(repo, path, f"bench/t{index}", head, lock=lock)
        samples.append(time.perf_counter() - start)
    return samples


def run() -> tuple[str, dict[str, Any]]:
    br_walls, pool_walls, gaps = [], [], []
    for _ in range(ROUNDS):  # alternate br and the pool to spread machine noise evenly
        with tempfile.TemporaryDirectory(prefix="br-bench-") as tmp:
            repo = _repo(Path(tmp))
            wall, extra = _run_br(repo, TASKS, "none")
            br_walls.append(wall)
            gaps.append(extra["idle_gap_ms"])
        pool_walls.append(_run_pool(TASKS))
    with tempfile.TemporaryDirectory(prefix="br-bench-wt-") as tmp:
        repo = _repo(Path(tmp))
        worktree = _worktree_times(repo)
    with tempfile.TemporaryDirectory(prefix="br-bench-merge-") as tmp:
        repo = _repo(Path(tmp))
        merged_wall, _ = _run_br(repo, 100, "worktree")
    br_wall = statistics.median(br_walls)
    pool_wall = statistics.median(pool_walls)
    overhead = max(0.0, br_wall - pool_wall) * WORKERS / TASKS
    verdict = "yes" if overhead * 1000 < TARGET_MS else "**no**"
    rows = [
        ["`br parallel` (SQLite lease queue, 4 worker processes)", f"{br_wall:.2f}",
         f"{TASKS / br_wall:.0f}", fmt_ms(br_wall * WORKERS / TASKS)],
        ["`ProcessPoolExecutor(4)` + `subprocess.run`", f"{pool_wall:.2f}",
         f"{TASKS / pool_wall:.0f}", fmt_ms(pool_wall * WORKERS / TASKS)],
    ]  # fmt: skip
    markdown = (
        f"{TASKS} tasks running `true` through `/bin/sh -c`, {WORKERS} workers, "
        f'`isolation = "none"` (no worktrees), median of {ROUNDS} alternating rounds; '
        "br's wall time includes starting its worker processes.\n\n"
        + table(["runner", "wall (s)", "tasks/s", "worker time per task (ms)"], rows, "lrrr")
        + "\n\n"
        + table(
            ["measure", "value", f"target < {TARGET_MS:.0f} ms"],
            [
                ["scheduling overhead per task (br - pool) x 4 / 500", fmt_ms(overhead), verdict],
                [
                    "median idle gap between a worker's tasks (settle → next claim)",
                    f"{statistics.median(gaps):.1f} ms",
                    "",
                ],
                [
                    f"`git worktree add` per task (median of {WORKTREES})",
                    fmt_ms(statistics.median(worktree)),
                    "",
                ],
                [
                    "100 tasks with worktrees + commit + merge-back, wall per task",
                    fmt_ms(merged_wall / 100),
                    "",
                ],
            ],
            "lrl",
        )
    )
    data = {
        "br_wall_s": br_wall,
        "pool_wall_s": pool_wall,
        "br_tasks_per_s": TASKS / br_wall,
        "pool_tasks_per_s": TASKS / pool_wall,
        "overhead_ms_per_task": overhead * 1000,
        "idle_gap_ms": statistics.median(gaps),
        "worktree_add_ms": statistics.median(worktree) * 1000,
        "worktree_session_ms_per_task": merged_wall / 100 * 1000,
        "target_ms": TARGET_MS,
    }
    return markdown, data
