"""Model selection: complexity level to tier, then the constraints.

Order of the constraints: an explicit override (never silently changed: it fails instead),
the context window (never a model whose window cannot hold the prompt plus ``max_tokens``),
the circuit breaker (an open model is skipped for the next in its fallback chain), and money
(the per-task maximum and the remaining budget, compared with the worst case the call could
cost: refused, or moved to a cheaper tier, as configured).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from buildrunner.routing.catalog import TIERS, Catalog
from buildrunner.routing.complexity import Estimate
from buildrunner.routing.errors import (
    BudgetExceededError,
    ContextTooLargeError,
    NoModelAvailableError,
)
from buildrunner.routing.pricing import expected_cost, format_usd, worst_case_cost

DEFAULT_LEVEL_TIERS: Mapping[str, str] = {
    "simple": "haiku",
    "moderate": "sonnet",
    "complex": "opus",
    "critical": "opus",
}


@dataclass(frozen=True)
class Candidate:
    """A model that was considered, with its costs and why it was (not) chosen."""

    model: str
    tier: str | None
    expected_cost: Decimal
    worst_case: Decimal
    context_window: int
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tier": self.tier,
            "expected_cost_usd": str(self.expected_cost),
            "worst_case_usd": str(self.worst_case),
            "context_window": self.context_window,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Selection:
    """The chosen model, the expected and worst-case cost, the reason and the alternatives."""

    model: str
    tier: str | None
    level: str | None
    expected_cost: Decimal
    worst_case: Decimal
    reason: str
    prompt_tokens: int
    max_tokens: int
    alternatives: tuple[Candidate, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tier": self.tier,
            "level": self.level,
            "expected_cost_usd": str(self.expected_cost),
            "worst_case_usd": str(self.worst_case),
            "prompt_tokens": self.prompt_tokens,
            "max_tokens": self.max_tokens,
            "reason": self.reason,
            "notes": list(self.notes),
            "alternatives": [c.as_dict() for c in self.alternatives],
        }


def select_model(
    estimate: Estimate,
    *,
    catalog: Catalog,
    requested: str = "auto",
    level_tiers: Mapping[str, str] = DEFAULT_LEVEL_TIERS,
    fallback: Mapping[str, Sequence[str]] | None = None,
    max_tokens: int = 4096,
    max_cost: Decimal | None = None,
    budget_remaining: Decimal | None = None,
    on_exceed: Literal["downgrade", "refuse"] = "downgrade",
    open_breakers: Mapping[str, float] | None = None,
) -> Selection:
    """Choose a model for a task of `estimate`'s level under the constraints.

    `open_breakers` maps model id -> seconds until its circuit half-opens. Raises
    UnknownModelError, ContextTooLargeError, NoModelAvailableError or BudgetExceededError.
    """
    prompt = estimate.tokens
    output = min(estimate.output_tokens, max_tokens)
    blocked = dict(open_breakers or {})
    models = _candidates(catalog, requested, level_tiers, estimate.level)
    costs = {
        m: (
            expected_cost(catalog.prices(m), prompt_tokens=prompt, output_tokens=output),
            worst_case_cost(catalog.prices(m), prompt_tokens=prompt, max_tokens=max_tokens),
        )
        for m in models
    }
    limit, limit_name = _money_limit(max_cost, budget_remaining)
    explicit = requested not in ("", "auto")
    preferred = models[0]
    verdicts: dict[str, str] = {}
    notes: list[str] = []
    order = _order(preferred, models, catalog, fallback)
    chosen: str | None = None
    for model in order:
        spec = catalog.spec(model)
        worst = costs[model][1]
        if prompt + max_tokens > spec.context_window:
            verdicts[model] = f"window {spec.context_window:,} too small"
        elif model in blocked:
            verdicts[model] = f"circuit open ({blocked[model]:.0f}s left)"
        elif limit is not None and worst > limit:
            verdicts[model] = f"worst case {format_usd(worst)} over the {limit_name}"
        else:
            verdicts.setdefault(model, "chosen")
            chosen = model
            break
        if explicit:
            break
    if chosen is None:
        raise _no_choice(
            preferred,
            verdicts,
            costs,
            limit,
            limit_name,
            blocked,
            prompt,
            max_tokens,
            on_exceed,
            explicit,
            catalog,
        )
    if chosen != preferred:
        notes.append(f"{preferred}: {verdicts[preferred]}")
        if limit is not None and costs[preferred][1] > limit and on_exceed == "refuse":
            raise _budget_error(preferred, costs[preferred][1], limit, limit_name)
    reason = _reason(estimate, requested, preferred, chosen, catalog, verdicts, level_tiers)
    alternatives = tuple(
        Candidate(
            m,
            catalog.tier_of(m),
            costs[m][0],
            costs[m][1],
            catalog.spec(m).context_window,
            verdicts.get(m, "not needed"),
        )
        for m in models
        if m != chosen
    )
    return Selection(
        model=chosen,
        tier=catalog.tier_of(chosen),
        level=estimate.level,
        expected_cost=costs[chosen][0],
        worst_case=costs[chosen][1],
        reason=reason,
        prompt_tokens=prompt,
        max_tokens=max_tokens,
        alternatives=alternatives,
        notes=tuple(notes),
    )


def _candidates(
    catalog: Catalog, requested: str, level_tiers: Mapping[str, str], level: str
) -> list[str]:
    if requested not in ("", "auto"):
        first = catalog.canonical(requested)
    else:
        first = catalog.canonical(level_tiers.get(level, DEFAULT_LEVEL_TIERS[level]))
    rest = [catalog.tiers[t] for t in TIERS if t in catalog.tiers]
    return list(dict.fromkeys([first, *rest]))


def _order(
    preferred: str,
    models: list[str],
    catalog: Catalog,
    fallback: Mapping[str, Sequence[str]] | None,
) -> list[str]:
    """Preferred first, then its fallback chain, then cheaper tiers, then larger windows."""
    tier = catalog.tier_of(preferred)
    chain = [catalog.canonical(m) for m in (fallback or {}).get(tier or "", ())]
    by_cost = sorted(models, key=lambda m: catalog.prices(m).rates.output, reverse=True)
    return list(dict.fromkeys([preferred, *chain, *by_cost]))


def _money_limit(
    max_cost: Decimal | None, budget_remaining: Decimal | None
) -> tuple[Decimal | None, str]:
    limits = [
        (v, n)
        for v, n in ((max_cost, "per-task maximum"), (budget_remaining, "remaining budget"))
        if v is not None
    ]
    if not limits:
        return None, ""
    return min(limits, key=lambda item: item[0])


def _reason(
    estimate: Estimate,
    requested: str,
    preferred: str,
    chosen: str,
    catalog: Catalog,
    verdicts: Mapping[str, str],
    level_tiers: Mapping[str, str],
) -> str:
    if requested not in ("", "auto"):
        return f"explicit model {requested} -> {chosen}"
    tier = level_tiers.get(estimate.level, DEFAULT_LEVEL_TIERS[estimate.level])
    base = f"{estimate.level} task -> {tier} ({preferred})"
    if estimate.is_default:
        base = f"no signal: default level {estimate.level} -> {tier} ({preferred})"
    if chosen != preferred:
        return f"{base}; {verdicts[preferred]}: using {chosen}"
    return base


def _budget_error(model: str, worst: Decimal, limit: Decimal, name: str) -> BudgetExceededError:
    return BudgetExceededError(
        f"{model} could cost up to {format_usd(worst)}, over the {name} of {format_usd(limit)}",
        scope="task" if name == "per-task maximum" else "budget",
        limit=limit,
        committed=Decimal(0),
        needed=worst,
        hint='raise the limit, lower max_tokens, or set routing.on_budget_exceeded = "downgrade"',
    )


def _no_choice(
    preferred: str,
    verdicts: Mapping[str, str],
    costs: Mapping[str, tuple[Decimal, Decimal]],
    limit: Decimal | None,
    limit_name: str,
    blocked: Mapping[str, float],
    prompt: int,
    max_tokens: int,
    on_exceed: str,
    explicit: bool,
    catalog: Catalog,
) -> Exception:
    reasons = "; ".join(f"{m}: {v}" for m, v in verdicts.items())
    if all("window" in v for v in verdicts.values()):
        return ContextTooLargeError(
            f"the prompt ({prompt:,} tokens) plus max_tokens ({max_tokens:,}) fits no model's "
            f"context window ({reasons})",
            hint="shorten the prompt or the named files, or lower max_tokens",
        )
    if blocked and all(("circuit" in v or "window" in v) for v in verdicts.values()):
        wait = min(blocked.values())
        return NoModelAvailableError(
            f"every candidate model is cooling down behind an open circuit ({reasons})",
            retry_after=wait,
            hint=f"retry in {wait:.0f}s",
        )
    if limit is not None:
        return _budget_error(preferred, costs[preferred][1], limit, limit_name)
    return NoModelAvailableError(f"no model can take this call ({reasons})")
