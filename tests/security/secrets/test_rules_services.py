"""Rule tables: messaging, payments and software-as-a-service providers."""

from __future__ import annotations

import string

import pytest

from tests.security.secrets.rulecases import RuleCase, check_case
from tests.security.tokens import B64, HEX, URLSAFE, Tokens

t = Tokens(404)
UPPER = string.ascii_uppercase + string.digits
LOWER = string.ascii_lowercase + string.digits

MESSAGING = [
    RuleCase(
        "slack-bot-token",
        [f"SLACK_BOT_TOKEN={t.slack_bot()}", f'token: "{t.slack_bot()}"'],
        ["SLACK_BOT_TOKEN=xoxb-your-bot-token", "xoxb-1234-5678"],
    ),
    RuleCase(
        "slack-user-token",
        [
            f"xoxp-{t.rand(12, string.digits)}-{t.rand(12, string.digits)}-"
            f"{t.rand(12, string.digits)}-{t.rand(32, HEX)}"
        ],
        ["xoxp-000000000000-000000000000-000000000000-" + "0" * 32],
    ),
    RuleCase(
        "slack-app-token",
        [
            f"SLACK_APP_TOKEN=xapp-1-A{t.rand(10, UPPER)}-{t.rand(13, string.digits)}-"
            f"{t.rand(64, LOWER)}"
        ],
        ["xapp-1-ABC"],
    ),
    RuleCase(
        "slack-config-token",
        [f"xoxe.xoxp-1-{t.rand(160)}"],
        ["xoxe.xoxp-1-abc"],
    ),
    RuleCase("slack-legacy-token", [f"xoxs-{t.rand(10, string.digits)}-{t.rand(40)}"], ["xoxs-"]),
    RuleCase(
        "slack-webhook-url",
        [f"SLACK_WEBHOOK_URL={t.slack_webhook()}"],
        [
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/"
            "XXXXXXXXXXXXXXXXXXXXXXXX",
            "see https://hooks.slack.com/ for details",
        ],
    ),
    RuleCase(
        "discord-bot-token",
        [f"DISCORD_TOKEN={t.discord()}", f"client.login('{t.discord()}');"],
        ["DISCORD_TOKEN=your.discord.token", "version = MTIz.abc.def"],
    ),
    RuleCase(
        "discord-webhook-url",
        [f"https://discord.com/api/webhooks/{t.rand(19, string.digits)}/{t.rand(68, URLSAFE)}"],
        ["https://discord.com/api/webhooks/123/abc"],
    ),
    RuleCase(
        "telegram-bot-token",
        [f"TELEGRAM_BOT_TOKEN={t.telegram()}", f"bot = Bot('{t.telegram()}')"],
        ["TELEGRAM_BOT_TOKEN=123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ratio 12:AAB"],
    ),
    RuleCase(
        "microsoft-teams-webhook-url",
        [
            f"https://acme.webhook.office.com/webhookb2/{t.rand(36, HEX)}@{t.rand(36, HEX)}/"
            f"IncomingWebhook/{t.rand(32, HEX)}/{t.rand(36, HEX)}"
        ],
        ["https://acme.webhook.office.com/webhookb2/"],
    ),
    RuleCase(
        "twilio-api-key",
        [f"TWILIO_API_KEY={t.twilio_key()}"],
        ["TWILIO_API_KEY=SK" + "0" * 32, "SKU-12345"],
    ),
    RuleCase(
        "twilio-auth-token",
        [f"TWILIO_AUTH_TOKEN={t.rand(32, HEX)}", f'twilio_secret: "{t.rand(32)}"'],
        ["TWILIO_AUTH_TOKEN=your_auth_token", f"TWILIO_ACCOUNT_SID=AC{t.rand(32, HEX)}"],
    ),
    RuleCase(
        "sendgrid-api-key",
        [f"SENDGRID_API_KEY={t.sendgrid()}"],
        ["SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    RuleCase(
        "mailgun-api-key",
        [f"MAILGUN_API_KEY={t.mailgun()}"],
        ["key-" + "0" * 32, "monkey-patch"],
    ),
    RuleCase(
        "mailgun-private-key",
        [f"MAILGUN_KEY={t.rand(32, HEX)}-{t.rand(8, HEX)}-{t.rand(8, HEX)}"],
        [f"request_id={t.rand(32, HEX)}-{t.rand(8, HEX)}-{t.rand(8, HEX)}"],
    ),
    RuleCase(
        "mailchimp-api-key",
        [f"MAILCHIMP_API_KEY={t.rand(32, HEX)}-us12"],
        ["datacenter=us12"],
    ),
]

PAYMENTS = [
    RuleCase(
        "stripe-secret-key",
        [f"STRIPE_SECRET_KEY={t.stripe()}", f"Stripe.api_key = '{t.stripe()}'"],
        [f"STRIPE_PUBLISHABLE_KEY=pk_live_{t.rand(99)}", "sk_live_" + "x" * 24],
    ),
    RuleCase(
        "stripe-test-secret-key",
        [f"STRIPE_KEY={t.stripe('test')}"],
        ["sk_test_4eC39HqLyjWDarjtT1zdp7dc", f"pk_test_{t.rand(24)}"],
    ),
    RuleCase("stripe-restricted-key", [f"rk_live_{t.rand(24)}"], ["rk_live_example"]),
    RuleCase("stripe-webhook-secret", [f"STRIPE_WEBHOOK_SECRET=whsec_{t.rand(32)}"], ["whsec_"]),
    RuleCase("square-access-token", [f"SQUARE_ACCESS_TOKEN=EAAA{t.rand(60, URLSAFE)}"], ["EAAAE"]),
    RuleCase("square-oauth-secret", [f"sq0csp-{t.rand(43, URLSAFE)}"], ["sq0csp-"]),
    RuleCase(
        "braintree-access-token",
        [f"access_token$production${t.rand(16, LOWER)}${t.rand(32, HEX)}"],
        ["access_token$production$"],
    ),
    RuleCase("shopify-access-token", [f"SHOPIFY_TOKEN={t.shopify()}"], ["shpat_x"]),
    RuleCase("shopify-custom-app-token", [f"shpca_{t.rand(32, HEX)}"], ["shpca_"]),
    RuleCase("shopify-private-app-token", [f"shppa_{t.rand(32, HEX)}"], ["shppa_"]),
    RuleCase("shopify-shared-secret", [f"shpss_{t.rand(32, HEX)}"], ["shpss_"]),
    RuleCase(
        "flutterwave-secret-key",
        [f"FLWSECK_TEST-{t.rand(32, 'abcdefgh0123456789')}-X"],
        ["FLWSECK-xxxx-X"],
    ),
    RuleCase(
        "plaid-access-token",
        [
            f"access-sandbox-{t.rand(8, HEX)}-{t.rand(4, HEX)}-{t.rand(4, HEX)}-"
            f"{t.rand(4, HEX)}-{t.rand(12, HEX)}"
        ],
        ["access-sandbox-token"],
    ),
]

SAAS = [
    RuleCase(
        "datadog-api-key",
        [f"DD_API_KEY={t.datadog_api()}", f'datadog_api_key: "{t.datadog_api()}"'],
        ["DD_API_KEY=<api-key>", f"DD_SITE={t.rand(32, HEX)}"],
    ),
    RuleCase(
        "datadog-app-key",
        [f"DD_APP_KEY={t.rand(40, HEX)}", f"DATADOG_APPLICATION_KEY={t.rand(40, HEX)}"],
        ["DD_APP_KEY=${DD_APP_KEY}"],
    ),
    RuleCase("new-relic-user-api-key", [f"NEW_RELIC_API_KEY=NRAK-{t.rand(27, UPPER)}"], ["NRAK-"]),
    RuleCase("new-relic-insert-key", [f"NRII-{t.rand(32, URLSAFE)}"], ["NRII-"]),
    RuleCase("new-relic-license-key", [f"license_key: {t.rand(36, HEX)}NRAL"], ["NRAL"]),
    RuleCase("sentry-auth-token", [f"SENTRY_AUTH_TOKEN=sntrys_eyJ{t.rand(120, B64)}"], ["sntrys_"]),
    RuleCase("sentry-user-token", [f"sntryu_{t.rand(64, HEX)}"], ["sntryu_"]),
    RuleCase("grafana-cloud-token", [f"GRAFANA_TOKEN=glc_{t.rand(120, B64)}"], ["glc_abc"]),
    RuleCase(
        "grafana-service-account-token",
        [f"glsa_{t.rand(32)}_{t.rand(8, HEX)}"],
        ["glsa_"],
    ),
    RuleCase(
        "dynatrace-api-token",
        [f"dt0c01.{t.rand(24, UPPER)}.{t.rand(64, UPPER)}"],
        ["dt0c01.ABC"],
    ),
    RuleCase(
        "notion-integration-token",
        [f"NOTION_TOKEN={t.notion()}", f"NOTION_KEY=secret_{t.generic(43)}"],
        ["secret_key_base = nil", "secret_" + "a" * 43],
    ),
    RuleCase("linear-api-key", [f"LINEAR_API_KEY=lin_api_{t.rand(40)}"], ["lin_api_"]),
    RuleCase(
        "airtable-personal-access-token",
        [f"AIRTABLE_API_KEY=pat{t.rand(14)}.{t.rand(64, HEX)}"],
        ["AIRTABLE_BASE=app123"],
    ),
    RuleCase("figma-personal-access-token", [f"FIGMA_TOKEN=figd_{t.rand(40, URLSAFE)}"], ["figd_"]),
    RuleCase("postman-api-key", [f"PMAK-{t.rand(24, HEX)}-{t.rand(34, HEX)}"], ["PMAK-"]),
    RuleCase("typeform-personal-access-token", [f"tfp_{t.rand(59, URLSAFE)}"], ["tfp_"]),
    RuleCase(
        "mapbox-secret-token",
        [f"MAPBOX_TOKEN=sk.eyJ{t.rand(60, URLSAFE)}.{t.rand(22, URLSAFE)}"],
        ["sk.eyJ"],
    ),
    RuleCase(
        "onepassword-service-account-token",
        [f"OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ{t.rand(200, B64)}"],
        ["ops_eyJ"],
    ),
    RuleCase(
        "age-secret-key",
        [f"AGE-SECRET-KEY-1{t.rand(58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')}"],
        ["AGE-SECRET-KEY-1"],
    ),
    RuleCase("shippo-api-token", [f"shippo_live_{t.rand(40, HEX)}"], ["shippo_live_"]),
    RuleCase("easypost-api-key", [f"EZAK{t.rand(54)}"], ["EZAK"]),
]


@pytest.mark.parametrize("case", MESSAGING + PAYMENTS + SAAS, ids=str)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)
