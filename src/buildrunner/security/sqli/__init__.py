"""SQL-injection detection for Python (from `ast`) and JavaScript/TypeScript (tree-sitter).

The analysers are a library: :func:`analyze_source` takes source text and a path (the suffix
picks the language) and returns an :class:`SqlAnalysis`. tree-sitter is imported only when a
JavaScript or TypeScript file is analysed, so scanning Python stays fast.
"""

from __future__ import annotations

from pathlib import PurePath

from buildrunner.security.sqli.model import Confidence, SqlAnalysis, SqlFinding, SqlRule
from buildrunner.security.sqli.rules import RULES_BY_ID, SQLI_RULES

PYTHON_SUFFIXES = frozenset({".py", ".pyw", ".pyi"})
JAVASCRIPT_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
SUFFIXES = PYTHON_SUFFIXES | JAVASCRIPT_SUFFIXES


def is_sql_candidate(path: str | PurePath) -> bool:
    """Whether the analysers read this file (by suffix); ``.d.ts`` declarations are not code."""
    name = str(path)
    suffix = PurePath(name).suffix.lower()
    return suffix in SUFFIXES and not name.endswith((".d.ts", ".min.js"))


def may_hold_sql(source: str, path: str | PurePath) -> bool:
    """The prefilter alone: could `source` (a file or some of its lines) hold a finding?"""
    from buildrunner.security.sqli.sqltext import may_hold_javascript_sql, may_hold_python_sql

    suffix = PurePath(str(path)).suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return may_hold_python_sql(source)
    if suffix in JAVASCRIPT_SUFFIXES:
        return may_hold_javascript_sql(source)
    return False


def analyze_source(source: str, path: str | PurePath) -> SqlAnalysis:
    """Analyse one file's text; the language comes from the suffix of `path`."""
    from buildrunner.security.sqli.sqltext import may_hold_javascript_sql, may_hold_python_sql

    suffix = PurePath(str(path)).suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        if not may_hold_python_sql(source):  # decided before the analyser is even imported
            return SqlAnalysis(language="python")
        from buildrunner.security.sqli.python import analyze_python

        return analyze_python(source, path=str(path))
    if suffix in JAVASCRIPT_SUFFIXES:
        if not may_hold_javascript_sql(source):
            return SqlAnalysis(language="javascript")
        from buildrunner.security.sqli.javascript import analyze_javascript

        return analyze_javascript(source, path=str(path))
    return SqlAnalysis()


__all__ = [
    "JAVASCRIPT_SUFFIXES",
    "PYTHON_SUFFIXES",
    "RULES_BY_ID",
    "SQLI_RULES",
    "Confidence",
    "SqlAnalysis",
    "SqlFinding",
    "SqlRule",
    "analyze_source",
    "is_sql_candidate",
    "may_hold_sql",
]
