"""The secret analyzer: runs the detector on a source and turns candidates into findings."""

from __future__ import annotations

from collections.abc import Sequence

from buildrunner.core.redact import mask_secret, secret_hash
from buildrunner.security.analyzers import Source
from buildrunner.security.catalog import RuleInfo
from buildrunner.security.findings import KIND_SECRET, Finding
from buildrunner.security.options import ScanOptions
from buildrunner.security.secrets.detector import Candidate, Detector
from buildrunner.security.secrets.rule import SecretRule
from buildrunner.security.secrets.rules import BUILTIN_RULES

SNIPPET_WIDTH = 160

SUPPRESSION_MARKERS: tuple[str, ...] = (
    "gitleaks:allow",
    "pragma: allowlist secret",
    "trufflehog:ignore",
    "kingfisher:allow",
)
"""Markers of other scanners honoured on the line, so projects can migrate to br."""


class SecretAnalyzer:
    """Finds hard-coded credentials (CWE-798) with the built-in rule registry."""

    name = "secrets"
    kind = KIND_SECRET
    suppression_markers = SUPPRESSION_MARKERS
    needs_full_text = False

    def __init__(self, detector: Detector) -> None:
        self.detector = detector

    def rules(self) -> Sequence[RuleInfo]:
        return [rule.info() for rule in self.detector.rules]

    def applies_to(self, path: str) -> bool:
        return True

    def analyze(self, source: Source) -> list[Finding]:
        data = source.data
        candidates = self.detector.detect(
            source.raw, data.lower().decode("latin-1"), path=source.key_path
        )
        return [self._finding(source, c, candidates) for c in candidates]

    def _finding(
        self, source: Source, candidate: Candidate, everything: list[Candidate]
    ) -> Finding:
        rule = candidate.rule
        value = rule.canonical(candidate.secret)
        masked = mask_secret(value)
        line = source.line_of(candidate.start)
        end_line = source.line_of(max(candidate.start, candidate.end - 1))
        starts = source.line_starts()
        line_start = starts[line - 1]
        column = len(source.data[line_start : candidate.start].decode("utf-8", "replace")) + 1
        end_start = starts[end_line - 1]
        end_column = len(source.data[end_start : candidate.end].decode("utf-8", "replace")) + 1
        return Finding(
            rule_id=rule.id,
            kind=KIND_SECRET,
            path=source.path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            severity=rule.severity,
            confidence=candidate.confidence,
            message=f"{rule.title}: remove it from the code and rotate it",
            masked=masked,
            key_path=source.key_path,
            content_hash=secret_hash(value),
            snippet=_snippet(source, line, everything),
        )


def _snippet(source: Source, line: int, candidates: list[Candidate]) -> str:
    """Line `line` with every secret on it replaced by its mask, cut to a readable width."""
    starts = source.line_starts()
    line_start = starts[line - 1]
    line_end = starts[line] - 1 if line < len(starts) else len(source.data)
    raw = source.data[line_start:line_end]
    pieces: list[bytes] = []
    cursor = 0
    first_secret = -1
    for candidate in candidates:
        if candidate.end <= line_start or candidate.start >= line_end:
            continue
        start = max(candidate.start, line_start) - line_start
        end = min(candidate.end, line_end) - line_start
        pieces.append(raw[cursor:start])
        if first_secret < 0:
            first_secret = sum(len(p) for p in pieces)
        pieces.append(mask_secret(candidate.rule.canonical(candidate.secret)).encode("utf-8"))
        cursor = end
    pieces.append(raw[cursor:])
    text = b"".join(pieces).decode("utf-8", "replace").rstrip("\r").strip()
    if len(text) <= SNIPPET_WIDTH:
        return text
    left = max(0, first_secret - SNIPPET_WIDTH // 2)
    return "…" + text[left : left + SNIPPET_WIDTH] + "…"


def build_detector(options: ScanOptions, rules: Sequence[SecretRule] = BUILTIN_RULES) -> Detector:
    return Detector(
        rules,
        allow_values=options.allow_values,
        stopwords=options.stopwords,
        disabled=options.disabled_rules,
    )


def build_analyzer(options: ScanOptions) -> SecretAnalyzer:
    """The factory named in :data:`buildrunner.security.analyzers.BUILTIN_ANALYZERS`."""
    return SecretAnalyzer(build_detector(options))
