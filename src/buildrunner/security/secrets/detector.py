"""The secret detector: prefilter, per-rule regex on small windows, value filters, overlaps.

Input is the raw bytes of a text decoded as Latin-1 (one character per byte): decoding never
fails, offsets are byte offsets, and every rule pattern is ASCII. Columns in characters are
computed only for what is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from buildrunner.security.findings import Confidence
from buildrunner.security.secrets.filters import (
    is_known_example,
    is_placeholder,
    shannon_entropy,
)
from buildrunner.security.secrets.prefilter import KeywordIndex
from buildrunner.security.secrets.rule import SecretRule

_LOWER: dict[Confidence, Confidence] = {"high": "medium", "medium": "low", "low": "low"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A secret the detector accepts: rule, byte span of the secret, the secret itself."""

    rule: SecretRule
    start: int
    end: int
    secret: str
    confidence: Confidence


class Detector:
    """Finds secrets in text with a set of rules and the user's value allowlists."""

    def __init__(
        self,
        rules: Sequence[SecretRule],
        *,
        allow_values: Sequence[str] = (),
        stopwords: Sequence[str] = (),
        disabled: Iterable[str] = (),
    ) -> None:
        skip = set(disabled)
        self.rules: tuple[SecretRule, ...] = tuple(r for r in rules if r.id not in skip)
        keywords: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            for keyword in rule.keywords:
                keywords.setdefault(keyword, []).append(index)
        self.index = KeywordIndex(keywords)
        self._allow = tuple(re.compile(pattern) for pattern in allow_values)
        self._stopwords = tuple(word.lower() for word in stopwords)
        self._rule_allow: dict[str, tuple[re.Pattern[str], ...]] = {}
        self._anchors: tuple[frozenset[str] | None, ...] = tuple(
            rule.anchor_chars if rule.anchor else None for rule in self.rules
        )

    def detect(self, raw: str, lowered: str | None = None, *, path: str = "") -> list[Candidate]:
        """Every accepted secret in `raw`, overlaps resolved, in order of position.

        `lowered` is `raw` in lower case with the same length (``data.lower()`` decoded as
        Latin-1); `path` is the file's path, for rules that look at the file type.
        """
        if lowered is None:
            lowered = raw.lower()
        found: dict[tuple[int, int, str], Candidate] = {}
        covered: dict[int, int] = {}
        tried: set[tuple[int, int]] = set()
        rules = self.rules
        anchors = self._anchors
        size = len(raw)
        for start, end, rule_indexes in self.index.hits(lowered):
            line_start = -1
            line_end = -1
            for index in rule_indexes:
                rule = rules[index]
                chars = anchors[index]
                if chars is not None:
                    begin = start
                    while begin > 0 and raw[begin - 1] in chars:
                        begin -= 1
                    if (index, begin) in tried:
                        continue
                    tried.add((index, begin))
                    if line_end < 0:
                        line_end = _line_end(raw, end)
                    stop = _extend_lines(raw, line_end, rule.lines - 1)
                    match = rule.regex.match(raw, begin, stop)
                    if match is not None:
                        self._consider(rule, match, path, found)
                    continue
                if start < covered.get(index, -1):
                    continue
                if line_start < 0:
                    line_start = raw.rfind("\n", 0, start) + 1
                if line_end < 0:
                    line_end = _line_end(raw, end)
                if rule.multiline:
                    window_end = min(size, line_start + rule.span)
                else:
                    window_end = _extend_lines(raw, line_end, rule.lines - 1)
                last = self._run(rule, raw, line_start, window_end, path, found)
                covered[index] = max(last, line_end) if rule.multiline else line_end
        return resolve_overlaps(found.values())

    def _run(
        self,
        rule: SecretRule,
        raw: str,
        start: int,
        end: int,
        path: str,
        found: dict[tuple[int, int, str], Candidate],
    ) -> int:
        """Run one rule on raw[start:end]; return the end of its last match (or -1)."""
        last = -1
        for match in rule.regex.finditer(raw, start, end):
            last = max(last, match.end())
            self._consider(rule, match, path, found)
        return last

    def _consider(
        self,
        rule: SecretRule,
        match: re.Match[str],
        path: str,
        found: dict[tuple[int, int, str], Candidate],
    ) -> None:
        span = match.span("secret")
        if span[0] < 0:
            return
        key = (span[0], span[1], rule.id)
        if key in found:
            return
        confidence = self._accept(rule, match, path)
        if confidence is not None:
            found[key] = Candidate(rule, span[0], span[1], match.group("secret"), confidence)

    def _accept(self, rule: SecretRule, match: re.Match[str], path: str) -> Confidence | None:
        secret = match.group("secret")
        body = secret
        if "body" in rule.regex.groupindex and match.group("body") is not None:
            body = match.group("body")
        if rule.entropy and shannon_entropy(body) <= rule.entropy:
            return None
        if rule.placeholders and is_placeholder(body):
            return None
        if is_known_example(secret):
            return None
        lowered = secret.lower()
        if any(word in lowered for word in rule.stopwords + self._stopwords):
            return None
        if any(p.search(secret) for p in self._allow_for(rule)):
            return None
        if rule.check is not None and not rule.check(secret):
            return None
        if rule.context is not None and not rule.context(match, path):
            return None
        if rule.verify is None:
            return rule.confidence
        return "high" if rule.verify(secret) else _LOWER[rule.confidence]

    def _allow_for(self, rule: SecretRule) -> tuple[re.Pattern[str], ...]:
        cached = self._rule_allow.get(rule.id)
        if cached is None:
            cached = rule.allow_regexes + self._allow
            self._rule_allow[rule.id] = cached
        return cached


def resolve_overlaps(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Keep one candidate per overlapping stretch of text: the most specific rule wins.

    Specific means higher ``precedence`` (a provider's token format beats a header or URL
    rule, which beats the generic assignment rule), then the longer secret.
    """
    ordered = sorted(candidates, key=lambda c: (-c.rule.precedence, -(c.end - c.start), c.start))
    kept: list[Candidate] = []
    for candidate in ordered:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    kept.sort(key=lambda c: (c.start, c.end, c.rule.id))
    return kept


def _line_end(raw: str, position: int) -> int:
    end = raw.find("\n", position)
    return len(raw) if end < 0 else end


def _extend_lines(raw: str, line_end: int, extra: int) -> int:
    """The end of the line `extra` lines after the one ending at `line_end`."""
    for _ in range(extra):
        if line_end >= len(raw):
            break
        line_end = _line_end(raw, line_end + 1)
    return line_end
