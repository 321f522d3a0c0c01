"""The matching engine of the complexity estimator: small declared rules and their index.

A :class:`Signal` has a permanent id, a reason shown to the user, a kind, a weight and a tuple
of regular-expression fragments, matched on the lower-cased text on word boundaries (``fix``
does not match ``prefix``; a pattern ending in a space or a quote needs no boundary). A
*negatable* signal ignores a match preceded, within three words of the same sentence, by a
negation ("not in production"), or by a negated subject ("no customer data was exposed").

A :class:`SignalIndex` scans a text for many signals at once: every pattern is gated by a
literal stem, the rarest mandatory word that starts a word of the text, found without regular
expressions in the text's vocabulary; only the patterns whose stem occurs run. The index finds
exactly what running every pattern finds (``tests/routing/test_matcher.py`` checks it).

The tables are in :mod:`buildrunner.routing.signals` (scope, moderate, simple) and
:mod:`buildrunner.routing.concepts` (the harm model's concepts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "harm", "live", "calm", "scope", "moderate", "simple", "asset", "damage", "action", "mood"
]

_NEGATION = re.compile(
    r"\b(?:no|not|nothing|never|without|none|nor|neither|cannot|isn't|wasn't|hasn't|haven't|"
    r"doesn't|don't|didn't|aren't|weren't|won't|can't|couldn't|shouldn't|mustn't|n't)\b"
)


@dataclass(frozen=True)
class Signal:
    """One rule: an id (permanent), the reason it gives, its kind, weight and patterns."""

    id: str
    kind: Kind
    reason: str
    weight: float
    patterns: tuple[str, ...]
    negatable: bool = False
    severe: bool = False
    negation_inside: bool = False
    """Also cancel a match that negates itself after its first word ("keys are never logged")."""
    parts: tuple[tuple[tuple[str, ...] | None, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )
    expanded: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # No leading assertion and no IGNORECASE: the text is lowered once and a literal prefix
        # lets `re` skip ahead quickly (25x faster); the left word boundary is checked by hand.
        parts: list[tuple[tuple[str, ...] | None, re.Pattern[str]]] = []
        expanded: list[str] = []
        for pattern in self.patterns:
            declared, body = _declared_stems(pattern)
            for branch in [body] if declared else _expand(body):
                stems = declared or _stems(branch)
                parts.append((stems, re.compile(rf"(?:{branch})(?:(?<=\W)|(?!\w))")))
                expanded.append(pattern if declared else branch)
        object.__setattr__(self, "expanded", tuple(expanded))
        object.__setattr__(self, "parts", tuple(parts))

    def find(self, lowered: str) -> list[re.Match[str]]:
        """Every match in the lower-cased text, in order of position.

        A pattern runs only when one of its literal stems occurs in the text: most patterns
        are skipped by a substring test, which keeps an estimate well under a millisecond.
        """
        found: list[re.Match[str]] = []
        for stems, regex in self.parts:
            if stems is not None and not any(stem in lowered for stem in stems):
                continue
            pos = 0
            while (hit := regex.search(lowered, pos)) is not None:
                start = hit.start()
                pos = max(hit.end(), start + 1)
                if start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] in "_-"):
                    pos = start + 1
                    continue
                found.append(hit)
        found.sort(key=lambda m: (m.start(), -m.end(), m.group(0)))
        return found

    def match(self, text: str) -> str | None:
        """The first non-negated matching phrase in `text` (lower-cased), or None."""
        lowered = text.lower()
        last_end = 0
        for found in self.find(lowered):
            negated = self.negatable and (
                is_negated(lowered, found.start(), after=last_end)
                or (self.negation_inside and negated_inside(found.group(0)))
            )
            last_end = found.end()
            if not negated:
                return found.group(0)
        return None


def _declared_stems(pattern: str) -> tuple[tuple[str, ...] | None, str]:
    """A pattern may start with ``{stem,stem}``: literals one of which must occur in the text.

    Used for patterns that start with a character class (``{.md}\\w+\\.md``).
    """
    if pattern.startswith("{") and "}" in pattern:
        head, _, body = pattern[1:].partition("}")
        return tuple(head.split(",")), body
    return None, pattern


def _expand(pattern: str) -> list[str]:
    """Split a leading group of alternatives into one pattern per alternative.

    ``(?:site|app) is down`` becomes ``site is down`` and ``app is down``: a pattern that starts
    with a literal is searched for much faster than one that starts with an alternation.
    """
    if not pattern.startswith("(?:"):
        return [pattern]
    end = _group_end(pattern)
    if pattern[end + 1 : end + 2] in ("?", "*", "{", "+"):
        return [pattern]
    rest = pattern[end + 1 :]
    return [f"(?:{branch}){rest}" for branch in _split_top(pattern[3:end])]


def _group_end(pattern: str) -> int:
    depth = 0
    for index, char in enumerate(pattern):
        if char == "(" and not _escaped(pattern, index):
            depth += 1
        elif char == ")" and not _escaped(pattern, index):
            depth -= 1
            if depth == 0:
                return index
    return len(pattern) - 1


def _stems(pattern: str) -> tuple[str, ...] | None:
    """Literal lowercase prefixes one of which must start a word of the text for `pattern` to
    match (None: no such literal, the pattern always runs).

    Looks at every mandatory element that starts a word (the pattern's start, or after a space):
    a run of letters (``deadlock\\w*`` -> ``deadlock``; ``the wrong`` -> ``wrong``) or a group of
    such alternatives (``(?:sev|severity)`` -> ``sev``, ``severity``), and keeps the element
    with the longest stems, the rarest usually: ``(?:is|are) (?:\\S+ )?(?:deleted|wiped)`` is
    looked up by ``deleted`` and ``wiped``, not by ``is``.
    """
    branches = _split_top(pattern)
    if len(branches) > 1:
        union: list[str] = []
        for branch in branches:
            inner = _stems(branch)
            if inner is None:
                return None
            union.extend(inner)
        return tuple(union)
    best: tuple[str, ...] | None = None
    at_word_start = True
    for element, optional, ends_in_space in _elements(pattern):
        stems = None if optional else _element_stems(element, at_word_start=at_word_start)
        if stems and (best is None or _rarity(stems) > _rarity(best)):
            best = stems
        if ends_in_space is not None:
            # an optional element may match nothing: then the word start is where it was
            at_word_start = ends_in_space and (at_word_start or not optional)
    return best


def _rarity(stems: tuple[str, ...]) -> int:
    """How rarely one of `stems` starts a word: the shortest stem's length, 0 for a very common
    word ("and", "with")."""
    return min(0 if stem in _COMMON else len(stem) for stem in stems)


_COMMON = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
    ]
)


def _element_stems(element: str, *, at_word_start: bool) -> tuple[str, ...] | None:
    if element.startswith("(?:"):
        if not at_word_start:
            return None
        stems: list[str] = []
        for branch in _split_top(element[3:-1]):
            inner = _stems(branch)
            if inner is None:
                return None
            stems.extend(inner)
        return tuple(stems) or None
    if element[:1] not in _LITERAL_CHARS:
        return None
    # in a run of literal words, a word after a space starts a word of the text; the first
    # word does if the run starts a word
    words = [
        word
        for position, word in enumerate(element.split(" "))
        if (position > 0 or at_word_start) and _WORD_START.fullmatch(word)
    ]
    stem = max(reversed(words), key=len, default="")
    return (stem,) if len(stem) >= 2 else None


_LITERAL = re.compile(r"[a-z0-9][a-z0-9'-]*(?: [a-z0-9][a-z0-9'-]*)*")
_WORD_START = re.compile(r"[a-z0-9][a-z0-9'-]*")
_LITERAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789' -")


def _elements(pattern: str) -> list[tuple[str, bool, bool | None]]:
    """The top-level elements of a pattern: (text, is optional, ends in a space); the last is
    None for zero-width elements (lookarounds), which do not move the word start."""
    elements: list[tuple[str, bool, bool | None]] = []
    index, size = 0, len(pattern)
    while index < size:
        char = pattern[index]
        if char == "(":
            end = index + _group_end(pattern[index:])
            body, index = pattern[index : end + 1], end + 1
        elif char == "\\":
            body, index = pattern[index : index + 2], index + 2
        elif char == "[":
            end = pattern.index("]", index + 2)
            body, index = pattern[index : end + 1], end + 1
        elif char in _LITERAL_CHARS:
            end = index
            while end < size and pattern[end] in _LITERAL_CHARS:
                end += 1
            body, index = pattern[index:end], end
            if index < size and pattern[index] in "?*+{" and len(body) > 1:
                # a quantifier applies to the last character only
                elements.append((body[:-1], False, body[-2] == " "))
                body = body[-1]
        else:
            body, index = char, index + 1
        quantifier = ""
        if index < size and pattern[index] in "?*+{":
            end = pattern.index("}", index) + 1 if pattern[index] == "{" else index + 1
            quantifier, index = pattern[index:end], end
            if index < size and pattern[index] == "?":
                index += 1
        optional = quantifier in ("?", "*") or quantifier.startswith("{0")
        zero_width = body.startswith(("(?=", "(?!", "(?<"))
        elements.append((body, optional or zero_width, None if zero_width else _spaced(body)))
    return elements


def _spaced(element: str) -> bool:
    """Whether an element always ends with a space (so the next one starts a word)."""
    if element in (" ", "\\s"):
        return True
    if element.startswith("(?:"):
        branches = _split_top(element[3:-1])
        return all(_elements(b) and _elements(b)[-1][2] is True for b in branches)
    return element.endswith(" ") and _LITERAL.fullmatch(element.strip()) is not None


def _escaped(pattern: str, index: int) -> bool:
    return index > 0 and pattern[index - 1] == "\\"


def _split_top(body: str) -> list[str]:
    branches, depth, start = [], 0, 0
    for index, char in enumerate(body):
        if char in "([" and not _escaped(body, index):
            depth += 1
        elif char in ")]" and not _escaped(body, index):
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(body[start:index])
            start = index + 1
    branches.append(body[start:])
    return branches


_WORDS = re.compile(r"[\w']+")
_CLAUSE_BREAK = re.compile(r"[.!?;:\n](?:\s|$)")
"""A negation does not reach across a sentence: "alg: none. Patch it immediately"."""
_NEGATED_SUBJECT = re.compile(
    r"\b(?:no|none of the|not a single|not one|nothing)(?: [\w']+){0,3} (?:was|were|is|are|has "
    r"been|have been|got|gets|had been)$"
)


def negated_inside(phrase: str) -> bool:
    """Whether a matched phrase negates itself after its first word ("keys are never logged")."""
    words = _WORDS.findall(phrase.lower())[1:]
    return bool(_NEGATION.search(" ".join(words)))


def is_negated(text: str, start: int, *, after: int = 0) -> bool:
    """Whether one of the three words before `start` (and after `after`) is a negation, or the
    words before are a negated subject and a verb ("no customer data was")."""
    window = _CLAUSE_BREAK.split(text[max(0, start - 60, after) : start])[-1]
    words = _WORDS.findall(window.lower())
    if _NEGATION.search(" ".join(words[-3:])):
        return True
    # "no customer data was exposed": a negated subject before a passive verb
    return bool(_NEGATED_SUBJECT.search(" ".join(words[-6:])))


class SignalIndex:
    """All signals' patterns indexed by literal stem, so a text is scanned in one sweep.

    Derived stems sit at the start of a word (patterns match on a left word boundary), so they
    are looked up as prefixes of the text's distinct words; declared stems
    (``{.md}...``) are found by a substring test. Only the patterns behind the stems present
    (and the few without a stem) are searched.
    """

    def __init__(self, signals: tuple[Signal, ...]) -> None:
        self.signals = signals
        self._by_stem: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        self._prefix_stems: set[str] = set()
        self._anywhere: set[str] = set()
        self._always: list[tuple[int, re.Pattern[str]]] = []
        for index, signal in enumerate(signals):
            for pattern, (stems, regex) in zip(signal.expanded, signal.parts, strict=True):
                if stems is None:
                    self._always.append((index, regex))
                    continue
                declared = pattern.startswith("{")
                for stem in stems:
                    self._by_stem.setdefault(stem, []).append((index, regex))
                    if declared or len(stem) < 2:
                        self._anywhere.add(stem)
                    else:
                        self._prefix_stems.add(stem)
        heads: dict[str, list[str]] = {}
        for stem in sorted(self._prefix_stems):
            heads.setdefault(stem[:2], []).append(stem)
        self._by_head = {head: tuple(stems) for head, stems in heads.items()}
        self._token_stems: dict[str, tuple[str, ...]] = {}

    def present(self, lowered: str) -> set[str]:
        """The stems that occur in the text (at a word start, or anywhere if declared)."""
        found = {stem for stem in self._anywhere if stem in lowered}
        cache = self._token_stems
        if len(cache) > _TOKEN_CACHE_SIZE:
            cache.clear()
        for token in set(_WORD.findall(lowered)):
            stems = cache.get(token)
            if stems is None:
                heads = self._by_head.get(token[:2], ())
                stems = cache[token] = tuple(s for s in heads if token.startswith(s))
            found.update(stems)
        return found

    def scan(self, lowered: str) -> list[list[re.Match[str]]]:
        """Matches per signal (same order as `signals`), each sorted by position."""
        found: list[list[re.Match[str]]] = [[] for _ in self.signals]
        todo: dict[tuple[int, int], tuple[int, re.Pattern[str]]] = {}
        for stem in self.present(lowered):
            for part in self._by_stem[stem]:
                # keyed by signal too: `re` caches, so equal patterns share one object
                todo[(part[0], id(part[1]))] = part
        for index, regex in (*todo.values(), *self._always):
            pos = 0
            while (hit := regex.search(lowered, pos)) is not None:
                start = hit.start()
                pos = max(hit.end(), start + 1)
                if start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] in "_-"):
                    pos = start + 1
                    continue
                found[index].append(hit)
        for matches in found:
            matches.sort(key=lambda m: (m.start(), -m.end(), m.group(0)))
        return found


_TOKEN_CACHE_SIZE = 50_000
"""Words whose stems are remembered (a vocabulary, not texts; cleared when full)."""
_WORD = re.compile(r"[\w-]+(?:'[\w-]+)*")
