from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.routing.catalog import Catalog
from buildrunner.routing.errors import PriceUnavailableError, UnknownModelError


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("haiku", "claude-haiku-5-5"),
        ("sonnet", "claude-sonnet-5-5"),
        ("opus", "claude-opus-5-5"),
        ("claude-opus-4-5", "claude-opus-4-5"),
        ("claude-opus-4-5-20251101", "claude-opus-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-5-latest", "claude-opus-5"),
        ("claude-sonnet-5-5-20261001", "claude-sonnet-5-5"),
    ],
)
def test_canonical_names(name: str, expected: str) -> None:
    assert Catalog().canonical(name) == expected


def test_unknown_model_is_a_usage_error() -> None:
    with pytest.raises(UnknownModelError, match="unknown model or tier 'gpt-5'") as info:
        Catalog().canonical("gpt-5")
    assert info.value.exit_code == 2


def test_tiers_come_from_config() -> None:
    config = RoutingConfig(haiku_model="claude-haiku-4-5", opus_model="claude-opus-4-8")
    catalog = Catalog.from_config(config)
    assert catalog.tiers == {
        "haiku": "claude-haiku-4-5",
        "sonnet": "claude-sonnet-5-5",
        "opus": "claude-opus-4-8",
    }
    assert catalog.spec("haiku").context_window == 200_000
    assert [e.spec.id for e in catalog.entries(include_all=False)] == [
        "claude-haiku-4-5",
        "claude-sonnet-5-5",
        "claude-opus-4-8",
    ]


def test_config_adds_a_model_with_limits_and_prices() -> None:
    config = RoutingConfig(
        sonnet_model="claude-private-1",
        models=MappingProxyType({"claude-private-1": MappingProxyType({"context_window": 50_000})}),
        prices=MappingProxyType(
            {"claude-private-1": MappingProxyType({"input": Decimal("1"), "output": Decimal("2")})}
        ),
    )
    catalog = Catalog.from_config(config)
    prices = catalog.prices("sonnet")
    assert (prices.rates.input, prices.rates.output, prices.rates.cache_read) == (1, 2, 0)
    assert prices.source == "config"
    assert catalog.spec("sonnet").context_window == 50_000


def test_price_override_on_a_known_model() -> None:
    config = RoutingConfig(
        prices=MappingProxyType({"claude-opus-5-5": MappingProxyType({"output": Decimal("19")})})
    )
    prices = Catalog.from_config(config).prices("opus")
    assert (prices.rates.input, prices.rates.output) == (4, 19)
    assert prices.source == "config"


def test_a_model_without_a_price_is_never_priced() -> None:
    config = RoutingConfig(haiku_model="claude-nothing-1")
    catalog = Catalog.from_config(config)
    assert catalog.maybe_prices("haiku") is None
    with pytest.raises(PriceUnavailableError, match="no price for model 'claude-nothing-1'"):
        catalog.prices("haiku")
