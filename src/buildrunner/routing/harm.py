"""The harm model: is a mistake in this task costly or irreversible, and is it happening now?

A task is critical when it describes *harm* (production data lost or corrupted, data shown or
sent to the wrong people, an exploitable flaw, a leaked credential, money mischarged, a legal
obligation missed, an outage, people put at risk) that is *real and current*. Such harm is
rarely named by one word, so it is recognised as a combination of concepts inside one
sentence, each concept a broad lexicon (:data:`CONCEPTS`):

- an **asset** that can be harmed: people (customers, patients, tenants), their data, money,
  secrets, a legal obligation, something safety-relevant, the production system;
- a **damage** done to it: wrong/other party, exposed, lost, wrong value, duplicated,
  charged, down, bypassed, exploited;
- **live** evidence anywhere in the text: production, "since the release", customers report,
  counts of affected things, a deadline, an incident;
- **calm** evidence that the work is planned or contained ("no known leaks", "only on staging",
  "design doc", "hardening"); a reporter's politeness ("low priority", "when you get a chance")
  is not calm;
- a **mood** that makes a sentence hypothetical or a requirement ("must not", "prevent",
  "make sure", "in case"): its damage is not an event.

:data:`HARM_RULES` say which combinations make an event and whether the event is critical on its
own (an exploitable flaw is; a wrong invoice total needs live evidence). Only what the text
*says happens* counts: :func:`assess_harm` takes a text masked by
:func:`buildrunner.routing.mentions.mask_mentions`, so renaming a scary function or fixing a
typo in the security docs does not look like harm. Negations within three words cancel a match.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from buildrunner.routing.concepts import CONCEPTS
from buildrunner.routing.matcher import SignalIndex, is_negated, negated_inside

_CLAUSE_END = re.compile(
    r"[.!?;:]+(?=\s|$)|\n|\s[-\u2013\u2014]{1,2}\s|,\s(?=(?:and|but|so|which|because|while|"
    r"whereas)\b)|\s(?=(?:but|because|whereas)\b)"
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")


@dataclass(frozen=True)
class HarmRule:
    """One kind of harm: which concepts must meet in one sentence, and whether it needs live
    evidence elsewhere in the text to be critical."""

    id: str
    reason: str
    needs: tuple[frozenset[str], ...]
    """Each set names concepts one of which must match in the sentence."""
    alone: bool
    """Critical without live evidence (an exploit, a leaked key, another party's data)."""
    weight: float = 3.0


def _any(*ids: str) -> frozenset[str]:
    return frozenset(ids)


HARM_RULES: tuple[HarmRule, ...] = (
    HarmRule("harm.exploit", "exploitable security flaw", (_any("damage.exploit"),), alone=True),
    HarmRule("harm.auth", "broken authentication", (_any("damage.bypass"),), alone=True),
    HarmRule(
        "harm.security", "security weakness", (_any("damage.weakness"),), alone=False, weight=2.0
    ),
    HarmRule(
        "harm.credentials",
        "leaked or exposed credentials",
        (_any("asset.secret"), _any("damage.exposed")),
        alone=True,
    ),
    HarmRule(
        "harm.data_exposure",
        "data shown or sent to the wrong people",
        (_any("damage.wrong_party"), _any("asset.data", "action.access", "asset.safety")),
        alone=True,
    ),
    HarmRule(
        "harm.disclosure",
        "personal data exposed",
        (_any("asset.data"), _any("damage.exposed")),
        alone=False,
    ),
    HarmRule(
        "harm.data_loss",
        "data loss or corruption",
        (_any("asset.data", "asset.system"), _any("damage.loss")),
        alone=False,
    ),
    HarmRule(
        "harm.money",
        "money mischarged",
        (_any("asset.money"), _any("damage.wrong", "damage.loss")),
        alone=False,
        weight=2.0,
    ),
    HarmRule("harm.outage", "production outage", (_any("damage.down"),), alone=True),
    HarmRule(
        "harm.lockout",
        "everyone is blocked",
        (_any("damage.blocked"), _any("asset.everyone")),
        alone=False,
    ),
    HarmRule(
        "harm.widespread",
        "wrong or lost data for everyone",
        (_any("asset.everyone"), _any("damage.wrong", "damage.loss")),
        alone=False,
        weight=2.0,
    ),
    HarmRule(
        "harm.legal",
        "legal or regulatory exposure",
        (
            _any("asset.legal"),
            _any("damage.wrong", "damage.loss", "damage.exposed", "live.deadline"),
        ),
        alone=False,
        weight=2.0,
    ),
    HarmRule(
        "harm.safety",
        "people's safety at risk",
        (
            _any("asset.safety"),
            _any(
                "damage.wrong", "damage.wrong_party", "damage.loss", "damage.down", "damage.blocked"
            ),
        ),
        alone=False,
    ),
)
"""Which combinations of concepts are harm. Ids are permanent."""

_ORDERED = {options: tuple(sorted(options)) for rule in HARM_RULES for options in rule.needs}
_DAMAGES = frozenset(c for rule in HARM_RULES for c in rule.needs[-1])
"""Concepts a harm rule needs last: a sentence without one of them holds no event."""


@dataclass(frozen=True)
class Hit:
    """A concept found in the text (not negated)."""

    concept: str
    kind: str
    reason: str
    phrase: str
    start: int
    sentence: int


@dataclass(frozen=True)
class HarmEvent:
    """A harm rule satisfied in one sentence."""

    rule: HarmRule
    phrases: tuple[str, ...]
    sentence: int


@dataclass
class HarmAssessment:
    """What the harm model found in a text."""

    events: list[HarmEvent] = field(default_factory=list)
    hypothetical: list[HarmEvent] = field(default_factory=list)
    live: list[Hit] = field(default_factory=list)
    calm: list[Hit] = field(default_factory=list)

    @property
    def is_live(self) -> bool:
        return bool(self.live)

    @property
    def is_calm(self) -> bool:
        return bool(self.calm)

    @property
    def is_critical(self) -> bool:
        """Harm that is happening: an event critical on its own, or any event with live
        evidence, unless the text says the work is planned or contained."""
        if self.is_calm or not self.events:
            return False
        return self.is_live or any(event.rule.alone for event in self.events)


INDEX = SignalIndex(CONCEPTS)
"""The index of :data:`CONCEPTS` used by :func:`assess_harm`."""


def assess_harm(lowered: str) -> HarmAssessment:
    """Find harm events, live and calm evidence in a masked, lower-cased text."""
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(lowered)]
    hits = _hits(lowered, starts)
    by_sentence: dict[int, dict[str, list[Hit]]] = {}
    for hit in hits:
        by_sentence.setdefault(hit.sentence, {}).setdefault(hit.concept, []).append(hit)
    assessment = HarmAssessment(
        live=[h for h in hits if h.kind == "live"], calm=[h for h in hits if h.kind == "calm"]
    )
    clauses: list[int] = []
    for sentence, found in sorted(by_sentence.items()):
        if not any(c in _DAMAGES for c in found):
            continue
        moods: set[int] = set()
        if "mood.hypothetical" in found:
            clauses = clauses or [0] + [m.end() for m in _CLAUSE_END.finditer(lowered)]
            moods = {bisect_right(clauses, h.start) for h in found["mood.hypothetical"]}
        for rule in HARM_RULES:
            phrases = _satisfy(rule, found)
            if phrases is None:
                continue
            event = HarmEvent(rule, phrases, sentence)
            # a requirement or a condition governs its own clause ("..., if it lapses, nobody
            # can pay"), not the report next to it ("writes are failing; ... if they restart")
            hypothetical = bool(moods) and _damage_clause(rule, found, clauses) in moods
            (assessment.hypothetical if hypothetical else assessment.events).append(event)
    return assessment


