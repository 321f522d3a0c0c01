"""Does a piece of constant text look like SQL? Used where the sink alone does not say so."""

from __future__ import annotations

import re
from functools import cache

_SHAPES: tuple[tuple[str, str], ...] = (
    ("select", r"select\s[\s\S]{0,400}?\sfrom[\s\"`\[(]"),
    ("select", r"select\s+(?:\*|count\s*\(|distinct\b|[\w.]+\s*(?:,|\bas\b))"),
    ("insert", r"insert\s+(?:or\s+\w+\s+|ignore\s+)?into\b"),
    ("update", r"update\s+[\w.\"`\[\]\s{}?$]{1,80}?\sset\s"),
    ("delete", r"delete\s+from\b"),
    ("create", r"create\s+(?:temp(?:orary)?\s+|unique\s+|or\s+replace\s+)?" + "{objects}"),
    ("drop", r"drop\s+(?:temp(?:orary)?\s+)?" + "{objects}"),
    ("alter", r"alter\s+" + "{objects}"),
    ("truncate", r"truncate\s+\w"),
    ("replace", r"replace\s+into\b"),
    ("merge", r"merge\s+into\b"),
    ("upsert", r"upsert\s+into\b"),
    ("with", r"with\s+(?:recursive\s+)?\w+\s+as\s*\("),
    ("grant", r"grant\s+[\w\s,]+\bon\b"),
    ("revoke", r"revoke\s+[\w\s,]+\bon\b"),
    ("set", r"set\s+(?:search_path|session|local|role|names|transaction)\b"),
    ("call", r"call\s+[\w.]+\s*\("),
    ("exec", r"exec(?:ute)?\s+[\w.]+"),
    ("pragma", r"pragma\s+\w"),
    ("vacuum", r"vacuum\b"),
    ("reindex", r"reindex\b"),
    ("analyze", r"analyze\s+\w"),
    ("explain", r"explain\s+(?:analyze\s+)?select\b"),
    ("show", r"show\s+(?:tables|columns|databases|create|index)"),
    ("describe", r"describe\s+\w"),
    ("copy", r"copy\s+[\w.(\"]+[\s\S]{0,200}?\b(?:from|to)\b"),
    ("lock", r"lock\s+tables?\b"),
    ("attach", r"attach\s+database\b"),
)
_OBJECTS = r"(?:table|view|index|schema|database|function|procedure|trigger|sequence|user|role)\b"
_STATEMENTS: tuple[tuple[str, str], ...] = tuple(
    (keyword, shape.replace("{objects}", _OBJECTS)) for keyword, shape in _SHAPES
)
_STATEMENT = r"\b(?:" + "|".join(shape for _, shape in _STATEMENTS) + ")"
_FRAGMENT = r"""(?:
        \bwhere\b | \border\s+by\b | \bgroup\s+by\b | \bhaving\b | \blimit\s | \boffset\s
      | \bvalues\s*\( | \bjoin\s+[\w."`]+
      | \b(?:and|or)\s+[\w."`]+\s*(?:=|<|>|!=|<>|\blike\b|\bin\b)
      | \bset\s+[\w."`]+\s*= | \bfrom\s+[\w."`]+ | \bunion\s+(?:all\s+)?select\b
      | ^\s*[\w."`]+\s*(?:=|<>|!=|<=|>=|<|>|\s+like|\s+ilike|\s+in\s*\(|\s+is\s+(?:not\s+)?null)
    )"""


_VERBOSE = re.IGNORECASE | re.VERBOSE


