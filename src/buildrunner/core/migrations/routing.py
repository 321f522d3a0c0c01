"""Migrations of the routing tables: calls, attempts, usage (the cost ledger), reservations,
budgets and circuit breakers.

Money is stored twice: ``cost_usd`` as the exact decimal string and ``cost_pusd`` as integer
pico-dollars (10^-12 USD, exact for every published price) so SQL can add amounts without floats.
"""

from __future__ import annotations

from buildrunner.core.migrations.base import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "routing.001_ledger",
        (
            """
            CREATE TABLE routing_calls (
                id TEXT PRIMARY KEY,
                started_at REAL NOT NULL,
                finished_at REAL,
                source TEXT NOT NULL,
                session_id TEXT,
                task_id TEXT,
                task_type TEXT,
                level TEXT,
                requested_model TEXT,
                selected_model TEXT,
                final_model TEXT,
                outcome TEXT NOT NULL DEFAULT 'running',
                error_kind TEXT,
                error_message TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                fallbacks INTEGER NOT NULL DEFAULT 0,
                reserved_pusd INTEGER NOT NULL DEFAULT 0,
                cost_pusd INTEGER NOT NULL DEFAULT 0,
                reason TEXT
            ) STRICT
            """,
            "CREATE INDEX routing_calls_started ON routing_calls(started_at)",
            """
            CREATE TABLE routing_attempts (
                id INTEGER PRIMARY KEY,
                call_id TEXT NOT NULL REFERENCES routing_calls(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                model TEXT NOT NULL,
                started_at REAL NOT NULL,
                duration_s REAL NOT NULL,
                outcome TEXT NOT NULL,
                status INTEGER,
                request_id TEXT,
                wait_s REAL,
                detail TEXT,
                UNIQUE (call_id, seq)
            ) STRICT
            """,
            """
            CREATE TABLE routing_usage (
                id INTEGER PRIMARY KEY,
                call_id TEXT REFERENCES routing_calls(id) ON DELETE CASCADE,
                created_at REAL NOT NULL,
                session_id TEXT,
                task_type TEXT,
                model TEXT NOT NULL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                cache_write_5m_tokens INTEGER NOT NULL,
                cache_write_1h_tokens INTEGER NOT NULL,
                cache_read_tokens INTEGER NOT NULL,
                batch INTEGER NOT NULL DEFAULT 0,
                cost_usd TEXT NOT NULL,
                cost_pusd INTEGER NOT NULL,
                price_source TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX routing_usage_created ON routing_usage(created_at)",
            "CREATE INDEX routing_usage_session ON routing_usage(session_id, created_at)",
            """
            CREATE TABLE routing_reservations (
                id INTEGER PRIMARY KEY,
                call_id TEXT,
                session_id TEXT,
                model TEXT NOT NULL,
                amount_pusd INTEGER NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                state TEXT NOT NULL DEFAULT 'open'
                    CHECK (state IN ('open', 'settled', 'released', 'expired')),
                closed_at REAL
            ) STRICT
            """,
            "CREATE INDEX routing_reservations_open ON routing_reservations(state, created_at)",
            """
            CREATE TABLE routing_budgets (
                scope TEXT PRIMARY KEY CHECK (scope IN ('day', 'month', 'session')),
                limit_usd TEXT,
                updated_at REAL NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE routing_breakers (
                model TEXT PRIMARY KEY,
                state TEXT NOT NULL DEFAULT 'closed'
                    CHECK (state IN ('closed', 'open', 'half_open')),
                failures TEXT NOT NULL DEFAULT '[]',
                opened_at REAL,
                open_until REAL,
                cooldown_s REAL,
                probe_started_at REAL,
                updated_at REAL NOT NULL
            ) STRICT
            """,
        ),
    ),
)
