"""The Python analyser: a table of vulnerable and safe forms per sink family.

Each case is a small module; a line that must be reported ends with ``# expect: <rule-id>``.
The test asserts the exact set of ``(rule_id, line)`` found: every marked line and nothing else.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from buildrunner.security.sqli import analyze_source

MARK = re.compile(r"#\s*expect:\s*([\w-]+)")


def expected(source: str) -> set[tuple[str, int]]:
    found = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = MARK.search(line)
        if match:
            found.add((match.group(1), number))
    return found


def found(source: str, path: str = "mod.py") -> set[tuple[str, int]]:
    analysis = analyze_source(source, path)
    assert analysis.skipped is None, analysis.skipped
    return {(f.rule_id, f.line) for f in analysis.findings}


CASES: dict[str, str] = {
    # ---------------------------------------------------------------- DB-API drivers
    "sqlite3-fstring-and-params": """
        import sqlite3

        def by_name(conn: sqlite3.Connection, name):
            conn.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect: py-sqli-execute
            conn.execute("SELECT * FROM users WHERE name = ?", (name,))
            conn.execute("SELECT * FROM users WHERE name = :n", {"n": name})
    """,
    "sqlite3-executescript-and-executemany": """
        def load(db, table, rows):
            db.executescript("DELETE FROM " + table + ";")  # expect: py-sqli-execute
            db.executemany("INSERT INTO t VALUES (?, ?)", rows)
            db.executemany(  # expect: py-sqli-execute
                "INSERT INTO %s VALUES (?, ?)" % table, rows
            )
    """,
    "pymysql-percent-and-format": """
        import pymysql

        def find(user_id, email):
            connection = pymysql.connect(host="db")
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM u WHERE id = %s" % user_id)  # expect: py-sqli-execute
                cursor.execute("SELECT * FROM u WHERE email = '{}'".format(email))  # expect: py-sqli-execute
                cursor.execute("SELECT * FROM u WHERE email = %s", (email,))
                cursor.execute("SELECT * FROM u WHERE email = %(e)s", {"e": email})
    """,
    "mysql-connector-flow-across-statements": """
        import mysql.connector

        def search(term, order):
            cnx = mysql.connector.connect(user="app")
            cur = cnx.cursor()
            query = "SELECT id FROM items WHERE title LIKE '%" + term + "%'"
            query = query + " ORDER BY id"
            cur.execute(query)  # expect: py-sqli-execute
    """,
    "numeric-conversions-are-safe": """
        def page(cur, limit, offset, name):
            cur.execute("SELECT * FROM t LIMIT %d OFFSET %d" % (limit, offset))
            cur.execute("SELECT * FROM t LIMIT {:d}".format(limit))
            cur.execute(f"SELECT * FROM t LIMIT {limit:d}")
            cur.execute("SELECT * FROM t LIMIT " + str(int(limit)))
            cur.execute(f"SELECT * FROM t LIMIT {int(limit)} -- {len(name)}")
            cur.execute("SELECT * FROM t WHERE n = '%s' LIMIT %d" % (name, limit))  # expect: py-sqli-execute
    """,
    "typed-parameters": """
        from enum import Enum
        from typing import Literal

        class Order(Enum):
            ASC = "ASC"
            DESC = "DESC"

        def listing(cur, limit: int, order: Order, direction: Literal["asc", "desc"], q: str):
            cur.execute(f"SELECT * FROM t ORDER BY id {order.value} LIMIT {limit}")
            cur.execute(f"SELECT * FROM t ORDER BY id {direction}")
            cur.execute(f"SELECT * FROM t WHERE q = '{q}'")  # expect: py-sqli-execute
    """,
    # ---------------------------------------------------------------- flow
    "augmented-assignment-and-branches": """
        def report(cur, status, country, limit):
            sql = "SELECT * FROM orders WHERE 1 = 1"
            params = []
            if status:
                sql += " AND status = %s"
                params.append(status)
            if country:
                sql += f" AND country = '{country}'"
            else:
                sql += " AND country IS NULL"
            cur.execute(sql, params)  # expect: py-sqli-execute
    """,
    "branches-all-safe": """
        def report(cur, status):
            sql = "SELECT * FROM orders"
            if status == "open":
                sql += " WHERE closed_at IS NULL"
            elif status:
                sql += " WHERE status = %s"
            cur.execute(sql, (status,))
    """,
    "join-of-clauses-from-user-keys": """
        def update(cur, table_id, changes):
            sets = ", ".join(f"{key} = %s" for key in changes)
            cur.execute(f"UPDATE t SET {sets} WHERE id = %s", [*changes.values(), table_id])  # expect: py-sqli-execute
    """,
    "join-of-allowlisted-keys": """
        COLUMNS = ("name", "email", "phone")

        def update(cur, row_id, changes):
            sets = ", ".join(f"{key} = %s" for key in changes if key in COLUMNS)
            cur.execute(f"UPDATE t SET {sets} WHERE id = %s", [row_id])
    """,
    "placeholder-lists": """
        def many(cur, ids):
            marks = ", ".join("?" for _ in ids)
            cur.execute(f"SELECT * FROM t WHERE id IN ({marks})", ids)
            cur.execute("SELECT * FROM t WHERE id IN (%s)" % ",".join(["%s"] * len(ids)), ids)
            cur.execute("SELECT * FROM t WHERE id IN (" + ",".join(map(str, ids)) + ")")  # expect: py-sqli-execute
    """,
    "replace-template": """
        TEMPLATE = "SELECT * FROM {table} WHERE owner = %s"

        def rows(cur, table, owner):
            cur.execute(TEMPLATE.replace("{table}", table), (owner,))  # expect: py-sqli-execute
            cur.execute(TEMPLATE.replace("{table}", "accounts"), (owner,))
    """,
    "allowlist-guards": """
        ALLOWED = {"name", "created_at"}
        DIRECTIONS = {"asc": "ASC", "desc": "DESC"}

        def sort(cur, column, direction):
            if column not in ALLOWED:
                raise ValueError(column)
            order = DIRECTIONS.get(direction, "ASC")
            cur.execute(f"SELECT * FROM t ORDER BY {column} {order}")

        def sort2(cur, column):
            column = column if column in ALLOWED else "id"
            cur.execute(f"SELECT * FROM t ORDER BY {column}")

        def sort3(cur, column):
            if column in ALLOWED:
                cur.execute(f"SELECT * FROM t ORDER BY {column}")
            cur.execute(f"SELECT * FROM t ORDER BY {column}")  # expect: py-sqli-execute

        def sort4(cur, column):
            assert column.isidentifier()
            cur.execute(f"SELECT * FROM t ORDER BY {column}")
    """,
    "constants-only": """
        TABLE = "users"
        base = "SELECT id, name FROM "

        def everything(cur):
            query = base + TABLE + " WHERE active = 1"
            cur.execute(query)
            cur.execute(f"SELECT * FROM {TABLE}")
            cur.execute("SELECT * FROM %s" % TABLE)
    """,
    "loops": """
        def purge(cur, tables):
            for table in tables:
                cur.execute(f"TRUNCATE {table}")  # expect: py-sqli-execute
            for name in ("a", "b"):
                cur.execute(f"TRUNCATE {name}")
    """,
    "helpers-in-the-module": """
        def run(cur, sql, params=()):
            cur.execute(sql, params)
            return cur.fetchall()

        def build(name):
            return "SELECT * FROM users WHERE name = '" + name + "'"

        def a(cur, name):
            return run(cur, f"SELECT * FROM users WHERE name = '{name}'")  # expect: py-sqli-execute

        def b(cur, name):
            return run(cur, "SELECT * FROM users WHERE name = %s", (name,))

        def c(cur, name):
            cur.execute(build(name))  # expect: py-sqli-execute
    """,
    "methods-calling-methods": """
        class Repo:
            table = "accounts"

            def __init__(self, conn):
                self.conn = conn

            def _query(self, sql, *params):
                cursor = self.conn.cursor()
                cursor.execute(sql, params)
                return cursor.fetchall()

            def by_owner(self, owner):
                return self._query(f"SELECT * FROM {self.table} WHERE owner = '{owner}'")  # expect: py-sqli-execute

            def by_id(self, account_id):
                return self._query(f"SELECT * FROM {self.table} WHERE id = %s", account_id)
    """,
    "query-passed-through-is-not-built": """
        class Db:
            SELECT_ALL = "SELECT * FROM {table}"

            def __init__(self, conn, table="events"):
                self.conn = conn
                self.table = "events"

            def run(self, query, params=()):
                return self.conn.execute(query, params)

            def all(self):
                return self.conn.execute(self.SELECT_ALL.format(table=self.table))

            def by_ids(self, ids):
                return self.conn.execute(
                    "SELECT * FROM events WHERE id IN (%s)" % ",".join(str(int(i)) for i in ids)
                )
    """,
    "django-request-get": """
        def search(request, Product):
            q = request.GET.get("q", "")
            session_id = request.COOKIES["sid"]
            sql = "SELECT * FROM shop_product WHERE name LIKE '%%" + q + "%%'"
            Product.objects.raw(sql)  # expect: py-sqli-django
            Product.objects.raw("SELECT * FROM p WHERE sid = '" + session_id + "'")  # expect: py-sqli-django
    """,
    "request-sources-in-globals": """
        from flask import request

        def view(db):
            name = request.args.get("name")
            db.execute("SELECT * FROM u WHERE name = '%s'" % name)  # expect: py-sqli-execute
    """,
    "script-module-level": """
        import sqlite3
        import sys

        conn = sqlite3.connect("app.db")
        table = sys.argv[1]
        conn.execute(f"DROP TABLE {table}")  # expect: py-sqli-execute
    """,
    # ---------------------------------------------------------------- psycopg
    "psycopg-sql-composition": """
        from psycopg import sql

        def rows(conn, table, column, value):
            query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
                sql.Identifier(column), sql.Identifier(table)
            )
            conn.execute(query, (value,))
            conn.execute(sql.SQL("SELECT * FROM {t}").format(t=sql.Identifier(table)))
            conn.execute(sql.SQL(f"SELECT * FROM {table}"))  # expect: py-sqli-psycopg-sql
            bad = sql.SQL("SELECT * FROM " + table)
            conn.execute(bad)  # expect: py-sqli-psycopg-sql
    """,
    "psycopg2-cursor": """
        import psycopg2

        def drop(schema):
            with psycopg2.connect("dbname=x") as conn, conn.cursor() as cur:
                cur.execute("SET search_path TO " + schema)  # expect: py-sqli-execute
                cur.execute("SET search_path TO %s", (schema,))
    """,
    # ---------------------------------------------------------------- SQLAlchemy
    "sqlalchemy-text-and-execute": """
        from sqlalchemy import create_engine, select, text

        engine = create_engine("sqlite://")

        def find(name, user_id):
            with engine.connect() as conn:
                conn.execute(text(f"SELECT * FROM u WHERE name = '{name}'"))  # expect: py-sqli-sqlalchemy
                conn.execute(text("SELECT * FROM u WHERE name = :n"), {"n": name})
                conn.execute(text("SELECT * FROM u WHERE id = :i").bindparams(i=user_id))
                conn.exec_driver_sql("SELECT * FROM u WHERE name = '%s'" % name)  # expect: py-sqli-execute
                conn.exec_driver_sql("SELECT * FROM u WHERE name = ?", (name,))
    """,
    "sqlalchemy-text-inside-expression": """
        import sqlalchemy as sa

        def query(session, User, clause):
            stmt = sa.select(User).where(sa.text("name = '" + clause + "'"))  # expect: py-sqli-sqlalchemy
            return session.execute(stmt).scalars().all()

        def ordered(session, User, column):
            stmt = sa.select(User).order_by(sa.literal_column(column))  # expect: py-sqli-sqlalchemy
            return session.execute(stmt)
    """,
    "sqlalchemy-chained-query": """
        from sqlalchemy import text

        def active(session, User, name):
            return (
                session.query(User)
                .filter(text(f"name = '{name}'"))  # expect: py-sqli-sqlalchemy
                .all()
            )
    """,
    "sqlalchemy-text-of-untrusted-fragment": """
        from sqlalchemy import select, text

        def ordered(session, Order, sort, sql):
            session.scalars(select(Order).order_by(text(sort))).all()  # expect: py-sqli-sqlalchemy
            session.execute(text(sql))
    """,
    "sqlalchemy-session-string": """
        def raw(session, email):
            stmt = f"DELETE FROM users WHERE email = '{email}'"
            session.execute(stmt)  # expect: py-sqli-execute
    """,
    # ---------------------------------------------------------------- Django
    "django-raw-extra-rawsql": """
        from django.db import connection
        from django.db.models.expressions import RawSQL

        def people(Person, last_name, pk):
            Person.objects.raw(f"SELECT * FROM app_person WHERE last_name = '{last_name}'")  # expect: py-sqli-django
            Person.objects.raw("SELECT * FROM app_person WHERE last_name = %s", [last_name])
            Person.objects.extra(where=[f"last_name = '{last_name}'"])  # expect: py-sqli-django
            Person.objects.extra(where=["last_name = %s"], params=[last_name])
            Person.objects.annotate(v=RawSQL("SELECT col FROM t WHERE id = %s", (pk,)))
            Person.objects.annotate(v=RawSQL("SELECT col FROM t WHERE id = " + pk, ()))  # expect: py-sqli-django
            with connection.cursor() as cursor:
                cursor.execute("UPDATE app_person SET n = 1 WHERE id = " + pk)  # expect: py-sqli-execute
    """,
    "django-model-meta": """
        def count(cursor, Model):
            table = Model._meta.db_table
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
    """,
    # ---------------------------------------------------------------- asyncpg / aiopg
    "asyncpg-methods": """
        import asyncpg

        async def fetch(dsn, name):
            conn = await asyncpg.connect(dsn)
            await conn.fetch(f"SELECT * FROM u WHERE name = '{name}'")  # expect: py-sqli-execute
            await conn.fetchrow("SELECT * FROM u WHERE name = $1", name)
            await conn.fetchval("SELECT count(*) FROM u WHERE n = '" + name + "'")  # expect: py-sqli-execute
            await conn.execute("DELETE FROM u WHERE name = $1", name)
            pool = await asyncpg.create_pool(dsn)
            async with pool.acquire() as con:
                await con.execute(f"DELETE FROM u WHERE name = '{name}'")  # expect: py-sqli-execute
    """,
    "aiopg-cursor": """
        import aiopg

        async def go(dsn, uid):
            async with aiopg.create_pool(dsn) as pool:
                async with pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute("SELECT * FROM t WHERE id = %s", (uid,))
                        await cur.execute("SELECT * FROM t WHERE id = " + uid)  # expect: py-sqli-execute
    """,
    # ---------------------------------------------------------------- pandas
    "pandas-read-sql": """
        import pandas as pd

        def frame(engine, region):
            a = pd.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", engine)  # expect: py-sqli-pandas
            b = pd.read_sql_query("SELECT * FROM sales WHERE region = %(r)s", engine, params={"r": region})
            return a, b
    """,
    # ---------------------------------------------------------------- not SQL / unknown sinks
    "messages-that-read-like-sql": """
        import logging

        log = logging.getLogger(__name__)

        def purge(cur, n, table):
            cur.execute("DELETE FROM sessions WHERE expired = 1")
            print("Deleted rows: " + str(n))
            log.info(f"DELETE FROM {table} removed {n} rows")
            raise ValueError(f"SELECT failed for table {table}")
    """,
    "unknown-sink-is-medium": """
        def search(helper, term):
            helper.run_sql(f"SELECT * FROM docs WHERE body LIKE '%{term}%'")  # expect: py-sqli-formatted

        def build_query(name):
            return f"SELECT * FROM users WHERE name = '{name}'"  # expect: py-sqli-formatted
    """,
    "non-db-execute": """
        def run(executor, task):
            executor.execute("job-" + task)
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sink_family_table(name: str) -> None:
    source = textwrap.dedent(CASES[name]).lstrip("\n")
    assert found(source) == expected(source)


