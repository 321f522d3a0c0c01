"""Masking secrets: the one rule for how a secret is shown, and a seam to the detector.

The masking rule lives here because every subsystem needs it (reports, logs, telemetry,
error messages). *Finding* secrets in arbitrary text needs the security rule registry, which
lives in :mod:`buildrunner.security`; :func:`redact_text` reaches it through one lazily
resolved entry point, so `core` and `telemetry` never import the security package at start-up
and no import cycle exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import import_module

MIN_REVEAL_LENGTH = 16
"""Secrets shorter than this are shown with no characters at all."""
REVEAL = 4
"""Long secrets show at most this many characters at each end."""
DETECTOR = "buildrunner.security.masking:mask_text"
"""``module:function`` that finds and masks every secret in a text (``str -> str``)."""

_detector: Callable[[str], str] | None = None
_resolved = False


def mask_secret(secret: str) -> str:
    """Show a secret safely: ``sk-a…XyZ1`` for long ones, ``********`` for short ones.

    The mask never reveals more than 4 + 4 characters, and never more than a quarter of the
    secret, so short and medium secrets stay unguessable.
    """
    if len(secret) < MIN_REVEAL_LENGTH:
        return "*" * 8
    reveal = min(REVEAL, len(secret) // 8)
    return f"{secret[:reveal]}…{secret[-reveal:]}"


def secret_hash(secret: str) -> str:
    """A stable SHA-256 hex digest of a secret, for fingerprints and baselines."""
    return hashlib.sha256(secret.encode("utf-8", errors="surrogateescape")).hexdigest()


def redact_text(text: str) -> str:
    """Mask every secret the security detector finds in `text` (identity if not installed)."""
    detector = _load_detector()
    return detector(text) if detector is not None else text


def _load_detector() -> Callable[[str], str] | None:
    global _detector, _resolved
    if not _resolved:
        module_name, attribute = DETECTOR.split(":")
        try:
            _detector = getattr(import_module(module_name), attribute)
        except (ImportError, AttributeError):
            _detector = None
        _resolved = True
    return _detector
