"""Migrations of the telemetry tables: events, alert instances and alert history."""

from __future__ import annotations

from buildrunner.core.migrations.base import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "telemetry.001_events",
        (
            # Hot fields are typed columns so metrics are SQL aggregates over narrow rows;
            # the rest of an event is JSON in `data`. `seq` (the rowid) orders events as
            # stored, which `br telemetry events --follow` relies on.
            """
            CREATE TABLE telemetry_events (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL,
                ts REAL NOT NULL,
                type TEXT NOT NULL,
                kind TEXT NOT NULL,
                severity INTEGER NOT NULL,
                session_id TEXT,
                task_id TEXT,
                status TEXT,
                model TEXT,
                task_type TEXT,
                error_type TEXT,
                name TEXT,
                duration_ms REAL,
                cost TEXT,
                cost_nanos INTEGER,
                input_tokens INTEGER,
                output_tokens INTEGER,
                cache_read_tokens INTEGER,
                cache_write_tokens INTEGER,
                data TEXT
            ) STRICT
            """,
            "CREATE INDEX telemetry_events_ts ON telemetry_events(ts)",
            # covering for latency percentiles (duration of one type in a window)
            "CREATE INDEX telemetry_events_type_ts ON telemetry_events(type, ts, duration_ms)",
            # the error breakdown reads only the few rows that carry an error type
            "CREATE INDEX telemetry_events_errors ON telemetry_events(error_type, ts) "
            "WHERE error_type IS NOT NULL",
            # Hourly roll-up maintained in the same transaction as every insert: counts,
            # outcomes, cost and tokens of a summary read this table for whole hours and the
            # raw rows only for the partial hours at the edges of a window.
            """
            CREATE TABLE telemetry_rollup (
                hour INTEGER NOT NULL,
                type TEXT NOT NULL,
                status TEXT NOT NULL,
                error_type TEXT NOT NULL,
                model TEXT NOT NULL,
                task_type TEXT NOT NULL,
                events INTEGER NOT NULL,
                with_cost INTEGER NOT NULL,
                cost_nanos INTEGER NOT NULL,
                with_tokens INTEGER NOT NULL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                cache_read_tokens INTEGER NOT NULL,
                cache_write_tokens INTEGER NOT NULL,
                first_ts REAL NOT NULL,
                last_ts REAL NOT NULL,
                PRIMARY KEY (hour, type, status, error_type, model, task_type)
            ) STRICT, WITHOUT ROWID
            """,
            # One row per active alert instance (rule + label set) while pending or firing.
            """
            CREATE TABLE telemetry_alert_instances (
                rule_id TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                labels TEXT NOT NULL,
                level TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'firing')),
                active_since REAL NOT NULL,
                fired_at REAL,
                last_true_at REAL NOT NULL,
                last_eval_at REAL NOT NULL,
                last_value REAL,
                threshold REAL NOT NULL,
                summary TEXT NOT NULL,
                last_notified_at REAL,
                PRIMARY KEY (rule_id, fingerprint)
            ) STRICT
            """,
            # Every state transition, kept for `br telemetry alerts --all`.
            """
            CREATE TABLE telemetry_alert_history (
                seq INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                rule_id TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                labels TEXT NOT NULL,
                level TEXT NOT NULL,
                from_state TEXT NOT NULL,
                to_state TEXT NOT NULL,
                value REAL,
                threshold REAL NOT NULL,
                summary TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX telemetry_alert_history_at ON telemetry_alert_history(at)",
        ),
    ),
)
