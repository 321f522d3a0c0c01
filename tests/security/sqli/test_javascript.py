"""The JavaScript/TypeScript analyser: a table of vulnerable and safe forms per sink family.

A line that must be reported ends with ``// expect: <rule-id>``; the test asserts the exact set
of ``(rule_id, line)`` found. Each case runs as ``.js``, ``.ts`` or ``.tsx`` as marked.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from buildrunner.security.sqli import analyze_source

MARK = re.compile(r"//\s*expect:\s*([\w-]+)")


def expected(source: str) -> set[tuple[str, int]]:
    return {
        (m.group(1), number)
        for number, line in enumerate(source.splitlines(), start=1)
        if (m := MARK.search(line))
    }


def found(source: str, path: str) -> set[tuple[str, int]]:
    analysis = analyze_source(source, path)
    assert analysis.skipped is None, analysis.skipped
    return {(f.rule_id, f.line) for f in analysis.findings}


CASES: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- mysql / mysql2
    "mysql-callbacks": (
        "js",
        """
        const mysql = require("mysql");
        const connection = mysql.createConnection({ host: "db" });

        function byName(name, cb) {
          connection.query("SELECT * FROM users WHERE name = '" + name + "'", cb); // expect: js-sqli-query
          connection.query("SELECT * FROM users WHERE name = ?", [name], cb);
          connection.query({ sql: "SELECT * FROM users WHERE id = ?", values: [name] }, cb);
          connection.query({ sql: `SELECT * FROM users WHERE id = ${name}` }, cb); // expect: js-sqli-query
          connection.query("SELECT * FROM t WHERE n = " + connection.escape(name), cb);
          connection.query("SELECT * FROM ?? WHERE id = ?", ["users", name], cb);
        }
        """,
    ),
    "mysql2-promise-express": (
        "js",
        """
        const mysql = require("mysql2/promise");
        const pool = mysql.createPool({});

        app.get("/users", async (req, res) => {
          const { sort, q } = req.query;
          const sql = `SELECT * FROM users WHERE name LIKE '%${q}%' ORDER BY ${sort}`;
          const [rows] = await pool.execute(sql); // expect: js-sqli-query
          const [safe] = await pool.execute("SELECT * FROM users WHERE name LIKE ?", [`%${q}%`]);
          const formatted = mysql.format("SELECT * FROM users WHERE id = ?", [req.params.id]);
          await pool.query(formatted);
          res.json({ rows, safe });
        });
        """,
    ),
    # ---------------------------------------------------------------- pg
    "pg-client": (
        "ts",
        """
        import { Pool } from "pg";
        import format from "pg-format";

        const pool = new Pool();

        export async function find(email: string, limit: number, table: string) {
          await pool.query(`SELECT * FROM users WHERE email = '${email}'`); // expect: js-sqli-query
          await pool.query("SELECT * FROM users WHERE email = $1", [email]);
          await pool.query({ text: "SELECT * FROM users WHERE email = $1", values: [email] });
          await pool.query(`SELECT * FROM users LIMIT ${limit}`);
          await pool.query(format("SELECT * FROM %I WHERE email = %L", table, email));
          await pool.query(format("SELECT * FROM %s", table)); // expect: js-sqli-query
          const client = await pool.connect();
          await client.query("DELETE FROM users WHERE email = '" + email + "'"); // expect: js-sqli-query
        }
        """,
    ),
    # ---------------------------------------------------------------- mssql
    "mssql-request": (
        "js",
        """
        const sql = require("mssql");

        async function run(id) {
          await sql.connect(config);
          const request = new sql.Request();
          await request.query("SELECT * FROM t WHERE id = " + id); // expect: js-sqli-query
          await sql.query`SELECT * FROM t WHERE id = ${id}`;
          request.input("id", sql.Int, id);
          await request.query("SELECT * FROM t WHERE id = @id");
          await request.batch(`DELETE FROM t WHERE id = ${id}`); // expect: js-sqli-query
          await request.execute("usp_get_user");
        }
        """,
    ),
    # ---------------------------------------------------------------- sqlite3 / better-sqlite3
    "tedious-request": (
        "js",
        """
        const { Connection, Request, TYPES } = require("tedious");

        function find(connection, name) {
          const bad = new Request("SELECT * FROM users WHERE name = '" + name + "'", done); // expect: js-sqli-query
          const good = new Request("SELECT * FROM users WHERE name = @name", done);
          good.addParameter("name", TYPES.NVarChar, name);
          connection.execSql(bad);
          connection.execSql(good);
        }
        """,
    ),
    "sqlite3-and-better-sqlite3": (
        "js",
        """
        const sqlite3 = require("sqlite3");
        const Database = require("better-sqlite3");
        const db = new sqlite3.Database(":memory:");
        const bdb = new Database("app.db");

        function q(name, id) {
          db.all(`SELECT * FROM users WHERE name = '${name}'`, (err, rows) => {}); // expect: js-sqli-query
          db.get("SELECT * FROM users WHERE id = ?", [id], (err, row) => {});
          db.run("DELETE FROM users WHERE id = " + id); // expect: js-sqli-query
          db.exec(`DROP TABLE ${name}`); // expect: js-sqli-query
          bdb.prepare(`SELECT * FROM users WHERE name = '${name}'`).all(); // expect: js-sqli-query
          bdb.prepare("SELECT * FROM users WHERE name = ?").get(name);
          cache.get("user:" + name);
        }
        """,
    ),
    # ---------------------------------------------------------------- knex
    "knex-raw-family": (
        "ts",
        """
        import knexFactory from "knex";
        const knex = knexFactory({ client: "pg" });

        export function list(col: string, dir: string, name: string) {
          knex.raw(`SELECT * FROM users WHERE name = '${name}'`); // expect: js-sqli-knex
          knex.raw("SELECT * FROM users WHERE name = ?", [name]);
          knex.raw("SELECT * FROM users WHERE name = :name", { name });
          knex("users").whereRaw(`name = '${name}'`); // expect: js-sqli-knex
          knex("users").whereRaw("name = ?", [name]);
          knex("users").orderByRaw(col + " " + dir); // expect: js-sqli-knex
          knex("users").orderByRaw("?? " + "desc", [col]);
          knex("users").havingRaw(`count(*) > ${name}`); // expect: js-sqli-knex
          knex("users").where("name", name).orderBy(col, dir);
          knex.select(knex.raw(`count(${col})`)).from("users"); // expect: js-sqli-knex
        }
        """,
    ),
    # ---------------------------------------------------------------- Sequelize
    "sequelize": (
        "js",
        """
        const { Sequelize, QueryTypes } = require("sequelize");
        const sequelize = new Sequelize("sqlite::memory:");

        async function find(User, status, id) {
          await sequelize.query(`SELECT * FROM users WHERE status = '${status}'`); // expect: js-sqli-sequelize
          await sequelize.query("SELECT * FROM users WHERE status = :status", {
            replacements: { status },
            type: QueryTypes.SELECT,
          });
          await sequelize.query("SELECT * FROM users WHERE id = $1", { bind: [id] });
          await User.findAll({
            where: Sequelize.literal(`status = '${status}'`), // expect: js-sqli-sequelize
          });
          await User.findAll({ where: { status } });
        }
        """,
    ),
    # ---------------------------------------------------------------- Prisma
    "prisma": (
        "ts",
        """
        import { Prisma, PrismaClient } from "@prisma/client";
        const prisma = new PrismaClient();

        export async function users(email: string, ids: number[], column: string) {
          await prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${email}`;
          await prisma.$queryRaw(Prisma.sql`SELECT * FROM "User" WHERE email = ${email}`);
          await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${email}'`); // expect: js-sqli-prisma
          await prisma.$queryRawUnsafe('SELECT * FROM "User" WHERE email = $1', email);
          await prisma.$executeRawUnsafe("DELETE FROM \\"User\\" WHERE email = '" + email + "'"); // expect: js-sqli-prisma
          await prisma.$queryRaw`SELECT * FROM "User" WHERE id IN (${Prisma.join(ids)})`;
          await prisma.$queryRaw`SELECT * FROM "User" ORDER BY ${Prisma.raw(column)}`; // expect: js-sqli-prisma
        }
        """,
    ),
    # ---------------------------------------------------------------- TypeORM
    "typeorm": (
        "ts",
        """
        import { DataSource } from "typeorm";
        const dataSource = new DataSource({ type: "postgres" });

        export async function find(name: string, sort: string) {
          await dataSource.query(`SELECT * FROM users WHERE name = '${name}'`); // expect: js-sqli-typeorm
          await dataSource.query("SELECT * FROM users WHERE name = $1", [name]);
          const repo = dataSource.getRepository(User);
          await repo
            .createQueryBuilder("user")
            .where(`user.name = '${name}'`) // expect: js-sqli-typeorm
            .getMany();
          await repo
            .createQueryBuilder("user")
            .where("user.name = :name", { name })
            .orderBy("user.id", "DESC")
            .getMany();
          await dataSource.manager.query("DELETE FROM users WHERE name = '" + name + "'"); // expect: js-sqli-typeorm
        }
        """,
    ),
    # ---------------------------------------------------------------- flow and safe forms
    "flow-let-and-branches": (
        "ts",
        """
        export async function search(db: any, filters: { name?: string; minAge?: number }) {
          let sql = "SELECT * FROM people WHERE 1 = 1";
          const params: unknown[] = [];
          if (filters.name) {
            sql += ` AND name = '${filters.name}'`;
          }
          if (filters.minAge !== undefined) {
            params.push(filters.minAge);
            sql += " AND age >= ?";
          }
          return db.query(sql, params); // expect: js-sqli-query
        }
        """,
    ),
    "safe-builders": (
        "ts",
        """
        const COLUMNS = ["name", "created_at"] as const;
        const DIRS: Record<string, string> = { asc: "ASC", desc: "DESC" };

        export async function sorted(pool: any, column: string, dir: string, ids: string[], page: number) {
          if (!COLUMNS.includes(column as any)) {
            throw new Error("bad column");
          }
          const direction = DIRS[dir] ?? "ASC";
          await pool.query(`SELECT * FROM t ORDER BY ${column} ${direction}`);
          const marks = ids.map((_, i) => `$${i + 1}`).join(", ");
          await pool.query(`SELECT * FROM t WHERE id IN (${marks})`, ids);
          const limit = Number(page) * 20;
          await pool.query(`SELECT * FROM t LIMIT ${limit} OFFSET ${parseInt(String(page), 10)}`);
          const qs = new Array(ids.length).fill("?").join(",");
          await pool.query(`SELECT * FROM t WHERE id IN (${qs})`, ids);
          const order = dir === "desc" ? "DESC" : "ASC";
          await pool.query("SELECT * FROM t ORDER BY id " + order);
        }
        """,
    ),
    "typed-parameters": (
        "ts",
        """
        enum Status { Active = "active", Closed = "closed" }

        export function q(pool: any, id: number, status: Status, dir: "asc" | "desc", name: string) {
          pool.query(`SELECT * FROM t WHERE id = ${id} AND status = '${status}' ORDER BY id ${dir}`);
          pool.query(`SELECT * FROM t WHERE name = '${name}'`); // expect: js-sqli-query
        }
        """,
    ),
    "untrusted-fragments-and-generic-calls": (
        "ts",
        """
        import knex from "./db";
        import { pool } from "./pool";

        export async function orders(req: any, sessionId: string, sql: string) {
          knex("orders").orderByRaw(req.query.sort); // expect: js-sqli-knex
          const [rows] = await pool.execute<Row[]>(`SELECT * FROM o WHERE s = '${sessionId}'`); // expect: js-sqli-query
          await pool.execute<Row[]>("SELECT * FROM o WHERE s = ?", [sessionId]);
          await pool.query(sql);
          return rows;
        }
        """,
    ),
    "helper-functions": (
        "js",
        """
        const pool = require("./pool");

        async function run(sql, params) {
          const { rows } = await pool.query(sql, params);
          return rows;
        }

        const whereName = (name) => `SELECT * FROM users WHERE name = '${name}'`;

        async function a(name) {
          return run(`SELECT * FROM users WHERE name = '${name}'`); // expect: js-sqli-query
        }

        async function b(name) {
          return run("SELECT * FROM users WHERE name = $1", [name]);
        }

        async function c(name) {
          return pool.query(whereName(name)); // expect: js-sqli-query
        }
        """,
    ),
    "closures-see-outer-variables": (
        "js",
        """
        function remove(db, id) {
          const sql = "DELETE FROM items WHERE id = " + id;
          return new Promise((resolve, reject) => {
            db.run(sql, (err) => (err ? reject(err) : resolve())); // expect: js-sqli-query
          });
        }
        """,
    ),
    "messages-that-read-like-sql": (
        "js",
        """
        function purge(db, n, table) {
          db.run("DELETE FROM sessions WHERE expired = 1");
          console.log("Deleted rows: " + n);
          logger.info(`DELETE FROM ${table} removed ${n} rows`);
          throw new Error(`SELECT failed for ${table}`);
        }
        """,
    ),
    "unknown-sink-is-medium": (
        "js",
        """
        function search(helper, term) {
          return helper.runSql(`SELECT * FROM docs WHERE body LIKE '%${term}%'`); // expect: js-sqli-formatted
        }
        """,
    ),
    "tsx-component": (
        "tsx",
        """
        export function Row({ id }: { id: string }) {
          const load = () => db.query(`SELECT * FROM t WHERE id = '${id}'`); // expect: js-sqli-query
          return <div onClick={load}>{id}</div>;
        }
        """,
    ),
    "graphql-and-routers-are-not-sql": (
        "js",
        """
        function view(client, router, id) {
          client.query({ query: gql`query { user(id: ${id}) { name } }` });
          router.get("/users/" + id, handler);
          fetch("/api/users?id=" + id);
          $("#user-" + id).text("x");
        }
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sink_family_table(name: str) -> None:
    suffix, source = CASES[name]
    text = textwrap.dedent(source).lstrip("\n")
    assert found(text, f"mod.{suffix}") == expected(text)


