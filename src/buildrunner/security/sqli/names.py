"""Name heuristics shared by the analysers: database handles, sources, sanitisers, non-sinks."""

from __future__ import annotations

import re

_DB_WORDS = frozenset(
    {
        "cursor",
        "cur",
        "curs",
        "conn",
        "connection",
        "con",
        "cnx",
        "db",
        "database",
        "session",
        "sess",
        "engine",
        "pool",
        "tx",
        "txn",
        "trx",
        "transaction",
        "dbapi",
        "sqlite",
        "sqlite3",
        "psycopg",
        "psycopg2",
        "pg",
        "pgpool",
        "mysql",
        "mariadb",
        "mssql",
        "knex",
        "sequelize",
        "client",
        "dbclient",
        "datasource",
        "manager",
        "entitymanager",
        "queryrunner",
        "prisma",
        "repo",
        "repository",
        "asyncpg",
        "aiopg",
        "aiosqlite",
        "duckdb",
        "spark",
        "connector",
        "sql",
    }
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[_\W]+")

SOURCE_NAMES = frozenset(
    {"request", "req", "argv", "environ", "getenv", "stdin", "input", "raw_input", "params"}
)
"""Globals and attributes whose values come from outside (HTTP requests, argv, environment)."""

NUMERIC_TYPES = frozenset(
    {
        "int",
        "float",
        "bool",
        "complex",
        "Decimal",
        "UUID",
        "date",
        "datetime",
        "time",
        "timedelta",
        "number",
        "bigint",
        "boolean",
        "Date",
        "PositiveInt",
        "NonNegativeInt",
        "conint",
        "confloat",
        "StrictInt",
        "StrictFloat",
        "StrictBool",
    }
)
"""Types whose values cannot carry SQL syntax when formatted into text."""


def words(name: str) -> list[str]:
    """``self._dbConn`` -> ``["self", "db", "conn"]`` (lower-case, split on case and ``_``)."""
    return [w.lower() for w in _SPLIT.split(_CAMEL.sub("_", name)) if w]


def is_db_name(name: str) -> bool:
    """Whether a variable or attribute name reads as a database handle (`cur`, `self.conn`)."""
    last = name.rsplit(".", 1)[-1]
    parts = words(last)
    if not parts:
        return False
    return parts[-1] in _DB_WORDS or last.lower().endswith(
        ("cursor", "conn", "connection", "session", "db", "pool", "engine")
    )


def is_constant_name(name: str) -> bool:
    """ALL_CAPS names are constants by convention (``ALLOWED_COLUMNS``, ``settings.TABLE``)."""
    bare = name.strip("_")
    return len(bare) > 1 and bare.upper() == bare and any(c.isalpha() for c in bare)


def is_source_name(name: str) -> bool:
    """A name that denotes outside input (``request``, ``sys.argv``, ``os.environ``)."""
    return name in SOURCE_NAMES


def is_sanitizer(name: str) -> bool:
    """Calls that quote or escape their argument for SQL (``escape_string``, ``quote_ident``)."""
    lower = name.lower()
    return (
        "escape" in lower
        or lower.startswith("quote")
        or lower in {"quote_name", "quote_ident", "quote_literal", "identifier", "sqlstring"}
    )


_SQL_TEXT_WORDS = frozenset(
    {"sql", "query", "queries", "stmt", "statement", "ddl", "dml", "script"}
)


def names_sql_text(names: tuple[str, ...]) -> bool:
    """Whether a value's name says it already is SQL (``sql``, ``query``, ``stmt``).

    Raw-fragment sinks (``text(sort)``, ``orderByRaw(req.query.sort)``) treat any untrusted
    value as injected SQL, except one whose name says it is a statement passed through.
    """
    if not names:
        return False
    last = names[0].rsplit(".", 1)[-1]
    return any(w in _SQL_TEXT_WORDS for w in words(last))
