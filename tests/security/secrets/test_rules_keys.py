"""Rule tables: private keys, JWTs, auth headers, passwords in URLs and connection strings."""

from __future__ import annotations

import base64

import pytest

from tests.security.secrets.rulecases import RuleCase, check_case, found
from tests.security.tokens import Tokens

t = Tokens(505)


def _escaped_pem(label: str = "PRIVATE KEY") -> str:
    return "\\n".join([f"-----BEGIN {label}-----", *t.pem_body(), f"-----END {label}-----"])


def _yaml_block() -> str:
    body = "\n".join(f"    {line}" for line in t.pem_body())
    return (
        "tls:\n  key: |\n    -----BEGIN EC PRIVATE KEY-----\n"
        f"{body}\n    -----END EC PRIVATE KEY-----"
    )


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


CASES = [
    RuleCase(
        "private-key",
        [
            t.pem("RSA PRIVATE KEY"),
            t.pem("PRIVATE KEY"),
            t.pem("OPENSSH PRIVATE KEY"),
            t.pem("EC PRIVATE KEY"),
            t.pem("DSA PRIVATE KEY"),
            t.pem("ENCRYPTED PRIVATE KEY"),
            t.pem("PGP PRIVATE KEY BLOCK"),
            f'KEY="{_escaped_pem()}"',
            f"const key = `{t.pem()}`;",
        ],
        [
            'PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"',
            "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
            "-----BEGIN PUBLIC KEY-----\n" + "\n".join(t.pem_body()) + "\n-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(t.pem_body())
            + "\n-----END CERTIFICATE-----",
        ],
    ),
    RuleCase(
        "putty-private-key",
        [
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 2\n"
            + "\n".join(t.pem_body(2))
            + "\nPrivate-Lines: 2\n"
            + "\n".join(t.pem_body(2))
            + f"\nPrivate-MAC: {t.rand(64, '0123456789abcdef')}"
        ],
        ["PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n"],
        path="id.ppk",
        offset=7,
    ),
    RuleCase(
        "jwt",
        [f"session={t.jwt()}", f'"id_token": "{t.jwt()}"'],
        [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4g"
            "RG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.",
            "eyJ0eXAiOiJKV1QifQ.notbase64json.signaturesignature",
        ],
    ),
    RuleCase(
        "bearer-token",
        [
            f'curl -H "Authorization: Bearer {t.generic(40)}" https://api.example.com',
            f"headers = {{'Authorization': 'Bearer {t.generic(32)}'}}",
        ],
        [
            'headers = {"Authorization": f"Bearer {token}"}',
            "Authorization: Bearer ${API_TOKEN}",
            "Bearer tokens are sent in the Authorization header.",
            "Authorization: Bearer <token>",
        ],
        path="client.py",
    ),
    RuleCase(
        "basic-auth-header",
        [f"Authorization: Basic {_basic('deploy', t.password())}"],
        ["Basic authentication is supported", "Authorization: Basic ${CREDENTIALS}"],
    ),
    RuleCase(
        "postgres-url-password",
        [
            f"DATABASE_URL=postgres://app:{t.password()}@db.internal:5432/app",
            f'url = "postgresql+psycopg://svc:{t.password()}@10.0.0.5/orders"',
        ],
        [
            "DATABASE_URL=postgres://user:password@localhost:5432/app",
            "DATABASE_URL=postgres://postgres:postgres@localhost/app",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app",
            "DATABASE_URL=postgres://app@db/app",
            "postgresql://scott:tiger@localhost/test",
        ],
    ),
    RuleCase(
        "mysql-url-password",
        [f"mysql+pymysql://root:{t.password()}@mysql:3306/shop"],
        ["mysql://root:<password>@localhost/shop"],
    ),
    RuleCase(
        "mongodb-url-password",
        [f"MONGO_URI=mongodb+srv://admin:{t.password()}@cluster0.abcde.mongodb.net/app"],
        ["mongodb://localhost:27017/app"],
    ),
    RuleCase(
        "redis-url-password",
        [f"REDIS_URL=rediss://:{t.password()}@cache.internal:6380/0"],
        ["REDIS_URL=redis://:changeme@localhost:6379"],
    ),
    RuleCase(
        "amqp-url-password",
        [f"BROKER_URL=amqps://worker:{t.password()}@mq.internal:5671/vhost"],
        ["BROKER_URL=amqp://guest:guest@localhost:5672//"],
    ),
    RuleCase(
        "mssql-url-password",
        [f"mssql+pyodbc://sa:{t.password()}@sqlserver/db?driver=ODBC"],
        ["mssql+pyodbc://sa:%s@sqlserver/db"],
    ),
    RuleCase(
        "url-password",
        [
            f"https://deploy:{t.password()}@git.example.com/acme/repo.git",
            f"ftp://backup:{t.password()}@files.internal/",
        ],
        [
            "http://evil:thing@example.com",
            "https://user:pass@example.com",
            "https://{user}:{password}@host",
            "see https://example.com/a:b@c",
        ],
    ),
    RuleCase(
        "jdbc-url-password",
        [f"jdbc:postgresql://db:5432/app?user=app&password={t.password()}"],
        ["jdbc:postgresql://db:5432/app?user=app&password=${DB_PASS}"],
    ),
    RuleCase(
        "connection-string-password",
        [
            f"Server=tcp:sql.internal,1433;Database=app;User Id=svc;Password={t.password()};",
            f'"Default": "Host=db;Username=app;Pwd={t.password()}"',
        ],
        [
            "Server=db;Database=app;User Id=sa;Password=;",
            "Server=db;User Id=sa;Password={password};",
        ],
        path="appsettings.config",
    ),
    RuleCase(
        "curl-user-password",
        [
            f"curl -u deploy:{t.password()} https://api.example.com/v1/items",
            f'curl -s --user "ci:{t.password()}" -X POST "$URL"',
        ],
        ["curl -u user:password https://example.com", "curl -u $USER:$TOKEN https://x"],
        path="deploy.sh",
    ),
    RuleCase(
        "netrc-password",
        [f"machine api.example.com login deploy password {t.password()}"],
        ["machine host.domain.com login log password pass1", "machine learning is fun"],
        path=".netrc",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)


def test_multiline_private_key_in_yaml_spans_begin_to_end() -> None:
    text = _yaml_block() + "\n"
    from buildrunner.security.scanner import scan_bytes

    report = scan_bytes(text.encode(), path="values.yaml")
    assert [(f.rule_id, f.line, f.end_line) for f in report.findings] == [("private-key", 3, 16)]


def test_two_keys_in_one_file_are_two_findings() -> None:
    text = t.pem() + "\n\n" + t.pem("OPENSSH PRIVATE KEY") + "\n"
    assert found(text, "keys.txt") == {("private-key", 1), ("private-key", 16)}


def test_netrc_entry_over_several_lines() -> None:
    text = f"machine git.internal\n  login ci\n  password {t.password()}\n"
    assert found(text, ".netrc") == {("netrc-password", 3)}


def test_a_header_constant_before_a_real_key_does_not_hide_it() -> None:
    text = (
        'PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n'
        "def load(x):\n    return x\n"
        f"KEY = `{t.pem()}`\n"
    )
    assert found(text, "server.mjs") == {("private-key", 4)}


def test_code_between_markers_is_not_a_key() -> None:
    text = (
        'BEGIN = "-----BEGIN PRIVATE KEY-----"\n'
        + "\n".join(f"value_{n} = compute({n}) + other_{n}" for n in range(12))
        + '\nEND = "-----END PRIVATE KEY-----"\n'
    )
    assert found(text, "pem.py") == set()
