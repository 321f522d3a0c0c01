"""Structural secrets: private keys, JWTs, HTTP auth headers, passwords in URLs and
connection strings. These are recognised by their shape, not by a vendor prefix."""

from __future__ import annotations

import base64
import binascii
import json
import re

from buildrunner.security.secrets.filters import is_placeholder, is_reference, shannon_entropy
from buildrunner.security.secrets.rule import PRECEDENCE_STRUCTURE, SecretRule
from buildrunner.security.secrets.rules._build import decodes_to_credentials

_PEM_LABEL = (
    r"(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED |ANY )?PRIVATE KEY(?: BLOCK)?"
)
_PEM_BODY = r"[A-Za-z0-9+/=\s\\\"'`,:.\-]"
"""What may stand between BEGIN and END: base64, layout, quotes, escapes, header lines. Code
(parentheses, braces) ends the attempt, so a header constant before a real key is skipped."""
_PEM_HEADER_LINE = re.compile(r"^\s*[A-Za-z-]+:\s.*$", re.MULTILINE)
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
_ESCAPES = re.compile(r"\\+[nr]|\\\\")
_LAYOUT = re.compile(r"[\s\"'`+,;|>\\]+")
_BASE64_WORD = re.compile(r"^[A-Za-z0-9+/=]+$")
_CODE_ESCAPE = re.compile(r"\\[xuUnrt0-7]")
_PEM_MARKERS = re.compile(r"-----(?:BEGIN|END)[A-Z0-9 ]*-----")

DEFAULT_PASSWORDS: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "changeme",
        "admin",
        "root",
        "guest",
        "postgres",
        "mysql",
        "redis",
        "mongo",
        "mongodb",
        "rabbitmq",
        "user",
        "username",
        "default",
        "none",
        "null",
        "empty",
        "pw",
        "foo",
        "bar",
        "baz",
        "qux",
        "tiger",
        "hunter",
        "letmein",
        "welcome",
        "qwerty",
        "abc",
        "xyz",
        "dummy",
        "s3cret",
        "s3cr3t",
        "p4ssw0rd",
        "passw0rd",
        "pa55word",
    }
)
"""Passwords that stand for "a password goes here" in documentation and local set-ups."""


def pem_body_is_key(body: str) -> bool:
    """Whether the text between BEGIN and END lines is real key material: base64 lines only
    (however they are quoted, indented, escaped or concatenated), not ``...`` nor code."""
    text = _PEM_HEADER_LINE.sub("", _PEM_MARKERS.sub("\n", _ESCAPES.sub("\n", body)))
    words = [w for w in _LAYOUT.split(text) if w]
    if not words:
        return False
    base64_words = [w for w in words if _BASE64_WORD.match(w)]
    if len(base64_words) < 0.95 * len(words):
        return False
    cleaned = "".join(base64_words)
    return len(cleaned) >= 64 and shannon_entropy(cleaned) > 4.5


def normalize_pem(body: str) -> str:
    """Key material without layout, so one key has one hash however it is embedded."""
    body = _PEM_MARKERS.sub("", _ESCAPES.sub("", body))
    return _NOT_BASE64.sub("", _PEM_HEADER_LINE.sub("", body))


def _jwt_claims(token: str) -> tuple[dict[str, object], dict[str, object]] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        decoded = [
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        ]
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    header, claims = decoded
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


def jwt_is_credential(token: str) -> bool:
    """A signed JWT that is not a public client key (Supabase ``anon``) nor unsigned."""
    decoded = _jwt_claims(token)
    if decoded is None:
        return False
    header, claims = decoded
    if "alg" not in header or str(header.get("alg", "")).lower() == "none":
        return False
    return claims.get("role") != "anon"


def password_is_real(password: str, user: str = "") -> bool:
    """Whether a password found in a URL or connection string is not a stand-in.

    Stand-ins: empty, the user name again, a default word (``password``, ``secret``,
    ``postgres``...) even when decorated with digits and symbols (``pass1``, ``"pass"``),
    references (``${DB_PASSWORD}``, ``%s``), placeholders (``<password>``, ``xxxx``).
    """
    lowered = password.strip("\"'`\\").lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    if not lowered or lowered in DEFAULT_PASSWORDS or lowered == user.lower():
        return False
    if letters in DEFAULT_PASSWORDS or (letters and letters == re.sub(r"[^a-z]", "", user.lower())):
        return False
    if is_reference(password) or password.startswith(("%", "$", ":", "#")):
        return False
    if len(lowered) < 4 or (len(set(lowered)) <= 2):
        return False
    return not is_placeholder(password)


