"""The project database: one SQLite file, safe for many processes at once.

Every connection is opened in autocommit mode with WAL, a busy timeout, ``synchronous=NORMAL``
and foreign keys on (see shared/reference/sqlite-and-locks.md). Read-modify-write work goes
through :meth:`Store.transaction`, which starts ``BEGIN IMMEDIATE`` so that two processes never
both read and then both write. Connections are per thread and per process: a forked child or
another thread gets its own.

SQLite errors are translated here, at the boundary: a lock held past the timeout becomes
:class:`StoreLockedError`, a damaged file :class:`StoreCorruptError` (both exit 3).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from buildrunner.core.errors import StoreCorruptError, StoreError, StoreLockedError
from buildrunner.core.migrations import MIGRATIONS, Migration
from buildrunner.core.paths import ProjectPaths, resolve_paths

MIN_SQLITE = (3, 35, 0)
"""`UPDATE ... RETURNING` needs SQLite 3.35."""

_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS _migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""


class Store:
    """A handle on the project database; cheap to create, connects lazily."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 30.0,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.migrations = tuple(migrations)
        self._local = threading.local()
        self._migrated = False
        self._migrate_lock = threading.Lock()

    # ----------------------------------------------------------------- connections

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened (and the schema migrated) on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        conn = self._open()
        self._local.conn = conn
        self._local.pid = os.getpid()
        if not self._migrated:
            with self._migrate_lock:
                if not self._migrated:
                    self._migrate(conn)
                    self._migrated = True
        return conn

    def _open(self) -> sqlite3.Connection:
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"SQLite {sqlite3.sqlite_version} is too old; br needs 3.35 or newer",
                hint="install a Python built against a newer SQLite",
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {self.path.parent}: {exc.strerror or exc}",
                hint="check permissions or point BR_HOME at a writable directory",
            ) from exc
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=True
            )
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        conn.row_factory = sqlite3.Row
        try:
            self._retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            conn.close()
            raise self._translate(exc) from exc
        return conn

    def _retry_locked(self, action: Any) -> Any:
        """Run `action`, retrying while another opener holds the lock (bounded by the timeout).

        Switching to WAL needs a moment of exclusive access; SQLite does not always route
        that through the busy handler, so concurrent first opens retry here.
        """
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def close(self) -> None:
        """Close this thread's connection (other threads close theirs on exit)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction on this thread's connection; commits on success, rolls back on error.

        ``immediate=True`` (the default) takes the write lock at the start: use it for every
        read-modify-write. ``immediate=False`` gives a deferred transaction: a consistent
        snapshot for several reads. Nested calls become savepoints.
        """
        conn = self.connection()
        if conn.in_transaction:
            yield from self._savepoint(conn)
            return
        try:
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            raise self._translate(exc) from exc

    def _savepoint(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        depth = getattr(self._local, "depth", 0) + 1
        self._local.depth = depth
        name = f"br_sp_{depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._local.depth = depth - 1
        conn.execute(f"RELEASE {name}")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Run one statement in autocommit mode and return all rows."""
        conn = self.connection()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    # ----------------------------------------------------------------- migrations

    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in this database, in the order applied."""
        rows = self.execute("SELECT name FROM _migrations ORDER BY rowid")
        return [row["name"] for row in rows]

    def _migrate(self, conn: sqlite3.Connection) -> list[str]:
        """Apply every missing migration in order, under the write lock."""
        try:
            if self._all_applied(conn):
                return []
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(_MIGRATIONS_TABLE)
                done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
                applied: list[str] = []
                for migration in self.migrations:
                    if migration.name in done:
                        continue
                    migration.apply(conn)
                    conn.execute(
                        "INSERT INTO _migrations(name, applied_at) "
                        "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                        (migration.name,),
                    )
                    applied.append(migration.name)
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        except sqlite3.Error as exc:
            raise self._translate(exc, during="migrating") from exc
        return applied

    def _all_applied(self, conn: sqlite3.Connection) -> bool:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'"
        ).fetchone()
        if not exists:
            return False
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
        return all(m.name in done for m in self.migrations)

    # ----------------------------------------------------------------- errors

    def _translate(self, exc: sqlite3.Error, *, during: str = "") -> StoreError:
        what = f" while {during}" if during else ""
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and _is_locked(exc):
            return StoreLockedError(
                f"the database {self.path} is locked by another process{what} "
                f"(waited {self.timeout:g}s)",
                hint="retry when the other br command has finished, or raise core.db_timeout",
            )
        if isinstance(exc, sqlite3.DatabaseError) and (
            "not a database" in text or "malformed" in text or "corrupt" in text
        ):
            return StoreCorruptError(
                f"the database {self.path} is damaged or not a SQLite file ({text})",
                hint="move it aside; br creates a new one on the next run",
            )
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in text:
            return StoreError(
                f"cannot open the database {self.path}{what}: {text}",
                hint="check that the directory exists and is writable, or set BR_HOME",
            )
        return StoreError(f"database error{what} in {self.path}: {text}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def open_store(paths: ProjectPaths | None = None, *, timeout: float = 30.0) -> Store:
    """The store of the project at `paths` (default: the project containing the cwd)."""
    return Store((paths or resolve_paths()).db_path, timeout=timeout)
