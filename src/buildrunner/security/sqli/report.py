"""Collecting findings: one per (rule, sink line), with a message naming where SQL was built."""

from __future__ import annotations

from buildrunner.security.sqli.model import Confidence, SqlFinding
from buildrunner.security.sqli.rules import RULES_BY_ID
from buildrunner.security.sqli.taint import Built

MAX_SNIPPET = 120


class Reporter:
    """Accumulates findings of one file; duplicates (loops analysed twice) collapse."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._found: dict[tuple[str, int], SqlFinding] = {}

    def add(
        self,
        *,
        rule_id: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        sink: str,
        built: Built,
        confidence: Confidence,
    ) -> None:
        key = (rule_id, line)
        if key in self._found or any(
            k[1] == line and v.confidence == "high" for k, v in self._found.items()
        ):
            return
        if confidence == "high":
            for other in [k for k, v in self._found.items() if k[1] == line]:
                del self._found[other]
        rule = RULES_BY_ID[rule_id]
        self._found[key] = SqlFinding(
            rule_id=rule_id,
            line=line,
            column=self._characters(line, column) + 1,
            end_line=end_line,
            end_column=self._characters(end_line, end_column) + 1,
            confidence=confidence,
            severity=rule.severity,
            message=_message(sink, built, line, confidence),
            built_line=built.line,
            sink=sink,
            snippet=self._snippet(line),
        )

    def findings(self) -> tuple[SqlFinding, ...]:
        return tuple(sorted(self._found.values(), key=lambda f: (f.line, f.column, f.rule_id)))

    def _characters(self, line: int, offset: int) -> int:
        """Parsers count columns in UTF-8 bytes; findings count characters."""
        if not 1 <= line <= len(self.lines):
            return offset
        text = self.lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))

    def _snippet(self, line: int) -> str:
        if not 1 <= line <= len(self.lines):
            return ""
        text = self.lines[line - 1].strip()
        return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def _message(sink: str, built: Built, line: int, confidence: Confidence) -> str:
    names = ", ".join(f"`{n}`" for n in built.names if n) or "untrusted input"
    where = "on this line" if built.line == line else f"on line {built.line}"
    if confidence == "high":
        return f"SQL built with {built.how} from {names} {where} reaches {sink}"
    return f"SQL statement built with {built.how} from {names} {where} is passed to {sink}"