def test_finding_carries_sink_line_and_construction_line() -> None:
    source = textwrap.dedent(
        """
        def find(cur, name):
            query = (
                "SELECT * FROM users "
                "WHERE name = '" + name + "'"
            )
            rows = cur.execute(
                query
            )
            return rows
        """
    ).lstrip("\n")
    (finding,) = analyze_source(source, "m.py").findings
    assert (finding.line, finding.end_line, finding.built_line) == (6, 8, 4)
    assert finding.confidence == "high"
    assert finding.message == "SQL built with + from `name` on line 4 reaches cur.execute"
    assert finding.snippet == "rows = cur.execute("


def test_unknown_sink_has_medium_confidence() -> None:
    source = 'def f(db, x):\n    db.helper(f"DELETE FROM t WHERE id = {x}")\n'
    (finding,) = analyze_source(source, "m.py").findings
    assert (finding.rule_id, finding.confidence, finding.severity) == (
        "py-sqli-formatted",
        "medium",
        "medium",
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def f(:\n    cur.execute(q)\n", "syntax error at line 1"),
        ("x = 1\nif True\n    cur.execute(q)\n", "syntax error at line 2"),
        ("cur.execute(q)\0", "syntax error: source code string cannot contain null bytes"),
    ],
)
def test_unparsable_file_is_skipped_with_a_reason(source: str, reason: str) -> None:
    analysis = analyze_source(source, "broken.py")
    assert (analysis.skipped, analysis.findings) == (reason, ())


