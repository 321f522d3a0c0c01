from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.routing.catalog import Catalog
from buildrunner.routing.complexity import estimate_complexity
from buildrunner.routing.errors import (
    BudgetExceededError,
    ContextTooLargeError,
    NoModelAvailableError,
)
from buildrunner.routing.selection import select_model

OPUS, SONNET, HAIKU = "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"
FALLBACK = RoutingConfig().fallback


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("Fix typo in README.md", HAIKU),
        ("Add pagination with tests for each case", SONNET),
        ("Please look at this.", SONNET),  # no signal: the stated default (moderate)
        ("Migrate the queue from Celery to Postgres without downtime", OPUS),
        ("RCE in the upload endpoint, fix it now", OPUS),
    ],
)
def test_level_to_tier(text: str, model: str) -> None:
    selection = select_model(estimate_complexity(text), catalog=Catalog())
    assert selection.model == model
    assert selection.expected_cost > 0
    assert selection.worst_case >= selection.expected_cost
    assert {c.model for c in selection.alternatives} == {OPUS, SONNET, HAIKU} - {model}


def test_expected_and_worst_case_costs() -> None:
    estimate = replace(estimate_complexity("Fix typo in README.md"), tokens=1000)
    selection = select_model(estimate, catalog=Catalog(), max_tokens=2000)
    # expected: 1000*0.1 + 1000*0.5 ; worst: 1000*0.2 (1h write rate) + 2000*0.5
    assert (selection.expected_cost, selection.worst_case) == (Decimal("0.0006"), Decimal("0.0012"))


def test_context_window_is_never_exceeded() -> None:
    catalog = Catalog(tiers={"haiku": "claude-haiku-4-5", "sonnet": "claude-sonnet-5-5",
                             "opus": "claude-opus-5-5"})  # fmt: skip
    estimate = replace(estimate_complexity("Fix typo in README.md"), tokens=300_000)
    selection = select_model(estimate, catalog=catalog, fallback=FALLBACK)
    assert selection.model == SONNET
    assert "window 200,000 too small" in selection.reason
    with pytest.raises(ContextTooLargeError, match="fits no model"):
        select_model(replace(estimate, tokens=2_000_000), catalog=catalog)


def test_open_breaker_moves_along_the_fallback_chain() -> None:
    estimate = estimate_complexity("RCE in the upload endpoint, fix it now")
    selection = select_model(estimate, catalog=Catalog(), fallback=FALLBACK,
                             open_breakers={OPUS: 12.0})  # fmt: skip
    assert selection.model == SONNET
    assert "circuit open (12s left)" in selection.reason
    with pytest.raises(NoModelAvailableError, match="cooling down") as info:
        select_model(estimate, catalog=Catalog(), open_breakers={OPUS: 12, SONNET: 5, HAIKU: 9})
    assert info.value.retry_after == 5


def test_money_limits_downgrade_or_refuse() -> None:
    estimate = estimate_complexity("RCE in the upload endpoint, fix it now")
    cheap = select_model(estimate, catalog=Catalog(), max_cost=Decimal("0.05"))
    assert cheap.model == SONNET
    assert "over the per-task maximum" in cheap.reason
    with pytest.raises(BudgetExceededError, match="over the per-task maximum"):
        select_model(estimate, catalog=Catalog(), max_cost=Decimal("0.05"), on_exceed="refuse")
    with pytest.raises(BudgetExceededError, match="remaining budget"):
        select_model(estimate, catalog=Catalog(), budget_remaining=Decimal("0.0001"))


def test_explicit_override_is_not_silently_changed() -> None:
    estimate = estimate_complexity("Fix typo in README.md")
    assert select_model(estimate, catalog=Catalog(), requested="opus").model == OPUS
    with pytest.raises(BudgetExceededError):
        select_model(estimate, catalog=Catalog(), requested="opus", max_cost=Decimal("0.001"))
