from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.redact import mask_secret, redact_text
from buildrunner.core.store import Store
from buildrunner.telemetry import (
    Collector,
    ErrorEvent,
    Event,
    EventFilter,
    EventType,
    ModelCallEvent,
    NullCollector,
    Severity,
    TaskEvent,
    get_collector,
    set_collector,
)
from buildrunner.telemetry.masking import default_masker
from buildrunner.telemetry.query import query_events
from buildrunner.testing.telemetry import regex_masker

SECRET = "sk-ant-api03-" + "Zq7" * 15
TOKEN = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"


def _count(store: Store) -> int:
    return int(store.execute("SELECT count(*) FROM telemetry_events")[0][0])


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_record_buffers_and_flush_writes(collector: Collector, store: Store) -> None:
    for index in range(10):
        collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id=f"t{index}"))
    assert _count(store) == 0
    assert collector.stats().buffered == 10
    assert collector.flush() == 10
    assert _count(store) == 10
    assert collector.stats().stored == 10
    assert collector.flush() == 0


def test_background_flusher_writes_without_an_explicit_flush(store: Store) -> None:
    collector = Collector(store, masker=regex_masker, batch_size=1000, flush_interval=0.05)
    try:
        for index in range(25):
            collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id=f"t{index}"))
        assert _wait_for(lambda: _count(store) == 25)
    finally:
        collector.close()


def test_full_batch_wakes_the_flusher(store: Store) -> None:
    collector = Collector(store, masker=regex_masker, batch_size=10, flush_interval=3600)
    try:
        for index in range(10):
            collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id=f"t{index}"))
        assert _wait_for(lambda: _count(store) == 10)
    finally:
        collector.close()


def test_close_writes_what_is_left_and_later_records_are_written_at_once(store: Store) -> None:
    collector = Collector(store, masker=regex_masker, flush_interval=3600)
    collector.record(TaskEvent(type=EventType.TASK_QUEUED))
    collector.close()
    assert _count(store) == 1
    collector.record(TaskEvent(type=EventType.TASK_STARTED))
    assert _count(store) == 2


def test_secrets_are_stored_masked(collector: Collector, store: Store, tmp_path: Path) -> None:
    collector.record(
        ErrorEvent(
            error_type="AuthError",
            message=f"request failed with key {SECRET}",
            attributes={
                "http.request.header": f"x-api-key: {SECRET}",
                "nested": {"list": [f"token {TOKEN}", "plain text here"]},
                "db.password": "hunter2",
                "api_key": 1234567,
                "gen_ai.usage.input_tokens": 12,
            },
        )
    )
    collector.record(ModelCallEvent(model=f"model-{SECRET}", session_id=f"s {TOKEN}"))
    collector.flush()
    error, call = query_events(store)
    assert isinstance(error, ErrorEvent)
    assert error.message == f"request failed with key {mask_secret(SECRET)}"
    assert error.attributes["http.request.header"] == f"x-api-key: {mask_secret(SECRET)}"
    assert error.attributes["nested"] == {
        "list": [f"token {mask_secret(TOKEN)}", "plain text here"]
    }
    assert error.attributes["db.password"] == mask_secret("hunter2") == "********"
    assert error.attributes["api_key"] == "********"
    assert error.attributes["gen_ai.usage.input_tokens"] == 12
    assert isinstance(call, ModelCallEvent)
    assert call.model == f"model-{mask_secret(SECRET)}"
    assert call.session_id == f"s {mask_secret(TOKEN)}"
    # and nowhere in the files: database, WAL, shared memory
    store.close()
    for path in store.path.parent.iterdir():
        content = path.read_bytes()
        assert SECRET.encode() not in content, path
        assert TOKEN.encode() not in content, path
        assert b"hunter2" not in content, path


def test_the_callers_event_is_not_changed_by_masking(collector: Collector) -> None:
    event = ErrorEvent(message=f"key {SECRET}")
    collector.record(event)
    collector.flush()
    assert event.message == f"key {SECRET}"


def test_a_masker_that_breaks_the_json_falls_back_to_string_by_string(store: Store) -> None:
    def greedy(text: str) -> str:  # swallows a closing quote: invalid JSON
        return text.replace(f'{SECRET}"', "***") if SECRET in text else regex_masker(text)

    collector = Collector(store, masker=greedy, background=False)
    collector.record(ErrorEvent(message="boom", attributes={"k": SECRET}))
    collector.flush()
    [event] = query_events(store)
    assert event.attributes == {"k": mask_secret(SECRET)}


def test_the_default_masker_is_core_redact() -> None:
    assert default_masker() is redact_text


def test_listeners_see_stored_masked_events_and_failures_are_isolated(
    collector: Collector,
) -> None:
    seen: list[Event] = []
    failing_calls: list[str] = []

    def failing(event: Event) -> None:
        failing_calls.append(event.id)
        raise RuntimeError("listener bug")

    collector.add_listener(failing)
    collector.add_listener(seen.append)
    collector.record(ErrorEvent(message=f"key {SECRET}"))
    collector.record(TaskEvent(type=EventType.TASK_STARTED))
    assert collector.flush() == 2
    assert len(failing_calls) == 2
    assert [e.type for e in seen] == ["error", "task.started"]
    assert isinstance(seen[0], ErrorEvent)
    assert seen[0].message == f"key {mask_secret(SECRET)}"
    assert collector.stats().listener_failures == 2


def test_listener_filter_and_removal(collector: Collector) -> None:
    seen: list[Event] = []
    remove = collector.add_listener(
        seen.append, where=EventFilter(types=("task",), min_severity=Severity.ERROR)
    )
    collector.record(TaskEvent(type=EventType.TASK_STARTED))
    collector.record(TaskEvent(type=EventType.TASK_FAILED, task_id="t1"))
    collector.record(ErrorEvent(message="x"))
    collector.flush()
    assert [(e.type, e.task_id) for e in seen] == [("task.failed", "t1")]
    remove()
    collector.record(TaskEvent(type=EventType.TASK_FAILED, task_id="t2"))
    collector.flush()
    assert len(seen) == 1