def strong_password(password: str, user: str = "") -> bool:
    """A real password that is also not a word: 6+ characters mixing letters with digits,
    symbols or upper case (for URLs of any scheme, where test strings abound)."""
    if not password_is_real(password, user) or len(password) < 6:
        return False
    if _CODE_ESCAPE.search(password):
        return False  # "\xa1\xa2" in source code is an escape sequence, not a password
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    return kinds >= 2


def _url_password_ok(match: re.Match[str], path: str) -> bool:
    return password_is_real(match.group("secret"), match.group("user") or "")


def _any_url_password_ok(match: re.Match[str], path: str) -> bool:
    return strong_password(match.group("secret"), match.group("user") or "")


def _url_rule(
    rule_id: str, title: str, scheme: str, keywords: tuple[str, ...], *, strict: bool = False
) -> SecretRule:
    return SecretRule(
        id=rule_id,
        title=title,
        keywords=keywords,
        pattern=rf"(?<![A-Za-z0-9+.-])(?i:{scheme})://(?P<user>[^\s:@/'\"`<>]{{0,100}}):"
        r"(?P<secret>[^\s@/'\"`<>]{1,200})@[A-Za-z0-9._\[\]-]",
        severity="high",
        placeholders=False,
        context=_any_url_password_ok if strict else _url_password_ok,
        precedence=PRECEDENCE_STRUCTURE,
        description=f"A password embedded in a {title.split(' URL')[0]} URL.",
    )


_DB_SCHEMES = (
    "postgres(?:ql)?(?:\\+[a-z0-9]+)?|mysql(?:x)?(?:\\+[a-z0-9]+)?|mariadb(?:\\+[a-z0-9]+)?|"
    "mongodb(?:\\+srv)?|rediss?|amqps?|mssql(?:\\+[a-z0-9]+)?|sqlserver|oracle(?:\\+[a-z0-9]+)?"
)


def _connection_string_context(match: re.Match[str], path: str) -> bool:
    line = match.string[
        match.string.rfind("\n", 0, match.start()) + 1 : match.string.find("\n", match.end())
    ]
    if not re.search(
        r"(?i)(?:server|data source|host|uid|user id|username|database|initial catalog|"
        r"driver|dsn|address|endpoint)\s*=",
        line,
    ):
        return False
    return password_is_real(match.group("secret"))


