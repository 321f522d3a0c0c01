"""The SQL-injection analyzer of the scan pipeline: Python and JS/TS files -> findings.

Plugged into :data:`buildrunner.security.analyzers.BUILTIN_ANALYZERS` as ``sql`` (kind
``sql-injection``). It needs whole files (a parser), so staged and history scans hand it the
full blob and keep only findings on changed lines. A file that does not parse raises
:class:`~buildrunner.security.analyzers.SourceSkippedError`; the scanner reports it as skipped.
Besides ``br:allow``, ``# nosec`` (and ``# nosec B608``, bandit's SQL test) silences a line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from buildrunner.security.analyzers import Source, SourceSkippedError
from buildrunner.security.catalog import CWE_SQL_INJECTION, RuleInfo
from buildrunner.security.findings import KIND_SQL_INJECTION, Finding
from buildrunner.security.sqli import (
    SQLI_RULES,
    SqlFinding,
    analyze_source,
    is_sql_candidate,
    may_hold_sql,
)

SUPPRESSION_MARKERS: tuple[str, ...] = ("nosec",)
"""bandit's marker (``# nosec``, ``# nosec B608``; ``// nosec`` in JS) silences the line too."""

_SPACE = re.compile(r"\s+")


class SqlAnalyzer:
    """Finds SQL built from untrusted input that reaches a database API (CWE-89)."""

    name = "sql"
    kind = KIND_SQL_INJECTION
    suppression_markers = SUPPRESSION_MARKERS
    needs_full_text = True

    def rules(self) -> Sequence[RuleInfo]:
        return [
            RuleInfo(
                id=rule.id,
                kind=KIND_SQL_INJECTION,
                title=rule.title,
                severity="high" if rule.severity == "high" else "medium",
                cwe=CWE_SQL_INJECTION,
                description=f"Sinks: {rule.sinks}.",
                confidence="medium" if rule.id.endswith("-formatted") else "high",
                help=f"{rule.title} ({rule.cwe}). Sinks: {rule.sinks}. Fix: {rule.fix}",
            )
            for rule in SQLI_RULES
        ]

    def applies_to(self, path: str) -> bool:
        return is_sql_candidate(path)

    def wants_full_text(self, partial: Source) -> bool:
        """Read the whole file only if the added lines could hold a finding: a finding sits
        on a changed line, and that line holds the sink call (see ``sqltext``)."""
        return may_hold_sql(partial.text, partial.key_path)

    def analyze(self, source: Source) -> list[Finding]:
        analysis = analyze_source(source.text, source.key_path)
        if analysis.skipped is not None:
            raise SourceSkippedError(f"{analysis.skipped} (SQL analysis skipped)")
        return [_finding(source, found) for found in analysis.findings]


def _finding(source: Source, found: SqlFinding) -> Finding:
    from buildrunner.core.redact import redact_text

    snippet = redact_text(found.snippet)
    return Finding(
        rule_id=found.rule_id,
        kind=KIND_SQL_INJECTION,
        path=source.path,
        line=found.line,
        column=found.column,
        end_line=found.end_line,
        end_column=found.end_column,
        severity="high" if found.severity == "high" else "medium",
        confidence=found.confidence,
        message=redact_text(found.message),
        masked=snippet,
        key_path=source.key_path,
        content_hash=_content_hash(source, found),
        snippet=snippet,
        related_line=found.built_line if found.built_line != found.line else 0,
    )


def _content_hash(source: Source, found: SqlFinding) -> str:
    """What identifies the problem when lines move: the sink and construction lines' text."""
    sink = _SPACE.sub(" ", source.line_text(found.line)).strip()
    built = _SPACE.sub(" ", source.line_text(found.built_line)).strip()
    return hashlib.sha256(f"{found.sink}\0{sink}\0{built}".encode()).hexdigest()


def build_analyzer(options: object) -> SqlAnalyzer:
    """The factory named in :data:`buildrunner.security.analyzers.BUILTIN_ANALYZERS`."""
    return SqlAnalyzer()
