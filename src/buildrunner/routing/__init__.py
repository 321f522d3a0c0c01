"""Routing: estimate task complexity, choose a Claude model, call it with retries and
fallback, and account for every cent. The public API of the subsystem (see docs/routing.md).

Estimating and pricing::

    from buildrunner.routing import estimate_complexity, price_usage, Usage, Catalog
    estimate = estimate_complexity("Fix typo in README")      # level, score, tokens, reasons
    cost = price_usage(Usage(input_tokens=1200, output_tokens=300), Catalog().prices("sonnet"))

Calling a model (budgets, breakers, fallback, ledger)::

    router = Router(config.routing, store)                    # or open_router(paths)
    completion = router.complete("Summarise ...", model="auto", session_id="s1")

Claude Code sessions (parallel orchestration)::

    account = CostAccount(config.routing, store)
    reservation = account.reserve(Decimal("2.00"), session_id="s1")   # --max-budget-usd 2
    account.settle_claude_session(reservation, result_json, session_id="s1")

The SDK is imported only when a call is made; importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from buildrunner.routing.accounting import CostAccount, SessionCost
from buildrunner.routing.breaker import BreakerState, CircuitBreakers
from buildrunner.routing.budget import Budgets, BudgetStatus, Reservation
from buildrunner.routing.catalog import TIERS, Catalog, ModelSpec
from buildrunner.routing.complexity import LEVELS, Estimate, estimate_complexity
from buildrunner.routing.errors import (
    BudgetExceededError,
    ContextTooLargeError,
    DeadlineExceededError,
    MissingApiKeyError,
    NoModelAvailableError,
    PriceUnavailableError,
    ProviderError,
    RoutingError,
    UnknownModelError,
)
from buildrunner.routing.events import ListRecorder, Recorder, RoutingEvent
from buildrunner.routing.failures import Action, Failure, FailureKind, classify_failure
from buildrunner.routing.ledger import (
    AttemptRecord,
    CallRecord,
    CostLedger,
    CostReport,
    UsageRecord,
)
from buildrunner.routing.pricing import Cost, ModelPrices, Usage, price_usage, worst_case_cost
from buildrunner.routing.router import Attempt, Completion, Hop, Router
from buildrunner.routing.selection import Selection, select_model

if TYPE_CHECKING:
    from buildrunner.core.paths import ProjectPaths


def open_router(paths: ProjectPaths | None = None, **kwargs: object) -> Router:
    """A Router for the project at `paths` (default: the one containing the cwd)."""
    from buildrunner.core.config import load_config
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store

    paths = paths or resolve_paths()
    config = load_config(paths).config
    store = Store(paths.db_path, timeout=config.core.db_timeout)
    return Router(config.routing, store, **kwargs)  # type: ignore[arg-type]  # keyword passthrough


__all__ = [
    "LEVELS",
    "TIERS",
    "Action",
    "Attempt",
    "AttemptRecord",
    "BreakerState",
    "BudgetExceededError",
    "BudgetStatus",
    "Budgets",
    "CallRecord",
    "Catalog",
    "CircuitBreakers",
    "Completion",
    "ContextTooLargeError",
    "Cost",
    "CostAccount",
    "CostLedger",
    "CostReport",
    "DeadlineExceededError",
    "Estimate",
    "Failure",
    "FailureKind",
    "Hop",
    "ListRecorder",
    "MissingApiKeyError",
    "ModelPrices",
    "ModelSpec",
    "NoModelAvailableError",
    "PriceUnavailableError",
    "ProviderError",
    "Recorder",
    "Reservation",
    "Router",
    "RoutingError",
    "RoutingEvent",
    "Selection",
    "SessionCost",
    "UnknownModelError",
    "Usage",
    "UsageRecord",
    "classify_failure",
    "estimate_complexity",
    "open_router",
    "price_usage",
    "select_model",
    "worst_case_cost",
]
