"""Scope measured from the numbers in a task: how many things it touches, how far it jumps.

Words alone say little about breadth: "rename in 3 files" is small, "move 40 services" is not,
and "re-bless ~30 snapshots" is mechanical while "~900 occurrences of margin-left" is a
project. :func:`scope_reasons` reads counts (``40 services``, ``three hospital partners``,
``~3,000 strings``, ``a 2,800-line file``) and weighs them by what is counted: systems and
teams weigh most, code units less, mechanical places least. It also reads version jumps
(``Django 3.2 -> 4.2``, ``from 11 to 15``): a major jump is an upgrade with breaking changes; a
patch or minor one is a bump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "dozens of": 24,
    "hundreds of": 200,
    "thousands of": 2000,
}

_SYSTEMS = (
    r"services|microservices|teams|partners|repos|repositories|clusters|regions|data ?centers|"
    r"applications|apps|platforms|vendors|integrations|producers|consumers|countries|brands|"
    r"products|environments|databases|providers|codebases|monorepos|sdks|clients|"
    r"organi[sz]ations|departments|hospitals|banks|stores|sites|devices|machines|nodes"
)
_UNITS = (
    r"modules|packages|libraries|components|screens|pages|views|endpoints|routes|tables|files|"
    r"resolvers|handlers|jobs|task types|queues|dashboards|reports|forms|models|controllers|"
    r"workflows|pipelines|lambdas|functions|classes|resources|schemas|topics|plugins|"
    r"templates|migrations|crons?|scripts|foreign keys|columns|indexes|apis|commands|dags|"
    r"projects|tools|"
    r"subsystems|systems"
)
_PLACES = (
    r"places|call ?sites|callers|usages|uses|occurrences|strings|tests|test cases|queries|"
    r"lines|snapshots|references|imports|calls|instances|spots|locations|flags|keys|"
    r"translations|icons|assets|rules|checks|statements"
)
_TAIL = r"[ -](?:[\w-]+ ){0,2}?(?:(" + _SYSTEMS + r")|(" + _UNITS + r")|(" + _PLACES + r"))\b"
_COUNT = re.compile(r"(\d(?<![\w.$€£-]\d)[\d,]*(?:\.\d+)?\s?k?)" + _TAIL)
_WORD_COUNT = re.compile(r"\b(" + "|".join(_WORDS) + r")" + _TAIL)
_LINES = re.compile(r"(\d[\d,]*\s?k?)[ -]lines?\b")
_VERSION = re.compile(
    # the first digit comes first so that `re` can skip ahead; then: not inside a word or a
    # dotted number, unless after a "v"
    r"(\d(?:(?<![\w.]\d)|(?<=[^\w.]v\d)|(?<=^v\d))\d*)(?:\.(\d+|x))?(?:\.\d+)*"
    r"(?:[ -](?:lts|ga))?\s*(?:->|→|=>|to)\s*"
    r"(?:[a-z][\w.-]* )?v?(\d+)(?:\.(\d+|x))?(?:\.\d+)*(?!\w|\.\d)"
)
_BUMP = re.compile(r"\bbump(?:s|ed|ing)?\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_LIST_START = re.compile(
    r":\s|\b(?:touches|touching|affects|affecting|involves|spans|impacts|including|includes|"
    r"covers|across|needs|requires|that's|that is)\b"
)
_ITEM_SEPARATOR = re.compile(r"[,;]|\band\b|\bor\b|\bplus\b|\+")


@dataclass(frozen=True)
class ScopeFinding:
    """One scope measurement: signal id, reason, the phrase and its points."""

    signal: str
    kind: str
    reason: str
    matched: str
    points: float


def _value(raw: str) -> int:
    raw = raw.strip()
    if raw in _WORDS:
        return _WORDS[raw]
    scale = 1000 if raw.endswith("k") else 1
    digits = raw.rstrip("k").strip().replace(",", "")
    try:
        return int(float(digits) * scale)
    except ValueError:
        return 0


def _count_points(number: int, tier: int) -> float:
    """Points for `number` things of a tier (0 systems, 1 code units, 2 places)."""
    thresholds = (
        ((10, 2.5), (3, 2.0)),
        ((30, 2.0), (10, 1.5)),
        ((200, 1.5), (50, 1.0)),
    )[tier]
    return next((points for least, points in thresholds if number >= least), 0.0)


def scope_reasons(lowered: str) -> list[ScopeFinding]:
    """Counts of things touched and major version jumps in a lower-cased text."""
    findings: list[ScopeFinding] = []
    best: tuple[float, str] = (0.0, "")
    matches = list(_COUNT.finditer(lowered))
    if any(f" {word} " in lowered for word in _WORDS):
        matches += _WORD_COUNT.finditer(lowered)
    for match in matches:
        number = _value(match.group(1))
        tier = next(i for i, group in enumerate(match.groups()[1:]) if group)
        points = _count_points(number, tier)
        if points > best[0]:
            best = (points, match.group(0).strip())
    for match in _LINES.finditer(lowered):
        if _value(match.group(1)) >= 1000 and best[0] < 1.0:
            best = (1.0, match.group(0).strip())
    if best[0]:
        findings.append(
            ScopeFinding("scope.count", "scope", "many things to change", best[1], best[0])
        )
    items = _list_length(lowered)
    if items >= 4:
        points = 1.5 if items >= 5 else 1.0
        findings.append(
            ScopeFinding(
                "scope.requirements", "scope", "many distinct parts", f"{items} parts", points
            )
        )
    major = _major_jump(lowered)
    if major:
        findings.append(
            ScopeFinding("scope.major_version", "scope", "major version jump", major, 2.0)
        )
    return findings


def _list_length(lowered: str) -> int:
    """Items of the longest inline enumeration ("Needs: a, b, c and d"; "touches a, b, c")."""
    best = 0
    if lowered.count(",") + lowered.count(";") < 2:
        return 0
    for sentence in _SENTENCE.split(lowered):
        if sentence.count(",") + sentence.count(";") < 2:
            continue
        start = _LIST_START.search(sentence)
        if start is None:
            continue
        segment = sentence[start.end() :]
        if segment.count(",") + segment.count(";") < 2:
            continue
        items = [item for item in _ITEM_SEPARATOR.split(segment) if item.strip(" ()-")]
        best = max(best, len(items))
    return best


def _major_jump(lowered: str) -> str | None:
    if _BUMP.search(lowered):
        return None  # a dependency bump: the bump rule decides, whatever the jump
    for match in _VERSION.finditer(lowered):
        old_major, old_minor, new_major, new_minor = match.groups()
        text = match.group(0)
        after_v = match.start() > 0 and lowered[match.start() - 1] == "v"
        if old_minor is None and not after_v and "to" in text.split():
            continue  # "from 20 to 50" is a value, not a version
        if old_major == new_major and old_major != "0":
            continue
        if old_major == "0" == new_major and old_minor == new_minor:
            continue
        if int(new_major) < int(old_major) or int(new_major) - int(old_major) > 50:
            continue  # ranges, dates and the like ("from 64 to 256" is caught below)
        if int(old_major) > 99:
            continue
        return match.group(0).strip()
    return None
