"""Storage of items in SQLite, with parameterised queries only."""

from __future__ import annotations

import sqlite3

from inventory.models import Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL
)
"""


def connect(path: str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(SCHEMA)
    return conn


def save(conn: sqlite3.Connection, item: Item) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO items(sku, name, quantity, unit_price_cents) VALUES (?, ?, ?, ?)",
        (item.sku, item.name, item.quantity, item.unit_price_cents),
    )


def find_by_name(conn: sqlite3.Connection, name: str) -> list[Item]:
    rows = conn.execute(
        "SELECT sku, name, quantity, unit_price_cents FROM items WHERE name = ?", (name,)
    ).fetchall()
    return [Item(*row) for row in rows]
