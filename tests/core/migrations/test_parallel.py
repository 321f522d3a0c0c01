from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from buildrunner.core.migrations import core, parallel
from buildrunner.core.store import Store


def test_parallel_migration_from_an_empty_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite", migrations=parallel.MIGRATIONS)
    assert store.applied_migrations() == ["parallel.001_sessions_tasks_claims"]
    tables = {
        r["name"] for r in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert {
        "parallel_sessions",
        "parallel_tasks",
        "parallel_task_deps",
        "parallel_attempts",
        "parallel_claims",
        "parallel_workers",
        "parallel_journal",
    } <= tables


def test_parallel_migration_on_top_of_the_previous_schema_with_rows(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    old = Store(path, migrations=core.MIGRATIONS)
    project_id = old.execute("SELECT value FROM meta WHERE key = 'project_id'")[0][0]
    old.close()
    new = Store(path, migrations=(*core.MIGRATIONS, *parallel.MIGRATIONS))
    assert new.applied_migrations() == ["core.001_meta", "parallel.001_sessions_tasks_claims"]
    assert new.execute("SELECT value FROM meta WHERE key = 'project_id'")[0][0] == project_id
    new.execute(
        "INSERT INTO parallel_sessions(id, name, plan_path, plan_json, state, base_ref, "
        "base_commit, workers_wanted, created_at, updated_at) "
        "VALUES ('s1', 'p', 'p', '{}', 'created', 'HEAD', '', 1, 1, 1)"
    )
    with pytest.raises(sqlite3.IntegrityError):
        new.connection().execute("UPDATE parallel_sessions SET state = 'exploded'")
    new.execute(
        "INSERT INTO parallel_tasks(session_id, task_id, seq, title, executor, spec_json, state,"
        " max_attempts, created_at, updated_at) VALUES ('s1', 't', 0, 't', 'shell', '{}', "
        "'ready', 1, 1, 1)"
    )
    new.execute("DELETE FROM parallel_sessions WHERE id = 's1'")
    assert new.execute("SELECT COUNT(*) FROM parallel_tasks")[0][0] == 0  # cascades
