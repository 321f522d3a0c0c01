from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from buildrunner.core.errors import StoreLockedError
from buildrunner.core.store import Store
from buildrunner.parallel import queue
from buildrunner.parallel.claims import check_edit, list_claims, release
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.liveness import LivenessLock, is_held
from buildrunner.parallel.plan import validate_plan
from buildrunner.parallel.queue import Settlement
from buildrunner.parallel.sessions import create_session, list_tasks, read_journal
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.states import TaskState
from buildrunner.testing.clock import FakeClock

RESOURCES = ["a", "b", "c", "d"]


def _session(store: Store, tasks: list[dict[str, object]], now: float) -> str:
    plan = validate_plan({"tasks": tasks})
    return create_session(
        store, plan, plan_path="p", base_ref="HEAD", base_commit="0" * 40, workers=8, now=now
    ).id


def test_check_edit_blocks_paths_claimed_by_other_tasks(store: Store) -> None:
    clock = FakeClock()
    sid = _session(
        store,
        [
            {"id": "api", "command": "x", "claims": ["src/api/**"]},
            {"id": "docs", "command": "x", "claims": ["docs/*.md"]},
        ],
        clock.now(),
    )
    assert queue.claim_next(store, sid, "w1", now=clock.now(), ttl=60)
    assert queue.claim_next(store, sid, "w2", now=clock.now(), ttl=60)
    blocked = check_edit(
        store, path="src/api/views.py", session_id=sid, task_id="docs", now=clock.now()
    )
    assert not blocked.allowed
    assert blocked.reason == (
        f"src/api/views.py is claimed by task api of session {sid} (pattern 'src/api/**'); "
        "leave it to that task"
    )
    own = check_edit(store, path="src/api/views.py", session_id=sid, task_id="api", now=clock.now())
    assert own.allowed
    free = check_edit(store, path="setup.cfg", session_id=sid, task_id="docs", now=clock.now())
    assert free.allowed
    strict = check_edit(
        store, path="setup.cfg", session_id=sid, task_id="docs", now=clock.now(), strict=True
    )
    assert not strict.allowed
    assert "outside this task's claims (docs/*.md)" in strict.reason
    clock.advance(61)  # leases expired: the claims are free again
    assert check_edit(
        store, path="src/api/views.py", session_id=sid, task_id="docs", now=clock.now()
    ).allowed
    assert list_claims(store, now=clock.now()) == []


