"""Small helpers that write the regexes of provider rules the same way every time."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

from buildrunner.security.secrets.rule import SecretRule

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

LEFT = r"(?<![A-Za-z0-9])"
"""Nothing alphanumeric right before a token (a token inside a longer word is not one)."""
RIGHT = r"(?![A-Za-z0-9])"
RIGHT_URLSAFE = r"(?![A-Za-z0-9_-])"
"""After a token whose alphabet holds ``_`` and ``-``, none of those may follow either."""

ASSIGN = r"""["'`]?\]?[ \t]{0,4}(?:[:=]{1,2}|=>|,|[ \t])[ \t]{0,4}["'`]?"""
"""Between a key name and its value: ``=``, ``:``, ``:=``, ``=>``, a comma or a blank,
with optional quotes around the name and the value."""


def token(prefix: str, body: str, *, right: str = RIGHT, left: str = LEFT) -> str:
    """A provider token: fixed `prefix` (a regex) then a random `body`, bounded both sides."""
    return f"{left}(?P<secret>{prefix}(?P<body>{body})){right}"


def provider(
    rule_id: str,
    title: str,
    prefix: str,
    body: str,
    keywords: tuple[str, ...],
    *,
    right: str = RIGHT,
    **options: Any,
) -> SecretRule:
    """A rule for a token recognisable by its prefix and shape."""
    return SecretRule(
        id=rule_id,
        title=title,
        keywords=keywords,
        pattern=token(prefix, body, right=right),
        **options,
    )


def keyed(names: str, value: str, *, flags_name: bool = True) -> str:
    """A value that is only recognisable next to its key name (``names`` is a regex).

    The name is matched case-insensitively, the value as written.
    """
    name = f"(?i:{names})" if flags_name else names
    return f"{name}[A-Za-z0-9_.-]{{0,30}}?{ASSIGN}(?P<secret>{value})"


def base62_crc32_valid(token_value: str, *, checksum_length: int = 6) -> bool:
    """GitHub and npm tokens end with a base62 CRC32 of the random part."""
    _, _, rest = token_value.partition("_")
    if len(rest) <= checksum_length:
        return False
    payload, checksum = rest[:-checksum_length], rest[-checksum_length:]
    number = zlib.crc32(payload.encode("ascii", "replace"))
    digits = ""
    while number:
        number, remainder = divmod(number, 62)
        digits = BASE62[remainder] + digits
    return digits.rjust(checksum_length, "0") == checksum


def decodes_to_credentials(value: str) -> bool:
    """Whether `value` is base64 of printable ``user:password`` text (HTTP Basic auth)."""
    padded = value + "=" * (-len(value) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    if not (sep and user and password and decoded.isprintable() and len(password) >= 3):
        return False
    from buildrunner.security.secrets.filters import has_placeholder_word

    lowered = password.lower()
    return not has_placeholder_word(password) and lowered not in ("password", "pass", "secret")