def test_deep_nesting_is_skipped_not_a_crash() -> None:
    source = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\ncur.execute(x)\n"
    analysis = analyze_source(source, "deep.py")
    assert analysis.findings == ()
    assert analysis.skipped is not None


EXTRA_CASES: dict[str, str] = {
    "tornado-arguments-and-format-kwargs": """
        TEMPLATE = "SELECT * FROM {table} WHERE owner = '{owner}'"

        class Handler:
            def get(self):
                owner = self.get_argument("owner")
                self.db.execute("SELECT * FROM t WHERE owner = '" + owner + "'")  # expect: py-sqli-execute

            def put(self, cursor, **fields):
                cursor.execute(TEMPLATE.format(**fields))  # expect: py-sqli-execute
                cursor.execute("SELECT * FROM t WHERE a = '%(a)s'" % locals())  # expect: py-sqli-execute
    """,
    "string-template-and-format-map": """
        from string import Template

        QUERIES = {"users": "SELECT * FROM users", "orders": "SELECT * FROM orders"}

        def rows(cur, table, values, name):
            cur.execute(Template("SELECT * FROM $t").substitute(t=table))  # expect: py-sqli-execute
            cur.execute("SELECT * FROM {t}".format_map(values))  # expect: py-sqli-execute
            cur.execute(QUERIES[name])
            cur.execute(Template("SELECT * FROM $t").substitute(t="users"))
    """,
    "branches-decided-by-constants": """
        def view(request, cur):
            param = request.args.get("q")
            num = 86
            if (7 * 42) - num > 200:
                bar = "constant"
            else:
                bar = param
            cur.execute("SELECT * FROM t WHERE a = '" + bar + "'")
            guess = "ABC"
            other = "safe" if guess[1] == "X" else param
            cur.execute("SELECT * FROM t WHERE a = '" + other + "'")  # expect: py-sqli-execute
            if num > 200:
                bar = param
            cur.execute(f"SELECT * FROM t WHERE a = '{bar}'")
    """,
    "dict-keys-are-tracked": """
        def view(request, cur):
            param = request.form["q"]
            values = {"safe": "constant", "user": param}
            values["later"] = param
            values["fixed"] = "ok"
            cur.execute(f"SELECT * FROM t WHERE a = '{values['safe']}'")
            cur.execute(f"SELECT * FROM t WHERE a = '{values['fixed']}'")
            cur.execute(f"SELECT * FROM t WHERE a = '{values['user']}'")  # expect: py-sqli-execute
            cur.execute(f"SELECT * FROM t WHERE a = '{values.get('later', 'x')}'")  # expect: py-sqli-execute
            cur.execute(f"SELECT * FROM t WHERE a = '{values.get('missing', 'x')}'")
    """,
    "dataframes-sqlmodel-tortoise": """
        import pandas as pd
        import polars as pl
        from sqlmodel import Session, text
        from tortoise import connections

        async def load(engine, uri, region, session: Session):
            pd.read_gbq(f"SELECT * FROM sales WHERE region = '{region}'")  # expect: py-sqli-pandas
            pl.read_database(f"SELECT * FROM sales WHERE region = '{region}'", engine)  # expect: py-sqli-pandas
            pl.read_database_uri("SELECT * FROM sales", uri)
            session.exec(text(f"DELETE FROM sales WHERE region = '{region}'"))  # expect: py-sqli-sqlalchemy
            conn = connections.get("default")
            await conn.execute_query(f"SELECT * FROM sales WHERE region = '{region}'")  # expect: py-sqli-execute
            await conn.execute_query("SELECT * FROM sales WHERE region = $1", [region])
    """,
    "class-constant-templates": """
        from .queries import USER_BY_NAME

        class Users:
            BY_NAME = "SELECT * FROM users WHERE name = '{}'"
            BY_ID = "SELECT * FROM users WHERE id = %s"

            def by_name(self, cur, name):
                cur.execute(self.BY_NAME.format(name))  # expect: py-sqli-execute

            def by_id(self, cur, user_id):
                cur.execute(self.BY_ID, (user_id,))

            def imported(self, cur, name):
                cur.execute(USER_BY_NAME.format(name=name))  # expect: py-sqli-execute
    """,
    "urls-and-http-are-not-sql": """
        import requests

        def fetch(session, term):
            requests.get(f"https://api.example.com/search?select={term}&from=web")
            session.get("https://example.com/update/" + term + "/set")
    """,
}


