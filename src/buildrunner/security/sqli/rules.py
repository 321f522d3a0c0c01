"""The SQL-injection rule catalog. Rule ids are permanent: baselines and suppressions name them."""

from __future__ import annotations

from collections.abc import Mapping

from buildrunner.security.sqli.model import SqlRule

_PARAMS_PY = (
    "Pass values as parameters (`cursor.execute(sql, params)` with `%s`, `?` or `:name` "
    "placeholders); choose identifiers from an allowlist or compose them with "
    "`psycopg.sql.Identifier`."
)
_PARAMS_JS = (
    "Use placeholders with a values array (`?`, `$1`, `:name`) or a tagged template "
    "(sql`...`, Prisma.sql`...`); pick identifiers from an allowlist."
)

SQLI_RULES: tuple[SqlRule, ...] = (
    SqlRule(
        "py-sqli-execute",
        "python",
        "SQL built from untrusted input reaches a database driver",
        "DB-API `execute`/`executemany`/`executescript` (sqlite3, psycopg, PyMySQL, "
        "mysql-connector, aiopg, Django `connection.cursor()`), asyncpg `execute`/`fetch*`, "
        "SQLAlchemy `Connection.execute`/`Session.execute`/`exec_driver_sql`",
        _PARAMS_PY,
    ),
    SqlRule(
        "py-sqli-sqlalchemy",
        "python",
        "SQL built from untrusted input is wrapped in SQLAlchemy text()",
        "SQLAlchemy `text()`, `literal_column()`",
        "Use `text('... :name').bindparams(name=value)` or SQLAlchemy expressions.",
    ),
    SqlRule(
        "py-sqli-django",
        "python",
        "SQL built from untrusted input reaches Django raw SQL",
        "Django `Manager.raw()`, `QuerySet.extra()`, `RawSQL()`",
        "Pass `params=[...]` to raw()/RawSQL()/extra() and keep the SQL text constant.",
    ),
    SqlRule(
        "py-sqli-psycopg-sql",
        "python",
        "A formatted string is passed to psycopg sql.SQL()",
        "psycopg / psycopg2 `sql.SQL()`",
        "Keep the sql.SQL() text constant and compose with `.format(sql.Identifier(...), "
        "sql.Literal(...), sql.Placeholder())`.",
    ),
    SqlRule(
        "py-sqli-pandas",
        "python",
        "SQL built from untrusted input reaches a dataframe reader",
        "pandas `read_sql`, `read_sql_query`, `read_gbq`; polars `read_database`, "
        "`read_database_uri`",
        "Pass `params=` to read_sql() and keep the SQL text constant.",
    ),
    SqlRule(
        "py-sqli-formatted",
        "python",
        "Formatted SQL statement with untrusted input (sink not recognised)",
        "a SQL statement built with an f-string, `+`, `%`, `.format()`, `.join()` or "
        "`.replace()` that is passed to a function br does not know or returned",
        _PARAMS_PY,
        severity="medium",
    ),
    SqlRule(
        "js-sqli-query",
        "javascript",
        "SQL built from untrusted input reaches a database driver",
        "mysql/mysql2 `query`/`execute`, pg `query`, mssql `query`/`batch`, sqlite3 "
        "`run`/`all`/`get`/`each`/`exec`/`prepare`, better-sqlite3, pg-promise, postgres "
        "`unsafe`",
        _PARAMS_JS,
    ),
    SqlRule(
        "js-sqli-knex",
        "javascript",
        "SQL built from untrusted input reaches a knex raw method",
        "knex `raw`, `whereRaw`, `orWhereRaw`, `havingRaw`, `orderByRaw`, `groupByRaw`, "
        "`joinRaw`, `fromRaw`",
        "Use `?`/`??` or `:name` bindings: `knex.raw('... ?', [value])`.",
    ),
    SqlRule(
        "js-sqli-sequelize",
        "javascript",
        "SQL built from untrusted input reaches Sequelize",
        "Sequelize `query`, `literal`",
        "Use `replacements` or `bind` options: `sequelize.query('... :name', {replacements})`.",
    ),
    SqlRule(
        "js-sqli-prisma",
        "javascript",
        "SQL built from untrusted input reaches a Prisma unsafe raw query",
        "Prisma `$queryRawUnsafe`, `$executeRawUnsafe`, `Prisma.raw`, untagged `$queryRaw`",
        "Use the tagged `$queryRaw`...`` / `Prisma.sql`...`` or pass values as extra "
        "arguments with `$1` placeholders.",
    ),
    SqlRule(
        "js-sqli-typeorm",
        "javascript",
        "SQL built from untrusted input reaches TypeORM",
        "TypeORM `query()` on DataSource/EntityManager/QueryRunner/Repository; QueryBuilder "
        "`where`/`andWhere`/`orWhere`/`having`/`orderBy`/`select` with a built string",
        "Use parameters: `.where('user.name = :name', { name })`, `query(sql, [values])`.",
    ),
    SqlRule(
        "js-sqli-formatted",
        "javascript",
        "Formatted SQL statement with untrusted input (sink not recognised)",
        "a SQL statement built with a template literal or `+` that is passed to a function br "
        "does not know or returned",
        _PARAMS_JS,
        severity="medium",
    ),
)

RULES_BY_ID: Mapping[str, SqlRule] = {rule.id: rule for rule in SQLI_RULES}
