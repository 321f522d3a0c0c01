from __future__ import annotations

import re

from buildrunner.security import list_rules
from buildrunner.security.secrets.rules import BUILTIN_RULES, FAMILIES, rule_by_id
from tests.security.secrets import (
    test_rules_ai,
    test_rules_cloud,
    test_rules_generic,
    test_rules_keys,
    test_rules_services,
    test_rules_vcs,
)
from tests.security.secrets.rulecases import RuleCase

TABLES: list[RuleCase] = [
    *test_rules_ai.CASES,
    *test_rules_cloud.CASES,
    *test_rules_vcs.CASES,
    *test_rules_services.MESSAGING,
    *test_rules_services.PAYMENTS,
    *test_rules_services.SAAS,
    *test_rules_keys.CASES,
    *test_rules_generic.CASES,
]


def test_at_least_sixty_rules_with_unique_permanent_ids() -> None:
    ids = [rule.id for rule in BUILTIN_RULES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule_id) for rule_id in ids)
    assert sum(len(rules) for _, rules in FAMILIES) == len(BUILTIN_RULES)


def test_every_rule_has_a_table_of_hits_and_near_misses() -> None:
    covered: dict[str, tuple[int, int]] = {}
    for case in TABLES:
        hits, misses = covered.get(case.rule_id, (0, 0))
        covered[case.rule_id] = (hits + len(case.hits), misses + len(case.misses))
    missing = [rule.id for rule in BUILTIN_RULES if rule.id not in covered]
    assert missing == []
    assert all(hits >= 1 and misses >= 1 for hits, misses in covered.values())
    assert set(covered) <= {rule.id for rule in BUILTIN_RULES}


def test_every_rule_is_well_formed() -> None:
    for rule in BUILTIN_RULES:
        assert rule.keywords, rule.id
        assert all(k == k.lower() for k in rule.keywords), rule.id
        assert "secret" in rule.regex.groupindex, rule.id
        info = rule.info()
        assert info.cwe == "CWE-798"
        assert info.severity in ("critical", "high", "medium", "low")
        assert info.title


def test_required_providers_are_covered() -> None:
    required = [
        "anthropic-api-key", "openai-project-key", "openai-service-account-key",
        "openai-admin-key", "openai-api-key", "openrouter-api-key", "jwt",
        "notion-integration-token", "apify-api-token", "bearer-token", "basic-auth-header",
        "aws-access-key-id", "aws-secret-access-key", "github-personal-access-token",
        "github-fine-grained-token", "github-oauth-token", "github-user-to-server-token",
        "github-server-to-server-token", "github-refresh-token", "slack-bot-token",
        "slack-user-token", "slack-webhook-url", "stripe-secret-key", "google-api-key",
        "gcp-service-account-key", "gitlab-personal-access-token", "npm-access-token",
        "pypi-upload-token", "huggingface-access-token", "twilio-api-key", "sendgrid-api-key",
        "mailgun-api-key", "discord-bot-token", "telegram-bot-token",
        "digitalocean-personal-access-token", "shopify-access-token", "datadog-api-key",
        "azure-storage-account-key", "databricks-api-token", "supabase-service-role-key",
        "private-key", "postgres-url-password", "mysql-url-password", "mongodb-url-password",
        "redis-url-password", "amqp-url-password", "generic-secret",
    ]  # fmt: skip
    assert [rule_id for rule_id in required if rule_by_id(rule_id) is None] == []


def test_list_rules_matches_the_registry() -> None:
    assert [info.id for info in list_rules(["secrets"])] == [rule.id for rule in BUILTIN_RULES]
