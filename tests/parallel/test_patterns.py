from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.parallel.patterns import (
    PatternError,
    normalize_pattern,
    path_matches,
    patterns_overlap,
)

OVERLAPS = [
    ("src/app.py", "src/app.py"),
    ("src", "src/app.py"),
    ("src/**", "src/deep/x.py"),
    ("src/*.py", "src/app.py"),
    ("src/**/*.py", "src/*.py"),
    ("src/**/*.py", "src/a/b/c.py"),
    ("**/*.py", "docs/conf.py"),
    ("src/a*", "src/*b"),  # conservative: the glob heads and tails agree
    ("*.md", "README.md"),
    ("docs/*.md", "docs"),
    ("pyproject.toml", "pyproject.toml"),
    ("src/[ab].py", "src/a.py"),
    ("src/**", "src/**/*.js"),
    # A pattern also covers what lies below a directory it names: lib/test_x.py/conftest.py.
    ("lib/**/test_*.py", "lib/**/conftest.py"),
]

DISJOINT = [
    ("src/app.py", "src/app.pyc"),
    ("src", "srcx"),
    ("src/*.py", "src/*.js"),
    ("src/**/*.py", "tests/**/*.py"),
    ("docs/*.md", "docs/img/logo.png"),
    ("src/a*.py", "src/b*.py"),
    ("*.md", "src"),  # anchored: *.md names top-level entries only
    ("src/[ab].py", "src/c.py"),
]


@pytest.mark.parametrize(("a", "b"), OVERLAPS)
def test_overlapping_patterns(a: str, b: str) -> None:
    assert patterns_overlap(a, b)
    assert patterns_overlap(b, a)


@pytest.mark.parametrize(("a", "b"), DISJOINT)
def test_disjoint_patterns(a: str, b: str) -> None:
    assert not patterns_overlap(a, b)
    assert not patterns_overlap(b, a)


@pytest.mark.parametrize(
    ("pattern", "normal"),
    [("./src//app/", "src/app"), ("src\\win.py", "src/win.py"), ("a/**/**/b", "a/**/b")],
)
def test_normalize(pattern: str, normal: str) -> None:
    assert normalize_pattern(pattern) == normal


@pytest.mark.parametrize("pattern", ["", "/etc/passwd", "../x", "!src", "a/x**/b", "C:/x", "."])
def test_unusable_patterns(pattern: str) -> None:
    with pytest.raises(PatternError):
        normalize_pattern(pattern)


@pytest.mark.parametrize(
    ("path", "patterns", "matches"),
    [
        ("src/app/models.py", ["src/app"], True),
        ("src/application.py", ["src/app"], False),
        ("src/x/y.py", ["src/**/*.py"], True),
        ("./src/x.py", ["src/*.py"], True),
        ("docs/x.md", ["src/**", "*.toml"], False),
        ("nested/README.md", ["*.md"], False),
    ],
)
def test_path_matches(path: str, patterns: list[str], matches: bool) -> None:
    assert path_matches(path, patterns) is matches


SEGMENTS = st.sampled_from(["src", "app", "a", "b", "x.py", "y.js", "test_a.py", "README.md"])
GLOB_SEGMENTS = st.sampled_from(["*", "*.py", "a*", "*b", "test_*", "**", "[ab]", "x.*"])


@st.composite
def patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(SEGMENTS, GLOB_SEGMENTS), min_size=1, max_size=4))
    return "/".join(parts)


@st.composite
def paths(draw: st.DrawFn) -> str:
    return "/".join(draw(st.lists(SEGMENTS, min_size=1, max_size=5)))


@settings(max_examples=400, deadline=None)
@given(a=patterns(), b=patterns(), path=paths())
def test_overlap_is_never_missed(a: str, b: str, path: str) -> None:
    """Soundness: if one real path matches both globs, they must be reported as overlapping."""
    try:
        na, nb = normalize_pattern(a), normalize_pattern(b)
    except PatternError:
        return
    if path_matches(path, [na]) and path_matches(path, [nb]):
        assert patterns_overlap(na, nb), (na, nb, path)