def test_finding_names_construction_line_and_sink() -> None:
    source = textwrap.dedent(
        """
        async function f(pool, name) {
          const where = "name = '" + name + "'";
          const sql = `SELECT * FROM users WHERE ${where}`;
          return pool.query(
            sql,
          );
        }
        """
    ).lstrip("\n")
    (finding,) = analyze_source(source, "m.js").findings
    assert (finding.line, finding.end_line, finding.built_line) == (4, 6, 2)
    assert finding.message == "SQL built with + from `name` on line 2 reaches pool.query()"


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("bad.js", "function f( {\n  return db.query(q);\n"),
        ("bad.ts", "const x: = db.query(q);\n"),
        ("bad.tsx", "export const A = () => <div>{db.query(q)};\n"),
    ],
)
def test_syntax_error_is_skipped(path: str, source: str) -> None:
    analysis = analyze_source(source, path)
    assert analysis.findings == ()
    assert analysis.skipped is not None
    assert analysis.skipped.startswith("syntax error at line ")


def test_typescript_syntax_in_js_file_is_skipped_not_misread() -> None:
    analysis = analyze_source("function f(x: number) { return db.query(x); }\n", "plain.js")
    assert analysis.skipped == "syntax error at line 1"


def test_http_calls_with_sql_words_in_urls_are_not_sinks() -> None:
    source = textwrap.dedent(
        """
        async function load(axios, cache, q) {
          await axios.get(`/api/items?select=${q}&from=list`);
          await cache.get("select:" + q + ":from");
          return db.get(`SELECT * FROM items WHERE name = '${q}'`); // expect: js-sqli-query
        }
        """
    ).lstrip("\n")
    assert found(source, "m.js") == expected(source)


def test_object_properties_are_tracked() -> None:
    source = textwrap.dedent(
        """
        async function list(pool, req) {
          const opts = { table: "orders", sort: req.query.sort, limit: 20 };
          await pool.query(`SELECT * FROM ${opts.table} LIMIT ${opts.limit}`);
          await pool.query(`SELECT * FROM ${opts.table} ORDER BY ${opts.sort}`); // expect: js-sqli-query
          const q = { text: "SELECT * FROM t WHERE name LIKE $1", values: [`%${req.query.q}%`] };
          await pool.query(q);
        }
        """
    ).lstrip("\n")
    assert found(source, "m.js") == expected(source)
