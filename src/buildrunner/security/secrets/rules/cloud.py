"""Cloud and infrastructure providers: AWS, Google Cloud, Azure, DigitalOcean, Databricks..."""

from __future__ import annotations

import base64
import binascii
import json

from buildrunner.security.secrets.rule import PRECEDENCE_PROVIDER, SecretRule
from buildrunner.security.secrets.rules._build import ASSIGN, RIGHT_URLSAFE, provider
from buildrunner.security.secrets.rules.keys import normalize_pem, pem_body_is_key

_B64 = "[A-Za-z0-9+/]"


def _mixed_base64(value: str) -> bool:
    """A random base64 string has upper case, lower case and digits."""
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


def _jwt_role(token: str) -> str:
    """The ``role`` claim of a JWT (Supabase keys are JWTs), '' if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""
    return str(claims.get("role", "")) if isinstance(claims, dict) else ""


RULES: tuple[SecretRule, ...] = (
    provider(
        "aws-access-key-id",
        "AWS access key ID",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)",
        r"[A-Z2-7]{16}",
        ("akia", "asia", "abia", "acca", "a3t"),
        severity="critical",
        entropy=2.5,
        description="An AWS access key ID (AKIA... long-term, ASIA... temporary). The secret "
        "access key is usually on a neighbouring line.",
    ),
    SecretRule(
        id="aws-secret-access-key",
        title="AWS secret access key",
        keywords=("aws", "secret_access", "secretaccess", "secret-access", "secret access"),
        pattern=r"(?i:aws|secret[_ .-]?access)[A-Za-z0-9_.-]{0,40}?" + ASSIGN + r"(?P<secret>"
        rf"{_B64}{{40}})(?![A-Za-z0-9+/=])",
        severity="critical",
        entropy=3.8,
        check=_mixed_base64,
        description="An AWS secret access key assigned to an AWS-named setting.",
    ),
    SecretRule(
        id="aws-session-token",
        title="AWS session token",
        keywords=("session_token", "sessiontoken", "session-token", "security_token"),
        pattern=r"(?i:session[_-]?token|security_token)[A-Za-z0-9_.-]{0,20}?"
        + ASSIGN
        + rf"(?P<secret>{_B64}{{100,1200}}={{0,2}})(?![A-Za-z0-9+/=])",
        severity="high",
        entropy=4.0,
    ),
    provider(
        "aws-bedrock-api-key",
        "Amazon Bedrock API key",
        r"ABSK",
        rf"{_B64}{{100,300}}={{0,2}}",
        ("absk",),
        severity="critical",
        entropy=4.0,
    ),
    provider(
        "google-api-key",
        "Google API key",
        r"AIza",
        r"[0-9A-Za-z_-]{35}",
        ("aiza",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
        description="A Google Cloud / Maps / Gemini API key (AIza...).",
    ),
    SecretRule(
        id="gcp-service-account-key",
        title="Google Cloud service-account private key",
        keywords=("service_account",),
        pattern=r"""["']type["']\s*:\s*["']service_account["'][\s\S]{0,3000}?"""
        r"""["']private_key["']\s*:\s*["'](?P<secret>-----BEGIN[A-Z ]*PRIVATE KEY-----"""
        r"""[^"']{64,8000}?-----END[A-Z ]*PRIVATE KEY-----(?:\\n)?)["']""",
        multiline=True,
        span=12000,
        severity="critical",
        placeholders=False,
        check=pem_body_is_key,
        normalize=normalize_pem,
        precedence=PRECEDENCE_PROVIDER + 1,
        description="The private key of a Google Cloud service-account JSON key file.",
    ),
    provider(
        "gcp-oauth-client-secret",
        "Google OAuth client secret",
        r"GOCSPX-",
        r"[A-Za-z0-9_-]{28}",
        ("gocspx-",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
    ),
    SecretRule(
        id="azure-storage-account-key",
        title="Azure storage account key",
        keywords=("accountkey",),
        pattern=rf"(?i:AccountKey)\s*=\s*(?P<secret>{_B64}{{86}}==)",
        severity="critical",
        entropy=4.0,
        description="The AccountKey of an Azure storage connection string.",
    ),
    SecretRule(
        id="azure-shared-access-key",
        title="Azure Service Bus / Event Hubs shared access key",
        keywords=("sharedaccesskey=",),
        pattern=rf"(?i:SharedAccessKey)\s*=\s*(?P<secret>{_B64}{{42,44}}=?)(?![A-Za-z0-9+/])",
        severity="critical",
        entropy=4.0,
    ),
    SecretRule(
        id="azure-sas-token",
        title="Azure shared access signature",
        keywords=("sig=",),
        pattern=r"(?i:[?&;]sv=\d{4}-\d\d-\d\d[^\s\"'<>]{0,300}?[?&]sig=)"
        r"(?P<secret>[A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})",
        severity="high",
        entropy=3.5,
        description="The signature of an Azure SAS URL or token (sv=...&sig=...).",
    ),
    SecretRule(
        id="azure-ad-client-secret",
        title="Microsoft Entra ID (Azure AD) client secret",
        keywords=("q~",),
        pattern=r"(?<![A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})"
        r"(?![A-Za-z0-9_~.-])",
        severity="critical",
        entropy=3.5,
    ),
    provider(
        "digitalocean-personal-access-token",
        "DigitalOcean personal access token",
        r"dop_v1_",
        r"[a-f0-9]{64}",
        ("dop_v1_",),
        severity="critical",
        entropy=3.0,
    ),
    provider(
        "digitalocean-oauth-token",
        "DigitalOcean OAuth access token",
        r"doo_v1_",
        r"[a-f0-9]{64}",
        ("doo_v1_",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "digitalocean-refresh-token",
        "DigitalOcean OAuth refresh token",
        r"dor_v1_",
        r"[a-f0-9]{64}",
        ("dor_v1_",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "databricks-api-token",
        "Databricks personal access token",
        r"dapi",
        r"[a-f0-9]{32}(?:-\d)?",
        ("dapi",),
        severity="high",
        entropy=3.0,
    ),
    SecretRule(
        id="supabase-service-role-key",
        title="Supabase service-role key",
        keywords=("eyj",),
        pattern=r"(?<![A-Za-z0-9_-])(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"
        r"\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])",
        severity="critical",
        check=lambda token: _jwt_role(token) == "service_role",
        placeholders=False,
        description="A Supabase JWT whose role is service_role: bypasses row-level security.",
    ),
    provider(
        "supabase-secret-key",
        "Supabase secret API key",
        r"sb_secret_",
        r"[A-Za-z0-9_-]{31,64}",
        ("sb_secret_",),
        right=RIGHT_URLSAFE,
        severity="critical",
        entropy=3.5,
    ),
    provider(
        "supabase-access-token",
        "Supabase personal access token",
        r"sbp_",
        r"[a-f0-9]{40}",
        ("sbp_",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "heroku-api-key",
        "Heroku API key",
        r"HRKU-",
        r"[A-Za-z0-9_-]{60,64}",
        ("hrku-",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
    ),
    SecretRule(
        id="heroku-api-key-legacy",
        title="Heroku API key (UUID format)",
        keywords=("heroku",),
        pattern=r"(?i:heroku)[A-Za-z0-9_.-]{0,30}?(?i:key|token|secret|auth)[A-Za-z0-9_.-]{0,10}?"
        + ASSIGN
        + r"(?P<secret>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
        r"[0-9a-fA-F]{12})(?![0-9A-Za-z-])",
        severity="high",
        entropy=3.0,
        description="A Heroku API key in its older UUID format, next to a Heroku-named setting.",
    ),
    provider(
        "alibaba-access-key-id",
        "Alibaba Cloud AccessKey ID",
        r"LTAI",
        r"[A-Za-z0-9]{12,20}",
        ("ltai",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "hashicorp-vault-token",
        "HashiCorp Vault token",
        r"hv[sb]\.",
        r"[A-Za-z0-9_-]{90,200}",
        ("hvs.", "hvb."),
        right=RIGHT_URLSAFE,
        severity="critical",
        entropy=3.5,
    ),
    provider(
        "terraform-cloud-token",
        "Terraform Cloud / HCP API token",
        r"[A-Za-z0-9]{14}\.atlasv1\.",
        r"[A-Za-z0-9_=-]{60,70}",
        ("atlasv1",),
        right=RIGHT_URLSAFE,
        severity="critical",
        entropy=3.5,
    ),
    provider(
        "doppler-token",
        "Doppler token",
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.",
        r"[A-Za-z0-9]{40,44}",
        ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."),
        severity="high",
        entropy=3.5,
    ),
    provider(
        "pulumi-access-token",
        "Pulumi access token",
        r"pul-",
        r"[a-f0-9]{40}",
        ("pul-",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "flyio-access-token",
        "Fly.io access token",
        r"FlyV1 fm\d_",
        r"[A-Za-z0-9+/=,_-]{100,}",
        ("flyv1 fm",),
        right=r"(?![A-Za-z0-9+/=,_-])",
        severity="high",
        entropy=4.0,
    ),
    provider(
        "tailscale-key",
        "Tailscale auth or API key",
        r"tskey-(?:api|auth|client|scim|webhook)-",
        r"[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}",
        ("tskey-",),
        severity="high",
        entropy=3.5,
    ),
    provider(
        "planetscale-token",
        "PlanetScale password or token",
        r"pscale_(?:tkn|pw|oauth)_",
        r"[A-Za-z0-9_.=-]{32,64}",
        ("pscale_",),
        right=r"(?![A-Za-z0-9_.=-])",
        severity="high",
        entropy=3.5,
    ),
    SecretRule(
        id="cloudflare-api-token",
        title="Cloudflare API token",
        keywords=("cloudflare", "cf_api", "cf-api", "cf_token"),
        pattern=r"(?i:cloudflare|cf)[_-]?(?i:api)?[_-]?(?i:token|key)[A-Za-z0-9_.-]{0,20}?"
        + ASSIGN
        + r"(?P<secret>[A-Za-z0-9_-]{37,40})(?![A-Za-z0-9_-])",
        severity="high",
        entropy=3.5,
    ),
)
