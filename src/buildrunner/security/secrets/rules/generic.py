"""The generic rule: a secret-named setting assigned a strong literal value.

It fires on ``DB_PASSWORD=Xk3...``, ``"client_secret": "..."``, ``<apiKey>...</apiKey>``,
``ENV API_TOKEN ...``, ``| SIGNING_KEY | ... |``, ``setdefault("AUTH_TOKEN", "...")`` and the
like, and stays quiet on identifiers (``token = get_token()``, ``api_key = settings.API_KEY``),
references (``${TOKEN}``, ``os.environ[...]``), paths, URLs, hashes under hash-like names,
UUIDs, prose and values that say they are examples. The decision is made in two steps: the
*name* must end in a secret word (``password``, ``secret``, ``token``, ``..._key``) and hold no
word that says it is something else (``token_url``, ``public_key``, ``max_tokens``); the *value*
must look random enough for its kind (passwords are shorter and may be words with digits and
symbols; keys and tokens are long and dense).
"""

from __future__ import annotations

import itertools
import math
import re

from buildrunner.security.secrets.filters import (
    alphabet_size,
    decoded_text,
    has_placeholder_word,
    is_placeholder,
    is_reference,
    shannon_entropy,
)
from buildrunner.security.secrets.rule import PRECEDENCE_GENERIC, SecretRule
from buildrunner.security.secrets.rules.keys import jwt_is_credential

PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "pw", "passcode"})
TOKEN_WORDS = frozenset(
    {"secret", "token", "apikey", "credential", "credentials", "auth", "secretkey", "privatekey"}
)
COMPOUND_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "pwd")
"""Single lower-case words that end in a secret word (``dbpassword``, ``authtoken``)."""
KEY_COMPOUNDS = (
    "api",
    "secret",
    "private",
    "access",
    "signing",
    "encryption",
    "master",
    "license",
    "licence",
    "app",
    "client",
    "auth",
    "session",
    "service",
    "account",
    "storage",
    "hmac",
    "jwt",
    "webhook",
    "consumer",
)
"""Prefixes that make ``...key`` written as one word a secret name (``apikey``, ``masterkey``)."""

SUFFIX_WORDS = frozenset(
    {
        "value",
        "val",
        "str",
        "string",
        "b64",
        "base64",
        "hex",
        "raw",
        "plain",
        "plaintext",
        "data",
        "bytes",
        "prod",
        "production",
        "dev",
        "development",
        "staging",
        "stage",
        "live",
        "sandbox",
        "local",
        "default",
        "main",
        "primary",
        "secondary",
        "old",
        "new",
        "current",
        "next",
        "override",
        "base",
        "v1",
        "v2",
        "v3",
    }
)
"""Words that may follow the secret word in a name (``SECRET_KEY_BASE``, ``token_v2``)."""

DENY_WORDS = frozenset(
    {
        "id",
        "ids",
        "name",
        "names",
        "type",
        "types",
        "url",
        "uri",
        "urls",
        "endpoint",
        "path",
        "file",
        "filename",
        "files",
        "dir",
        "directory",
        "len",
        "length",
        "size",
        "count",
        "max",
        "min",
        "limit",
        "timeout",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "expire",
        "header",
        "field",
        "format",
        "hash",
        "hashed",
        "digest",
        "checksum",
        "sha",
        "sha1",
        "sha256",
        "sha512",
        "md5",
        "fingerprint",
        "public",
        "pub",
        "publishable",
        "regex",
        "pattern",
        "prompt",
        "label",
        "hint",
        "placeholder",
        "policy",
        "env",
        "var",
        "variable",
        "ref",
        "arn",
        "version",
        "enabled",
        "enable",
        "disabled",
        "required",
        "mode",
        "kind",
        "prefix",
        "suffix",
        "template",
        "example",
        "sample",
        "dummy",
        "fake",
        "mock",
        "param",
        "parameter",
        "query",
        "cache",
        "index",
        "column",
        "attr",
        "attribute",
        "method",
        "function",
        "callback",
        "handler",
        "schema",
        "description",
        "message",
        "error",
        "status",
        "state",
        "flag",
        "option",
        "setting",
        "rotation",
        "created",
        "updated",
        "date",
        "time",
        "timestamp",
        "validator",
        "validation",
        "generator",
        "factory",
        "encoding",
        "reset",
        "forgot",
        "csrf",
        "xsrf",
        "nonce",
        "page",
        "cursor",
        "continuation",
        "sync",
        "idempotency",
        "sort",
        "partition",
        "foreign",
        "lookup",
        "dict",
        "map",
        "row",
        "range",
        "object",
        "bucket",
        "composite",
        "unique",
        "group",
        "routing",
        "tracking",
        "event",
        "item",
        "record",
        "translation",
        "locale",
        "menu",
        "hotkey",
        "shortcut",
        "keyboard",
        "press",
        "pressed",
        "mapping",
        "storage_class",
        "strength",
        "rule",
        "rules",
        "input",
        "output",
        "form",
        "display",
        "text",
        "title",
        "help",
        "usage",
        "class",
        "tokenizer",
        "tokens",
    }
)
"""Words that make a secret-looking name mean something else."""

