"""Shared machinery of the rule tables: a case is a rule id, lines it must flag (hits) and
lines it must not (near misses). Each table asserts the exact set of (rule_id, line) found."""

from __future__ import annotations

from dataclasses import dataclass, field

from buildrunner.security import ScanOptions
from buildrunner.security.scanner import scan_bytes


@dataclass(frozen=True)
class RuleCase:
    rule_id: str
    hits: list[str]
    misses: list[str] = field(default_factory=list)
    path: str = "settings.env"
    offset: int = 0
    """Line of the finding within a multi-line hit (0: its first line)."""

    def __str__(self) -> str:
        return self.rule_id


def found(text: str, path: str = "settings.env") -> set[tuple[str, int]]:
    """(rule_id, line) of every finding in `text` scanned as a file named `path`."""
    report = scan_bytes(text.encode("utf-8"), path=path, options=ScanOptions(baseline=None))
    return {(f.rule_id, f.line) for f in report.findings}


def check_case(case: RuleCase) -> None:
    """Hits are written one after another (a hit may span lines; it is expected on its first
    line), misses are scanned one by one."""
    expected = set()
    line = 1
    for hit in case.hits:
        expected.add((case.rule_id, line + case.offset))
        line += hit.count("\n") + 1
    text = "\n".join(case.hits) + "\n"
    assert found(text, case.path) == expected
    for miss in case.misses:
        assert found(miss + "\n", case.path) == set(), miss
