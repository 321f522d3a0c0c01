"""The complexity estimator: deterministic and explainable.

``estimate_complexity(text, files=..., paths=...)`` matches the rules of
:mod:`buildrunner.routing.signals` against the task text (fenced code blocks and URLs are
ignored: a stack trace mentioning ``DELETE`` is not data loss), adds what the named files say
(count, lines, languages, tokens of their real contents) and decides:

1. **critical** when a severe harm (exploitable flaw, leaked credentials, exposed customer data,
   data loss, outage) is present, or a lesser harm (money, legal, security weakness) comes with
   evidence that it is live (production, customers affected, "immediately"), and the text does
   not say the work is planned and calm;
2. **complex** when the scope signals (migration, breadth, design, concurrency, performance,
   compatibility, protocol, data volume, plan) add up to :data:`COMPLEX_AT`;
3. **simple** when the simple signals (typo, rename, bump, docs, one value, one local change)
   clearly outweigh the moderate ones and no scope signal is present;
4. **moderate** otherwise; a text with no signal at all gets the stated default level
   (``routing.default_level``, moderate unless configured), never silently the cheapest.

Every decision lists its reasons (signal id, reason, the phrase that matched). Length is not a
signal: long tickets for one-line changes and two-sentence emergencies are both common.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from buildrunner.core.errors import InputError
from buildrunner.routing.harm import HarmAssessment, assess_harm
from buildrunner.routing.matcher import Signal, is_negated, negated_inside
from buildrunner.routing.mentions import mask_mentions
from buildrunner.routing.scope import scope_reasons
from buildrunner.routing.signals import INDEX

Level = Literal["simple", "moderate", "complex", "critical"]
LEVELS: tuple[Level, ...] = ("simple", "moderate", "complex", "critical")
RANK: dict[str, int] = {level: index for index, level in enumerate(LEVELS)}

COMPLEX_AT = 2.5
"""Scope points from which a task is complex: one strong scope concern, or weaker ones together."""
SIMPLE_MARGIN = 1.5
"""Simple points must exceed moderate points by this much."""
EXPECTED_OUTPUT_TOKENS: dict[str, int] = {
    "simple": 1_000,
    "moderate": 3_000,
    "complex": 8_000,
    "critical": 8_000,
}
"""Output tokens a task of each level is expected to need (for expected cost)."""
CHARS_PER_TOKEN = 4.0
"""Token estimate of text: characters / 4 (English prose and code average 3.5-4.5)."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Files larger than this are not read; their tokens are estimated from the size."""

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_URL = re.compile(r"https?://\S+")
_QUOTED = re.compile(r"\"[^\"\n]{1,120}\"")
"""Quoted strings are content, not scope: "promte the replica" is a typo, not replication."""
_DETAILS = re.compile(r"<details>.*?(?:</details>|\Z)", re.S | re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>\n]{0,200}>")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*] (?!\[[ x]\]))\s*\S", re.M)
"""A numbered or bulleted step (checklist boxes are chores, not steps)."""
POINT_KINDS = ("harm", "risk", "concern", "live", "calm", "scope", "moderate", "simple")
"""Reason kinds whose points are summed: harm (critical on its own), risk (critical when live),
concern (harm named as a requirement), live, calm, scope, moderate, simple."""
_PATH = re.compile(
    r"(?<![\w/.-])(?:[\w.-]+/)*[\w-]+\.(?:py|js|jsx|ts|tsx|go|rs|java|kt|rb|php|"
    r"cs|c|h|cpp|hpp|swift|scala|sql|sh|html|css|scss|json|ya?ml|toml|ini|cfg|"
    r"md|rst|txt|tf|proto|vue|svelte)\b"
)
_EXTENSION = re.compile(
    r"\.(?:py|js|jsx|ts|tsx|go|rs|java|kt|rb|php|cs|c|h|cpp|hpp|swift|"
    r"scala|sql|sh|html|css|scss|json|ya?ml|toml|ini|cfg|md|rst|txt|tf|"
    r"proto|vue|svelte)\b"
)
"""Cheap pre-check before the slower path search."""
LANGUAGES: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".swift": "swift",
    ".scala": "scala",
    ".sql": "sql",
    ".sh": "shell",
    ".html": "html",
    ".css": "css",
    ".scss": "css",
    ".vue": "vue",
    ".svelte": "svelte",
    ".tf": "terraform",
    ".proto": "protobuf",
    ".md": "docs",
    ".rst": "docs",
    ".txt": "docs",
    ".json": "config",
    ".yaml": "config",
    ".yml": "config",
    ".toml": "config",
    ".ini": "config",
    ".cfg": "config",
}
_NON_CODE = {"docs", "config"}