@cache
def _regex(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Patterns are compiled when first needed: the pre-commit hook rarely needs most."""
    return re.compile(pattern, flags)


def looks_like_statement(text: str) -> bool:
    """Text that starts a SQL statement (``SELECT ... FROM``, ``DROP TABLE``, ...).

    Prose in sentence case ("Select a user from the list") is not a statement: SQL keywords in
    code are upper- or lower-case, rarely capitalised.
    """
    lowered = text.lower()
    for keyword, shape in _STATEMENTS:
        position = lowered.find(keyword)
        while position != -1:
            before = lowered[position - 1] if position else " "
            if not (before.isalnum() or before == "_") and _regex(shape).match(text, position):
                word = text[position : position + len(keyword)]
                if not (word[:1].isupper() and word[1:].islower()):
                    return True
            position = lowered.find(keyword, position + 1)
    return False


def looks_like_sql(text: str) -> bool:
    """A statement or a clause of one (``WHERE``, ``ORDER BY``, ``name = '``...)."""
    return looks_like_statement(text) or bool(_regex(_FRAGMENT, _VERBOSE).search(text))


_PYTHON_STRONG = (
    "executescript", "exec_driver_sql", "execute_sql", "execute_query", "copy_expert",
    "fetchrow", "fetchval", "read_sql", "read_gbq", "read_database", "RawSQL",
    "literal_column", ".extra(", "text(", "SQL(",
)  # fmt: skip
_PYTHON_WEAK = (
    ".execute", "executemany", "mogrify", ".fetch", ".raw(", ".query(", ".sql(", ".prepare(",
    ".exec(", ".stream(", ".copy(",
)  # fmt: skip
_JS_STRONG = (
    "$queryRaw", "$executeRaw", "Raw(", "executeSql", "execSQL", "literal(", "unsafe(",
    ".raw(", "new Request(",
)  # fmt: skip
_JS_WEAK = (
    "query", "execute", "batch(", "where(", "Where(", "having(", "orderBy(", "groupBy(",
    "select(", "Select(", "Join(", "join(",
)  # fmt: skip
_UPPER_SQL = (
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|JOIN|VALUES|ORDER BY|GROUP BY|LIMIT|SET|DROP"
    r"|CREATE|ALTER|TRUNCATE|PRAGMA|CALL|EXEC|MERGE|UNION)\b"
)
_DB_FACTORY_CALLS = (
    "connect(", "cursor(", "create_engine(", "create_async_engine(", "create_pool(",
    "acquire(", "sessionmaker(", "Session(", "createConnection(", "createPool(",
    "getConnection(", "PrismaClient(", "DataSource(", "Sequelize(", "knex(",
)  # fmt: skip
_RECEIVER_BEFORE = r"([A-Za-z_$][\w$]*)\)?\s*$"
"""Evidence that a generic method name (``execute``, ``query``, ``fetch``) is a database call:
a call that makes a database handle, or a database-like name right before the method."""


def _may_hold(source: str, strong: tuple[str, ...], weak: tuple[str, ...]) -> bool:
    if any(token in source for token in strong):
        return True
    present = [token for token in weak if token in source]
    if present and (
        any(call in source for call in _DB_FACTORY_CALLS)
        or _db_receiver_before(source, present)
        or _regex(_UPPER_SQL, 0).search(source)
    ):
        return True
    return looks_like_statement(source)


def _db_receiver_before(source: str, tokens: list[str]) -> bool:
    """Whether some ``<name>.execute(``-like call has a database-like receiver name."""
    from buildrunner.security.sqli.names import is_db_name

    receiver = _regex(_RECEIVER_BEFORE, 0)
    for token in tokens:
        dot = token if token.startswith(".") else "." + token
        position = source.find(dot)
        while position != -1:
            match = receiver.search(source, max(0, position - 60), position)
            if match and is_db_name(match.group(1)):
                return True
            position = source.find(dot, position + 1)
    return False


def may_hold_python_sql(source: str) -> bool:
    """A cheap test before the analysis: could anything in `source` become a finding?

    A strong sink (``executescript``, ``text(``, ``read_sql``) always could; a generic one
    (``.execute``, ``.fetch``, ``.query``) only with SQL in upper case or a database-like
    receiver nearby; a SQL statement anywhere could reach an unknown sink. Other files are
    neither parsed nor interpreted.
    """
    return _may_hold(source, _PYTHON_STRONG, _PYTHON_WEAK)


def may_hold_javascript_sql(source: str) -> bool:
    """The JavaScript/TypeScript counterpart of :func:`may_hold_python_sql`."""
    return _may_hold(source, _JS_STRONG, _JS_WEAK)


def starts_like_statement(text: str) -> bool:
    """Text whose first words start a SQL statement (for findings without a known sink).

    A query string starts with its keyword (``SELECT``, ``UPDATE``, ``WITH``); a template of an
    HTML page or a message that merely contains SQL-looking words does not.
    """
    head = text.lstrip(" \t\r\n(")[:400]
    return _regex(_STATEMENT).match(head) is not None and looks_like_statement(head)
