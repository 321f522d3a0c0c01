from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from buildrunner.core.errors import StoreCorruptError, StoreError, StoreLockedError
from buildrunner.core.migrations import MIGRATIONS, Migration
from buildrunner.core.store import Store

PROCESSES = 8
ROWS_PER_PROCESS = 150


def test_migrations_from_empty_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "db" / "br.db")
    assert store.applied_migrations() == [m.name for m in MIGRATIONS]
    project_id = store.execute("SELECT value FROM meta WHERE key='project_id'")[0]["value"]
    assert len(project_id) == 32


def test_migrations_rerun_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    first = Store(path)
    first_id = first.execute("SELECT value FROM meta WHERE key='project_id'")[0]["value"]
    first.close()
    second = Store(path)
    assert second.applied_migrations() == [m.name for m in MIGRATIONS]
    assert second.execute("SELECT value FROM meta WHERE key='project_id'")[0]["value"] == first_id
    assert second.execute("SELECT count(*) AS n FROM _migrations")[0]["n"] == len(MIGRATIONS)


def test_new_migration_applies_on_top_of_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    Store(path).execute("INSERT INTO meta(key, value) VALUES ('kept', 'yes')")
    extra = Migration("test.001_extra", ("CREATE TABLE extra (id INTEGER PRIMARY KEY)",))
    upgraded = Store(path, migrations=(*MIGRATIONS, extra))
    assert upgraded.applied_migrations()[-1] == "test.001_extra"
    assert upgraded.execute("SELECT value FROM meta WHERE key='kept'")[0]["value"] == "yes"


def test_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    Store(path).connection()
    broken = Migration("test.002_broken", ("CREATE TABLE half (id INTEGER)", "NOT SQL"))
    with pytest.raises(StoreError, match="while migrating"):
        Store(path, migrations=(*MIGRATIONS, broken)).connection()
    check = sqlite3.connect(path)
    tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    names = {row[0] for row in check.execute("SELECT name FROM _migrations")}
    assert "half" not in tables
    assert "test.002_broken" not in names


def test_connection_pragmas(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db", timeout=7)
    conn = store.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 7000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")

    def failing_write() -> None:
        with store.transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_write()
    assert store.execute("SELECT count(*) AS n FROM meta WHERE key='a'")[0]["n"] == 0


def test_nested_transaction_is_a_savepoint(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")

    def failing_inner() -> None:
        with store.transaction() as inner:
            inner.execute("INSERT INTO meta(key, value) VALUES ('inner', '1')")
            raise ValueError("inner")

    with store.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('outer', '1')")
        with pytest.raises(ValueError, match="inner"):
            failing_inner()
    keys = {row["key"] for row in store.execute("SELECT key FROM meta")}
    assert "outer" in keys
    assert "inner" not in keys


def test_threads_get_their_own_connections(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")
    main_conn = store.connection()
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(store.connection()))
    thread.start()
    thread.join()
    assert seen
    assert seen[0] is not main_conn


def _writer(path: str, worker: int, rows: int, migrations: tuple[Migration, ...]) -> None:
    store = Store(Path(path), timeout=60, migrations=migrations)
    for index in range(rows):
        # read-modify-write: the next sequence number depends on what is already there
        with store.transaction() as conn:
            current = conn.execute("SELECT coalesce(max(seq), 0) FROM counter").fetchone()[0]
            conn.execute(
                "INSERT INTO counter(seq, worker, item) VALUES (?, ?, ?)",
                (current + 1, worker, index),
            )


def test_eight_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    table = Migration(
        "test.001_counter",
        ("CREATE TABLE counter (seq INTEGER PRIMARY KEY, worker INTEGER, item INTEGER)",),
    )
    # every process runs the migrations on first open, concurrently with the others
    migrations = (*MIGRATIONS, table)
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        pool.starmap(
            _writer,
            [(str(path), worker, ROWS_PER_PROCESS, migrations) for worker in range(PROCESSES)],
        )
    store = Store(path, migrations=migrations)
    rows = store.execute("SELECT seq, worker, item FROM counter ORDER BY seq")
    assert len(rows) == PROCESSES * ROWS_PER_PROCESS
    assert [row["seq"] for row in rows] == list(range(1, PROCESSES * ROWS_PER_PROCESS + 1))
    per_worker = {(row["worker"], row["item"]) for row in rows}
    assert len(per_worker) == PROCESSES * ROWS_PER_PROCESS
    assert store.execute("PRAGMA integrity_check")[0][0] == "ok"


def test_lock_held_past_timeout_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    Store(path).connection()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiting = Store(path, timeout=0.2)
        with (
            pytest.raises(StoreLockedError, match="locked by another process") as info,
            waiting.transaction(),
        ):
            pass
        assert info.value.exit_code == 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    path.write_bytes(b"this is not a database, just text\n" * 200)
    with pytest.raises(StoreCorruptError, match="damaged or not a SQLite file"):
        Store(path).connection()
    assert path.read_bytes().startswith(b"this is not a database")
