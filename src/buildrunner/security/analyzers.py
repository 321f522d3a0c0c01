"""The analyzer seam: what the scanner runs on every piece of input.

An analyzer (secrets, SQL injection, ...) is anything with the :class:`Analyzer` shape. The
scanner reads files, the index or history into :class:`Source` objects and hands each source
to every selected analyzer that applies to its path. The scanner, not the analyzer, then
maps lines of partial sources, applies inline suppressions (the analyzer names its markers),
configured allowlists and the baseline, and computes fingerprints.

Built-in analyzers are listed in :data:`BUILTIN_ANALYZERS` as lazy specs, so choosing one does
not import the others (the secret analyzer runs in the pre-commit hook; others may need
heavier parsers). To add a kind, append an :class:`AnalyzerSpec` to that tuple.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol, runtime_checkable

from buildrunner.core.errors import UsageError
from buildrunner.security.catalog import RuleInfo
from buildrunner.security.findings import Finding


class Source:
    """One piece of input: a file, an index blob, stdin, or the added lines of a diff.

    ``data`` is the raw bytes. ``path`` is what reports show (relative to the working
    directory), ``key_path`` the project-relative path identities are built from.

    A *partial* source holds only some lines of a file (the lines a commit added): then
    ``line_map[i]`` is the file line number of line ``i + 1`` of ``data``, and analyzers that
    need whole files (``needs_full_text``) are given ``full`` instead when it is available.
    ``changed_lines``, when set, limits findings to those lines (file numbering).
    """

    __slots__ = (
        "_raw",
        "_starts",
        "_text",
        "changed_lines",
        "commit",
        "data",
        "full",
        "key_path",
        "line_map",
        "path",
    )

    def __init__(
        self,
        data: bytes,
        *,
        path: str,
        key_path: str | None = None,
        line_map: Sequence[int] | None = None,
        changed_lines: frozenset[int] | None = None,
        commit: str | None = None,
        full: Source | None = None,
    ) -> None:
        self.data = data
        self.path = path
        self.key_path = key_path if key_path is not None else path
        self.line_map = line_map
        self.changed_lines = changed_lines
        self.commit = commit
        self.full = full
        self._raw: str | None = None
        self._text: str | None = None
        self._starts: list[int] | None = None

    @property
    def is_partial(self) -> bool:
        return self.line_map is not None

    @property
    def raw(self) -> str:
        """``data`` decoded as Latin-1: one character per byte, so offsets are byte offsets."""
        if self._raw is None:
            self._raw = self.data.decode("latin-1")
        return self._raw

    @property
    def text(self) -> str:
        """``data`` decoded as UTF-8 (undecodable bytes replaced): for parsers."""
        if self._text is None:
            self._text = self.data.decode("utf-8", errors="replace")
        return self._text

    def line_starts(self) -> list[int]:
        """Offsets in ``data`` where each line starts (computed once, when first needed)."""
        if self._starts is None:
            starts = [0]
            find = self.data.find
            position = find(b"\n")
            while position >= 0:
                starts.append(position + 1)
                position = find(b"\n", position + 1)
            self._starts = starts
        return self._starts

    def line_of(self, offset: int) -> int:
        """The 1-based line (own numbering) holding byte `offset`."""
        return bisect_right(self.line_starts(), offset)

    def line_bytes(self, line: int) -> bytes:
        """Line `line` (1-based, own numbering) without its end of line; b"" if out of range."""
        starts = self.line_starts()
        if not 1 <= line <= len(starts):
            return b""
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.data)
        return self.data[start:end].rstrip(b"\r")

    def line_text(self, line: int) -> str:
        """Line `line` (1-based, own numbering) as text, '' if out of range."""
        return self.line_bytes(line).decode("utf-8", errors="replace")

    def file_line(self, line: int) -> int:
        """The file line number of line `line` of this source."""
        if self.line_map is None:
            return line
        if 1 <= line <= len(self.line_map):
            return self.line_map[line - 1]
        return self.line_map[-1] if self.line_map else line


class SourceSkippedError(Exception):
    """Raised by :meth:`Analyzer.analyze` when it cannot analyse a source (a syntax error);
    the scanner records the source as skipped with `reason` and goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class Analyzer(Protocol):
    """One kind of analysis.

    - ``name``: what ``--no-<name>`` and the configuration select (``secrets``, ``sql``).
    - ``kind``: the ``kind`` of its findings (``secret``, ``sql-injection``).
    - ``suppression_markers``: inline comments that silence its findings on a line, besides
      the common ``br:allow`` (``gitleaks:allow`` for secrets, ``nosec`` for SQL, ...).
    - ``needs_full_text``: True if it must see whole files (a parser); then partial sources
      are analysed through their ``full`` source and findings outside the changed lines are
      dropped by the scanner. Optionally ``wants_full_text(partial) -> bool`` tells the scanner
      that a partial source's added lines cannot hold a finding, so the whole file is not read.
    """

    name: str
    kind: str
    suppression_markers: tuple[str, ...]
    needs_full_text: bool

    def rules(self) -> Sequence[RuleInfo]:
        """Metadata of every rule this analyzer can report."""
        ...

    def applies_to(self, path: str) -> bool:
        """Whether files at `path` (project-relative, ``/``-separated) are for this analyzer."""
        ...

    def analyze(self, source: Source) -> list[Finding]:
        """Findings in `source`. Lines are in the source's own numbering; the scanner maps them,
        fills in ``path``, ``key_path`` and ``fingerprint`` and applies suppressions."""
        ...


@dataclass(frozen=True)
class AnalyzerSpec:
    """A built-in analyzer, loaded only when selected: ``target`` is ``module:factory``."""

    name: str
    kind: str
    target: str
    summary: str

    def load(self, options: object) -> Analyzer:
        """Import the analyzer's module and build it with the scan options."""
        module_name, attribute = self.target.split(":")
        factory = getattr(import_module(module_name), attribute)
        analyzer = factory(options)
        if not isinstance(analyzer, Analyzer):
            raise TypeError(f"{self.target} did not build an Analyzer")
        return analyzer


BUILTIN_ANALYZERS: tuple[AnalyzerSpec, ...] = (
    AnalyzerSpec(
        name="secrets",
        kind="secret",
        target="buildrunner.security.secrets.analyzer:build_analyzer",
        summary="leaked credentials: API keys, tokens, private keys, passwords in URLs",
    ),
    AnalyzerSpec(
        name="sql",
        kind="sql-injection",
        target="buildrunner.security.sqli.analyzer:build_analyzer",
        summary="SQL built from untrusted input reaching a database API (Python, JS/TS)",
    ),
)
"""Every built-in analyzer, in the order they run."""


def analyzer_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in BUILTIN_ANALYZERS)


def select_analyzers(names: Sequence[str]) -> tuple[AnalyzerSpec, ...]:
    """The specs named in `names` (in built-in order); a UsageError for an unknown name."""
    known = {spec.name: spec for spec in BUILTIN_ANALYZERS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"unknown analyzer '{unknown[0]}'", hint=f"choose from {', '.join(known)}")
    return tuple(spec for spec in BUILTIN_ANALYZERS if spec.name in names)