@pytest.mark.parametrize("name", sorted(EXTRA_CASES))
def test_extra_sources_and_non_sql(name: str) -> None:
    source = textwrap.dedent(EXTRA_CASES[name]).lstrip("\n")
    assert found(source) == expected(source)


def test_file_without_sinks_or_sql_is_not_parsed() -> None:
    # broken, but nothing in it could be a finding: no parse, so no "skipped" either
    assert analyze_source("def f(:\n    return 1\n", "plain.py").skipped is None


def test_nested_functions_and_lambdas_see_the_enclosing_variables() -> None:
    source = textwrap.dedent(
        """
        def view(request, db):
            name = request.GET["name"]
            table = "users"

            def run(cur):
                cur.execute(f"SELECT * FROM {table} WHERE name = '{name}'")  # expect: py-sqli-execute

            db.with_cursor(run)
            db.each(lambda cur: cur.execute("DELETE FROM t WHERE n = '" + name + "'"))  # expect: py-sqli-execute
            db.each(lambda cur: cur.execute(f"DELETE FROM {table}"))
        """
    ).lstrip("\n")
    assert found(source) == expected(source)


def test_columns_count_characters_not_bytes() -> None:
    source = 'def f(cur, x):\n    "é"; cur.execute("SELECT * FROM t WHERE a = " + x)\n'
    (finding,) = analyze_source(source, "m.py").findings
    assert finding.column == source.splitlines()[1].index("cur.execute") + 1
