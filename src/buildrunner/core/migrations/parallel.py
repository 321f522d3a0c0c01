"""Migrations of the parallel orchestration tables (``parallel_*``).

Sessions, their tasks (the lease queue), task dependencies, attempts, path claims, workers and
the session journal. Times are UTC epoch seconds (REAL) from one injectable clock.
"""

from __future__ import annotations

from buildrunner.core.migrations.base import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "parallel.001_sessions_tasks_claims",
        (
            """
            CREATE TABLE parallel_sessions (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                plan_path TEXT NOT NULL,
                plan_json TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN
                    ('created', 'running', 'paused', 'completed', 'failed', 'cancelled')),
                backend TEXT NOT NULL DEFAULT 'local',
                base_ref TEXT NOT NULL,
                base_commit TEXT NOT NULL,
                session_branch TEXT,
                workers_wanted INTEGER NOT NULL CHECK (workers_wanted >= 0),
                supervisor_pid INTEGER,
                supervisor_host TEXT,
                supervisor_heartbeat_at REAL,
                created_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL,
                updated_at REAL NOT NULL,
                error TEXT
            ) STRICT
            """,
            "CREATE INDEX parallel_sessions_state ON parallel_sessions(state, created_at)",
            """
            CREATE TABLE parallel_tasks (
                pk INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                title TEXT NOT NULL,
                executor TEXT NOT NULL,
                spec_json TEXT NOT NULL,
                priority INTEGER NOT NULL DEFAULT 0,
                state TEXT NOT NULL CHECK (state IN
                    ('pending', 'ready', 'running', 'paused', 'done', 'merged', 'conflict',
                     'blocked', 'failed', 'cancelled', 'skipped')),
                claimed_by TEXT,
                fence INTEGER NOT NULL DEFAULT 0,
                lease_expires_at REAL,
                heartbeat_at REAL,
                attempt INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
                losses INTEGER NOT NULL DEFAULT 0,
                reported INTEGER NOT NULL DEFAULT 0,
                not_before REAL,
                exec_pgid INTEGER,
                model TEXT,
                branch TEXT,
                worktree TEXT,
                start_commit TEXT,
                head_commit TEXT,
                log_path TEXT,
                agent_session_id TEXT,
                resumed_from TEXT,
                progress TEXT,
                turns INTEGER NOT NULL DEFAULT 0,
                cost_usd REAL NOT NULL DEFAULT 0,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0,
                outcome TEXT,
                error TEXT,
                result_text TEXT,
                merge_detail TEXT,
                created_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL,
                updated_at REAL NOT NULL,
                UNIQUE (session_id, task_id)
            ) STRICT
            """,
            "CREATE INDEX parallel_tasks_queue ON parallel_tasks(session_id, state, priority, seq)",
            """
            CREATE TABLE parallel_task_deps (
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                depends_on TEXT NOT NULL,
                PRIMARY KEY (session_id, task_id, depends_on)
            ) STRICT
            """,
            """
            CREATE TABLE parallel_attempts (
                pk INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                fence INTEGER NOT NULL,
                worker_id TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                outcome TEXT,
                exit_code INTEGER,
                model TEXT,
                agent_session_id TEXT,
                turns INTEGER NOT NULL DEFAULT 0,
                cost_usd REAL NOT NULL DEFAULT 0,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0,
                usage_json TEXT,
                error TEXT
            ) STRICT
            """,
            "CREATE INDEX parallel_attempts_task ON parallel_attempts(session_id, task_id)",
            """
            CREATE TABLE parallel_claims (
                pk INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                pattern TEXT NOT NULL,
                holder TEXT NOT NULL,
                fence INTEGER NOT NULL,
                acquired_at REAL NOT NULL,
                heartbeat_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                released_at REAL
            ) STRICT
            """,
            "CREATE INDEX parallel_claims_live ON parallel_claims(released_at, expires_at)",
            "CREATE INDEX parallel_claims_task ON parallel_claims(session_id, task_id)",
            """
            CREATE TABLE parallel_workers (
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                worker_id TEXT NOT NULL,
                pid INTEGER,
                host TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN
                    ('starting', 'idle', 'busy', 'stopping', 'stopped', 'dead')),
                current_task TEXT,
                tasks_done INTEGER NOT NULL DEFAULT 0,
                started_at REAL NOT NULL,
                heartbeat_at REAL NOT NULL,
                stopped_at REAL,
                PRIMARY KEY (session_id, worker_id)
            ) STRICT
            """,
            """
            CREATE TABLE parallel_journal (
                pk INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES parallel_sessions(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
                task_id TEXT,
                worker_id TEXT,
                message TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX parallel_journal_session ON parallel_journal(session_id, pk)",
        ),
    ),
)
