"""``mask_text``: find every secret in any text and mask it (logs, errors, telemetry).

This is the detector behind :func:`buildrunner.core.redact.redact_text`. It is cheap on text
without secrets: one keyword pass, and rule regexes compile only when their keywords occur.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from buildrunner.core.redact import mask_secret
from buildrunner.security.secrets.detector import Detector

_lock = threading.Lock()
_detector: Detector | None = None


def _get_detector() -> Detector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from buildrunner.security.secrets.rules import BUILTIN_RULES

                _detector = Detector(BUILTIN_RULES)
    return _detector


def find_secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked) character spans of the secrets in `text`, in order."""
    if not text:
        return []
    data = text.encode("utf-8", "surrogateescape")
    candidates = _get_detector().detect(data.decode("latin-1"), data.lower().decode("latin-1"))
    if not candidates:
        return []
    spans = []
    for candidate in candidates:
        start = len(data[: candidate.start].decode("utf-8", "surrogateescape"))
        end = start + len(data[candidate.start : candidate.end].decode("utf-8", "surrogateescape"))
        spans.append((start, end, mask_secret(candidate.rule.canonical(candidate.secret))))
    return spans


def mask_text(text: str) -> str:
    """`text` with every secret the built-in rules find replaced by its mask.

    Uses the one masking rule, :func:`buildrunner.core.redact.mask_secret`: at most the first
    and last 4 characters of long secrets, nothing of short ones.
    """
    spans = find_secret_spans(text)
    if not spans:
        return text
    pieces = []
    cursor = 0
    for start, end, masked in spans:
        pieces.append(text[cursor:start])
        pieces.append(masked)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


MAX_BLOCK_LINES = 400
"""A private key opened in a stream is buffered until its END line, at most this many lines."""


def mask_lines(lines: Iterable[str]) -> Iterator[str]:
    """Mask a stream line by line (``br security mask``), keeping multi-line private keys whole.

    A line that opens a PEM block is held back with the following lines until the block ends
    (or :data:`MAX_BLOCK_LINES` lines pass), so the key is masked as one secret and no body
    line escapes in clear.
    """
    block: list[str] = []
    for line in lines:
        if block:
            block.append(line)
            if "-----END" in line or len(block) >= MAX_BLOCK_LINES:
                yield mask_text("".join(block))
                block = []
            continue
        if "-----BEGIN" in line and "PRIVATE KEY" in line and "-----END" not in line:
            block = [line]
            continue
        yield mask_text(line)
    if block:
        yield mask_text("".join(block))