@dataclass(frozen=True)
class Reason:
    """Why the estimator decided what it did: one matched signal."""

    signal: str
    kind: str
    text: str
    matched: str
    points: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "kind": self.kind,
            "reason": self.text,
            "matched": self.matched,
            "points": self.points,
        }


@dataclass(frozen=True)
class FileStat:
    """What one named file contributes: lines, language and tokens (None when not read)."""

    path: str
    language: str
    lines: int | None = None
    size: int | None = None
    tokens: int = 0
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "language": self.language,
            "lines": self.lines,
            "bytes": self.size,
            "tokens": self.tokens,
            "note": self.note,
        }


@dataclass(frozen=True)
class Estimate:
    """The estimator's verdict on one task."""

    level: Level
    score: int
    tokens: int
    output_tokens: int
    reasons: tuple[Reason, ...]
    files: tuple[FileStat, ...] = ()
    is_default: bool = False
    points: dict[str, float] = field(default_factory=dict)

    @property
    def rank(self) -> int:
        return RANK[self.level]

    def summary(self) -> str:
        """One line: the level, the score and the strongest reasons."""
        if self.is_default:
            return f"{self.level} ({self.score}): no signal in the text; default level"
        shown = ", ".join(dict.fromkeys(r.text for r in self.reasons[:4]))
        return f"{self.level} ({self.score}): {shown}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score": self.score,
            "tokens": self.tokens,
            "output_tokens": self.output_tokens,
            "is_default": self.is_default,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "points": {k: round(v, 2) for k, v in self.points.items()},
            "files": [stat.as_dict() for stat in self.files],
        }


def estimate_complexity(
    text: str,
    *,
    files: Iterable[str | Path] = (),
    paths: Iterable[str] = (),
    default_level: Level = "moderate",
    root: Path | None = None,
) -> Estimate:
    """Estimate how complex a coding task is, and say why.

    `files` are read (lines, tokens of the real contents, language); `paths` are only named
    (count and languages, no reads). Relative `files` resolve against `root` (default: the
    working directory). Raises InputError for a named file that does not exist or cannot be read.
    """
    if default_level not in RANK:
        raise ValueError(f"unknown level {default_level!r}")
    body = clean_text(text)
    lowered = _QUOTED.sub('"q"', body).lower()
    reasons = [
        reason
        for signal, found in zip(INDEX.signals, INDEX.scan(lowered), strict=True)
        if (reason := _apply(signal, found, lowered)) is not None
    ]
    reasons += _harm_reasons(assess_harm(mask_mentions(body)))
    reasons += [
        Reason(f.signal, f.kind, f.reason, f.matched, f.points) for f in scope_reasons(lowered)
    ]
    steps = len(_STEP.findall(body))
    if steps >= 3:
        reasons.append(Reason("moderate.steps", "moderate", "several steps", f"{steps} steps", 1.0))
    stats = [read_file_stat(Path(f), root=root) for f in files]
    stats += [FileStat(path=p, language=_language(p)) for p in paths]
    named = len(set(_PATH.findall(body))) if _EXTENSION.search(body) else 0
    reasons += _file_reasons(stats, named=named)
    points = _points(reasons)
    level, is_default = decide_level(points, default_level=default_level, matched=bool(reasons))
    reasons.sort(key=lambda r: (-_relevance(r.kind, level), -r.points))
    tokens = _tokens(text) + sum(stat.tokens for stat in stats)
    return Estimate(
        level=level,
        score=_score(level, points, is_default=is_default),
        tokens=tokens,
        output_tokens=EXPECTED_OUTPUT_TOKENS[level],
        reasons=tuple(reasons),
        files=tuple(stats),
        is_default=is_default,
        points=points,
    )


