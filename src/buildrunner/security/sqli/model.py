"""What the SQL-injection analysers report: rules, findings and the result of one file.

These are plain values with no dependency on the scan pipeline, so the analysers can be used
(and tested) as a library: :func:`buildrunner.security.sqli.analyze_source` returns an
:class:`SqlAnalysis`; the pipeline turns each :class:`SqlFinding` into a report finding of kind
``sql-injection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Confidence = Literal["high", "medium"]
Language = Literal["python", "javascript"]


@dataclass(frozen=True, slots=True)
class SqlRule:
    """One SQL-injection rule: a permanent id, the sink family it covers and how to fix it."""

    id: str
    language: Language
    title: str
    sinks: str
    fix: str
    severity: str = "high"
    cwe: str = "CWE-89"


@dataclass(frozen=True, slots=True)
class SqlFinding:
    """Attacker-influenced text reaching SQL, reported on the line of the sink call.

    `built_line` is where the string was assembled (f-string, ``+``, ``%``, ...); it is named in
    `message` and may differ from `line`. `snippet` is the sink's source text, shortened.
    """

    rule_id: str
    line: int
    column: int
    end_line: int
    end_column: int
    confidence: Confidence
    severity: str
    message: str
    built_line: int
    sink: str
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class SqlAnalysis:
    """The result of analysing one source file: findings, or why it was skipped."""

    findings: tuple[SqlFinding, ...] = ()
    skipped: str | None = None
    language: Language | None = None
    suppressed: tuple[SqlFinding, ...] = field(default=())
