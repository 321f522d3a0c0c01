"""The routing subsystem behind orchestration's seams: model choice, API calls, cost accounting.

- :class:`RoutingModelResolver`: ``model = "auto"`` of a claude task becomes the model the
  router would choose for the prompt's estimated complexity (within tiers, breakers and
  budgets); ``api`` tasks keep ``auto`` and let the router choose per call.
- :class:`RouterApiCaller`: the ``api`` executor's one call is ``Router.complete`` (retries,
  fallback, budget reservation, exact cost in the routing ledger, ``model.call`` telemetry).
- :class:`RoutingCostSink`: a claude task reserves its ``--max-budget-usd`` against the
  day/month/session budgets before it starts and settles the reservation from Claude Code's
  ``result`` (per-model ``modelUsage``) when it ends, so its cost lands in the cost tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from buildrunner.parallel.integrations import ApiAnswer, ApiCallError, BudgetRefusedError
from buildrunner.parallel.plan import TaskSpec
from buildrunner.routing import (
    BudgetExceededError,
    CostAccount,
    MissingApiKeyError,
    ProviderError,
    Reservation,
    Router,
    RoutingError,
)

log = logging.getLogger("buildrunner.parallel")

_KINDS = {
    "overloaded": "api_overloaded",
    "rate_limited": "api_rate_limited",
    "spend_cap": "api_rate_limited",
    "server_error": "api_server",
    "timeout": "api_server",
    "connection": "api_server",
    "authentication": "spawn_error",
    "permission": "spawn_error",
    "billing": "spawn_error",
}


class RoutingModelResolver:
    """Asks the router which model ``auto`` means for a claude task."""

    def __init__(
        self, router: Router, *, default_model: str = "sonnet", session_id: str | None = None
    ) -> None:
        self.router = router
        self.default_model = default_model
        self.session_id = session_id

    def resolve(self, spec: TaskSpec) -> str | None:
        model = spec.model.strip()
        if spec.executor == "api" or model != "auto":
            return model
        try:
            selection = self.router.decide(
                spec.prompt or spec.title, session_id=self.session_id, task_id=spec.id
            )
            return selection.model
        except RoutingError as exc:
            log.warning(
                "model choice for %s failed (%s); using %s", spec.id, exc, self.default_model
            )
            return self.default_model


class RouterApiCaller:
    """One ``Router.complete`` call per ``api`` task."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def answer(
        self,
        prompt: str,
        *,
        model: str | None,
        budget_usd: float | None,
        task: TaskSpec,
        session_id: str | None = None,
    ) -> ApiAnswer:
        try:
            completion = self.router.complete(
                prompt,
                model=model or "auto",
                max_cost=Decimal(str(budget_usd)) if budget_usd is not None else None,
                session_id=session_id,
                task_id=task.id,
            )
        except BudgetExceededError as exc:
            raise ApiCallError(str(exc), outcome="max_budget") from exc
        except MissingApiKeyError as exc:
            raise ApiCallError(str(exc), outcome="spawn_error") from exc
        except ProviderError as exc:
            raise ApiCallError(
                str(exc), outcome=_KINDS.get(exc.kind.value, "unknown_error")
            ) from exc
        except RoutingError as exc:
            raise ApiCallError(str(exc), outcome="unknown_error") from exc
        usage = completion.usage
        return ApiAnswer(
            text=completion.text,
            model=completion.model,
            cost_usd=float(completion.cost.total),
            input_tokens=usage.input_tokens
            + usage.cache_read_tokens
            + usage.cache_write_5m_tokens
            + usage.cache_write_1h_tokens,
            output_tokens=usage.output_tokens,
            usage={
                "call_id": completion.call_id,
                "cost_usd": str(completion.cost.total),
                "usage": usage.as_dict(),
                "fallbacks": [h.to_model for h in completion.hops],
            },
        )


class RoutingCostSink:
    """Budget reservation and cost settlement of claude sessions in the routing ledger."""

    def __init__(self, account: CostAccount) -> None:
        self.account = account

    def reserve(
        self, *, session_id: str, task_id: str, executor: str, amount_usd: float
    ) -> Reservation | None:
        if executor != "claude" or amount_usd <= 0:
            return None
        try:
            return self.account.reserve(
                Decimal(str(amount_usd)), session_id=session_id, task_id=task_id
            )
        except BudgetExceededError as exc:
            raise BudgetRefusedError(str(exc)) from exc

    def settle(
        self,
        reservation: object | None,
        *,
        session_id: str,
        task_id: str,
        outcome: str,
        raw_result: Mapping[str, Any] | None,
    ) -> None:
        held = reservation if isinstance(reservation, Reservation) else None
        if raw_result is not None:
            self.account.settle_claude_session(held, raw_result, session_id=session_id)
        elif held is not None:
            self.account.release(held, outcome=outcome)
