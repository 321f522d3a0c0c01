"""The signals of the complexity estimator: a literal table of small declared rules.

Each :class:`Signal` has a permanent id, a reason shown to the user, a kind, a weight and a
tuple of regular-expression fragments. Fragments are matched case-insensitively on word
boundaries (``fix`` does not match ``prefix``). A *negatable* signal ignores a match preceded,
within three words, by a negation ("not in production", "nothing is on fire").

Kinds and how the estimator uses them (see :mod:`buildrunner.routing.complexity`):

- ``harm``: a costly or irreversible consequence (exploitable flaw, leaked credential, data
  loss or corruption, money, legal exposure, outage). ``severe`` harm is critical on its own;
  the rest needs ``live`` evidence.
- ``live``: the harm is real and current (production, customers affected, counts, "since the
  deploy", "immediately").
- ``calm``: explicitly planned or contained ("nothing is on fire", "only on staging").
- ``scope``: cross-module design, migrations with compatibility, concurrency, performance,
  architecture, public API, large data or many places.
- ``moderate``: a contained feature or fix that needs reading code and writing tests.
- ``simple``: mechanical, one place, no design decision.

The rubric these encode is the one in shared/bench/README.md section 3; the signals describe the
rubric's concepts in general words, not the wording of any one task.
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


_W = r"(?:[\w'$.,/-]+\s+)"  # one word and its trailing space, for short gaps: _W{0,3}
_KEY = r"(?:keys?|secrets?|tokens?|credentials?|passwords?|passphrases?)"
_NUM = r"(?:\d[\d,.]*\s*(?:k|m|million|billion|thousand)?|hundreds|thousands|dozens|millions)"


SIGNALS: tuple[Signal, ...] = (
    # ------------------------------------------------------------------ scope (complex)
    Signal(
        "scope.migration",
        "scope",
        "migration with a cut-over",
        2.5,
        (
            r"migrat(?:e|es|ing) (?:\S+ ){0,6}(?:from|to|onto|off)",
            r"migration (?:\S+ ){0,4}(?:from|onto|off)",
            r"(?:cut|switch)[- ]?over",
            r"backfill(?:ing)? (?:strategy|plan|of (?:all|the) (?:history|historical))",
            r"(?:map|migrate|convert|translate) (?:\S+ ){0,3}(?:to|onto) the new (?:schema|format|"
            r"model|api|structure)",
            r"parity",
            r"dual[- ]writes?",
            r"(?:reencrypt|re-encrypt)\w*",
            r"zero[- ]downtime",
            r"without downtime",
            r"no downtime",
            r"online (?:migration|move)",
            r"replac(?:e|es|ing) (?:our |the )?(?:homegrown|home-grown|legacy|custom|hand-rolled|"
            r"in-house) \w+",
            r"replace \w+ with \w+ (?:across|everywhere|in all)",
            r"rewrite (?:\S+ ){0,3}(?:to use|on top of|using)",
            r"(?:to use|switch to|move to) \S+ instead of",
            r"(?:migration|transition|cut-?over|rollout|roll-out|upgrade) (?:path|plan|order|"
            r"strategy|period|window)s?",
            r"during the (?:transition|migration|cut-?over|switch|move|rollout)",
            r"(?:dual|parallel|shadow)[- ](?:run|running|reads?|writes?|traffic)",
            r"run (?:both|the two|old and new) (?:\S+ )?(?:in parallel|side by side)",
            r"decommission\w*",
            r"(?:stay|stays|remain|remains|still be|keep|kept) (?:\S+ ){0,2}(?:supported|running|"
            r"working|around|in place) (?:for|until|during|while)",
            r"(?:stay|stays|remain|remains) until",
            r"alongside (?:the |our )?(?:existing|current|old|legacy|\w+)",
            r"(?:strangler|parallel change|expand[- ]and[- ]contract|blue[- ]green)",
            r"(?:safe|staged|phased|gradual|progressive|incremental) (?:rollout|roll-out|"
            r"delivery|release|migration)",
            r"(?:serve|support) both",
            r"as (?:a )?fallback until",
        ),
    ),
    Signal(
        "scope.move",
        "scope",
        "moving data or code between systems",
        1.5,
        (
            r"switch(?:ing)? (?:\S+ ){0,4}from \w+ to",
            r"move (?:\S+ ){0,5}(?:from|onto|off)",
            r"backfill(?:ing)?",
            r"migrat(?:e|ion|ing) (?:of )?(?:the |all )?existing",
        ),
    ),
    Signal(
        "scope.upgrade",
        "scope",
        "framework or major upgrade",
        2.5,
        (
            r"upgrad(?:e|ing) (?:\S+ ){0,3}from \S+ (?:v?\d+(?:\.\d+)*) to (?:\S+ )?v?\d+",
            r"major (?:version )?upgrade",
            r"framework upgrade",
            r"deprecations",
            r"(?:django|rails|react|angular|vue|spring|python|node|java|postgres(?:ql)?|kubernetes|"
            r"\.net)"
            r" \d+(?:\.\d+)? to (?:\S+ )?\d+",
        ),
    ),
    Signal(
        "scope.breadth",
        "scope",
        "many places or components",
        2.0,
        (
            r"(?:many|every|all) (?:\S+ )?"
            r"(?:modules|services|files|places|call sites|callers|screens|"
            r"pages|queries|endpoints|tables|repos|repositories|packages|components|microservices|"
            r"task types|teams|forms|handlers|integrations|jobs)",
            r"across (?:the |our |all )?(?:\S+ ){0,3}(?:codebase|code base|services|modules|layers|"
            r"stack|repos|repositories|teams|apps|platforms|clients|products|systems|clusters|"
            r"regions|packages|microservices)",
            r"across (?:the |our |all )?(?:backend and frontend|frontend and backend|\d+ \w+|"
            r"(?:two|three|four|five|six|seven|eight|nine|ten|several|many) \w+)",
            r"cross[- ](?:module|service|cutting|team|platform|az|region|account|cloud)",
            r"capacity (?:analysis|planning)",
            r"monolith(?:ic)?",
            r"(?:every|each) (?:query|module|service|endpoint|table|caller)",
            r"(?:between|across|for) (?:the |all |several |many |multiple )?teams",
            r"(?:several|many|multiple|all) teams",
            r"(?:every|each|all) (?:public )?(?:methods|method|functions|function|classes|"
            r"commands|pages|screens|components|handlers|endpoints|models)",
            r"imported (?:from|by) (?:almost )?every",
            r"end[- ]to[- ]end",
        ),
    ),
    Signal(
        "scope.spread",
        "scope",
        "spread over the code base",
        1.0,
        (
            r"everywhere(?! else)",
            r"(?:all|everything|each of them) (?:\S+ )?assumes? (?:a single|one|only one|"
            r"exactly one)",
            r"(?:affects|touches|involves|spans|impacts) (?:\S+ ){1,4}(?:and|as well as)",
        ),
    ),
    Signal(
        "scope.design",
        "scope",
        "architecture or design work",
        2.5,
        (
            r"architect(?:ure|ural)?",
            r"(?:rearchitect|re-architect)\w*",
            r"rfc(?![\s-]*\d)",
            r"design (?:and|&) implement",
            r"(?:system|api|protocol|schema|data model) design",
            r"plugin (?:system|api|architecture)",
            r"extension points?",
            r"behind an interface",
            r"abstraction layer",
            r"rewrite (?:the |our )?\S+ (?:layer|engine|subsystem|core)",
            r"(?:storage|data|persistence|transport|rendering|caching) (?:layer|engine)",
            r"(?:pluggable|multiple|several) (?:\S+ )?backends",
            r"(?:provider|vendor|cloud|database|storage|platform)[- ]agnostic",
            r"(?:build|introduce|create) (?:an? |the |our )?(?:\w+ )?platform",
            r"consolidat\w+ (?:\S+ ){0,5}into (?:one|a single|a common|a shared)",
            r"(?:unify|merge|combine) (?:\S+ ){0,5}into (?:one|a single|a common|a shared)",
            r"(?:split|break|carve) (?:up )?(?:\S+ ){0,4}into (?:\S+ )?(?:modules|services|"
            r"packages|components|libraries|microservices|bounded contexts)",
            r"consolidat\w+ (?:\S+ ){0,5}into (?:one|a single|a common|a shared)",
            r"(?:unify|merge|combine) (?:\S+ ){0,5}into (?:one|a single|a common|a shared)",
            r"design (?:a|the|our) (?:\S+ ){0,2}(?:strategy|architecture|system|scheme|protocol)",
            r"cache invalidation",
            r"invalidation (?:on|strategy|of)",
            r"(?:multi|per|cross)[- ]region",
            r"(?:redesign|re-design)\w*",
            r"design (?:doc|document|proposal)",
            r"(?:write|writing) (?:up|a design|the design)",
            r"(?:spike|threat model)",
            r"how (?:do|should|can|would) we",
            r"(?:evaluate|compare|choose between|pick) (?:\S+ ){0,4}(?:vs\.?|versus|or|options|"
            r"alternatives|approaches)",
            r"state machine",
            r"event[- ]sourc\w+",
            r"cqrs",
            r"sagas?",
            r"outbox",
            r"event[- ]driven",
            r"(?:rules?|workflow|policy|pricing|recommendation|search|sync|scheduling) engine",
            r"dsl",
            r"domain[- ]specific language",
            r"(?:queue|schema|system|api|protocol|data|fairness|sync|storage|cache|caching|"
            r"permission|plugin|module|service|security|network|database) design",
            r"(?:needs|need|requires|require) (?:a |an )?(?:\w+ )?design",
            r"design (?:the|a|an|our) (?:\w+ ){0,2}(?:data model|schema|protocol|api|"
            r"architecture|system|sync|pipeline|layer|format|scheme|strategy|flow)",
            r"read models?",
            r"federat\w+",
            r"(?:extract|split|pull|move|carve) (?:\S+ ){0,8}into (?:its|their) own (?:\S+ )?"
            r"(?:service|repo|repository|package|database|microservice|deployable)",
            r"(?:cdc|change data capture|debezium)",
            r"(?:write|draft|prepare) (?:a |an |the )?(?:proposal|design|rfc|plan|spec|"
            r"recommendation|adr)",
            r"(?:build|introduce|add) (?:a |an )?(?:\S+ ){0,3}(?:layer|abstraction|framework|"
            r"platform|engine) (?:in front of|over|on top of|between|for all)",
        ),
    ),
    Signal(
        "scope.proposal",
        "scope",
        "open design questions",
        1.0,
        (
            r"(?:propose|proposal)",
            r"open questions",
            r"trade-?offs?",
        ),
    ),
    Signal(
        "scope.concurrency",
        "scope",
        "concurrency or distributed state",
        2.5,
        (
            r"race conditions?",
            r"deadlock\w*",
            r"lock ordering",
            r"distributed",
            r"consensus",
            r"(?:eventual|read-your-writes|strong) consistency",
            r"conflict (?:resolution|detection)",
            r"sync(?:hroni[sz]ation)? (?:queue|protocol)",
            r"offline mode",
            r"replication",
            r"sharding",
            r"lost updates?",
            r"starv\w+",
            r"durability",
            r"jepsen",
            r"linearizab\w+",
            r"fsync",
            r"group commit",
            r"deterministic (?:simulation|replay|lockstep)",
            r"(?:become|be made) deterministic",
            r"desync\w*",
            r"fairness",
            r"preempt\w+",
            r"offline (?:edits|sync|support|first)",
            r"overwrite each other",
            r"last (?:write|save) wins",
        ),
    ),
    Signal(
        "scope.consistency",
        "scope",
        "consistency concerns",
        1.5,
        (
            r"concurren(?:t|cy)",
            r"thread[- ]?safe\w*",
            r"idempoten(?:t|cy)",
            r"replicas?",
            r"exactly[- ]once",
            r"at[- ]least[- ]once",
            r"(?:run|runs|executed) twice",
            r"stale writes?",
            r"optimistic locking",
            r"checkpoints?",
            r"resumable",
            r"quotas? (?:per|for each|across)",
            r"per-(?:tenant|customer|user|org) quotas?",
            r"shard(?:s|ed)?",
            r"consisten(?:t|cy) across",
            r"real-?time (?:updates|sync|collaboration)",
        ),
    ),
    Signal(
        "scope.performance",
        "scope",
        "performance analysis",
        2.5,
        (
            r"p9\d+",
            r"p99\.9+",
            r"tail latency",
            r"(?:contention|lock contention)",
            r"horizontal(?:ly)? scal\w+",
            r"scale (?:out|horizontally)",
            r"cold starts?",
            r"cost analysis",
            r"start-?up (?:time|performance|latency)",
            r"(?:traces|tracing|perfetto|flame ?graphs?|benchmarks?|benchmarking)",
            r"autoscal\w+",
            r"test impact analysis",
            r"profil(?:e|ing) (?:\S+ ){0,3}(?:time|latency|loading|memory|cpu|gpu|performance|"
            r"queries|startup|allocations)",
            r"paralleli[sz]\w+",
            r"profil(?:ing|er|ers)",
            r"profile (?:it|this|the (?:\S+ ){0,2}(?:endpoint|service|query|queries|code|app|"
            r"worker|job|request|function|handler|hot path|pipeline|build|startup))",
            r"bottlenecks?",
            r"n\+1",
            r"memory leaks?",
            r"leak(?:s|ing)? memory",
            r"oom(?:-killed)?",
            r"out of memory",
            r"heap (?:snapshots?|dumps?)",
            r"memory (?:usage )?(?:grows|growth|keeps growing|climbs)",
            r"unbounded (?:memory|growth)",
            r"latency (?:regression|spike|went)",
        ),
    ),
    Signal(
        "scope.speed",
        "scope",
        "speed or scale",
        1.5,
        (
            r"performance",
            r"latency",
            r"throughput",
            r"slow (?:queries|query|endpoint)",
            r"scal(?:ability|ing) (?:issue|problem|limit)",
            r"load tests?",
        ),
    ),
    Signal(
        "scope.compatibility",
        "scope",
        "compatibility constraints",
        1.25,
        (
            r"public api",
            r"backwards?[- ]compatib\w+",
            r"without breaking",
            r"breaking changes?",
            r"existing clients",
            r"third[- ]party (?:plugins|clients|integrations|packages)",
            r"coexist",
            r"incrementally",
            r"without a feature freeze",
            r"(?:one|two) releases?",
            r"versioned (?:api|plugin)",
            r"api_version",
            r"(?:keep|keeps|keeping|continue|continues|continuing) (?:\S+ ){0,5}(?:to )?"
            r"work(?:ing)?",
            r"(?:must|should|will|to) (?:stay|remain) (?:identical|the same|unchanged|compatible)",
            r"(?:pixel|byte|bit)[- ](?:for[- ](?:pixel|byte|bit)|compatible|identical|exact)",
            r"while (?:the )?(?:old|existing|legacy|v\d+) \S+",
            r"without (?:\S+ ){0,2}(?:losing|breaking|changing) (?:their|existing|current)",
        ),
        negatable=True,
    ),
    Signal(
        "scope.protocol",
        "scope",
        "security or protocol feature",
        2.0,
        (
            r"single sign-on",
            r"oauth2?",
            r"social login",
            r"(?:log ?in|sign ?in) with (?:google|github|microsoft|apple|facebook)",
            r"link(?:ing)? (?:\S+ ){0,2}accounts",
            r"sso",
            r"saml",
            r"oidc",
            r"openid connect",
            r"ldap",
            r"scim",
            r"kms",
            r"envelope encryption",
            r"multi[- ]tenan\w+",
            r"per[- ]tenant",
            r"idps?",
            r"identity providers?",
            r"tenant (?:scoping|isolation)",
            r"rbac",
            r"permission (?:model|system)",
            r"webauthn",
            r"end-to-end encryption",
        ),
    ),
    Signal(
        "scope.sensitive",
        "scope",
        "sensitive subsystem",
        1.0,
        (
            r"payments? (?:provider|processing|integration|flow|gateway|service)s?",
            r"billing (?:system|code|service|logic|engine)",
            r"(?:authentication|authori[sz]ation|"
            r"login|session) (?:flow|layer|system|middleware)",
            r"encryption (?:at rest|keys?)",
            r"cryptograph\w+",
            r"access control (?:layer|model|system)",
        ),
    ),
    Signal(
        "scope.polyglot",
        "scope",
        "several languages or stacks",
        1.0,
        (
            r"(?:python|typescript|javascript|go|golang|java|kotlin|swift|ruby|rust|php|c#|node) "
            r"and (?:python|typescript|javascript|go|golang|java|kotlin|swift|ruby|rust|php|c#|"
            r"node)",
            r"(?:ios|android|web|desktop|mobile)(?:,| and) (?:ios|android|web|desktop|mobile)",
        ),
    ),
    Signal(
        "scope.data_volume",
        "scope",
        "large data volume",
        1.0,
        (
            r"{tb,gb,pb}\d+(?:\.\d+)?\s?(?:tb|gb|pb)",
            r"\d+(?:\.\d+)? (?:million|billion) (?:rows|objects|"
            r"records|files|events|documents)",
            r"(?:millions|billions) of",
        ),
    ),
    Signal(
        "scope.plan",
        "scope",
        "multi-phase plan",
        1.0,
        (
            r"runbook",
            r"rollback (?:points?|plan)",
            r"phases?",
            r"roll-?out plan",
            r"step by step",
            r"post-?mortem",
            r"root cause",
            r"sequenc(?:e|ing)",
            r"one (?:at a time|by one)",
            r"(?:module|team|service|tenant|customer|region|package|screen|cluster|org) by "
            r"(?:module|team|service|tenant|customer|region|package|screen|cluster|org)",
            r"independently",
            r"(?:planned|planning|scheduled|slated) for",
            r"not scheduled",
            r"roadmap",
            r"milestones?",
            r"(?:per|each|every) (?:team|tenant|org|region|cluster|environment)",
            r"(?:behind|with) (?:a )?(?:feature )?flags? per",
            r"game ?day",
            r"target: (?:next|q[1-4]|h[12]|the next|end of)",
            r"all at once",
            r"before (?:starting|estimating|any code|implementation)",
        ),
    ),
    # ------------------------------------------------------------------ moderate
    Signal(
        "moderate.feature",
        "moderate",
        "a contained feature",
        1.0,
        (
            r"(?:add|adds|adding|expose|introduce|create|build) (?:a |an |the )?"
            r"(?:new )?(?:\S+ ){0,3}(?:endpoint|option|page|button|field|"
            r"filter|export|import|setting|command|subcommand|validation|pagination|cache|caching|"
            r"retries|rate limit(?:ing)?|support|feature|toggle|workflow|check|report|column|"
            r"header|parameter|param|flag|argument|hook|metric|counter|event|notification|job|"
            r"handler|middleware|action|modal|dialog|section|tab|widget|chart|webhook|"
            r"integration|attribute|property|index|probe|health ?check|liveness check|"
            r"readiness check|menu|shortcut|preview|view|screen|form|limit|timeout|guard|"
            r"mode|format|output|summary|list|table|search|sort(?:ing)?|alert|banner)s?",
            r"implement\w*",
            r"feature",
            r"(?:add|adds|adding|implement|needs?|with|full|native|first-class) support",
            r"support for",
            r"support (?:\S+ ){0,2}(?:files?|formats?|uploads?|in the|on the)",
            r"validation",
            r"pagination",
            r"paginate",
            r"cach(?:e|ing)",
            r"retr(?:y|ies)",
            r"backoff",
            r"rate limit(?:ing)?",
            r"export",
            r"streams?",
            r"permission check",
            r"(?:sort|sorting|sorted|filter|filtering|group|grouping|search|searching) "
            r"(?:\S+ ){0,2}by",
            r"must (?:return|support|respect|handle|accept|reject|not fail|be supported)",
            r"edge cases?",
            r"boundary cases?",
        ),
    ),
    Signal(
        "moderate.fix",
        "moderate",
        "a bug to investigate and fix",
        1.0,
        (
            r"bug",
            r"flaky",
            r"fails? (?:about |intermittently|sometimes|randomly)",
            r"investigate",
            r"find out why",
            r"debugging",
            r"debug (?:it|this|why|the)",
            r"regression tests?",
            r"escape\w*",
            r"refactor\w*",
            r"garbled",
            r"crash\w*",
            r"broken(?! (?:\S+ ){0,3}(?:links?|anchors?|hrefs?)\b)",
            r"doesn't work",
            r"does not work",
            r"returns nothing",
            r"wrong (?:day|time|value|result|output)",
            r"timezones?",
            r"renders? (?:\S+ )?badly",
        ),
    ),
    Signal(
        "moderate.tests",
        "moderate",
        "needs tests",
        1.0,
        (
            r"(?:add|include|write) (?:\S+ ){0,3}tests (?:for|with|covering)",
            r"tests? for each",
            r"playwright",
            r"integration tests?",
            r"api tests?",
            r"frontend test",
            r"end-to-end tests?",
            r"make it deterministic",
            r"(?:add|write|include) (?:some |the |a few |more )?(?:unit |integration |regression |"
            r"api |e2e )?tests",
        ),
    ),
    Signal(
        "moderate.fullstack",
        "moderate",
        "backend and frontend",
        1.0,
        (
            r"backend:?",
            r"frontend:?",
            r"server[- ]side",
            r"(?:ui|front-?end) and (?:api|backend)",
        ),
    ),
    # ------------------------------------------------------------------ simple
    Signal(
        "simple.typo",
        "simple",
        "typo or wording fix",
        3.0,
        (
            r"typos?",
            r"misspell\w*",
            r"spelling",
            r"{should be}[\"'`][^\"'`\n]{1,40}[\"'`] should be [\"'`][^\"'`\n]{1,40}[\"'`]",
            r"{->,→,=>}[\"'`]\w+[\"'`] ?(?:->|→|=>) ?[\"'`]\w+[\"'`]",
            r"wording",
            r"(?:copy|text|label|message|string) change",
            r"grammar",
            r"capitali[sz](?:e|ed|ation)",
            r"reword\w*",
            r"rephras\w+",
            r"(?:improve|clarify|reword|rephrase|fix) (?:the )?(?:\S+ )?(?:error |warning |log )?"
            r"(?:message|wording|copy)s?",
        ),
    ),
    Signal(
        "simple.rename",
        "simple",
        "rename",
        2.0,
        (
            r"rename\w*",
            r"(?:variable|function|method|file) name",
        ),
    ),
    Signal(
        "simple.bump",
        "simple",
        "version bump",
        2.5,
        (
            r"bump(?:s|ed|ing)?",
            r"version bump",
            r"pin (?:\S+ )?to",
            r"from \d+\.\d+\.\d+ to \d+\.\d+\.\d+",
            r"image tag",
            r"(?:-slim|:latest)",
        ),
    ),
    Signal(
        "simple.docs",
        "simple",
        "documentation or text edit",
        2.0,
        (
            r"readme",
            r"docstrings?",
            r"comments?",
            r"changelog",
            r"{.md}\w+\.md",
            r"docs",
            r"documentation",
            r"(?:broken|dead|outdated|wrong) (?:\S+ ){0,3}(?:links?|anchors?|hrefs?)",
            r"(?:add|update|fix|replace|change) (?:a |the |an )?(?:\S+ ){0,2}links? (?:to|in|for)",
            r"help (?:text|string|message|output)",
            r"translations?",
            r"locales?/",
            r"locale (?:files?|strings?|json|yaml|keys?|catalog)",
            r"locales (?:folder|directory|files?)",
            r"i18n",
            r"(?:german|french|spanish|japanese) strings",
            r"strings? (?:for|in)",
            r"message (?:says|reads|text)",
            r"copyright",
            r"handbook",
            r"codeowners",
            r"\.mailmap",
            r"(?:header|label|title|heading|button|tooltip|caption|toast|message|banner|notice|"
            r"prompt|placeholder|error) (?:\S+ ){0,2}(?:says|reads|"
            r"shows) "
            r"\"[^\"]{1,40}\"",
            r"wiki (?:page|entry)",
            r"footer",
            r"docs? (?:fix|edit)",
            r"{ignore}\.\w*ignore",
            r"editorconfig",
            r"license (?:header|year)",
        ),
    ),
    Signal(
        "simple.constant",
        "simple",
        "change of one value",
        2.0,
        (
            r"(?:change|increase|decrease|raise|lower|reduce|bump|set) (?:the )?(?:default |max |"
            r"min )?"
            r"(?:\S+ ){0,8}from \S+ to \S+",
            r"(?:change|rename|replace|update) \"[^\"]{1,60}\" (?:to|with|into) \"[^\"]{1,60}\"",
            r"misalign\w*",
            r"make it \"[^\"]{1,80}\"",
            r"(?:update|change|reword|fix|shorten) (?:the )?(?:\S+ ){0,2}(?:subject line|email "
            r"subject|page title|heading|tooltip|caption|button label|link text)",
            r"(?:current|old|new) (?:\S+ )?(?:subject|title|label|text|copy|wording|value|name|"
            r"heading): \"[^\"]{1,80}\"",
            r"\d+ ?(?:px|pt|rem|em) (?:\S+ )?(?:margin|padding|spacing|gap|offset|border)",
            r"\(currently \S+\)",
            r"(?:label|text|title|heading|wording|copy|tooltip|placeholder|caption) "
            r"(?:\S+ ){0,2}to \"[^\"]+\"",
            r"(?:should|to) (?:say|read) \"[^\"]+\"",
            r"(?:wants?|prefers?|asked for|asks for|would like|suggests?) (?:it to (?:say|read) )?"
            r"\"[^\"]+\"",
            r"(?:print|show|display|say|read|use)s? \"[^\"]+\" instead of \"[^\"]+\"",
            r"(?:set|change|make) (?:\S+ ){0,6}(?:to|from) (?:\d+|true|false|`[^`]+`)",
            r"(?:constant|default value|hard-coded number)",
            r"(?:downgrade|upgrade|change|lower|raise|set|reduce|bump) (?:\S+ ){0,5}(?:log level|"
            r"log|logging|level) (?:from \w+ )?to (?:info|debug|warn\w*|error|trace|critical)",
            r"content-type",
            r"text/plain",
            r"(?:swap|replace) (?:the )?(?:two |three )?(?:values|colou?rs|tokens|order)",
            r"(?:change|update|adjust|tweak|fix) (?:the )?(?:\S+ ){0,2}(?:colou?r|font|font size|"
            r"padding|margin|spacing|icon|border|shadow|background|alignment)s? (?:of|on|for|in|"
            r"to)",
            r"(?:update|change|set) (?:the )?(?:\S+ )?version (?:\S+ ){0,3}(?:from|to)",
            r"current year",
            r"(?:set|change) (?:the )?(?:default )?(?:\S+ ){0,3}to \S+ instead of \S+",
        ),
    ),
    Signal(
        "simple.local",
        "simple",
        "one small local change",
        1.5,
        (
            r"one[- ]line",
            r"single[- ]line",
            r"one[- ]word",
            r"(?:two|three) lines",
            r"log a (?:warning|message|line)",
            r"only the wording",
            r"just (?:swap|change|replace|"
            r"update|add|remove|rename|bump)",
            r"nothing else (?:changes|depends|uses)",
            r"no other changes?",
            r"sort (?:the )?imports",
            r"(?:isort|prettier|gofmt|rustfmt|black|formatter|linter) (?:is |keeps )?complain\w*",
            r"(?:add|log|emit) (?:a |one |an )?(?:single )?(?:\w+ )?log (?:line|message|statement|"
            r"entry)",
            r"(?:remove|hide|drop|rename) (?:the )?(?:\S+ ){0,2}(?:badge|label|tooltip|icon|"
            r"placeholder|caption|emoji)",
            r"no behaviou?r change",
            r"(?:don't|do not) change the (?:function|behaviou?r|logic)",
            r"mechanical",
            r"cosmetic",
            r"harmless",
            r"search and replace",
            r"find and replace",
            r"trivial",
            r"small change",
            r"quick fix",
            r"off[- ]by[- ]one",
            r"line \d+",
            r"unused (?:import|variable|function)",
            r"f401",
            r"deprecated \S+ calls?",
            r"linter",
            r"already handles",
            r"(?:add|write) a (?:unit )?test for",
            r"(?:remove|delete|drop) (?:the )?(?:unused|dead|stale|old|deprecated|commented-out|"
            r"commented out|obsolete|leftover|debug|stray)",
            r"(?:remove|delete|drop) (?:the )?(?:\S+ ){0,4}(?:debug|leftover|stray|unused|dead) "
            r"(?:line|lines|code|statement|call|print|log|logging|comment)",
            r"(?:newline|whitespace|indentation|trailing newline)",
            r"dead (?:code|since)",
            r"alphabetical\w*",
            r"out of order",
            r"(?:replace|swap|update) (?:the )?(?:\S+ ){0,2}(?:logo|icon|favicon|image|picture|"
            r"screenshot|illustration|banner image)",
        ),
    ),
)
"""Every signal, in the order reasons are listed. Ids are permanent."""


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


INDEX = SignalIndex(SIGNALS)
"""The index of :data:`SIGNALS` used by the estimator."""