CODE_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".mts",
        ".cts",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".go",
        ".rs",
        ".rb",
        ".php",
        ".cs",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".m",
        ".swift",
        ".dart",
        ".lua",
        ".pl",
        ".r",
        ".jl",
        ".groovy",
        ".vue",
        ".svelte",
        ".ex",
        ".exs",
    }
)
"""Files where an unquoted right-hand side is code (an identifier), never a literal."""

PROSE_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".org", ".html", ".htm"})

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_VALUE_WORDS = re.compile(r"[A-Z]?[a-z]{4,}|[A-Z]{5,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
_NUMERIC = re.compile(r"^[\d.,:_+\-/ ]+$")
_PATH = re.compile(r"^(?:[A-Za-z]:)?[~.]{0,2}[/\\](?:[\w.@-]+[/\\])*[\w.@-]*$")
_FILE_NAME = re.compile(r"^[\w.-]+\.[A-Za-z][A-Za-z0-9]{0,5}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|::|->)[A-Za-z_$][A-Za-z0-9_$]*)*$")
_DIGITS = re.compile(r"\d+")
_NAME_ATTRIBUTE = re.compile(r"\b(?:name|key|id)\s*=\s*[\"']$")
_SEPARATED = re.compile(r"[_.\-]")
_SPLIT = re.compile(r"[_.\-]+")
_WORDISH = re.compile(r"^[a-z]{3,}\d{0,2}$")
_FORMAT = re.compile(r"\{[\w.]*\}|%[-+ #0-9.]*[sdifr]|%\(\w+\)")
_HASH_PREFIXES = ("$2a$", "$2b$", "$2y$", "$argon2", "$pbkdf2", "pbkdf2_", "$scrypt", "$6$", "$5$")
VALUE_STOPWORDS: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "changeme",
    "qwerty",
    "letmein",
    "12345",
    "abcdef",
    "localhost",
    "undefined",
    "sha256",
    "sha512",
    "<",
    ">",
)
"""Substrings that make a value a stand-in. All are long enough (or need characters random
tokens lack) not to occur by chance in a real secret."""

