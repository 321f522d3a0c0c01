"""SQL recognition and the prefilter that decides which files are analysed at all."""

from __future__ import annotations

import pytest

from buildrunner.security.sqli.sqltext import (
    looks_like_sql,
    looks_like_statement,
    may_hold_javascript_sql,
    may_hold_python_sql,
    starts_like_statement,
)


@pytest.mark.parametrize(
    ("text", "statement", "sql"),
    [
        ("SELECT * FROM t WHERE a = ", True, True),
        ("select id, name from users where id = ", True, True),
        ("UPDATE users SET name = ", True, True),
        ("DROP TABLE ", True, True),
        ("SET search_path TO ", True, True),
        ("WITH recent AS (SELECT 1) ", True, True),
        (" AND status = '", False, True),
        ("name = '", False, True),
        ("Select a user from the list", False, True),
        ("Deleted rows: ", False, False),
        ("/api/items?select=1&from=2", False, False),
        ("user:42", False, False),
    ],
)
def test_recognising_sql(text: str, statement: bool, sql: bool) -> None:
    assert (looks_like_statement(text), looks_like_sql(text)) == (statement, sql)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM t WHERE id = ", True),
        ("  (SELECT id FROM t) UNION ", True),
        ("<html><p>select a row from the table below</p>", False),
        (" ? cannot use bounds", False),
    ],
)
def test_statement_start(text: str, expected: bool) -> None:
    assert starts_like_statement(text) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("rows = store.fetch('items', item_id=1)\n", False),
        ("x = helper.execute(task)\n", False),
        ("cur.execute(q)\n", True),
        ("rows = conn.fetch(q)\n", True),
        ("store.query('... WHERE id = ' + x)\n", True),
        ("stmt = text(q)\n", True),
        ("print(1)\n", False),
        ("msg = 'select id from users'\n", True),
    ],
)
def test_python_prefilter(source: str, expected: bool) -> None:
    assert may_hold_python_sql(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("const q = router.query;\n", False),
        ("await pool.query(sql);\n", True),
        ("await prisma.$queryRawUnsafe(x);\n", True),
        ("knex('t').whereRaw(x);\n", True),
        ("export const x = 1;\n", False),
    ],
)
def test_javascript_prefilter(source: str, expected: bool) -> None:
    assert may_hold_javascript_sql(source) is expected
