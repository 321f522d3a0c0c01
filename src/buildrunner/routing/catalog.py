"""The model catalog: tiers, model ids, context windows, output limits and price rows.

The built-in table lists the Claude models br knows (context window and max output as
published; checked on :data:`CHECKED_AT`). Prices are not in this table: they come from
genai-prices' offline data (:func:`~buildrunner.routing.pricing.load_genai_prices`), with
per-model overrides from ``[routing.prices]``. ``[routing.models]`` adds models or changes their
limits. The three tiers ``haiku``, ``sonnet`` and ``opus`` name one model each
(``routing.haiku_model`` ...). A model without a price row is never chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from buildrunner.routing.errors import PriceUnavailableError, UnknownModelError
from buildrunner.routing.pricing import PRICE_KEYS, ModelPrices, Rates, load_genai_prices

if TYPE_CHECKING:
    from buildrunner.core.sections import RoutingConfig

TIERS: tuple[str, ...] = ("haiku", "sonnet", "opus")
"""Tiers from cheapest to strongest."""
CHECKED_AT = "2026-11-23"
"""When the built-in context windows and output limits were last checked."""


@dataclass(frozen=True)
class ModelSpec:
    """One model of the catalog."""

    id: str
    family: str
    name: str
    context_window: int
    max_output: int
    status: str = "current"
    aliases: tuple[str, ...] = ()
    checked_at: str = CHECKED_AT


BUILTIN_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "claude-haiku-4-5",
        "haiku",
        "Claude Haiku 4.5",
        200_000,
        64_000,
        aliases=("claude-haiku-4-5-20251001",),
    ),
    ModelSpec("claude-haiku-5-5", "haiku", "Claude Haiku 5.5", 1_000_000, 64_000),
    ModelSpec(
        "claude-sonnet-4-5",
        "sonnet",
        "Claude Sonnet 4.5",
        200_000,
        64_000,
        status="legacy",
        aliases=("claude-sonnet-4-5-20250929",),
    ),
    ModelSpec("claude-sonnet-4-6", "sonnet", "Claude Sonnet 4.6", 1_000_000, 64_000),
    ModelSpec("claude-sonnet-5", "sonnet", "Claude Sonnet 5", 1_000_000, 64_000),
    ModelSpec("claude-sonnet-5-5", "sonnet", "Claude Sonnet 5.5", 1_000_000, 64_000),
    ModelSpec(
        "claude-opus-4-1",
        "opus",
        "Claude Opus 4.1",
        200_000,
        32_000,
        status="retired",
        aliases=("claude-opus-4-1-20250805",),
    ),
    ModelSpec(
        "claude-opus-4-5",
        "opus",
        "Claude Opus 4.5",
        200_000,
        64_000,
        aliases=("claude-opus-4-5-20251101",),
    ),
    ModelSpec("claude-opus-4-6", "opus", "Claude Opus 4.6", 1_000_000, 128_000),
    ModelSpec("claude-opus-4-7", "opus", "Claude Opus 4.7", 1_000_000, 128_000),
    ModelSpec("claude-opus-4-8", "opus", "Claude Opus 4.8", 1_000_000, 128_000),
    ModelSpec("claude-opus-5", "opus", "Claude Opus 5", 1_000_000, 128_000, status="legacy"),
    ModelSpec("claude-opus-5-5", "opus", "Claude Opus 5.5", 1_000_000, 128_000),
    ModelSpec("claude-fable-5", "fable", "Claude Fable 5", 1_000_000, 128_000),
    ModelSpec("claude-fable-5-1", "fable", "Claude Fable 5.1", 1_000_000, 128_000),
)

_DATED = re.compile(r"^(?P<base>.+?)(?:-\d{8}|-latest|@\d{8})$")


@dataclass(frozen=True)
class CatalogEntry:
    """A model with its price row, as shown by `br routing models`."""

    spec: ModelSpec
    prices: ModelPrices | None
    tiers: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        prices = self.prices
        return {
            "id": self.spec.id,
            "name": self.spec.name,
            "family": self.spec.family,
            "tiers": list(self.tiers),
            "status": self.spec.status,
            "context_window": self.spec.context_window,
            "max_output": self.spec.max_output,
            "aliases": list(self.spec.aliases),
            "prices_per_mtok": prices.rates.as_dict() if prices else None,
            "long_context": (
                {"threshold": prices.long_context.threshold, **prices.long_context.rates.as_dict()}
                if prices and prices.long_context
                else None
            ),
            "batch_multiplier": str(prices.batch_multiplier) if prices else None,
            "price_source": prices.source if prices else None,
            "checked_at": self.spec.checked_at,
        }


class Catalog:
    """Models, tiers and prices under one configuration (cheap to build; prices cached)."""

    def __init__(
        self,
        *,
        tiers: Mapping[str, str] | None = None,
        models: Iterable[ModelSpec] = BUILTIN_MODELS,
        price_overrides: Mapping[str, Mapping[str, Decimal]] | None = None,
        at: datetime | None = None,
    ) -> None:
        self._specs: dict[str, ModelSpec] = {spec.id: spec for spec in models}
        self._aliases: dict[str, str] = {
            alias: spec.id for spec in self._specs.values() for alias in spec.aliases
        }
        self.tiers: dict[str, str] = dict(
            tiers
            or {
                "haiku": "claude-haiku-5-5",
                "sonnet": "claude-sonnet-5-5",
                "opus": "claude-opus-5-5",
            }
        )
        self._overrides = {k: dict(v) for k, v in (price_overrides or {}).items()}
        self.at = at or datetime.now(UTC)
        self._prices: dict[str, ModelPrices | None] = {}
        for tier, model in self.tiers.items():
            if tier not in TIERS:
                raise UnknownModelError(f"unknown tier '{tier}'", hint="tiers: haiku, sonnet, opus")
            self.tiers[tier] = self.canonical(model, strict=False)

    @classmethod
    def from_config(cls, config: RoutingConfig, *, at: datetime | None = None) -> Catalog:
        """The catalog of `config`: tier models, ``[routing.models]`` and ``[routing.prices]``."""
        specs = {spec.id: spec for spec in BUILTIN_MODELS}
        for model_id, limits in config.models.items():
            base = specs.get(model_id) or ModelSpec(
                model_id, _family_of(model_id), model_id, 200_000, 8_192, status="custom"
            )
            specs[model_id] = replace(
                base,
                context_window=int(limits.get("context_window", base.context_window)),
                max_output=int(limits.get("max_output", base.max_output)),
            )
        tiers = {
            "haiku": config.haiku_model,
            "sonnet": config.sonnet_model,
            "opus": config.opus_model,
        }
        for model_id in tiers.values():
            if model_id not in specs and _strip_date(model_id) not in specs:
                specs[model_id] = ModelSpec(
                    model_id, _family_of(model_id), model_id, 200_000, 8_192, status="custom"
                )
        return cls(tiers=tiers, models=specs.values(), price_overrides=config.prices, at=at)

    # ----------------------------------------------------------------- lookups

    def canonical(self, name: str, *, strict: bool = True) -> str:
        """The catalog id of a tier name, model id or alias (``opus`` -> ``claude-opus-5-5``)."""
        key = name.strip()
        if key in self.tiers:
            return self.tiers[key]
        if key in self._specs:
            return key
        if key in self._aliases:
            return self._aliases[key]
        base = _strip_date(key)
        if base in self._specs:
            return base
        if strict:
            known = ", ".join([*TIERS, *sorted(self._specs)])
            raise UnknownModelError(
                f"unknown model or tier '{name}'",
                hint=f"known: {known}; add others under [routing.models]",
            )
        return key

    def spec(self, name: str) -> ModelSpec:
        return self._specs[self.canonical(name)]

    def tier_of(self, model: str) -> str | None:
        """The tier a model is assigned to, or its family if that is a tier name."""
        for tier, model_id in self.tiers.items():
            if model_id == model:
                return tier
        family = self._specs[model].family if model in self._specs else None
        return family if family in TIERS else None

    def tiers_of(self, model: str) -> tuple[str, ...]:
        return tuple(tier for tier, model_id in self.tiers.items() if model_id == model)

    def prices(self, name: str) -> ModelPrices:
        """The price row of a model; raises PriceUnavailableError when there is none."""
        found = self.maybe_prices(name)
        if found is None:
            raise PriceUnavailableError(
                f"no price for model '{self.canonical(name)}' in genai-prices or [routing.prices]",
                hint="add input and output prices under [routing.prices] in the config",
            )
        return found

    def maybe_prices(self, name: str) -> ModelPrices | None:
        model = self.canonical(name)
        if model not in self._prices:
            self._prices[model] = self._load_prices(model)
        return self._prices[model]

    def _load_prices(self, model: str) -> ModelPrices | None:
        overrides = self._overrides.get(model)
        found = load_genai_prices(model, self.at)
        if overrides:
            if found is None:
                if not {"input", "output"} <= overrides.keys():
                    return None
                zero = Decimal(0)
                found = ModelPrices(
                    model=model,
                    rates=Rates(*(overrides.get(k, zero) for k in PRICE_KEYS)),
                    source="config",
                )
            return found.with_overrides(overrides, source="config")
        return found

    def entries(self, *, include_all: bool = True) -> list[CatalogEntry]:
        """Tier models first (haiku, sonnet, opus), then the rest of the catalog."""
        order = list(dict.fromkeys(self.tiers[t] for t in TIERS if t in self.tiers))
        if include_all:
            order += [m for m in self._specs if m not in order]
        return [CatalogEntry(self._specs[m], self.maybe_prices(m), self.tiers_of(m)) for m in order]

    def models(self) -> list[str]:
        return list(self._specs)


def _strip_date(model: str) -> str:
    match = _DATED.match(model)
    return match.group("base") if match else model


def _family_of(model: str) -> str:
    for family in (*TIERS, "fable", "mythos"):
        if family in model:
            return family
    return "custom"