def clean_text(text: str) -> str:
    """The prose of a task: without fenced code, URLs, HTML and quoted release notes."""
    text = text.translate(_QUOTES)
    text = _DETAILS.sub(" ", _FENCE.sub(" ", text))
    return _TAG.sub(" ", _URL.sub(" ", text))


def _harm_reasons(assessment: HarmAssessment) -> list[Reason]:
    reasons: list[Reason] = []
    seen: set[str] = set()
    for event in assessment.events:
        if event.rule.id not in seen:
            seen.add(event.rule.id)
            kind = "harm" if event.rule.alone else "risk"
            matched = " + ".join(event.phrases)
            reasons.append(
                Reason(event.rule.id, kind, event.rule.reason, matched, event.rule.weight)
            )
    for event in assessment.hypothetical:
        if event.rule.id not in seen:
            seen.add(event.rule.id)
            matched = " + ".join(event.phrases)
            text = f"{event.rule.reason} (as a requirement, not an event)"
            reasons.append(Reason(event.rule.id, "concern", text, matched, 1.0))
    for hit in (*assessment.live, *assessment.calm):
        if hit.concept not in seen:
            seen.add(hit.concept)
            reasons.append(Reason(hit.concept, hit.kind, hit.reason, hit.phrase.strip(), 1.0))
    return reasons


def _apply(signal: Signal, hits: list[re.Match[str]], lowered: str) -> Reason | None:
    matches: list[str] = []
    last_end = 0
    for found in hits:
        negated = signal.negatable and (
            is_negated(lowered, found.start(), after=last_end)
            or (signal.negation_inside and negated_inside(found.group(0)))
        )
        last_end = found.end()
        if negated:
            continue
        phrase = found.group(0).lower()
        if phrase not in matches:
            matches.append(phrase)
    if not matches:
        return None
    points = signal.weight
    if signal.kind == "scope":
        # more distinct evidence for the same scope concern: up to 2x
        points *= 1.0 + 0.5 * min(len(matches) - 1, 2)
    elif signal.kind in ("simple", "moderate"):
        points *= 1.0 + 0.25 * min(len(matches) - 1, 2)
    return Reason(signal.id, signal.kind, signal.reason, matches[0], points)


def _points(reasons: Sequence[Reason]) -> dict[str, float]:
    points = dict.fromkeys(POINT_KINDS, 0.0)
    for reason in reasons:
        points[reason.kind] += reason.points
    return points


def decide_level(
    points: dict[str, float],
    *,
    default_level: Level = "moderate",
    matched: bool = True,
    complex_at: float = COMPLEX_AT,
    simple_margin: float = SIMPLE_MARGIN,
) -> tuple[Level, bool]:
    """The level for summed points (and whether it is the no-signal default).

    The thresholds are parameters so the benchmark can cross-validate them.
    """
    calm = points["calm"] > 0
    harm = points["harm"] + points["risk"]
    if not calm and (points["harm"] > 0 or (harm > 0 and points["live"] >= 1)):
        return "critical", False
    clearly_simple = (
        points["simple"] >= points["scope"] + 2 * simple_margin and points["moderate"] == 0
    )
    if points["scope"] >= complex_at and not clearly_simple:
        return "complex", False
    lesser = points["moderate"] + points["concern"] + (1.0 if harm > 0 else 0.0)
    if (
        points["simple"] >= simple_margin
        and points["simple"] >= lesser + simple_margin
        and (points["scope"] < 2 or clearly_simple)
    ):
        return "simple", False
    if any(points[kind] > 0 for kind in ("moderate", "scope", "simple", "concern")) or harm > 0:
        return "moderate", False
    if not matched:
        return default_level, True
    return "moderate", False