_NAME = r"(?P<name>-{0,2}[A-Za-z_][A-Za-z0-9_.-]{0,80})"
_NAME_CLOSE = r"(?P<nq>(?:\\?[\"'`])?\]?(?:\\?[\"'`])?)"
_SEPARATOR = (
    r"(?P<sep>"
    r"[ \t]*\r?\n[ \t]*-?[ \t]*(?i:value)[ \t]*:"  # Kubernetes env: name: X\n  value: Y
    r"|[ \t]*,\s{0,40}[\"']?(?i:value)[\"']?[ \t]*:"  # JSON {"name": "X", "value": "Y"}
    r"|[ \t]*\{[^{}]{0,400}?\bdefault[ \t]*="  # Terraform variable "x" { default = "..." }
    r"|:[ \t]*[A-Za-z_][\w\[\], .|]{0,40}?[ \t]*=(?!=)"  # annotated: password: str = "..."
    r"|:=|::=|\?=|\+=|=>|->"
    r"|(?<![=!<>])=(?!=)"
    r"|:(?!:)"
    r"|,|\||>"
    r"|(?i:value)[ \t]*="  # XML: key="ApiKey" value="..."
    r"|[ \t]+(?:to|is)[ \t]+"  # prose: Set `API_TOKEN` to `...`
    r"|[ \t])"
)
_VALUE = (
    r"(?:[A-Za-z@$]{0,2}\\?(?P<q>[\"'`]))?"
    r"(?P<secret>(?<=[\"'`])[^\"'`\s\\]{6,300}(?=\\?[\"'`])"
    r"|[^\s\"'`<>|;,\\(){}\[\]]{6,300}(?=[\s\"'`<>|;,\\)\]}]|\Z))"
)
PATTERN = _NAME + _NAME_CLOSE + r"[ \t]{0,8}" + _SEPARATOR + r"[ \t]{0,8}" + _VALUE


def name_words(name: str) -> list[str]:
    """Lower-case words of a key name: ``clientSecretValue`` -> client, secret, value."""
    return [w.lower() for w in _WORD.findall(name)]


def is_secret_name(name: str) -> str | None:
    """The secret word a key name ends in ('password', 'token', 'key', ...), or None."""
    words = name_words(name)
    if not words or any(w in DENY_WORDS for w in words):
        return None
    while len(words) > 1 and (words[-1] in SUFFIX_WORDS or words[-1].isdigit()):
        words.pop()
    last = words[-1]
    if last in PASSWORD_WORDS or last in TOKEN_WORDS:
        return last
    if last == "key" and len(words) > 1:
        return "key"
    for ending in COMPOUND_ENDINGS:
        if last.endswith(ending) and len(last) > len(ending):
            return ending
    if last.endswith("key") and last[:-3] in KEY_COMPOUNDS:
        return "key"
    return None


def _case_switch_rate(value: str) -> float:
    letters = [c for c in value if c.isalpha()]
    if len(letters) < 2:
        return 0.0
    switches = sum(1 for a, b in itertools.pairwise(letters) if a.isupper() != b.isupper())
    return switches / (len(letters) - 1)


def _wordiness(value: str) -> float:
    """Share of `value` made of word-like runs (``myToken``, ``SECRET``): identifiers, prose."""
    covered = sum(len(m.group()) for m in _VALUE_WORDS.finditer(value))
    return covered / len(value) if value else 0.0


def _is_path(value: str) -> bool:
    """``/etc/app/key.pem``, ``./secrets/token``: not ``/3dPI9dZ25MTeVba0/AtmIuk1E`` (base64)."""
    if not _PATH.match(value) or value.count("/") + value.count("\\") < 2:
        return False
    segments = [s for s in re.split(r"[/\\]", value) if s]
    named = all(s.lower() == s or s.upper() == s or "." in s for s in segments)
    return named or bool(re.search(r"\.[A-Za-z][A-Za-z0-9]{0,5}$", value))


def _is_word_chain(value: str) -> bool:
    """``user_profile_name``, ``cache-key-v2``: lower-case words joined by separators."""
    if value.lower() != value or not _SEPARATED.search(value):
        return False
    segments = _SPLIT.split(value)
    return sum(1 for s in segments if _WORDISH.match(s)) >= 2


