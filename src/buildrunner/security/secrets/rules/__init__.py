"""The built-in secret rules, one module per family. Rule ids are permanent."""

from __future__ import annotations

from buildrunner.security.secrets.rule import SecretRule
from buildrunner.security.secrets.rules import (
    ai,
    cloud,
    generic,
    keys,
    messaging,
    payments,
    saas,
    vcs,
)

BUILTIN_RULES: tuple[SecretRule, ...] = (
    *ai.RULES,
    *cloud.RULES,
    *vcs.RULES,
    *messaging.RULES,
    *payments.RULES,
    *saas.RULES,
    *keys.RULES,
    *generic.RULES,
)
"""Every built-in secret rule, in catalog order."""

FAMILIES: tuple[tuple[str, tuple[SecretRule, ...]], ...] = (
    ("AI and model providers", ai.RULES),
    ("Cloud and infrastructure", cloud.RULES),
    ("Source hosting and package registries", vcs.RULES),
    ("Messaging and e-mail", messaging.RULES),
    ("Payments and commerce", payments.RULES),
    ("Software as a service", saas.RULES),
    ("Keys, tokens and passwords by shape", keys.RULES),
    ("Generic", generic.RULES),
)
"""The rule families, for the generated catalog."""


def rule_by_id(rule_id: str) -> SecretRule | None:
    return next((rule for rule in BUILTIN_RULES if rule.id == rule_id), None)
