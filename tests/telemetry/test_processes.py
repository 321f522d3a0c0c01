"""Many real processes writing at once, and a writer killed with SIGKILL mid-batch."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, ModelCallEvent

PROCESSES = 8
EVENTS_PER_PROCESS = 10_000


def _writer(path: str, worker: int, count: int) -> None:
    # a fresh process (spawn): its own collector, flusher thread and connection; no explicit
    # flush: the collector writes in the background and at exit
    collector = Collector(Store(Path(path), timeout=60), masker=str, batch_size=500)
    for index in range(count):
        collector.record(
            ModelCallEvent(
                model=f"model-{index % 3}",
                session_id=f"w{worker}",
                task_id=f"w{worker}-{index}",
                input_tokens=index,
            )
        )
    collector.close()
    stats = collector.stats()
    if stats.errors or stats.dropped or stats.stored != count:
        raise SystemExit(f"worker {worker}: {stats}")


@pytest.mark.slow
def test_eight_processes_record_ten_thousand_events_each_and_none_is_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "br.db"
    Store(path).connection()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(str(path), worker, EVENTS_PER_PROCESS))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(300)
    assert [p.exitcode for p in workers] == [0] * PROCESSES
    store = Store(path)
    total = PROCESSES * EVENTS_PER_PROCESS
    assert store.execute("SELECT count(*) FROM telemetry_events")[0][0] == total
    assert store.execute("SELECT count(DISTINCT id) FROM telemetry_events")[0][0] == total
    assert store.execute("SELECT count(DISTINCT task_id) FROM telemetry_events")[0][0] == total
    per_worker = store.execute(
        "SELECT session_id, count(*) AS n, sum(input_tokens) AS tokens "
        "FROM telemetry_events GROUP BY session_id ORDER BY session_id"
    )
    expected_tokens = EVENTS_PER_PROCESS * (EVENTS_PER_PROCESS - 1) // 2
    assert [(r["session_id"], r["n"], r["tokens"]) for r in per_worker] == [
        (f"w{w}", EVENTS_PER_PROCESS, expected_tokens) for w in range(PROCESSES)
    ]
    assert store.execute("PRAGMA integrity_check")[0][0] == "ok"


KILLED_WRITER = """
import sys
from pathlib import Path
from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, TaskEvent

path, progress = Path(sys.argv[1]), Path(sys.argv[2])
collector = Collector(Store(path), masker=str, background=False)
batch = 0
with progress.open("a", encoding="utf-8") as out:
    while True:
        ids = []
        for index in range(4000):
            event = TaskEvent(type="task.queued", task_id=f"b{batch}-{index}",
                              attributes={"payload": "x" * 200})
            collector.record(event)
            ids.append(event.id)
        collector.flush()
        # written only after the commit: every id listed here is durable
        out.write("\\n".join(ids) + "\\n")
        out.flush()
        batch += 1
"""


def test_a_writer_killed_mid_batch_leaves_a_sound_database_with_every_flushed_event(
    tmp_path: Path,
) -> None:
    path = tmp_path / "br.db"
    progress = tmp_path / "flushed.txt"
    progress.touch()
    Store(path).connection()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path), str(progress)],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        # wait for a few committed batches, then kill while it writes the next one
        while progress.read_text(encoding="utf-8").count("\n") < 12_000:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    flushed = set(progress.read_text(encoding="utf-8").split())
    assert len(flushed) >= 12_000
    store = Store(path)
    assert store.execute("PRAGMA integrity_check")[0][0] == "ok"
    stored = {row[0] for row in store.execute("SELECT id FROM telemetry_events")}
    assert flushed <= stored
    # batches are atomic: the database holds whole batches only
    assert len(stored) % 4000 == 0
