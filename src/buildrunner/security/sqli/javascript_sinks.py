"""JavaScript/TypeScript sinks: driver and ORM methods that run SQL text, and safe calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Evidence = Literal["strong", "weak", "sql", "builder"]
"""What else a call needs to count as a sink: nothing (`strong`), a database-like receiver or
SQL-looking text (`weak`), SQL-looking text (`sql`), a TypeORM query builder (`builder`)."""


@dataclass(frozen=True, slots=True)
class JsSink:
    rule_id: str
    evidence: Evidence


METHOD_SINKS: dict[str, JsSink] = {
    # mysql, mysql2, pg, mssql, TypeORM DataSource/EntityManager, Sequelize
    "query": JsSink("js-sqli-query", "weak"),
    "execute": JsSink("js-sqli-query", "weak"),
    "batch": JsSink("js-sqli-query", "weak"),
    "unsafe": JsSink("js-sqli-query", "weak"),
    "executeSql": JsSink("js-sqli-query", "strong"),
    "execSQL": JsSink("js-sqli-query", "strong"),
    # sqlite3, better-sqlite3, pg-promise
    "run": JsSink("js-sqli-query", "sql"),
    "all": JsSink("js-sqli-query", "sql"),
    "get": JsSink("js-sqli-query", "sql"),
    "each": JsSink("js-sqli-query", "sql"),
    "exec": JsSink("js-sqli-query", "sql"),
    "prepare": JsSink("js-sqli-query", "sql"),
    "any": JsSink("js-sqli-query", "sql"),
    "one": JsSink("js-sqli-query", "sql"),
    "none": JsSink("js-sqli-query", "sql"),
    "many": JsSink("js-sqli-query", "sql"),
    "oneOrNone": JsSink("js-sqli-query", "sql"),
    "manyOrNone": JsSink("js-sqli-query", "sql"),
    "result": JsSink("js-sqli-query", "sql"),
    "multi": JsSink("js-sqli-query", "sql"),
    # knex
    "raw": JsSink("js-sqli-knex", "weak"),
    "whereRaw": JsSink("js-sqli-knex", "strong"),
    "orWhereRaw": JsSink("js-sqli-knex", "strong"),
    "andWhereRaw": JsSink("js-sqli-knex", "strong"),
    "whereNotRaw": JsSink("js-sqli-knex", "strong"),
    "havingRaw": JsSink("js-sqli-knex", "strong"),
    "orHavingRaw": JsSink("js-sqli-knex", "strong"),
    "orderByRaw": JsSink("js-sqli-knex", "strong"),
    "groupByRaw": JsSink("js-sqli-knex", "strong"),
    "joinRaw": JsSink("js-sqli-knex", "strong"),
    "fromRaw": JsSink("js-sqli-knex", "strong"),
    "onRaw": JsSink("js-sqli-knex", "strong"),
    # Sequelize
    "literal": JsSink("js-sqli-sequelize", "weak"),
    # Prisma
    "$queryRawUnsafe": JsSink("js-sqli-prisma", "strong"),
    "$executeRawUnsafe": JsSink("js-sqli-prisma", "strong"),
    "$queryRaw": JsSink("js-sqli-prisma", "strong"),
    "$executeRaw": JsSink("js-sqli-prisma", "strong"),
    # TypeORM QueryBuilder
    "where": JsSink("js-sqli-typeorm", "builder"),
    "andWhere": JsSink("js-sqli-typeorm", "builder"),
    "orWhere": JsSink("js-sqli-typeorm", "builder"),
    "having": JsSink("js-sqli-typeorm", "builder"),
    "andHaving": JsSink("js-sqli-typeorm", "builder"),
    "orHaving": JsSink("js-sqli-typeorm", "builder"),
    "orderBy": JsSink("js-sqli-typeorm", "builder"),
    "addOrderBy": JsSink("js-sqli-typeorm", "builder"),
    "groupBy": JsSink("js-sqli-typeorm", "builder"),
    "addGroupBy": JsSink("js-sqli-typeorm", "builder"),
    "select": JsSink("js-sqli-typeorm", "builder"),
    "addSelect": JsSink("js-sqli-typeorm", "builder"),
    "innerJoin": JsSink("js-sqli-typeorm", "builder"),
    "leftJoin": JsSink("js-sqli-typeorm", "builder"),
}

SEQUELIZE_RECEIVERS = ("sequelize",)
TYPEORM_RECEIVERS = (
    "datasource", "manager", "entitymanager", "queryrunner", "repository", "repo",
    "getrepository", "getmanager", "connection.manager",
)  # fmt: skip
BUILDER_HINTS = ("createquerybuilder", "querybuilder", "qb", "builder")

QUERY_PROPERTIES = ("sql", "text", "query")
"""Object-literal properties that hold the SQL text (`pool.query({ text, values })`)."""

DB_FACTORIES = frozenset(
    {
        "createConnection",
        "createPool",
        "getConnection",
        "connect",
        "request",
        "Request",
        "Pool",
        "Client",
        "Database",
        "Sequelize",
        "PrismaClient",
        "DataSource",
        "createQueryRunner",
        "getRepository",
        "getManager",
        "knex",
        "Knex",
        "pgp",
        "postgres",
        "transaction",
        "ConnectionPool",
        "open",
        "createQueryBuilder",
        "getClient",
    }
)

SAFE_FUNCTIONS = frozenset(
    {
        "Number",
        "parseInt",
        "parseFloat",
        "Boolean",
        "isNaN",
        "isFinite",
        "BigInt",
        "Date",
        "escape",
        "escapeId",
        "escapeIdentifier",
        "escapeLiteral",
        "uuid",
        "uuidv4",
        "v4",
        "randomUUID",
        "randomInt",
        "toFixed",
        "getTime",
        "toISOString",
        "valueOf",
        "now",
        "floor",
        "ceil",
        "round",
        "trunc",
        "abs",
        "min",
        "max",
        "random",
        "indexOf",
        "includes",
        "test",
        "has",
        "startsWith",
        "endsWith",
        "isInteger",
        "isSafeInteger",
        "isArray",
        "some",
        "every",
        "findIndex",
        "localeCompare",
        "ident",
        "identifier",
    }
)
"""Calls whose result cannot carry SQL syntax (numbers, booleans, escaped text)."""

PASSTHROUGH_METHODS = frozenset(
    {
        "toString",
        "trim",
        "trimStart",
        "trimEnd",
        "toLowerCase",
        "toUpperCase",
        "slice",
        "substring",
        "substr",
        "padStart",
        "padEnd",
        "split",
        "filter",
        "sort",
        "reverse",
        "flat",
        "toLocaleLowerCase",
        "toLocaleUpperCase",
        "normalize",
        "at",
        "find",
        "pop",
        "shift",
        "keys",
        "values",
        "entries",
        "from",
        "of",
        "String",
        "stringify",
        "assign",
        "repeat",
        "fill",
    }
)
"""Calls whose result carries the taint of the receiver and arguments."""

NON_SINKS = frozenset(
    {
        "log",
        "info",
        "warn",
        "error",
        "debug",
        "trace",
        "fatal",
        "send",
        "json",
        "write",
        "end",
        "push",
        "unshift",
        "emit",
        "Error",
        "TypeError",
        "RangeError",
        "alert",
        "render",
        "status",
        "set",
        "setHeader",
        "redirect",
        "append",
        "concat",
        "join",
        "replace",
        "format",
        "expect",
        "toBe",
        "toEqual",
        "t",
        "i18n",
        "translate",
    }
)

VALIDATORS = frozenset(
    {"includes", "has", "test", "isInteger", "isSafeInteger", "isFinite", "hasOwnProperty",
     "hasOwn", "indexOf"}
)  # fmt: skip
"""Calls that, when true, prove their subject is one of a fixed set or a number."""

NUMERIC_TS_TYPES = frozenset({"number", "bigint", "boolean", "Date", "never", "undefined", "null"})

TEMPLATE_STRING_TAGS = frozenset({"raw", "dedent", "outdent", "stripIndent", "oneLine", "trim"})
"""Tags that only build a string (`String.raw`, `dedent`): their substitutions are not bound."""
