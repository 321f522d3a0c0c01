"""The generic rule: secret-named settings with strong literal values, in every format, and
the near misses it must stay quiet on (identifiers, references, paths, hashes, prose)."""

from __future__ import annotations

import base64

import pytest

from buildrunner.security.secrets.rules.generic import is_secret_name, is_strong_value
from tests.security.secrets.rulecases import RuleCase, check_case, found
from tests.security.tokens import HEX, Tokens

t = Tokens(606)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


R = "generic-secret"

CASES = [
    RuleCase(
        R,
        [
            f"DB_PASSWORD={t.password()}",
            f"export API_SECRET='{t.generic()}'",
            f"  client_secret: {t.generic()}",
            f'SIGNING_KEY = "{t.rand(64, HEX)}"',
            f"app.secret.key={t.generic()}",
            f"ARG DEPLOY_TOKEN={t.generic()}",
            f"ENV WEBHOOK_SECRET {t.generic()}",
            f"| `API_TOKEN` | `{t.generic()}` |",
            f"Set `AUTH_TOKEN` to `{t.generic()}` before deploying.",
        ],
        [
            "DB_PASSWORD=",
            "DB_PASSWORD=${DB_PASSWORD}",
            "API_SECRET={{ .Values.apiSecret }}",
            "API_TOKEN=${{ secrets.API_TOKEN }}",
            "client_secret: %CLIENT_SECRET%",
            "SIGNING_KEY=/etc/keys/signing.pem",
            "TOKEN_URL=https://auth.example.com/oauth/token",
            "password_hash=$2b$12$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ",
            "MAX_TOKENS=4096",
            "public_key=" + t.generic(),
            "PASSWORD=changeme",
            "password=your-password-here",
            "API_KEY=<api-key>",
            "session_token_ttl=3600",
            "| Variable | Description |",
            "The password must be at least 12 characters.",
        ],
    ),
    RuleCase(
        R,
        [
            f'api_key = "{t.generic()}"',
            f"self.secret = '{t.generic()}'",
            f'os.environ.setdefault("SECRET_KEY", "{t.generic(50)}")',
            f'DATABASES = {{"default": {{"PASSWORD": "{t.password()}"}}}}',
            f'password: str = "{t.password()}"',
            f'connect(host="db", password="{t.password()}")',
            f'headers = {{"X-Api-Key": "{t.generic()}"}}',
            f'DOCKER = {{"auths": {{"r.io": {{"auth": "{_b64("ci:" + t.password())}"}}}}}}',
        ],
        [
            "token = get_token()",
            "api_key = os.environ['API_KEY']",
            "api_key = settings.API_KEY",
            "password = getpass.getpass()",
            'secret = f"{prefix}{suffix}"',
            'token = "%s:%s" % (user, pw)',
            'password = ""',
            'if password == "hunter2hunter2":',
            "def rotate_token(token: str) -> str:",
            'SECRET_KEY = "django-insecure-changeme"',
            'api_key = "YOUR_API_KEY"',
            'token_type = "Bearer"',
            'password = "x" * 20',
            'access_token = "dummy-access-token-for-tests"',
            "refresh_token = response.json()['refresh_token']",
            'csrf_token = "' + t.generic() + '"',
            'page_token = "' + t.generic() + '"',
            'auth_header = "Authorization"',
            "('User:Pass', 'www.python.org:080')",
            'request_id = "123e4567-e89b-12d3-a456-426614174000"',
            "'HTTPPasswordMgrWithPriorAuth', 'AbstractBasicAuthHandler',",
            f"auth = '{_b64('isaacs:not my real password')}'",
            f"password = '{_b64('changeme-please')}'",
        ],
        path="app/settings.py",
    ),
    RuleCase(
        R,
        [
            f'const apiKey = "{t.generic()}";',
            f"const config = {{ clientSecret: '{t.generic()}' }};",
            f'apiKey := "{t.generic()}"',
        ],
        [
            "const apiKey = process.env.API_KEY;",
            "const token = await getToken();",
            "const secret = `${prefix}-${id}`;",
            "const passwordField = document.getElementById('password');",
            'const tokenStorageKey = "auth.accessToken";',
        ],
        path="web/client.ts",
    ),
    RuleCase(
        R,
        [
            f'<add key="ApiSecret" value="{t.generic()}" />',
            f"<password>{t.password()}</password>",
            f'<property name="hub.token" value="{t.generic()}" />',
        ],
        ['<add key="ApiSecret" value="" />', "<password>${DB_PASSWORD}</password>"],
        path="web.config",
    ),
    RuleCase(
        R,
        [f'{{"name": "API_TOKEN", "value": "{t.generic()}"}}'],
        [
            'variable "db_password" {\n  type = string\n  sensitive = true\n}',
            '{"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/x"}',
            "- name: SIGNING_SECRET\n  valueFrom:\n    secretKeyRef:\n      name: app",
        ],
        path="deploy/main.tf",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.path)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("DB_PASSWORD", "password"),
        ("apiKey", "key"),
        ("SECRET_KEY_BASE", "key"),
        ("clientSecretValue", "secret"),
        ("authtoken", "token"),
        ("db.pass", "pass"),
        ("X-Api-Key", "key"),
        ("token_url", None),
        ("public_key", None),
        ("max_tokens", None),
        ("monkey", None),
        ("key", None),
        ("author", None),
        ("password_hash", None),
    ],
)
def test_secret_names(name: str, word: str | None) -> None:
    assert is_secret_name(name) == word


@pytest.mark.parametrize(
    ("value", "word", "strong"),
    [
        (t.generic(32), "token", True),
        (t.rand(40, HEX), "key", True),
        ("Tr0ub4dor&3xyz", "password", True),
        ("getSecretFromVault", "secret", False),
        ("my_secret_token_name", "token", False),
        ("correcthorsebatterystaple", "password", False),
        ("api.example.com", "key", False),
        ("/var/run/secrets/token", "token", False),
        ("1234567890123456", "token", False),
        ("123e4567-e89b-12d3-a456-426614174000", "key", False),
        ("${SECRET}", "secret", False),
    ],
)
def test_value_strength(value: str, word: str, strong: bool) -> None:
    assert is_strong_value(value, word) is strong


def test_provider_rule_wins_over_generic_on_the_same_value() -> None:
    assert found(f"GITHUB_TOKEN={t.github()}\n") == {("github-personal-access-token", 1)}


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        (
            f'variable "db_password" {{\n  type = string\n  default = "{t.password()}"\n}}',
            "x.tf",
            3,
        ),
        (f"env:\n  - name: SIGNING_SECRET\n    value: {t.generic()}", "deploy.yaml", 3),
        (f'{{\n  "name": "DB_PASSWORD",\n  "value": "{t.password()}"\n}}', "task.json", 3),
    ],
)
def test_name_and_value_on_different_lines(text: str, path: str, line: int) -> None:
    assert found(text + "\n", path) == {(R, line)}


@pytest.mark.parametrize(
    ("alphabet", "length", "word", "floor"),
    [
        ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 32, "key", 0.999),
        ("0123456789abcdef", 40, "token", 0.999),
        ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/", 40, "secret", 0.999),
        (
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#%^*-_",
            14,
            "password",
            0.97,
        ),
    ],
)
def test_random_values_are_accepted(alphabet: str, length: int, word: str, floor: float) -> None:
    """Chance-level words, runs and sequences in random values must not hide them."""
    rng = Tokens(607)
    values = [rng.rand(length, alphabet) for _ in range(4000)]
    accepted = sum(is_strong_value(v, word) for v in values) / len(values)
    assert accepted >= floor
