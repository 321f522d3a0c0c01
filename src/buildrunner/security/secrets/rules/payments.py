"""Payments and commerce: Stripe, Square, PayPal Braintree, Shopify, Flutterwave, Plaid."""

from __future__ import annotations

from buildrunner.security.secrets.rule import SecretRule
from buildrunner.security.secrets.rules._build import RIGHT_URLSAFE, provider


def _shopify(rule_id: str, title: str, prefix: str) -> SecretRule:
    return provider(
        rule_id, title, prefix, r"[a-fA-F0-9]{32}", (prefix,), severity="high", entropy=3.0
    )


RULES: tuple[SecretRule, ...] = (
    provider(
        "stripe-secret-key",
        "Stripe live secret key",
        r"sk_live_",
        r"[A-Za-z0-9]{24,247}",
        ("sk_live_",),
        severity="critical",
        entropy=3.5,
        description="A Stripe live-mode secret key: moves real money.",
    ),
    provider(
        "stripe-test-secret-key",
        "Stripe test secret key",
        r"sk_test_",
        r"[A-Za-z0-9]{24,247}",
        ("sk_test_",),
        severity="medium",
        entropy=3.5,
        description="A Stripe test-mode secret key: no money moves, but it reads the test "
        "account's data.",
    ),
    provider(
        "stripe-restricted-key",
        "Stripe restricted key",
        r"rk_(?:live|test)_",
        r"[A-Za-z0-9]{24,247}",
        ("rk_live_", "rk_test_"),
        severity="high",
        entropy=3.5,
    ),
    provider(
        "stripe-webhook-secret",
        "Stripe webhook signing secret",
        r"whsec_",
        r"[A-Za-z0-9+/]{32,64}",
        ("whsec_",),
        severity="high",
        entropy=3.5,
    ),
    provider(
        "square-access-token",
        "Square access token",
        r"(?:EAAA|sq0atp-)",
        r"[A-Za-z0-9_-]{22,60}",
        ("eaaa", "sq0atp-"),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
    ),
    provider(
        "square-oauth-secret",
        "Square OAuth application secret",
        r"sq0csp-",
        r"[A-Za-z0-9_-]{43}",
        ("sq0csp-",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
    ),
    provider(
        "braintree-access-token",
        "PayPal Braintree access token",
        r"access_token\$production\$",
        r"[0-9a-z]{16}\$[0-9a-f]{32}",
        ("access_token$production$",),
        severity="critical",
        entropy=3.0,
    ),
    _shopify("shopify-access-token", "Shopify Admin API access token", "shpat_"),
    _shopify("shopify-custom-app-token", "Shopify custom app access token", "shpca_"),
    _shopify("shopify-private-app-token", "Shopify private app password", "shppa_"),
    _shopify("shopify-shared-secret", "Shopify app shared secret", "shpss_"),
    provider(
        "flutterwave-secret-key",
        "Flutterwave secret key",
        r"FLWSECK(?:_TEST)?-",
        r"[a-h0-9]{32}-X",
        ("flwseck",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.0,
    ),
    provider(
        "plaid-access-token",
        "Plaid access token",
        r"access-(?:production|development|sandbox)-",
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ("access-production-", "access-development-", "access-sandbox-"),
        severity="high",
        entropy=3.0,
    ),
)