def test_a_locked_database_keeps_events_until_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    Store(path).connection()
    collector = Collector(Store(path, timeout=0.2), masker=regex_masker, background=False)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for index in range(50):
            collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id=f"t{index}"))
        assert collector.flush() == 0
        stats = collector.stats()
        assert (stats.buffered, stats.errors) == (50, 1)
        assert stats.last_error is not None
        assert "locked" in stats.last_error
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert collector.flush() == 50
    stored = query_events(Store(path))
    assert [e.task_id for e in stored] == [f"t{i}" for i in range(50)]


def test_overflow_drops_the_oldest_and_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    Store(path).connection()
    collector = Collector(
        Store(path, timeout=0.1), masker=regex_masker, background=False, batch_size=5, max_buffer=20
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for index in range(30):
            collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id=f"t{index}"))
        collector.flush()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert collector.stats().dropped == 10
    collector.flush()
    events = query_events(Store(path))
    assert [e.task_id for e in events if e.type == "task.queued"] == [
        f"t{i}" for i in range(10, 30)
    ]
    [dropped] = [e for e in events if e.type == "system.dropped"]
    assert dropped.severity == Severity.WARNING
    assert getattr(dropped, "count", None) == 10


def test_an_invalid_event_is_dropped_alone(collector: Collector, store: Store) -> None:
    collector.record(ModelCallEvent(model="good-1"))
    collector.record(ModelCallEvent(model="bad", input_tokens="many"))  # type: ignore[arg-type]
    collector.record(ModelCallEvent(model="good-2", cost_usd=Decimal("0.5")))
    assert collector.flush() == 2
    assert [getattr(e, "model", None) for e in query_events(store)] == ["good-1", "good-2"]
    assert collector.stats().dropped == 1


def test_unregistered_classes_are_refused_at_record(collector: Collector) -> None:
    class Custom(TaskEvent):
        pass

    with pytest.raises(TypeError, match="not a registered event class"):
        collector.record(Custom(type=EventType.TASK_STARTED))


def test_events_are_flushed_at_interpreter_exit(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from buildrunner.core.store import Store\n"
        "from buildrunner.telemetry import Collector, TaskEvent\n"
        "c = Collector(Store(Path(sys.argv[1])), masker=str, flush_interval=3600)\n"
        "for i in range(123):\n"
        "    c.record(TaskEvent(type='task.queued', task_id=str(i)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert _count(Store(path)) == 123


def test_a_forked_child_does_not_store_the_parents_buffer(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")
    collector = Collector(store, masker=regex_masker, background=False)
    collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id="parent"))
    pid = os.fork()
    if pid == 0:  # child: record one event of its own, flush, exit without atexit
        code = 1
        try:
            collector.record(TaskEvent(type=EventType.TASK_QUEUED, task_id="child"))
            code = 0 if collector.flush() == 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    collector.flush()
    assert sorted(e.task_id or "" for e in query_events(store)) == ["child", "parent"]


def test_default_collector_is_off_without_a_data_directory(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_collector(None)
    try:
        assert isinstance(get_collector(), NullCollector)
        assert not (git_repo / ".buildrunner").exists()
    finally:
        set_collector(None)


def test_default_collector_is_off_with_br_telemetry_off(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / ".buildrunner").mkdir()
    monkeypatch.setenv("BR_TELEMETRY", "off")
    set_collector(None)
    try:
        assert isinstance(get_collector(), NullCollector)
    finally:
        set_collector(None)


def test_default_collector_records_into_the_project(git_repo: Path) -> None:
    from buildrunner import telemetry

    (git_repo / ".buildrunner").mkdir()
    set_collector(None)
    try:
        collector = telemetry.get_collector()
        assert isinstance(collector, Collector)
        telemetry.record(TaskEvent(type=EventType.TASK_QUEUED, task_id="via-default"))
        assert telemetry.flush() == 1
        stored = query_events(Store(git_repo / ".buildrunner" / "buildrunner.db"))
        assert [e.task_id for e in stored] == ["via-default"]
        collector.close()
    finally:
        set_collector(None)


def test_a_clean_batch_costs_one_masker_call(store: Store) -> None:
    calls: list[str] = []

    def counting(text: str) -> str:
        calls.append(text)
        return regex_masker(text)

    collector = Collector(store, masker=counting, background=False)
    for index in range(300):
        collector.record(ErrorEvent(error_type="GitError", message=f"merge failed number {index}"))
    assert collector.flush() == 300
    assert len(calls) == 1  # the whole batch screened at once
    stored = query_events(store, EventFilter(types=("error",)), limit=1000)
    assert sorted(e.message for e in stored) == sorted(
        f"merge failed number {i}" for i in range(300)
    )


def test_one_secret_in_a_large_batch_is_masked_and_the_others_untouched(store: Store) -> None:
    collector = Collector(store, masker=regex_masker, background=False)
    for index in range(500):
        message = f"call {index} with key {SECRET}" if index == 250 else f"call {index} went fine"
        collector.record(ErrorEvent(error_type="HTTPError", message=message))
    assert collector.flush() == 500
    messages = {e.message for e in query_events(store, EventFilter(types=("error",)), limit=1000)}
    assert f"call 250 with key {mask_secret(SECRET)}" in messages
    assert {f"call {i} went fine" for i in range(500) if i != 250} <= messages
    assert not any(SECRET in m for m in messages)
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob("buildrunner.db*"))
    assert SECRET.encode() not in raw
