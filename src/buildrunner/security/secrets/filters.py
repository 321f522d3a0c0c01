"""Value filters shared by every secret rule: entropy, placeholders, documented examples.

A candidate that passes a rule's regex is dropped when it is a placeholder
(``your-api-key-here``, ``ghp_xxxx…``, ``${TOKEN}``, ``{{ .Values.key }}``,
``os.environ["X"]``), a run of one character or a counting sequence, or one of the example
keys that vendors publish in their documentation (kept here as hashes, not values).
The thresholds follow from probability, not from a corpus: a run of ``r`` equal characters
in a random ``n``-character string over ``k`` symbols has a chance of about
``n / k ** (r - 1)``; we treat the run as a placeholder only where that chance is below 1e-5.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter

PLACEHOLDER_WORDS: tuple[str, ...] = (
    "example",
    "placeholder",
    "your",
    "changeme",
    "change_me",
    "change-me",
    "redacted",
    "dummy",
    "sample",
    "fake",
    "insert",
    "replace",
    "todo",
    "fixme",
    "notreal",
    "not_real",
    "not-real",
    "invalid",
    "foobar",
    "lorem",
    "test",
    "mock",
    "demo",
    "xxxx",
    "****",
    "....",
    "<",
    ">",
    "…",
    "\xe2\x80\xa6",
)
"""Substrings (lower case) that mark a token body as made up (the last two: the ellipsis of a
masked value, as text and as the UTF-8 bytes the detector sees). Checked on bodies up to
``MAX_WORD_CHECK`` characters: in longer random bodies a four-letter word can occur by chance."""

MAX_WORD_CHECK = 160

TEMPLATE_MARKERS: tuple[str, ...] = (
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "#{",
    "<%",
    "%>",
    "[[",
    "]]",
    "process.env",
    "os.environ",
    "getenv",
    "env(",
    "env[",
    "env.",
    "secrets.",
    "vault:",
    "ssm:",
    "arn:aws:",
)
"""Substrings (lower case) of references to a secret kept elsewhere."""

KNOWN_EXAMPLE_HASHES: frozenset[str] = frozenset(
    {
        # Azurite / Azure storage emulator development account key (public, documented).
        "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
        # The HS256 example token shown on jwt.io.
        "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
        # Stripe documentation test keys.
        "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
        "f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397",
    }
)
"""SHA-256 of secrets published as examples in vendors' documentation."""

_INTERPOLATION = re.compile(r"\{[^{}\s]*\}")
_SEPARATORS = str.maketrans("", "", "-_.:")
_VAR_REFERENCE = re.compile(
    r"""^(?:\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\{[A-Za-z_][\w.]*\}|
    <[^<>]+>|__[A-Z0-9_]+__|@[A-Za-z_][\w.]*@)$""",
    re.VERBOSE,
)


def shannon_entropy(value: str) -> float:
    """Bits of Shannon entropy per character of `value` (0.0 for an empty string)."""
    if not value:
        return 0.0
    length = len(value)
    return -sum((n / length) * math.log2(n / length) for n in Counter(value).values())


def alphabet_size(value: str) -> int:
    """The size of the smallest usual alphabet `value` is drawn from (hex, base36, base64...).

    Separators (``-``, ``_``, ``.``, ``:``) between groups do not count: a dashed hex key is hex.
    """
    core = value.translate(_SEPARATORS) or value
    if all(c in "0123456789abcdef" for c in core) or all(c in "0123456789ABCDEF" for c in core):
        return 16
    if core.isalnum() and (core.islower() or core.isupper() or core.isdigit()):
        return 36
    if core.isalnum():
        return 62
    return 64


def longest_run(value: str) -> int:
    """Length of the longest run of one repeated character."""
    best = run = 0
    previous = ""
    for char in value:
        run = run + 1 if char == previous else 1
        previous = char
        best = max(best, run)
    return best


def longest_sequence(value: str) -> int:
    """Length of the longest run of characters counting up or down by one (``abcd``, ``4321``)."""
    best = run = 1 if value else 0
    step = 0
    for left, right in itertools.pairwise(value):
        delta = ord(right) - ord(left)
        if delta in (1, -1) and (run == 1 or delta == step):
            run += 1
            step = delta
        else:
            run = 2 if delta in (1, -1) else 1
            step = delta
        best = max(best, run)
    return best


def _chance_threshold(length: int, alphabet: int) -> int:
    """The run length above which a run is too unlikely to be random (chance < 1e-5)."""
    if length <= 0:
        return 1
    return 2 + int(math.log(max(length, 2) / 1e-5) / math.log(alphabet))


def is_known_example(secret: str) -> bool:
    """Whether `secret` is a key published as an example in documentation."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest() in (
        KNOWN_EXAMPLE_HASHES
    )


def is_reference(value: str) -> bool:
    """Whether `value` points at a secret stored elsewhere (``${TOKEN}``, ``os.environ[..]``)."""
    lowered = value.lower()
    if any(marker in lowered for marker in TEMPLATE_MARKERS):
        return True
    if _INTERPOLATION.search(value):
        return True  # f"{password}", `${token}`, "{0}": filled in by code
    return bool(_VAR_REFERENCE.match(value))


def has_placeholder_word(value: str) -> bool:
    """Whether `value` holds a placeholder word written the way people write words:
    ``your``, ``YOUR`` or ``Your`` (not ``yOuR``, which random mixed-case text produces)."""
    for word in PLACEHOLDER_WORDS:
        if word in value or word.upper() in value or word.capitalize() in value:
            return True
    return False


def is_placeholder(body: str) -> bool:
    """Whether a token body is made up: words, one repeated character, a counting sequence."""
    if not body:
        return True
    if is_reference(body):
        return True
    lowered = body.lower()
    if len(body) <= MAX_WORD_CHECK and has_placeholder_word(body):
        return True
    if len(body) >= 8 and len(set(lowered)) <= 3:
        return True
    threshold = _chance_threshold(len(body), alphabet_size(body))
    return longest_run(body) >= threshold or longest_sequence(lowered) >= max(threshold, 5)


_BASE64 = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")


def decoded_text(value: str) -> str | None:
    """`value` base64-decoded, if that gives printable text (``dXNlcjpwYXNz`` -> ``user:pass``).

    Random key material never decodes to printable text; encoded phrases and credentials do.
    """
    if not _BASE64.match(value) or len(value) % 4 not in (0, 2, 3):
        return None
    import base64
    import binascii

    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() and len(text) >= 4 else None
