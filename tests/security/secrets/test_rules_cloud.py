from __future__ import annotations

import base64
import json

import pytest

from tests.security.secrets.rulecases import RuleCase, check_case
from tests.security.tokens import B64, HEX, URLSAFE, Tokens

t = Tokens(202)


def _service_account() -> str:
    key = "\\n".join(["-----BEGIN PRIVATE KEY-----", *t.pem_body(), "-----END PRIVATE KEY-----"])
    return (
        '{\n  "type": "service_account",\n  "project_id": "demo-project",\n'
        f'  "private_key_id": "{t.rand(40, HEX)}",\n'
        f'  "private_key": "{key}\\n",\n'
        '  "client_email": "svc@demo-project.iam.gserviceaccount.com"\n}'
    )


def _supabase(role: str) -> str:
    return t.jwt({"iss": "supabase", "ref": t.rand(20), "role": role, "iat": 1700000000})


CASES = [
    RuleCase(
        "aws-access-key-id",
        [
            f"aws_access_key_id = {t.aws_key_id()}",
            f'"AccessKeyId": "ASIA{t.rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}"',
        ],
        [
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "AKIAXXXXXXXXXXXXXXXX",
            "integrity sha512-AKIA" + t.rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") + "xyz==",
            "Asia/Tokyo timezone",
        ],
    ),
    RuleCase(
        "aws-secret-access-key",
        [
            f"aws_secret_access_key = {t.aws_secret()}",
            f'"SecretAccessKey": "{t.aws_secret()}"',
            f"export AWS_SECRET_ACCESS_KEY={t.aws_secret()}",
        ],
        [
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
            f"aws_region = {t.rand(40, 'abcdefghijklmnopqrstuvwxyz')}",
        ],
    ),
    RuleCase(
        "aws-session-token",
        [f"aws_session_token = {t.rand(300, B64)}"],
        ["aws_session_token = ${AWS_SESSION_TOKEN}"],
    ),
    RuleCase(
        "aws-bedrock-api-key",
        [f"AWS_BEARER_TOKEN_BEDROCK=ABSK{t.rand(130, B64)}"],
        ["ABSK is a prefix"],
    ),
    RuleCase(
        "google-api-key",
        [f"GOOGLE_API_KEY={t.google_api_key()}", f"maps?key={t.google_api_key()}&q=x"],
        ["AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "AIza-short"],
    ),
    RuleCase(
        "gcp-service-account-key",
        [_service_account()],
        ['{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n"}'],
        path="sa.json",
        offset=4,
    ),
    RuleCase(
        "gcp-oauth-client-secret",
        [f'"client_secret": "GOCSPX-{t.rand(28, URLSAFE)}"'],
        ['"client_id": "1234-abc.apps.googleusercontent.com"'],
        path="client.json",
    ),
    RuleCase(
        "azure-storage-account-key",
        [
            "DefaultEndpointsProtocol=https;AccountName=acme;"
            f"AccountKey={t.azure_account_key()};EndpointSuffix=core.windows.net"
        ],
        [
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
            + "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
            + "KBHBeksoGMGw==",
            "AccountKey=${STORAGE_KEY}",
        ],
    ),
    RuleCase(
        "azure-shared-access-key",
        [
            "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;"
            f"SharedAccessKey={base64.b64encode(t.rng.randbytes(32)).decode()}"
        ],
        ["SharedAccessKeyName=RootManageSharedAccessKey"],
    ),
    RuleCase(
        "azure-sas-token",
        [
            "https://acme.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01"
            f"&sig={t.rand(43, B64)}%3D"
        ],
        ["https://acme.blob.core.windows.net/c/f?sv=2022-11-02&sig=<signature>"],
    ),
    RuleCase(
        "azure-ad-client-secret",
        [f"AZURE_CLIENT_SECRET={t.rand(3)}8Q~{t.rand(34, URLSAFE + '~.')}"],
        ["AZURE_CLIENT_SECRET=abc8Q~"],
    ),
    RuleCase(
        "digitalocean-personal-access-token",
        [f"DIGITALOCEAN_TOKEN={t.digitalocean()}"],
        ["dop_v1_" + "0" * 64],
    ),
    RuleCase("digitalocean-oauth-token", [f"doo_v1_{t.rand(64, HEX)}"], ["doo_v1_abc"]),
    RuleCase("digitalocean-refresh-token", [f"dor_v1_{t.rand(64, HEX)}"], ["dor_v1_"]),
    RuleCase(
        "databricks-api-token",
        [f"DATABRICKS_TOKEN={t.databricks()}", f"token: dapi{t.rand(32, HEX)}-2"],
        ["dapi" + "a" * 32, "dapiVersion = 3"],
    ),
    RuleCase(
        "supabase-service-role-key",
        [f"SUPABASE_SERVICE_ROLE_KEY={_supabase('service_role')}"],
        [f"SUPABASE_ANON_KEY={_supabase('anon')}"],
    ),
    RuleCase("supabase-secret-key", [f"sb_secret_{t.rand(40, URLSAFE)}"], ["sb_secret_x"]),
    RuleCase("supabase-access-token", [f"SUPABASE_ACCESS_TOKEN=sbp_{t.rand(40, HEX)}"], ["sbp_"]),
    RuleCase("heroku-api-key", [f"HEROKU_API_KEY=HRKU-AA{t.rand(58, URLSAFE)}"], ["HRKU-"]),
    RuleCase(
        "heroku-api-key-legacy",
        [
            f"HEROKU_API_KEY={t.rand(8, HEX)}-{t.rand(4, HEX)}-{t.rand(4, HEX)}-{t.rand(4, HEX)}-"
            f"{t.rand(12, HEX)}"
        ],
        ["HEROKU_APP_ID=01234567-89ab-cdef-0123-456789abcdef", "HEROKU_API_KEY=${KEY}"],
    ),
    RuleCase("alibaba-access-key-id", [f"LTAI{t.rand(20)}"], ["LTAI"]),
    RuleCase("hashicorp-vault-token", [f"VAULT_TOKEN=hvs.{t.rand(95, URLSAFE)}"], ["hvs.short"]),
    RuleCase(
        "terraform-cloud-token",
        [f'token = "{t.rand(14)}.atlasv1.{t.rand(67, URLSAFE)}"'],
        ['token = "x.atlasv1.y"'],
        path="credentials.tfrc.json",
    ),
    RuleCase("doppler-token", [f"DOPPLER_TOKEN=dp.st.{t.rand(44)}"], ["dp.st.dev"]),
    RuleCase("pulumi-access-token", [f"PULUMI_ACCESS_TOKEN=pul-{t.rand(40, HEX)}"], ["pul-"]),
    RuleCase(
        "flyio-access-token",
        [f"FLY_API_TOKEN=FlyV1 fm2_{t.rand(120, B64)}"],
        ["FlyV1 fm2_abc"],
    ),
    RuleCase(
        "tailscale-key",
        [f"TS_AUTHKEY=tskey-auth-{t.rand(12)}CNTRL-{t.rand(32)}"],
        ["tskey-auth-XXXX"],
    ),
    RuleCase("planetscale-token", [f"pscale_tkn_{t.rand(43, URLSAFE)}"], ["pscale_tkn_"]),
    RuleCase(
        "cloudflare-api-token",
        [f"CLOUDFLARE_API_TOKEN={t.rand(40, URLSAFE)}"],
        ["CLOUDFLARE_API_TOKEN=${CF_TOKEN}", "CLOUDFLARE_ACCOUNT_ID=" + t.rand(32, HEX)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)


def test_service_account_file_is_one_finding_spanning_the_key() -> None:
    from tests.security.secrets.rulecases import found

    assert found(_service_account(), "key.json") == {("gcp-service-account-key", 5)}
    assert json.loads(_service_account())["type"] == "service_account"