def _damage_clause(rule: HarmRule, found: dict[str, list[Hit]], clauses: Sequence[int]) -> int:
    """The clause of the rule's damage (its last concept) found in the sentence."""
    concept = next(c for c in _ORDERED[rule.needs[-1]] if c in found)
    return bisect_right(clauses, found[concept][0].start)


def _hits(lowered: str, starts: Sequence[int]) -> list[Hit]:
    hits: list[Hit] = []
    for signal, found in zip(INDEX.signals, INDEX.scan(lowered), strict=True):
        last_end = 0
        for match in found:
            negated = signal.negatable and (
                is_negated(lowered, match.start(), after=last_end)
                or (signal.negation_inside and negated_inside(match.group(0)))
            )
            last_end = match.end()
            if negated:
                continue
            sentence = bisect_right(starts, match.start()) - 1
            hits.append(
                Hit(signal.id, signal.kind, signal.reason, match.group(0), match.start(), sentence)
            )
    return hits


def _satisfy(rule: HarmRule, found: dict[str, list[Hit]]) -> tuple[str, ...] | None:
    phrases: list[str] = []
    for options in rule.needs:
        hit = next((found[c][0] for c in _ORDERED[options] if c in found), None)
        if hit is None:
            return None
        phrases.append(hit.phrase.strip())
    return tuple(dict.fromkeys(phrases))
