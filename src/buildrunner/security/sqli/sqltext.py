"""Does a piece of constant text look like SQL? Used where the sink alone does not say so."""

from __future__ import annotations

import re

_STATEMENT = re.compile(
    r"""\b(?:
        select\s[\s\S]{0,400}?\sfrom[\s"`\[(]
      | select\s+(?:\*|count\s*\(|distinct\b|[\w.]+\s*(?:,|\bas\b))
      | insert\s+(?:or\s+\w+\s+|ignore\s+)?into\b
      | update\s+[\w."`\[\]\s{}?$]{1,80}?\sset\s
      | delete\s+from\b
      | (?:create|drop|alter|truncate)\s+(?:temp(?:orary)?\s+|unique\s+|or\s+replace\s+)?
        (?:table|view|index|schema|database|function|procedure|trigger|sequence|user|role)\b
      | truncate\s+\w
      | replace\s+into\b | merge\s+into\b | upsert\s+into\b
      | with\s+(?:recursive\s+)?\w+\s+as\s*\(
      | grant\s+[\w\s,]+\bon\b | revoke\s+[\w\s,]+\bon\b
      | set\s+(?:search_path|session|local|role|names|transaction)\b
      | call\s+[\w.]+\s*\( | exec(?:ute)?\s+[\w.]+ | pragma\s+\w
      | vacuum\b | reindex\b | analyze\s+\w | explain\s+(?:analyze\s+)?select\b
      | show\s+(?:tables|columns|databases|create|index) | describe\s+\w
      | copy\s+[\w.("]+[\s\S]{0,200}?\b(?:from|to)\b
      | lock\s+tables?\b | attach\s+database\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_FRAGMENT = re.compile(
    r"""(?:
        \bwhere\b | \border\s+by\b | \bgroup\s+by\b | \bhaving\b | \blimit\s | \boffset\s
      | \bvalues\s*\( | \bjoin\s+[\w."`]+
      | \b(?:and|or)\s+[\w."`]+\s*(?:=|<|>|!=|<>|\blike\b|\bin\b)
      | \bset\s+[\w."`]+\s*= | \bfrom\s+[\w."`]+ | \bunion\s+(?:all\s+)?select\b
      | ^\s*[\w."`]+\s*(?:=|<>|!=|<=|>=|<|>|\s+like|\s+ilike|\s+in\s*\(|\s+is\s+(?:not\s+)?null)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE_START = re.compile(r"\b(?:Select|Insert|Update|Delete|Create|Drop|Show|Call|Use)\b")


def looks_like_statement(text: str) -> bool:
    """Text that starts a SQL statement (``SELECT ... FROM``, ``DROP TABLE``, ...).

    Prose in sentence case ("Select a user from the list") is not a statement: SQL keywords in
    code are upper- or lower-case, rarely capitalised.
    """
    for match in _STATEMENT.finditer(text):
        keyword = match.group(0).split(None, 1)[0] if match.group(0).split() else ""
        if keyword[:1].isupper() and keyword[1:].islower() and _SENTENCE_START.match(keyword):
            continue
        return True
    return False


def looks_like_sql(text: str) -> bool:
    """A statement or a clause of one (``WHERE``, ``ORDER BY``, ``name = '``...)."""
    return looks_like_statement(text) or bool(_FRAGMENT.search(text))


_PYTHON_SINK_TOKENS = re.compile(
    r"\.(?:execute|executemany|executescript|exec_driver_sql|execute_sql|mogrify|copy_expert"
    r"|fetchrow|fetchval|fetch_all|fetch_one|fetch_val|raw|extra)\s*\("
    r"|\b(?:text|literal_column|RawSQL|SQL|read_sql|read_sql_query)\s*\("
)
_JS_SINK_TOKENS = re.compile(
    r"\b(?:query|execute|batch|unsafe|executeSql|execSQL|raw|\w+Raw|literal|\$queryRaw\w*"
    r"|\$executeRaw\w*|where|andWhere|orWhere|having|orderBy|groupBy|select|addSelect)\s*[(<]"
)


def may_hold_python_sql(source: str) -> bool:
    """A cheap test before the analysis: a sink call or a SQL statement appears somewhere.

    Files without either cannot produce a finding, so the interpretation is skipped.
    """
    return bool(_PYTHON_SINK_TOKENS.search(source)) or looks_like_statement(source)


def may_hold_javascript_sql(source: str) -> bool:
    """The JavaScript/TypeScript counterpart of :func:`may_hold_python_sql`."""
    return bool(_JS_SINK_TOKENS.search(source)) or looks_like_statement(source)


def starts_like_statement(text: str) -> bool:
    """Text whose first words start a SQL statement (for findings without a known sink).

    A query string starts with its keyword (``SELECT``, ``UPDATE``, ``WITH``); a template of an
    HTML page or a message that merely contains SQL-looking words does not.
    """
    head = text.lstrip(" \t\r\n(")[:400]
    return _STATEMENT.match(head) is not None and looks_like_statement(head)