RULES: tuple[SecretRule, ...] = (
    SecretRule(
        id="private-key",
        title="Private key (PEM, OpenSSH, PGP)",
        keywords=("private key",),
        pattern=rf"(?P<secret>-----BEGIN[ ]?{_PEM_LABEL}-----{_PEM_BODY}{{64,20000}}?"
        rf"-----END[ ]?{_PEM_LABEL}-----)",
        multiline=True,
        span=24000,
        severity="critical",
        placeholders=False,
        check=pem_body_is_key,
        normalize=normalize_pem,
        precedence=PRECEDENCE_STRUCTURE + 1,
        description="An RSA, EC, DSA, OpenSSH, PKCS#8 or PGP private key, on its own lines or "
        "embedded with escaped newlines in JSON, YAML, code or templates.",
    ),
    SecretRule(
        id="putty-private-key",
        title="PuTTY private key",
        keywords=("putty-user-key-file",),
        pattern=r"PuTTY-User-Key-File-[23]:[\s\S]{0,4000}?Private-Lines:[ \t]*\d+[ \t]*\r?\n"
        r"(?P<secret>(?:[A-Za-z0-9+/=]{8,}\r?\n?){1,64})",
        multiline=True,
        span=8000,
        severity="critical",
        placeholders=False,
        entropy=4.0,
    ),
    SecretRule(
        id="jwt",
        title="JSON Web Token",
        keywords=("eyj",),
        pattern=r"(?<![A-Za-z0-9_-])(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"
        r"\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])",
        severity="medium",
        confidence="medium",
        placeholders=False,
        check=jwt_is_credential,
        precedence=PRECEDENCE_STRUCTURE + 1,
        description="A signed JSON Web Token: a session or API credential until it expires.",
    ),
    SecretRule(
        id="bearer-token",
        title="Bearer token in an Authorization header",
        keywords=("bearer",),
        pattern=r"(?i:\bbearer)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{20,800})"
        r"(?![A-Za-z0-9._~+/=-])",
        severity="high",
        confidence="medium",
        entropy=3.5,
        check=lambda v: any(c.isdigit() for c in v) and any(c.isalpha() for c in v),
        precedence=PRECEDENCE_STRUCTURE,
    ),
    SecretRule(
        id="basic-auth-header",
        title="HTTP Basic credentials in an Authorization header",
        keywords=("basic",),
        pattern=r"(?i:\bbasic)[ \t]+(?P<secret>[A-Za-z0-9+/]{8,400}={0,2})(?![A-Za-z0-9+/=])",
        severity="high",
        placeholders=False,
        check=decodes_to_credentials,
        precedence=PRECEDENCE_STRUCTURE,
        description="base64(user:password) after 'Basic': the password in clear, encoded.",
    ),
    _url_rule(
        "postgres-url-password",
        "PostgreSQL URL with password",
        "postgres(?:ql)?(?:\\+[a-z0-9]+)?",
        ("postgres",),
    ),
    _url_rule(
        "mysql-url-password",
        "MySQL / MariaDB URL with password",
        "(?:mysql(?:x)?|mariadb)(?:\\+[a-z0-9]+)?",
        ("mysql", "mariadb"),
    ),
    _url_rule(
        "mongodb-url-password", "MongoDB URL with password", "mongodb(?:\\+srv)?", ("mongodb",)
    ),
    _url_rule("redis-url-password", "Redis URL with password", "rediss?", ("redis",)),
    _url_rule("amqp-url-password", "AMQP (RabbitMQ) URL with password", "amqps?", ("amqp",)),
    _url_rule(
        "mssql-url-password",
        "SQL Server / Oracle URL with password",
        "(?:mssql(?:\\+[a-z0-9]+)?|sqlserver|oracle(?:\\+[a-z0-9]+)?)",
        ("mssql", "sqlserver", "oracle"),
    ),
    _url_rule(
        "url-password",
        "URL with embedded password",
        rf"(?!(?:{_DB_SCHEMES})://)[a-z][a-z0-9+.-]{{1,20}}",
        ("://",),
        strict=True,
    ),
    SecretRule(
        id="jdbc-url-password",
        title="JDBC URL with password",
        keywords=("jdbc:",),
        pattern=r"(?i:jdbc:[a-z0-9:]+)[^\s'\"`<>]*?[?;&](?i:password)=(?P<secret>[^&;\s'\"`<>]{1,200})",
        severity="high",
        placeholders=False,
        check=password_is_real,
        precedence=PRECEDENCE_STRUCTURE,
    ),
    SecretRule(
        id="connection-string-password",
        title="Password in a connection string",
        keywords=("password=", "pwd=", "password =", "pwd ="),
        pattern=r"(?<![A-Za-z0-9_])(?i:password|pwd)[ \t]*=[ \t]*(?P<secret>[^;\"'`\s<>]{1,200})"
        r"(?=[ \t]*(?:;|\"|'|`|$|\n|\r))",
        severity="high",
        placeholders=False,
        context=_connection_string_context,
        precedence=PRECEDENCE_STRUCTURE,
        description="Password= in an ADO.NET, ODBC or libpq connection string.",
    ),
    SecretRule(
        id="curl-user-password",
        title="Password in a curl --user option",
        keywords=("curl",),
        pattern=r"\bcurl\b[^\n]{0,300}?[ \t](?:-u|--user)(?:[ \t]+|=)[\"']?"
        r"(?P<user>[^:\s\"']{1,100}):(?P<secret>[^\s\"']{1,200})",
        severity="high",
        placeholders=False,
        context=_url_password_ok,
        precedence=PRECEDENCE_STRUCTURE,
        description="user:password given to curl with -u/--user on a command line or in a script.",
    ),
    SecretRule(
        id="netrc-password",
        title="Password in a .netrc entry",
        keywords=("machine",),
        pattern=r"(?i:\bmachine)[ \t]+\S+\s+(?:(?i:login)[ \t]+\S+\s+)?(?i:password)[ \t]+"
        r"(?P<secret>\S{1,200})",
        multiline=True,
        span=400,
        severity="high",
        placeholders=False,
        check=strong_password,
        precedence=PRECEDENCE_STRUCTURE,
    ),
)
