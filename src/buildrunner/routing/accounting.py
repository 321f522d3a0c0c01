"""Budgets and costs for work that does not go through :class:`Router`: Claude Code sessions
and other external calls.

A Claude Code session run with ``--max-budget-usd B`` reserves ``B`` before it starts
(:meth:`CostAccount.reserve`) and settles with its final ``result`` object
(:meth:`CostAccount.settle_claude_session`): each model of ``modelUsage`` is priced by br's
catalog (Claude Code's own ``costUSD`` is kept when br has no price for that model), stored in
the ledger, and the reservation is closed in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store
from buildrunner.routing.budget import Budgets, Reservation
from buildrunner.routing.catalog import Catalog
from buildrunner.routing.errors import UnknownModelError
from buildrunner.routing.ledger import CostLedger, UsageEntry
from buildrunner.routing.pricing import Cost, Usage, price_usage

if TYPE_CHECKING:
    from buildrunner.core.sections import RoutingConfig


@dataclass(frozen=True)
class SessionCost:
    """What a settled session cost: br's total, Claude Code's reported total, per model."""

    call_id: str
    total: Decimal
    reported_total: Decimal | None
    entries: tuple[UsageEntry, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "total_usd": str(self.total),
            "reported_total_usd": None if self.reported_total is None else str(self.reported_total),
            "models": {
                e.model: {
                    **e.usage.as_dict(),
                    "cost_usd": str(e.cost.total),
                    "price_source": e.cost.source,
                }
                for e in self.entries
            },
        }


class CostAccount:
    """Reserve, settle and record costs of external work in the project database."""

    def __init__(
        self,
        config: RoutingConfig,
        store: Store,
        *,
        clock: Clock = SYSTEM_CLOCK,
        catalog: Catalog | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog or Catalog.from_config(config)
        self.budgets = Budgets(
            store,
            limits={
                "day": config.daily_budget,
                "month": config.monthly_budget,
                "session": config.session_budget,
            },
            ttl=config.reservation_ttl,
            clock=clock,
        )
        self.ledger = CostLedger(store, clock=clock)

    def reserve(
        self,
        amount: Decimal,
        *,
        session_id: str | None = None,
        task_id: str | None = None,
        task_type: str | None = None,
        model: str = "claude-code",
        ttl: float | None = None,
    ) -> Reservation:
        """Hold `amount` (e.g. the ``--max-budget-usd`` value); raises BudgetExceededError."""
        call_id = self.ledger.start_call(
            source="claude-code",
            session_id=session_id,
            task_id=task_id,
            task_type=task_type,
            requested_model=model,
        )
        try:
            return self.budgets.reserve(
                amount, model=model, session_id=session_id, call_id=call_id, ttl=ttl
            )
        except Exception:
            self.ledger.finish_call(call_id, outcome="refused")
            raise

    def release(self, reservation: Reservation, *, outcome: str = "cancelled") -> None:
        """Free a reservation whose session never ran (nothing billed)."""
        self.budgets.release(reservation)
        if reservation.call_id:
            self.ledger.finish_call(reservation.call_id, outcome=outcome)

    def settle_claude_session(
        self,
        reservation: Reservation | None,
        result: Mapping[str, Any],
        *,
        session_id: str | None = None,
        task_type: str | None = None,
    ) -> SessionCost:
        """Record a finished ``claude -p`` session from its ``result`` object and settle."""
        entries = self._entries(result)
        call_id = reservation.call_id if reservation and reservation.call_id else None
        if call_id is None:
            call_id = self.ledger.start_call(
                source="claude-code", session_id=session_id, task_type=task_type
            )
        total = self.ledger.record_usage(
            call_id, entries, session_id=session_id, task_type=task_type, reservation=reservation
        )
        is_error = bool(result.get("is_error")) or result.get("subtype") not in (None, "success")
        self.ledger.finish_call(
            call_id,
            outcome="failed" if is_error else "ok",
            final_model=entries[0].model if entries else None,
            error_kind=str(result.get("subtype")) if is_error else None,
            reserved=reservation.amount if reservation else Decimal(0),
        )
        return SessionCost(
            call_id,
            total,
            _decimal(result.get("total_cost_usd", result.get("cost_usd"))),
            tuple(entries),
        )

    def record_usage(
        self,
        model: str,
        usage: Usage,
        *,
        session_id: str | None = None,
        task_type: str | None = None,
    ) -> Cost:
        """Price and store one usage record of an external call (no reservation)."""
        cost = price_usage(usage, self.catalog.prices(model))
        self.ledger.record_usage(
            None, [UsageEntry(model, usage, cost)], session_id=session_id, task_type=task_type
        )
        return cost

    def _entries(self, result: Mapping[str, Any]) -> list[UsageEntry]:
        entries: list[UsageEntry] = []
        model_usage = result.get("modelUsage")
        if isinstance(model_usage, Mapping) and model_usage:
            for model, data in model_usage.items():
                if isinstance(data, Mapping):
                    usage = Usage.from_claude_code(data)
                    entries.append(UsageEntry(model, usage, self._cost(model, usage, data)))
            return entries
        reported = _decimal(result.get("total_cost_usd", result.get("cost_usd")))
        raw = result.get("usage")
        usage = Usage.from_anthropic(raw) if isinstance(raw, Mapping) else Usage()
        if reported is not None or usage != Usage():
            entries.append(
                UsageEntry("claude-code", usage, _reported_cost("claude-code", reported))
            )
        return entries

    def _cost(self, model: str, usage: Usage, data: Mapping[str, Any]) -> Cost:
        try:
            prices = self.catalog.maybe_prices(model)
        except UnknownModelError:
            prices = None
        if prices is not None:
            return price_usage(usage, prices)
        return _reported_cost(model, _decimal(data.get("costUSD")))


def _reported_cost(model: str, amount: Decimal | None) -> Cost:
    zero = Decimal(0)
    return Cost(
        model=model,
        input=amount or zero,
        output=zero,
        cache_write_5m=zero,
        cache_write_1h=zero,
        cache_read=zero,
        source="reported by claude",
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
