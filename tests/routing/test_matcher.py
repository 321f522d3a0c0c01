"""The matching engine: stems that gate patterns, and an index that finds what a full scan finds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from buildrunner.routing import concepts, harm, signals
from buildrunner.routing.complexity import clean_text
from buildrunner.routing.matcher import Signal, SignalIndex, _stems
from buildrunner.routing.mentions import mask_mentions

TICKETS = Path(__file__).with_name("estimator_tickets.jsonl")


@pytest.mark.parametrize(
    ("pattern", "stems"),
    [
        (r"deadlock\w*", ("deadlock",)),
        (r"customers?", ("customer",)),
        (r"(?:sev|severity)[- ]?[01]\b", ("sev", "severity")),
        # the rarest mandatory word that starts a word of the text, not the first one
        (r"the wrong (?:\S+ )?(?:users?|tenants?)", ("wrong",)),
        (r"(?:is|are) (?:\S+ )?(?:deleted|wiped)", ("deleted", "wiped")),
        (r"in (?:the |our )?(?:\S+ ){0,2}(?:bundle|binary)", ("bundle", "binary")),
        (r"(?:i/o) errors?", ("error",)),
        # after a hyphen or an optional group that may match nothing, no word starts
        (r"cross[- ]site", ("cross",)),
        (r"(?:ex-)(?:\S+ ){0,2}(?:employees?)", ("ex-",)),  # not "employee": may follow "ex-"
        (r"n\+1", None),
        (r"a|bc", None),
    ],
)
def test_stems(pattern: str, stems: tuple[str, ...] | None) -> None:
    assert _stems(pattern) == stems


class FullScan(SignalIndex):
    """Every pattern on the whole text: what the index must reproduce."""

    def scan(self, lowered: str) -> list[list[re.Match[str]]]:
        found: list[list[re.Match[str]]] = [[] for _ in self.signals]
        for index, signal in enumerate(self.signals):
            for hit in signal.find(lowered):
                found[index].append(hit)
        return found


def _positions(matches: list[list[re.Match[str]]]) -> list[set[tuple[int, str]]]:
    return [{(m.start(), m.group(0)) for m in hits} for hits in matches]


def test_index_finds_what_a_full_scan_finds() -> None:
    texts = [json.loads(line)["text"] for line in TICKETS.read_text("utf-8").splitlines()]
    full_harm, full_signals = FullScan(concepts.CONCEPTS), FullScan(signals.SIGNALS)
    for text in texts:
        masked = mask_mentions(clean_text(text))
        lowered = clean_text(text).lower()
        assert _positions(harm.INDEX.scan(masked)) == _positions(full_harm.scan(masked))
        assert _positions(signals.INDEX.scan(lowered)) == _positions(full_signals.scan(lowered))


def test_right_boundary_allows_patterns_ending_in_a_space_or_quote() -> None:
    signal = Signal("simple.x", "simple", "x", 1.0, (r'wants "[^"]+"', r"deleted (?:the |all )"))
    assert signal.match('Product wants "Delete permanently".') == 'wants "delete permanently"'
    assert signal.match("it deleted the rows") == "deleted the "
    assert signal.match("it deleted therapy notes") is None