def _char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def is_strong_value(value: str, word: str) -> bool:
    """Whether `value` looks like a real credential for a setting named after `word`."""
    if not 8 <= len(value) <= 300 or is_reference(value) or _FORMAT.search(value):
        return False
    lowered = value.lower()
    if any(stop in lowered for stop in VALUE_STOPWORDS) or lowered.startswith(_HASH_PREFIXES):
        return False
    if "://" in value or _UUID.match(value) or _EMAIL.match(value) or _NUMERIC.match(value):
        return False
    if _DOMAIN.match(value) or (_FILE_NAME.match(value) and not any(c.isdigit() for c in value)):
        return False
    if _is_path(value):
        return False
    if is_placeholder(value):
        return False
    plain = decoded_text(value)
    if plain is not None and (
        has_placeholder_word(plain) or any(stop in plain.lower() for stop in VALUE_STOPWORDS)
    ):
        return False  # base64 of "not my real password", "user:changeme"
    if value.startswith("eyJ") and value.count(".") == 2:
        return jwt_is_credential(value)  # a public JWT (Supabase anon key) is no secret
    entropy = shannon_entropy(value)
    classes = _char_classes(value)
    has_digit = any(c.isdigit() for c in value)
    if _IDENTIFIER.match(value) and not has_digit and _case_switch_rate(value) < 0.3:
        return False
    if word in PASSWORD_WORDS:
        if _wordiness(value) >= 0.8 and classes < 3:
            return False
        if len(value) >= 16 and entropy < 3.3:
            return False  # long but repetitive: "-KEY-key-key-key-pass"
        return (classes >= 3 and entropy >= 2.5) or (
            classes >= 2 and len(value) >= 12 and entropy >= 3.0
        )
    if len(value) < 16 or _is_word_chain(value) or _wordiness(value) >= 0.8:
        return False
    digit_runs = len(_DIGITS.findall(value))
    mixed = _case_switch_rate(value) >= 0.25
    if not (digit_runs >= 2 or mixed or (alphabet_size(value) == 16 and has_digit)):
        return False
    floor = 0.75 * min(math.log2(alphabet_size(value)), math.log2(len(value)))
    return classes >= 2 and entropy > max(floor, 3.0)


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def generic_context(match: re.Match[str], path: str) -> bool:
    """Decide on a candidate of the generic rule: name, separator, quoting, value."""
    name = match.group("name").lstrip("-")
    word = is_secret_name(name)
    if word is None:
        return False
    separator = match.group("sep").strip()
    quoted = match.group("q") is not None
    name_quoted = '"' in match.group("nq") or "'" in match.group("nq") or "`" in match.group("nq")
    suffix = _suffix(path)
    is_code = suffix in CODE_SUFFIXES
    if is_code and not quoted:
        return False
    text = match.string
    before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
    if separator == ">" and not (
        before.endswith("<") or (name_quoted and _NAME_ATTRIBUTE.search(before))
    ):
        return False  # <apiKey>...</apiKey> or <string name="api_key">...</string> only
    if separator == "," and not (quoted and name_quoted and before.endswith(("'", '"', "`"))):
        return False
    if separator == "|" and is_code:
        return False
    if separator == "" and "\n" not in match.group("sep"):
        # a blank between name and value: Dockerfile ENV, command-line flags, config files
        is_flag = match.group("name").startswith("-")
        is_env = before.strip().upper() in ("ENV", "ARG")
        if not (is_flag or is_env or (not is_code and suffix not in PROSE_SUFFIXES)):
            return False
    return is_strong_value(match.group("secret"), word)


KEYWORDS: tuple[str, ...] = (
    "secret",
    "token",
    "passw",
    "pwd",
    "passphrase",
    "passcode",
    "credential",
    "auth",
    "apikey",
    "_key",
    "-key",
    ".key",
    "_pass",
    "-pass",
    ".pass",
    "pass=",
    "pass:",
    'pass"',
    "pass'",
    "_pw",
    *(prefix + "key" for prefix in KEY_COMPOUNDS),
)

RULES: tuple[SecretRule, ...] = (
    SecretRule(
        id="generic-secret",
        title="Generic secret assigned to a secret-named setting",
        keywords=KEYWORDS,
        pattern=PATTERN,
        anchor="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
        lines=8,
        severity="medium",
        confidence="medium",
        placeholders=False,
        context=generic_context,
        precedence=PRECEDENCE_GENERIC,
        description="A password, token, key or secret written as a literal value of a "
        "setting whose name says it is one (any language or config format).",
    ),
)
