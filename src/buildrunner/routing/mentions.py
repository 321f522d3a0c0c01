"""What a task mentions is not what it does: mask code, identifiers, quotes and names.

A task that renames ``delete_all_users()`` deletes nothing, and a typo fix in "the 'data breach
response' page" breaches nothing. :func:`mask_mentions` replaces inline code, identifiers
(snake_case, dotted and file names, calls, CamelCase), quoted strings and the names of things
that are not production assets (``the local test database``) or not credentials (``the
--color-danger token``) with neutral words before the harm concepts are matched. Two kinds of
mention are kept as what they are: a credential named by an identifier (``DOCKERHUB_TOKEN``
becomes "secret") and an attack payload quoted in a report (``../../etc/passwd``).
"""

from __future__ import annotations

import re

# Inline code, identifiers (snake_case, dotted names, file names, calls) and quoted strings
# are things the text *mentions*: a task that renames `delete_all_users` deletes nothing.
_INLINE_CODE = re.compile(r"`([^`\n]*)`")
_QUOTED = re.compile(r"\"[^\"\n]{1,120}\"")
_IDENTIFIER = re.compile(
    r"(?<![\w.-])(?:[\w-]+(?:\.[\w-]+)+|[\w-]*_[\w-]*|[\w-]+\(\))(?![\w-])(?:\(\))?"
)
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'[^'\n]{2,60}'(?![\w'])")
_NOT_A_SECRET = re.compile(
    r"(?:design|colou?r|css|theme|style|spacing|font|typography|lexer|parser|syntax|"
    r"cancellation|page|pagination|continuation|next|cursor|sync) tokens?\b"
)
_NOT_PRODUCTION_WORDS = (
    "local",
    "test",
    "dev",
    "staging",
    "sandbox",
    "fake",
    "mock",
    "dummy",
    "sample",
    "seed",
    "fixture",
    "temp",
    "scratch",
    "demo",
)
_NOT_PRODUCTION = re.compile(
    r"(?:local|test|testing|dev|development|staging|sandbox|fake|mock|dummy|sample|seed|"
    r"fixture|temporary|temp|scratch|demo) (?:test )?(?:database|db|data|tables?|records|files|"
    r"environment|bucket|copy|accounts?|users?|cluster|instance|server)s?\b"
)
"""Things that are not production assets: the local test database can be truncated."""
_HAS_CAMEL = re.compile(r"[a-z][A-Z]")
_HAS_IDENTIFIER = re.compile(r"[\w-][._][\w-]|\(\)")
_CAMEL = re.compile(r"\b[a-z]+(?:[A-Z][a-z0-9]+)+\b")
_SECRET_NAME = re.compile(
    r"(?:token|secret|passw(?:or)?d|passwd|api_?key|access_?key|private_?key|credential|"
    r"^\.env\b)",
    re.I,
)
_PAYLOAD = re.compile(
    r"\.\./\.\.|/etc/passwd|/etc/shadow|/proc/self|\"alg\"\s*:\s*\"none|alg:\s*none|"
    r"'\s*or\s+'?1'?\s*=\s*'?1|"
    r"<script|javascript:|onerror\s*=|pg_sleep|sleep\(\d|union\s+select|\$\{jndi:|!!python/|"
    r"__proto__|\{\{\s*7\s*\*\s*7|;\s*(?:cat|id|whoami|curl|wget)\b|\|\s*(?:sh|bash)\b|"
    r"169\.254\.169\.254",
    re.I,
)
_PLACEHOLDERS = frozenset({"_code_", "_quote_", "_name_"})
_SPACES = re.compile(r"[ \t]+")


def mask_mentions(text: str) -> str:
    """The text in lower case, with mentions (code, identifiers, quoted strings, names of things
    that are not production assets or not credentials) replaced with neutral words."""
    if "`" in text:
        text = _INLINE_CODE.sub(_inline_code, text)
    if '"' in text:
        text = _QUOTED.sub(" _quote_ ", text)
    if text.count("'") >= 2:
        text = _SINGLE_QUOTED.sub(" _quote_ ", text)
    if _HAS_CAMEL.search(text):
        text = _CAMEL.sub(" _name_ ", text)
    text = text.lower()
    if "token" in text:
        text = _NOT_A_SECRET.sub(_unless_inside_word, text)
    if any(word in text for word in _NOT_PRODUCTION_WORDS):
        text = _NOT_PRODUCTION.sub(_unless_inside_word, text)
    if _HAS_IDENTIFIER.search(text):
        text = _IDENTIFIER.sub(_keep_numbers, text)
    return _SPACES.sub(" ", text)


def _unless_inside_word(match: re.Match[str]) -> str:
    start = match.start()
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] in "_-"):
        return match.group(0)
    return " _name_ "


def _inline_code(match: re.Match[str]) -> str:
    # a value or a command with spaces (`alg: none`) is read; a bare name is a mention; an
    # attack payload quoted in a report (`../../etc/passwd`) is evidence of an exploit
    code = match.group(1)
    if _PAYLOAD.search(code):
        return " attack payload "
    if " " in code.strip():
        return f" {code} "
    return " secret " if _SECRET_NAME.search(code) else " _code_ "


def _keep_numbers(match: re.Match[str]) -> str:
    token = match.group(0)
    if token in _PLACEHOLDERS:
        return token
    if _SECRET_NAME.search(token):
        return " secret "  # `DOCKERHUB_TOKEN`, `stripe_api_key`: a credential, named
    # numbers (1,200.50, v5.0, 3.12) and abbreviations (e.g.) are not identifiers
    if re.fullmatch(r"v?[\d.,]+%?|[a-z](?:\.[a-z])+\.?|[a-z]{1,4}\.", token, re.I):
        return token
    return " _name_ "
