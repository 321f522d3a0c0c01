"""Exact cost of a call: usage records, price rows and the Decimal cost formula.

Conventions (shared/reference/pricing.md):

- :class:`Usage` follows Anthropic's *additive* convention: ``input_tokens`` is the uncached
  input only; cache writes (5 min and 1 h) and cache reads are separate counts, and the whole
  prompt is their sum. Usage from other conventions is converted once, at the boundary
  (:meth:`Usage.from_anthropic`, :meth:`Usage.from_claude_code`), never double-counted.
- Prices are USD per million tokens, as :class:`~decimal.Decimal`. Cost is computed in Decimal
  and never rounded here; round only for display. In SQLite it is stored exactly as a string and
  as integer pico-dollars (:func:`to_pusd`).
- A long-context tier applies to the *whole* request when the prompt (input + cache writes +
  cache reads) is above the threshold. The batch discount multiplies every rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

MTOK = Decimal(1_000_000)
PUSD = Decimal(10) ** 12
"""Pico-dollars per dollar: the integer unit money is stored in."""
BATCH_MULTIPLIER = Decimal("0.5")

PRICE_KEYS: tuple[str, ...] = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


@dataclass(frozen=True)
class Usage:
    """Token counts of one call, Anthropic convention (cache counts are not part of input)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    batch: bool = False

    def __post_init__(self) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "cache_read_tokens",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"usage {name} must be a non-negative integer, got {value!r}")

    @property
    def cache_write_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def prompt_tokens(self) -> int:
        """Every prompt token: uncached input + cache writes + cache reads."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_write_5m_tokens=self.cache_write_5m_tokens + other.cache_write_5m_tokens,
            cache_write_1h_tokens=self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            batch=self.batch and other.batch,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_write_5m_tokens": self.cache_write_5m_tokens,
            "cache_write_1h_tokens": self.cache_write_1h_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "batch": self.batch,
        }

    @classmethod
    def from_anthropic(cls, usage: Any, *, batch: bool | None = None) -> Usage:
        """Convert a Messages API ``usage`` (a dict or the SDK's object).

        ``cache_creation_input_tokens`` is split by ``cache_creation.ephemeral_5m/1h`` when the
        split is present; tokens the split does not account for are billed at the 5-minute rate.
        ``service_tier == "batch"`` marks batch usage unless `batch` says otherwise.
        """
        get = _getter(usage)
        created = _count(get("cache_creation_input_tokens"))
        split = get("cache_creation")
        split_get = _getter(split) if split is not None else (lambda _key: None)
        one_hour = _count(split_get("ephemeral_1h_input_tokens"))
        five_min = _count(split_get("ephemeral_5m_input_tokens"))
        if split is None or five_min + one_hour == 0:
            five_min, one_hour = created, 0
        elif five_min + one_hour < created:
            five_min += created - five_min - one_hour
        tier = get("service_tier")
        return cls(
            input_tokens=_count(get("input_tokens")),
            output_tokens=_count(get("output_tokens")),
            cache_write_5m_tokens=five_min,
            cache_write_1h_tokens=one_hour,
            cache_read_tokens=_count(get("cache_read_input_tokens")),
            batch=(tier == "batch") if batch is None else batch,
        )

    @classmethod
    def from_claude_code(cls, model_usage: Mapping[str, Any]) -> Usage:
        """Convert one entry of a Claude Code ``modelUsage`` map (camelCase, additive)."""
        return cls(
            input_tokens=_count(model_usage.get("inputTokens")),
            output_tokens=_count(model_usage.get("outputTokens")),
            cache_write_5m_tokens=_count(model_usage.get("cacheCreationInputTokens")),
            cache_read_tokens=_count(model_usage.get("cacheReadInputTokens")),
        )


def _getter(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj.get
    return lambda key: getattr(obj, key, None)


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"token count must be an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"token count must be an integer, got {value!r}") from None
    if number < 0:
        raise ValueError(f"token count must not be negative, got {value!r}")
    return number


@dataclass(frozen=True)
class Rates:
    """USD per million tokens for each kind of token."""

    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal

    def scaled(self, factor: Decimal) -> Rates:
        return Rates(*(getattr(self, key) * factor for key in PRICE_KEYS))

    def as_dict(self) -> dict[str, str]:
        return {key: str(getattr(self, key)) for key in PRICE_KEYS}


@dataclass(frozen=True)
class LongContext:
    """Rates for the whole request once the prompt is above `threshold` tokens."""

    threshold: int
    rates: Rates


@dataclass(frozen=True)
class ModelPrices:
    """The price row of one model, as of one date."""

    model: str
    rates: Rates
    long_context: LongContext | None = None
    batch_multiplier: Decimal = BATCH_MULTIPLIER
    source: str = "unknown"

    def rates_for(self, prompt_tokens: int, *, batch: bool = False) -> Rates:
        """The rates that apply to a request with this many prompt tokens."""
        rates = self.rates
        if self.long_context is not None and prompt_tokens > self.long_context.threshold:
            rates = self.long_context.rates
        return rates.scaled(self.batch_multiplier) if batch else rates

    def with_overrides(self, overrides: Mapping[str, Decimal], source: str) -> ModelPrices:
        """Apply per-model price overrides from the configuration."""
        base = Rates(*(overrides.get(key, getattr(self.rates, key)) for key in PRICE_KEYS))
        long_context = self.long_context
        if "long_context_threshold" in overrides:
            threshold = int(overrides["long_context_threshold"])
            lc_rates = long_context.rates if long_context else base
            lc = {
                key: overrides.get(f"long_context_{key}", getattr(lc_rates, key))
                for key in PRICE_KEYS
            }
            long_context = LongContext(threshold, Rates(**lc))
        return replace(self, rates=base, long_context=long_context, source=source)


@dataclass(frozen=True)
class Cost:
    """The cost of one usage record, per kind of token, in USD (exact Decimal)."""

    model: str
    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    long_context: bool = False
    batch: bool = False
    source: str = "unknown"
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        total = (
            self.input + self.output + self.cache_write_5m + self.cache_write_1h + self.cache_read
        )
        object.__setattr__(self, "total", total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "total_usd": str(self.total),
            **{f"{key}_usd": str(getattr(self, key)) for key in PRICE_KEYS},
            "long_context": self.long_context,
            "batch": self.batch,
            "price_source": self.source,
        }


def price_usage(usage: Usage, prices: ModelPrices) -> Cost:
    """The exact cost of `usage` under `prices` (cache counts added to the prompt, once)."""
    rates = prices.rates_for(usage.prompt_tokens, batch=usage.batch)
    long_context = (
        prices.long_context is not None and usage.prompt_tokens > prices.long_context.threshold
    )
    return Cost(
        model=prices.model,
        input=usage.input_tokens * rates.input / MTOK,
        output=usage.output_tokens * rates.output / MTOK,
        cache_write_5m=usage.cache_write_5m_tokens * rates.cache_write_5m / MTOK,
        cache_write_1h=usage.cache_write_1h_tokens * rates.cache_write_1h / MTOK,
        cache_read=usage.cache_read_tokens * rates.cache_read / MTOK,
        long_context=long_context,
        batch=usage.batch,
        source=prices.source,
    )


def worst_case_cost(prices: ModelPrices, *, prompt_tokens: int, max_tokens: int) -> Decimal:
    """What a call can cost at most: the prompt at the dearest prompt rate + max_tokens output.

    The dearest prompt rate is the larger of input and 1-hour cache write (a prompt may be
    written to the cache), at the long-context rates when the prompt plus output could cross
    the threshold.
    """
    rates = prices.rates
    if (
        prices.long_context is not None
        and prompt_tokens + max_tokens > prices.long_context.threshold
    ):
        rates = prices.long_context.rates
    prompt_rate = max(rates.input, rates.cache_write_1h, rates.cache_write_5m)
    return (prompt_tokens * prompt_rate + max_tokens * rates.output) / MTOK


def expected_cost(prices: ModelPrices, *, prompt_tokens: int, output_tokens: int) -> Decimal:
    """A plain estimate: uncached prompt at the input rate plus the expected output."""
    return price_usage(Usage(input_tokens=prompt_tokens, output_tokens=output_tokens), prices).total


def to_pusd(amount: Decimal) -> int:
    """USD as integer pico-dollars (rounded half-even below 10^-12 USD)."""
    return int((amount * PUSD).to_integral_value())


def from_pusd(amount: int) -> Decimal:
    """Integer pico-dollars as USD."""
    return (Decimal(amount) / PUSD).normalize() if amount else Decimal(0)


def format_usd(amount: Decimal, places: int = 6) -> str:
    """``$0.003728`` for display (exact values stay Decimal)."""
    quantum = Decimal(1).scaleb(-places)
    return f"${amount.quantize(quantum)}"


# --------------------------------------------------------------------------- genai-prices


def genai_prices_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genai-prices")
    except PackageNotFoundError:
        return "not installed"


def load_genai_prices(model: str, at: datetime) -> ModelPrices | None:
    """The price row of `model` from genai-prices' offline data, as of `at` (None if unknown).

    genai-prices is imported here, lazily (about 0.1 s); it never touches the network unless its
    opt-in background refresh is started, which br never does.
    """
    try:
        from genai_prices import data_snapshot
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    snapshot = data_snapshot.get_snapshot()
    provider = next((p for p in snapshot.providers if p.id == "anthropic"), None)
    if provider is None:  # pragma: no cover - the data always has Anthropic
        return None
    info = provider.find_model(model)
    if info is None:
        return None
    price = info.get_prices(at)
    base: dict[str, Decimal] = {}
    tier: dict[str, Decimal] = {}
    threshold: int | None = None
    keys = {
        "input": "input_mtok",
        "output": "output_mtok",
        "cache_write_5m": "cache_write_mtok",
        "cache_write_1h": "cache_write_1h_mtok",
        "cache_read": "cache_read_mtok",
    }
    for ours, theirs in keys.items():
        value = getattr(price, theirs, None)
        if value is None:
            value = getattr(price, "cache_write_mtok", None) if ours == "cache_write_1h" else None
        if value is None:
            value = Decimal(0)
        if not isinstance(value, Decimal):  # genai-prices TieredPrices
            base[ours] = Decimal(value.base)
            if value.tiers:
                threshold = int(value.tiers[0].start)
                tier[ours] = Decimal(value.tiers[0].price)
        else:
            base[ours] = Decimal(value)
    long_context = None
    if threshold is not None:
        long_context = LongContext(
            threshold, Rates(**{key: tier.get(key, base[key]) for key in PRICE_KEYS})
        )
    return ModelPrices(
        model=model,
        rates=Rates(**base),
        long_context=long_context,
        source=f"genai-prices {genai_prices_version()}",
    )
