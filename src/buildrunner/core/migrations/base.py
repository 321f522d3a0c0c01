"""What a migration is."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Migration:
    """A named schema change: SQL statements, then an optional Python step.

    Statements run one by one inside the migrating ``BEGIN IMMEDIATE`` transaction
    (``executescript`` would commit it), so a failing migration leaves nothing behind.
    """

    name: str
    statements: tuple[str, ...] = ()
    step: Callable[[sqlite3.Connection], None] | None = field(default=None, compare=False)

    def apply(self, conn: sqlite3.Connection) -> None:
        for statement in self.statements:
            conn.execute(statement)
        if self.step is not None:
            self.step(conn)
