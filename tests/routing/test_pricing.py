"""Golden costs computed by hand, the usage conventions, and agreement with genai-prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from buildrunner.routing.catalog import Catalog
from buildrunner.routing.pricing import (
    LongContext,
    ModelPrices,
    Rates,
    Usage,
    format_usd,
    from_pusd,
    price_usage,
    to_pusd,
    worst_case_cost,
)

D = Decimal
SONNET_45 = ModelPrices(
    "claude-sonnet-4-5",
    Rates(D("3"), D("15"), D("3.75"), D("6"), D("0.3")),
    LongContext(200_000, Rates(D("6"), D("22.5"), D("7.5"), D("12"), D("0.6"))),
)
HAIKU_55 = ModelPrices(
    "claude-haiku-5-5",
    Rates(D("0.1"), D("0.5"), D("0.125"), D("0.2"), D("0.01")),
    LongContext(100_000, Rates(D("0.5"), D("2.5"), D("0.625"), D("1"), D("0.05"))),
)
OPUS_55 = ModelPrices("claude-opus-5-5", Rates(D("4"), D("20"), D("5"), D("8"), D("0.2")))


@pytest.mark.parametrize(
    ("prices", "usage", "expected"),
    [
        # 504*3 + 123*3.75 + 1000*0.3 + 97*15 = 3728.25 per million
        (SONNET_45, Usage(504, 97, 123, 0, 1000), "0.00372825"),
        # plain: 1000*3 + 500*15 = 10500
        (SONNET_45, Usage(1000, 500), "0.0105"),
        # 1-hour cache write: 2000*6 + 100*15 = 13500
        (SONNET_45, Usage(0, 100, 0, 2000, 0), "0.0135"),
        # 5-minute and 1-hour writes in one call: 100*3 + 1000*3.75 + 1000*6 = 10050
        (SONNET_45, Usage(100, 0, 1000, 1000, 0), "0.01005"),
        # cache read only: 10000*0.3 = 3000
        (SONNET_45, Usage(0, 0, 0, 0, 10_000), "0.003"),
        # batch halves every rate: (1000*3 + 1000*15) / 2 = 9000
        (SONNET_45, Usage(1000, 1000, batch=True), "0.009"),
        # exactly at the threshold: base rates, 200000*3 + 1000*15 = 615000
        (SONNET_45, Usage(200_000, 1000), "0.615"),
        # above it (input + cache read = 210000): the whole request at 6 / 22.5 / 0.6
        (SONNET_45, Usage(150_000, 1000, 0, 0, 60_000), "0.9585"),
        # long context and batch together: 0.9585 / 2
        (SONNET_45, Usage(150_000, 1000, 0, 0, 60_000, batch=True), "0.47925"),
        # Haiku 5.5's tier starts above 100k: 100001*0.5 + 10*2.5 = 50025.5
        (HAIKU_55, Usage(100_001, 10), "0.0500255"),
        (HAIKU_55, Usage(100_000, 10), "0.010005"),
        # output-heavy: 10*4 + 100000*20 = 2000040
        (OPUS_55, Usage(10, 100_000), "2.00004"),
        (OPUS_55, Usage(), "0"),
    ],
)
def test_golden_costs(prices: ModelPrices, usage: Usage, expected: str) -> None:
    assert price_usage(usage, prices).total == D(expected)


def test_cost_breakdown_adds_up_to_the_total() -> None:
    cost = price_usage(Usage(504, 97, 123, 0, 1000), SONNET_45)
    assert (cost.input, cost.output, cost.cache_write_5m, cost.cache_read) == (
        D("0.001512"),
        D("0.001455"),
        D("0.00046125"),
        D("0.0003"),
    )
    assert cost.cache_write_1h == 0
    assert cost.long_context is False


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("claude-sonnet-4-5", "0.0384"),
        ("claude-sonnet-4-6", "0.0384"),
        ("claude-haiku-4-5", "0.0128"),
        ("claude-opus-4-5", "0.064"),
        ("claude-sonnet-5", "0.0256"),
    ],
)
def test_catalog_golden_from_reference(model: str, expected: str) -> None:
    # genai-prices style input_tokens=12000 includes 2000 written and 8000 read: in
    # Anthropic's additive convention that is 2000 uncached + 2000 write + 8000 read.
    usage = Usage(input_tokens=2000, output_tokens=1500, cache_write_5m_tokens=2000,
                  cache_read_tokens=8000)  # fmt: skip
    assert price_usage(usage, Catalog().prices(model)).total == D(expected)


def test_from_anthropic_keeps_cache_counts_out_of_input() -> None:
    raw = {
        "input_tokens": 504,
        "output_tokens": 97,
        "cache_creation_input_tokens": 123,
        "cache_read_input_tokens": 1000,
    }
    usage = Usage.from_anthropic(raw)
    assert usage == Usage(504, 97, 123, 0, 1000)
    assert usage.prompt_tokens == 1627
    assert price_usage(usage, SONNET_45).total == D("0.00372825")


def test_from_anthropic_splits_5m_and_1h_writes() -> None:
    raw = {
        "input_tokens": 10,
        "output_tokens": 5,
        "cache_creation_input_tokens": 300,
        "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 150},
        "service_tier": "batch",
    }
    usage = Usage.from_anthropic(raw)
    # 50 tokens the split does not account for are billed at the 5-minute rate
    assert (usage.cache_write_5m_tokens, usage.cache_write_1h_tokens) == (150, 150)
    assert usage.batch is True


def test_from_claude_code_model_usage() -> None:
    entry = {"inputTokens": 38, "outputTokens": 2114, "cacheReadInputTokens": 121884,
             "cacheCreationInputTokens": 9120, "costUSD": 0.1025892}  # fmt: skip
    usage = Usage.from_claude_code(entry)
    assert usage == Usage(38, 2114, 9120, 0, 121884)
    # Sonnet 4.6: 38*3 + 2114*15 + 9120*3.75 + 121884*0.3 = 102589.2 per million
    assert price_usage(usage, Catalog().prices("claude-sonnet-4-6")).total == D("0.1025892")


@pytest.mark.parametrize(
    "bad", [{"input_tokens": -1}, {"input_tokens": "x"}, {"output_tokens": []}]
)
def test_bad_usage_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="token count"):
        Usage.from_anthropic(bad)


def test_worst_case_uses_dearest_prompt_rate_and_full_output() -> None:
    # 1000 prompt tokens at the 1-hour write rate 6 + 4096 output at 15
    assert worst_case_cost(SONNET_45, prompt_tokens=1000, max_tokens=4096) == D("0.06744")
    # prompt + output above the threshold: long-context rates
    assert worst_case_cost(SONNET_45, prompt_tokens=199_000, max_tokens=2000) == D("2.433")


def test_pico_dollar_round_trip() -> None:
    amount = D("0.00372825")
    assert to_pusd(amount) == 3_728_250_000
    assert from_pusd(to_pusd(amount)) == amount
    assert format_usd(amount) == "$0.003728"


def test_overrides_replace_rates_and_add_a_tier() -> None:
    overridden = OPUS_55.with_overrides(
        {"input": D("1"), "long_context_threshold": D("1000"), "long_context_input": D("2")},
        source="config",
    )
    assert overridden.rates.input == 1
    assert overridden.rates.output == 20
    assert overridden.source == "config"
    assert price_usage(Usage(1001, 0), overridden).total == D("0.002002")
    assert price_usage(Usage(1000, 0), overridden).total == D("0.001")


# --------------------------------------------------------------------------- genai-prices

SHAPES = {
    "plain": {"input_tokens": 1200, "output_tokens": 300},
    "write_5m": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 4000,
                 "cache_creation": {"ephemeral_5m_input_tokens": 4000,
                                    "ephemeral_1h_input_tokens": 0}},
    "write_1h": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 4000,
                 "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                    "ephemeral_1h_input_tokens": 4000}},
    "cache_read": {"input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 50_000},
    "output_heavy": {"input_tokens": 20, "output_tokens": 60_000},
    "long_context": {"input_tokens": 150_000, "output_tokens": 2000,
                     "cache_read_input_tokens": 60_000},
}  # fmt: skip
AT = datetime(2026, 11, 23, tzinfo=UTC)
KNOWN_DIFFERENCES = {
    # genai-prices models batch variants only for active models (since 2026-10-14); Opus 4.1
    # is retired and priced at standard rates there. Anthropic bills batch at 50%: br halves.
    ("claude-opus-4-1", "batch"): Decimal("0.5"),
}


def _catalog_models() -> list[str]:
    return Catalog().models()


@pytest.mark.parametrize("model", _catalog_models())
@pytest.mark.parametrize("shape", [*SHAPES, "batch"])
def test_agrees_with_genai_prices(model: str, shape: str) -> None:
    from genai_prices import extract_usage

    raw = dict(SHAPES["plain" if shape == "batch" else shape])
    usage = Usage.from_anthropic(raw, batch=shape == "batch")
    ours = price_usage(usage, Catalog(at=AT).prices(model)).total
    extracted = extract_usage({"model": model, "usage": raw}, provider_id="anthropic")
    context = {"processing": "batch"} if shape == "batch" else None
    theirs = extracted.calc_price(genai_request_timestamp=AT, price_context=context).total_price
    theirs *= KNOWN_DIFFERENCES.get((model, shape), Decimal(1))
    assert ours == theirs, f"{model} {shape}: br {ours} != genai-prices {theirs}"


def test_every_tier_model_has_a_price_row() -> None:
    catalog = Catalog()
    for tier in ("haiku", "sonnet", "opus"):
        prices = catalog.prices(tier)
        assert prices.rates.input > 0
        assert prices.rates.output > prices.rates.input
        assert prices.source.startswith("genai-prices ")