def _score(level: Level, points: dict[str, float], *, is_default: bool) -> int:
    """0-100; the band of each level is 25 wide (simple 0-24 ... critical 75-100)."""
    if is_default:
        return 25 * RANK[level] + 10
    if level == "critical":
        extra = 3 * (points["harm"] + points["risk"] + min(points["live"], 3.0) - 3)
        return int(min(100, 75 + max(0.0, extra)))
    if level == "complex":
        return int(min(74, 50 + 4 * (points["scope"] - COMPLEX_AT) + 2 * points["risk"]))
    if level == "moderate":
        return int(min(49, 25 + 5 * points["scope"] + 3 * points["moderate"] + 2 * points["risk"]))
    return int(max(0, 24 - 4 * points["simple"]))


def _relevance(kind: str, level: Level) -> int:
    order = {
        "critical": ("harm", "risk", "live", "scope"),
        "complex": ("scope", "calm", "risk", "concern"),
        "moderate": ("moderate", "risk", "concern", "scope", "simple"),
        "simple": ("simple", "moderate"),
    }[level]
    return len(order) - order.index(kind) if kind in order else 0


def _tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


# --------------------------------------------------------------------------- files


def read_file_stat(path: Path, *, root: Path | None = None) -> FileStat:
    """Lines, bytes, language and a token estimate of one file (InputError if unreadable)."""
    full = path if path.is_absolute() or root is None else root / path
    shown = str(path)
    try:
        size = full.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file", hint="check the --file path") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if full.is_dir():
        raise InputError(f"{shown}: is a directory", hint="name files, not directories")
    language = _language(shown)
    if size > MAX_FILE_BYTES:
        return FileStat(
            shown,
            language,
            None,
            size,
            math.ceil(size / CHARS_PER_TOKEN),
            note="large file: tokens estimated from its size",
        )
    try:
        data = full.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if b"\0" in data[:8192]:
        return FileStat(shown, "binary", None, size, 0, note="binary file: not counted")
    content = data.decode("utf-8", errors="replace")
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    return FileStat(shown, language, lines, size, _tokens(content))


def _language(path: str) -> str:
    return LANGUAGES.get(Path(path).suffix.lower(), "other")


def _file_reasons(stats: Sequence[FileStat], *, named: int) -> list[Reason]:
    reasons: list[Reason] = []
    count = len(stats)
    if count >= 3:
        points = 1.0 if count < 8 else 2.0 if count < 20 else 3.0
        reasons.append(Reason("files.count", "scope", "many files", f"{count} files", points))
    code_languages = sorted({s.language for s in stats} - _NON_CODE - {"other", "binary"})
    if len(code_languages) >= 2:
        shown = ", ".join(code_languages)
        reasons.append(Reason("files.languages", "scope", "several languages", shown, 1.0))
    lines = sum(s.lines or 0 for s in stats)
    if lines >= 1500:
        reasons.append(Reason("files.lines", "scope", "large files", f"{lines} lines", 1.0))
    if any("migration" in s.path.lower() for s in stats):
        reasons.append(
            Reason("files.migrations", "scope", "touches migrations", "migrations/", 1.0)
        )
    if stats and all(s.language == "docs" for s in stats):
        reasons.append(
            Reason("files.docs_only", "simple", "documentation files only", f"{count} docs", 1.5)
        )
    if not stats and named == 1:
        reasons.append(Reason("text.one_file", "simple", "names one file", "1 file", 1.0))
    return reasons