def _contend(
    db: str,
    sid: str,
    markers: str,
    worker: str,
    result: multiprocessing.Queue,  # type: ignore[type-arg]
    start: Any,
) -> None:
    store = Store(Path(db), timeout=30)
    store.connection()
    start.wait(60)  # all eight contend from the same moment
    granted: list[str] = []
    double = 0
    locked = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            lease = queue.claim_next(store, sid, worker, now=time.time(), ttl=120)
        except StoreLockedError:
            locked += 1
            continue
        if lease is None:
            remaining = store.execute(
                "SELECT COUNT(*) FROM parallel_tasks WHERE session_id = ? AND state IN "
                "('ready', 'running')",
                (sid,),
            )[0][0]
            if remaining == 0:
                break
            time.sleep(0.002)
            continue
        resources = [
            r for r in RESOURCES if any(p in (f"res/{r}", "res/*") for p in lease.spec.claims)
        ]
        created = []
        for name in resources:
            try:
                fd = os.open(os.path.join(markers, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.close(fd)
                created.append(name)
            except FileExistsError:
                double += 1
        time.sleep(0.003)
        for name in created:
            os.unlink(os.path.join(markers, name))
        queue.settle(store, lease, Settlement(TaskState.DONE, "ok"), now=time.time())
        with store.transaction() as conn:  # what merge-back does once the task has landed
            release(conn, session_id=sid, task_id=lease.task_id, now=time.time())
        granted.append(lease.task_id)
    result.put((worker, granted, double, locked))


@pytest.mark.slow
def test_eight_processes_never_get_overlapping_claims(store: Store, tmp_path: Path) -> None:
    tasks: list[dict[str, object]] = []
    for index in range(64):
        kind = index % 4
        claims = (
            ["res/*"]
            if kind == 0
            else [f"res/{RESOURCES[index % 4]}", f"res/{RESOURCES[(index + 1) % 4]}"]
            if kind == 1
            else [f"res/{RESOURCES[index % 4]}"]
        )
        tasks.append({"id": f"t{index}", "command": "x", "claims": claims})
    sid = _session(store, tasks, time.time())
    markers = tmp_path / "markers"
    markers.mkdir()
    ctx = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = ctx.Queue()
    start = ctx.Barrier(8)
    procs = [
        ctx.Process(
            target=_contend, args=(str(store.path), sid, str(markers), f"w{i}", results, start)
        )
        for i in range(8)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    granted = [task for _, tasks_done, _, _ in outcomes for task in tasks_done]
    assert sum(double for _, _, double, _ in outcomes) == 0
    assert sum(locked for _, _, _, locked in outcomes) == 0
    assert sorted(granted) == sorted(f"t{i}" for i in range(64))
    assert {t.state for t in list_tasks(store, sid)} == {"done"}
    workers_used = sum(1 for _, tasks_done, _, _ in outcomes if tasks_done)
    assert workers_used >= 2


def _hold(path: str, ready: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    lock = LivenessLock(Path(path))
    assert lock.try_acquire()
    ready.set()
    time.sleep(60)


def test_a_sigkilled_holder_releases_its_flock_at_once(tmp_path: Path) -> None:
    path = tmp_path / "run" / "session.lock"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold, args=(str(path), ready))
    proc.start()
    assert ready.wait(30)
    assert is_held(path)
    second = LivenessLock(path)
    assert not second.try_acquire()
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert not is_held(path)
    assert second.try_acquire()
    second.release()


def test_closing_another_descriptor_keeps_the_flock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    lock = LivenessLock(path)
    assert lock.try_acquire()
    with path.open() as other:  # an unrelated open/close of the same file (lockf would lose it)
        other.read()
    assert is_held(path) is False or lock.held  # is_held from this process: flock is per OFD
    competitor = LivenessLock(path)
    assert not competitor.try_acquire()
    lock.release()
    assert competitor.try_acquire()
    competitor.release()


def test_claims_of_a_dead_holder_are_released_at_once(store: Store, settings: RunSettings) -> None:
    layout = Layout.of(settings.paths)
    clock = FakeClock()
    first = _session(store, [{"id": "a", "command": "x", "claims": ["x.py"]}], clock.now())
    second = _session(store, [{"id": "b", "command": "x", "claims": ["x.py"]}], clock.now())
    assert queue.claim_next(store, first, "w1", now=clock.now(), ttl=600)
    worker_lock = LivenessLock(layout.worker_lock(first, "w1"))
    supervisor_lock = LivenessLock(layout.supervisor_lock(first))
    assert worker_lock.try_acquire()
    assert supervisor_lock.try_acquire()
    gone = layout.claim_holder_gone
    assert queue.claim_next(store, second, "w1", now=clock.now(), ttl=600, holder_gone=gone) is None
    supervisor_lock.release()
    # the supervisor died but the worker still runs: the claim stays
    assert queue.claim_next(store, second, "w1", now=clock.now(), ttl=600, holder_gone=gone) is None
    worker_lock.release()  # as the kernel does when a process dies, SIGKILL included
    lease = queue.claim_next(store, second, "w1", now=clock.now(), ttl=600, holder_gone=gone)
    assert lease is not None
    assert lease.session_id == second
    assert [c.session_id for c in list_claims(store, now=clock.now())] == [second]
    assert [e.message for e in read_journal(store, first) if e.level == "warning"] == [
        "claims released: holder w1 is no longer running"
    ]


def test_claims_of_holders_elsewhere_wait_for_their_lease(
    store: Store, settings: RunSettings
) -> None:
    layout = Layout.of(settings.paths)
    clock = FakeClock()
    first = _session(store, [{"id": "a", "command": "x", "claims": ["x.py"]}], clock.now())
    second = _session(store, [{"id": "b", "command": "x", "claims": ["x.py"]}], clock.now())
    assert queue.claim_next(store, first, "w9", now=clock.now(), ttl=600)
    # no lock files here: the holder runs on another machine
    gone = layout.claim_holder_gone
    assert queue.claim_next(store, second, "w1", now=clock.now(), ttl=600, holder_gone=gone) is None
