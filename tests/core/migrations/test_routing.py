"""routing.001_ledger from an empty database and on top of the previous schema with rows."""

from __future__ import annotations

from pathlib import Path

from buildrunner.core.migrations import MIGRATIONS, core
from buildrunner.core.store import Store

TABLES = {"routing_calls", "routing_attempts", "routing_usage", "routing_reservations",
          "routing_budgets", "routing_breakers"}  # fmt: skip


def tables(store: Store) -> set[str]:
    rows = store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


def test_from_empty_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "br.db")
    assert "routing.001_ledger" in store.applied_migrations()
    assert tables(store) >= TABLES
    store.execute("INSERT INTO routing_calls(id, started_at, source) VALUES ('c1', 1.0, 'api')")
    store.execute(
        "INSERT INTO routing_usage(call_id, created_at, model, input_tokens, output_tokens, "
        "cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_usd, cost_pusd, "
        "price_source) VALUES ('c1', 1.0, 'm', 1, 2, 0, 0, 0, '0.1', 100000000000, 'test')"
    )
    assert store.execute("SELECT cost_pusd FROM routing_usage")[0]["cost_pusd"] == 10**11


def test_on_top_of_the_core_schema_with_rows(tmp_path: Path) -> None:
    path = tmp_path / "br.db"
    old = Store(path, migrations=core.MIGRATIONS)
    old.execute("INSERT INTO meta(key, value) VALUES ('kept', 'yes')")
    assert not TABLES & tables(old)
    old.close()
    new = Store(path, migrations=MIGRATIONS)
    assert "routing.001_ledger" in new.applied_migrations()
    assert tables(new) >= TABLES
    assert new.execute("SELECT value FROM meta WHERE key = 'kept'")[0]["value"] == "yes"
