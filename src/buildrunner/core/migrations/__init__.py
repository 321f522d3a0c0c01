"""The ordered list of named schema migrations (the pattern of simonw/llm).

A migration is applied once; its name is then recorded in ``_migrations``. Never edit,
rename or reorder a migration that has shipped: add a new one. Each subsystem keeps its
migrations in its own module here, with names prefixed by the subsystem (``telemetry.001_events``),
and appends its tuple to :data:`MIGRATIONS`. Tables of different subsystems are independent, so
a database applies whatever is missing in list order.
"""

from __future__ import annotations

from buildrunner.core.migrations import core, parallel, routing, telemetry
from buildrunner.core.migrations.base import Migration

MIGRATIONS: tuple[Migration, ...] = (
    *core.MIGRATIONS,
    *routing.MIGRATIONS,
    *telemetry.MIGRATIONS,
    *parallel.MIGRATIONS,
)

__all__ = ["MIGRATIONS", "Migration"]
