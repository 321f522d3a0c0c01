"""Python sinks: which calls execute SQL, which build SQL objects, which are harmless."""

from __future__ import annotations

from dataclasses import dataclass

QUERY_KEYWORDS = ("sql", "query", "statement", "operation", "stmt", "sql_query", "raw_query")
"""Keyword names under which drivers accept the SQL text."""


@dataclass(frozen=True, slots=True)
class Sink:
    """A call that runs SQL text. `strong`: the name alone says SQL (no other evidence needed)."""

    rule_id: str
    strong: bool


EXEC_METHODS: dict[str, Sink] = {
    # DB-API 2.0 (sqlite3, psycopg, PyMySQL, mysql-connector, aiopg, Django cursors), SQLAlchemy
    "execute": Sink("py-sqli-execute", strong=False),
    "executemany": Sink("py-sqli-execute", strong=False),
    "executescript": Sink("py-sqli-execute", strong=True),
    "exec_driver_sql": Sink("py-sqli-execute", strong=True),
    "execute_sql": Sink("py-sqli-execute", strong=True),
    "mogrify": Sink("py-sqli-execute", strong=False),
    "copy_expert": Sink("py-sqli-execute", strong=True),
    "copy": Sink("py-sqli-execute", strong=False),
    "stream": Sink("py-sqli-execute", strong=False),
    # asyncpg, databases, aiosqlite
    "fetch": Sink("py-sqli-execute", strong=False),
    "fetchrow": Sink("py-sqli-execute", strong=False),
    "fetchval": Sink("py-sqli-execute", strong=False),
    "fetch_all": Sink("py-sqli-execute", strong=False),
    "fetch_one": Sink("py-sqli-execute", strong=False),
    "fetch_val": Sink("py-sqli-execute", strong=False),
    "prepare": Sink("py-sqli-execute", strong=False),
    # SQLModel, Tortoise ORM
    "exec": Sink("py-sqli-execute", strong=False),
    "execute_query": Sink("py-sqli-execute", strong=True),
    "execute_query_dict": Sink("py-sqli-execute", strong=True),
    # records, web.py, duckdb, spark, clickhouse
    "query": Sink("py-sqli-execute", strong=False),
    "sql": Sink("py-sqli-execute", strong=False),
    # Django managers
    "raw": Sink("py-sqli-django", strong=False),
}

PANDAS_FUNCTIONS = frozenset(
    {"read_sql", "read_sql_query", "read_gbq", "read_database", "read_database_uri"}
)
"""Dataframe readers that run a query: pandas (``read_sql*``, ``read_gbq``), polars."""

WRAPPERS: dict[str, str] = {
    "text": "py-sqli-sqlalchemy",
    "literal_column": "py-sqli-sqlalchemy",
    "RawSQL": "py-sqli-django",
    "SQL": "py-sqli-psycopg-sql",
}
"""SQL constructors: they turn text into a SQL object that is executed later."""

COMPOSABLES = frozenset({"Identifier", "Literal", "Placeholder", "Composed", "SQL"})
"""psycopg.sql building blocks; with constant SQL text, their composition is safe."""

DJANGO_EXTRA_KEYWORDS = ("select", "where", "tables", "order_by")

DB_FACTORIES = frozenset(
    {
        "cursor",
        "connect",
        "acquire",
        "begin",
        "begin_nested",
        "get_connection",
        "getconn",
        "raw_connection",
        "connection",
        "Session",
        "scoped_session",
        "sessionmaker",
        "create_engine",
        "create_async_engine",
        "create_pool",
        "AsyncSession",
        "get_db",
        "get_session",
        "transaction",
        "atomic",
    }
)
"""Calls whose result is a database handle (connection, cursor, session, engine, pool)."""

SAFE_CALLS = frozenset(
    {
        "int",
        "float",
        "bool",
        "len",
        "abs",
        "round",
        "ord",
        "hash",
        "id",
        "isinstance",
        "issubclass",
        "callable",
        "Decimal",
        "UUID",
        "uuid4",
        "uuid1",
        "date",
        "datetime",
        "timedelta",
        "range",
        "enumerate",
        "zip",
        "divmod",
        "pow",
        "math",
        "count",
        "isoformat",
        "strftime",
        "now",
        "today",
        "utcnow",
        "time",
        "monotonic",
        "uuid",
    }
)
"""Functions whose result cannot carry SQL syntax (numbers, dates, booleans)."""

PASSTHROUGH_CALLS = frozenset(
    {"str", "repr", "sorted", "list", "tuple", "set", "frozenset", "reversed", "iter", "next",
     "dict", "min", "max", "sum", "filter", "map", "format", "textwrap", "dedent", "cast",
     "Template"}
)  # fmt: skip
"""Functions whose result carries the taint of their arguments."""

STRING_METHODS = frozenset(
    {
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "center",
        "ljust",
        "rjust",
        "zfill",
        "expandtabs",
        "encode",
        "decode",
        "removeprefix",
        "removesuffix",
        "split",
        "rsplit",
        "splitlines",
        "partition",
        "rpartition",
        "copy",
        "keys",
        "values",
        "items",
        "translate",
        "dedent",
    }
)
"""Methods whose result carries the taint of the receiver."""

BOOL_METHODS = frozenset(
    {
        "isdigit",
        "isnumeric",
        "isdecimal",
        "isalnum",
        "isalpha",
        "isidentifier",
        "islower",
        "isupper",
        "isspace",
        "startswith",
        "endswith",
        "count",
        "find",
        "index",
        "rfind",
        "rindex",
        "fetchone",
        "rowcount",
    }
)

VALIDATING_METHODS = frozenset(
    {"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"}
)
"""A true result proves the receiver holds no SQL syntax."""

NON_SINKS = frozenset(
    {
        "print",
        "echo",
        "secho",
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "writelines",
        "append",
        "extend",
        "add",
        "insert",
        "format",
        "join",
        "replace",
        "ValueError",
        "TypeError",
        "RuntimeError",
        "Exception",
        "HTTPException",
        "assertEqual",
        "assertIn",
        "assert_called_with",
        "set_description",
        "emit",
        "notify",
        "send",
        "put",
        "gettext",
        "ngettext",
        "_",
        "msg",
        "message",
        "flash",
        "len",
        "str",
        "repr",
        "hash",
        "sha256",
        "md5",
        "sha1",
        "update",
        "encode",
    }
)
"""Calls that receive strings but never run them as SQL (logging, messages, containers)."""

VALIDATING_FUNCTIONS = frozenset({"match", "fullmatch", "search"})

SOURCE_CALLS = frozenset(
    {
        "get_argument",
        "get_arguments",
        "get_query_argument",
        "get_query_arguments",
        "get_body_argument",
        "get_body_arguments",
        "get_json",
        "get_data",
        "getlist",
        "get_cookie",
        "get_secure_cookie",
        "getvalue",
        "getfirst",
        "raw_input",
        "getenv",
        "locals",
        "vars",
    }
)
"""Calls that return outside input (web framework arguments, environment, ``locals()``)."""

SOURCE_FUNCTIONS = frozenset({"input", "os.environ.get", "sys.stdin.read", "sys.stdin.readline"})

SPREAD = "**"
"""Key under which ``**kwargs`` of a call are collected."""
