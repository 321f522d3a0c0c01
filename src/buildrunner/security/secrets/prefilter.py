"""The keyword prefilter: one Aho-Corasick pass decides which rule regexes run, and where.

All rules' keywords (lower case) go into one automaton (``pyahocorasick``). Scanning the
lower-cased text yields every keyword occurrence with the rules that asked for it; the detector
then runs those rules' regexes only on the lines around the occurrences. Where the C extension
is missing, one compiled alternation regex does the same job more slowly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any


class KeywordIndex:
    """Finds keyword occurrences: ``hits(text)`` yields ``(start, end, rule_indexes)``."""

    def __init__(self, keywords: Mapping[str, Sequence[int]]) -> None:
        self._keywords = {k: tuple(v) for k, v in keywords.items()}
        self._automaton: Any = None
        self._fallback: re.Pattern[str] | None = None
        try:
            import ahocorasick  # type: ignore[import-not-found]  # ships no type stubs
        except ImportError:  # pragma: no cover - the wheel exists for every supported platform
            ordered = sorted(self._keywords, key=len, reverse=True)
            self._fallback = re.compile("|".join(re.escape(k) for k in ordered))
        else:
            automaton = ahocorasick.Automaton()
            for keyword, rules in self._keywords.items():
                automaton.add_word(keyword, (len(keyword), rules))
            automaton.make_automaton()
            self._automaton = automaton

    @property
    def backend(self) -> str:
        return "pyahocorasick" if self._automaton is not None else "regex"

    def hits(self, lowered: str) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        """Every keyword occurrence in `lowered` (already lower case), in order of its end."""
        if self._automaton is not None:
            if len(self._automaton) == 0:
                return
            for end_index, (length, rules) in self._automaton.iter(lowered):
                yield end_index + 1 - length, end_index + 1, rules
            return
        if self._fallback is None:  # pragma: no cover - one of the two is always built
            return
        # The alternation finds non-overlapping matches only: look for every keyword at each
        # match start so that overlapping keywords ("api_key" inside "x_api_key") all count.
        for match in self._fallback.finditer(lowered):
            start = match.start()
            for keyword, rules in self._keywords.items():
                if lowered.startswith(keyword, start):
                    yield start, start + len(keyword), rules
