"""``mask_text``: find every secret in any text and mask it (logs, errors, telemetry).

This is the detector behind :func:`buildrunner.core.redact.redact_text`. It is cheap on text
without secrets: one keyword pass, and rule regexes compile only when their keywords occur.
"""

from __future__ import annotations

import threading

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
