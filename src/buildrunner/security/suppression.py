"""Inline suppression: a comment on the line that says "this is intended".

``br:allow`` silences any finding on its line, whatever the kind. Each analyzer adds the
markers users bring from other tools (``gitleaks:allow`` and ``pragma: allowlist secret`` for
secrets; ``nosec`` for SQL injection). ``br:allow-next-line`` (and detect-secrets'
``pragma: allowlist nextline secret``) on the line before silences the next line.
A finding spanning several lines is silenced by a marker on its first or last line.
"""

from __future__ import annotations

from collections.abc import Callable

COMMON_MARKERS: tuple[str, ...] = ("br:allow",)
NEXT_LINE_MARKERS: tuple[str, ...] = ("br:allow-next-line", "pragma: allowlist nextline secret")


def has_marker(line: str, markers: tuple[str, ...]) -> bool:
    """Whether `line` carries one of `markers` (case-insensitive)."""
    if not line:
        return False
    lowered = line.lower()
    return any(marker in lowered for marker in markers)


def is_suppressed(
    line_text: Callable[[int], str],
    line: int,
    end_line: int,
    markers: tuple[str, ...],
) -> bool:
    """Whether a finding on lines `line`..`end_line` is silenced inline.

    `line_text(n)` returns line `n` of the source ('' outside it); `markers` are the
    analyzer's own markers (the common ones are always honoured).
    """
    same_line = COMMON_MARKERS + markers
    for number in {line, end_line}:
        if has_marker(line_text(number), same_line):
            return True
    return line > 1 and has_marker(line_text(line - 1), NEXT_LINE_MARKERS)
