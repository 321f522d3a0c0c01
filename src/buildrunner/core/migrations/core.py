"""Migrations of the shared tables."""

from __future__ import annotations

from buildrunner.core.migrations.base import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "core.001_meta",
        (
            """
            CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT
            """,
            """
            INSERT INTO meta(key, value)
            VALUES ('project_id', lower(hex(randomblob(16)))),
                   ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            """,
        ),
    ),
)
