"""Path-claim patterns: normalising them, matching paths and deciding whether two overlap.

A claim pattern is a repository-relative glob in gitignore syntax, anchored at the repository
root: ``src/**/*.py``, ``docs/*.md``, ``pyproject.toml``. A pattern that names a directory
covers everything below it (``src/app`` covers ``src/app/models.py``). Matching a concrete path
uses `pathspec` (the gitignore matcher git users know).

Two globs *overlap* when some path could match both. :func:`patterns_overlap` decides this
segment by segment and is conservative: it may say "overlap" for two globs no real path
satisfies (``src/a*`` vs ``src/*b``), never the other way round, so a claim is never granted
twice.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Sequence
from functools import lru_cache

_WILDCARDS = frozenset("*?[")


class PatternError(ValueError):
    """A claim pattern is not usable (absolute, escapes the repository, negated, empty)."""


def normalize_pattern(pattern: str) -> str:
    """The canonical form of a claim pattern: POSIX, relative, no ``./``, no trailing ``/``."""
    text = pattern.strip().replace("\\", "/")
    if not text:
        raise PatternError("an empty pattern claims nothing")
    if text.startswith("!"):
        raise PatternError(f"{pattern!r}: negated patterns are not supported in claims")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise PatternError(f"{pattern!r}: use a path relative to the repository root")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise PatternError(f"{pattern!r}: a claim cannot point outside the repository ('..')")
    if not parts:
        raise PatternError(f"{pattern!r}: claims nothing")
    collapsed: list[str] = []
    for part in parts:
        if part == "**" and collapsed and collapsed[-1] == "**":
            continue
        collapsed.append(part)
    if any("**" in p and p != "**" for p in collapsed):
        raise PatternError(f"{pattern!r}: '**' must be a whole path segment (a/**/b)")
    return "/".join(collapsed)


def normalize_path(path: str) -> str:
    """A concrete repository-relative path in POSIX form (``./a//b/`` -> ``a/b``)."""
    text = posixpath.normpath(path.replace("\\", "/"))
    return "" if text == "." else text.lstrip("/")


def is_literal(pattern: str) -> bool:
    """Whether the pattern has no wildcard (it names one file or directory)."""
    return not (_WILDCARDS & set(pattern))


def compile_patterns(patterns: Iterable[str]) -> object:
    """A `pathspec` matcher for anchored claim patterns (import deferred to first use)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(["/" + p for p in patterns])


def path_matches(path: str, patterns: Sequence[str]) -> bool:
    """Whether the repository-relative `path` is covered by any of `patterns`."""
    if not patterns:
        return False
    spec = _compiled(tuple(patterns))
    target = normalize_path(path)
    return bool(spec.match_file(target))  # type: ignore[attr-defined]  # pathspec.GitIgnoreSpec


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> object:
    return compile_patterns(patterns)


def patterns_overlap(a: str, b: str) -> bool:
    """Whether some path could be matched by both claim patterns (conservative)."""
    return _overlap(_segments(normalize_pattern(a)), _segments(normalize_pattern(b)))


def first_overlap(
    patterns: Sequence[str], others: Iterable[tuple[str, str]]
) -> tuple[str, str, str] | None:
    """The first (pattern, other pattern, other owner) pair that overlaps, or None.

    `others` yields (pattern, owner) pairs of claims held by someone else.
    """
    for other, owner in others:
        for pattern in patterns:
            if patterns_overlap(pattern, other):
                return pattern, other, owner
    return None


def _segments(pattern: str) -> tuple[str, ...]:
    parts = tuple(pattern.split("/"))
    # A pattern naming a directory covers everything below it.
    return parts if parts[-1] == "**" else (*parts, "**")


@lru_cache(maxsize=4096)
def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a:
        return all(s == "**" for s in b)
    if not b:
        return all(s == "**" for s in a)
    if a[0] == "**":
        return _overlap(a[1:], b) or _overlap(a, b[1:])
    if b[0] == "**":
        return _overlap(a, b[1:]) or _overlap(a[1:], b)
    return _segment_compatible(a[0], b[0]) and _overlap(a[1:], b[1:])


def _segment_compatible(x: str, y: str) -> bool:
    x_literal, y_literal = is_literal(x), is_literal(y)
    if x_literal and y_literal:
        return x == y
    if x_literal:
        return fnmatch.fnmatchcase(x, y)
    if y_literal:
        return fnmatch.fnmatchcase(y, x)
    # Two globs: any name matching x starts with x's literal head and ends with its literal
    # tail; if the heads or the tails contradict, nothing matches both. Otherwise assume overlap.
    x_head, x_tail = _literal_ends(x)
    y_head, y_tail = _literal_ends(y)
    heads_agree = x_head.startswith(y_head) or y_head.startswith(x_head)
    tails_agree = x_tail.endswith(y_tail) or y_tail.endswith(x_tail)
    return heads_agree and tails_agree


def _literal_ends(glob: str) -> tuple[str, str]:
    first = min(glob.index(c) for c in _WILDCARDS if c in glob)
    ends = [glob.rindex(c) for c in "*?]" if c in glob]
    last = max(ends) if ends else first
    return glob[:first], glob[last + 1 :]
