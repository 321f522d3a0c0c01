"""A secret rule: a small declared object (id, title, keywords, regex, filters).

The regex must hold the secret in a group named ``secret``; an optional group ``body`` names
the random part (without a fixed prefix such as ``ghp_``) that placeholder and entropy checks
look at. Rules are compiled lazily: the pre-commit hook compiles only the rules whose keywords
occur in what it scans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from buildrunner.security.catalog import CWE_HARDCODED_CREDENTIALS, RuleInfo
from buildrunner.security.findings import KIND_SECRET, Confidence, Severity

ValueCheck = Callable[[str], bool]
ContextCheck = Callable[["re.Match[str]", str], bool]

PRECEDENCE_PROVIDER = 3
PRECEDENCE_STRUCTURE = 2
PRECEDENCE_GENERIC = 1


@dataclass(frozen=True)
class SecretRule:
    """One detector of one kind of credential.

    - ``keywords``: lower-case strings, one of which must occur for the regex to run.
    - ``entropy``: the Shannon entropy of the secret's body must be *above* this floor.
    - ``stopwords``: substrings (lower-case) that mark a value as not a secret.
    - ``allow``: regexes; a secret matching one is not reported.
    - ``multiline``: the secret may span lines; the regex then runs on ``span`` characters
      from the line holding the keyword instead of on that line only.
    - ``anchor``: characters of the key name around the keyword. For an anchored rule the
      detector widens each keyword occurrence to the whole name and *matches* the regex
      there, instead of searching the line: one attempt per occurrence, however long the line.
    - ``lines``: how many lines (from the keyword's) the regex may see (a YAML ``name:``
      line followed by its ``value:`` line needs two).
    - ``check``: extra test of the secret (False drops it); ``verify``: a structural proof
      such as a checksum (True raises the confidence to high, False lowers it).
    - ``context``: test of the whole match and the file path (the generic rule uses it).
    - ``normalize``: the canonical form of a secret (hashed and masked), for secrets whose
      layout varies (a private key embedded with escaped newlines is the same key).
    - ``precedence``: when two rules report overlapping text, the higher one is kept.
    - ``placeholders``: run the global placeholder filter on the body (off for rules whose
      bodies are structured, such as private keys, which have their own check).
    """

    id: str
    title: str
    keywords: tuple[str, ...]
    pattern: str
    severity: Severity = "high"
    confidence: Confidence = "high"
    description: str = ""
    entropy: float = 0.0
    stopwords: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    multiline: bool = False
    span: int = 0
    anchor: str = ""
    lines: int = 1
    check: ValueCheck | None = None
    verify: ValueCheck | None = None
    context: ContextCheck | None = None
    normalize: Callable[[str], str] | None = None
    precedence: int = PRECEDENCE_PROVIDER
    placeholders: bool = True
    flags: int = 0
    _compiled: list[re.Pattern[str]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if any(k != k.lower() for k in self.keywords):
            raise ValueError(f"{self.id}: keywords must be lower case")
        if not self.keywords:
            raise ValueError(f"{self.id}: a rule needs at least one keyword")

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (compiled on first use, then cached)."""
        if not self._compiled:
            self._compiled.append(re.compile(self.pattern, self.flags))
        return self._compiled[0]

    @property
    def anchor_chars(self) -> frozenset[str]:
        return frozenset(self.anchor)

    @property
    def allow_regexes(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(a) for a in self.allow)

    def canonical(self, secret: str) -> str:
        """The form of `secret` that is hashed and masked."""
        return self.normalize(secret) if self.normalize is not None else secret

    def info(self) -> RuleInfo:
        return RuleInfo(
            id=self.id,
            kind=KIND_SECRET,
            title=self.title,
            severity=self.severity,
            cwe=CWE_HARDCODED_CREDENTIALS,
            description=self.description or f"A hard-coded {self.title}.",
            confidence=self.confidence,
            keywords=self.keywords,
        )
