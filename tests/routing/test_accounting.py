from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.core.store import Store
from buildrunner.routing.accounting import CostAccount
from buildrunner.routing.errors import BudgetExceededError
from buildrunner.routing.pricing import Usage
from buildrunner.testing.clock import FakeClock

RESULT: dict[str, Any] = {
    "type": "result", "subtype": "success", "is_error": False, "total_cost_usd": 0.1042282,
    "usage": {"input_tokens": 1242, "output_tokens": 2201,
              "cache_creation_input_tokens": 9120, "cache_read_input_tokens": 121884},
    "modelUsage": {
        "claude-sonnet-4-6": {"inputTokens": 38, "outputTokens": 2114,
                              "cacheReadInputTokens": 121884, "cacheCreationInputTokens": 9120,
                              "costUSD": 0.1025892},
        "claude-haiku-4-5": {"inputTokens": 1204, "outputTokens": 87, "cacheReadInputTokens": 0,
                             "cacheCreationInputTokens": 0, "costUSD": 0.001639},
    },
}  # fmt: skip


def account(tmp_path: Path, **settings: Any) -> CostAccount:
    return CostAccount(RoutingConfig(**settings), Store(tmp_path / "br.db"), clock=FakeClock())


def test_session_settles_with_model_usage(tmp_path: Path) -> None:
    acct = account(tmp_path, session_budget=Decimal("5"))
    reservation = acct.reserve(Decimal("2.00"), session_id="s1", task_id="t1")
    assert acct.budgets.status("s1")[2].reserved == Decimal("2")
    cost = acct.settle_claude_session(reservation, RESULT, session_id="s1", task_type="fix")
    # br's prices agree with Claude Code's costUSD for both models here
    assert cost.total == Decimal("0.1042282")
    assert cost.reported_total == Decimal("0.1042282")
    session = acct.budgets.status("s1")[2]
    assert (session.spent, session.reserved) == (Decimal("0.1042282"), Decimal(0))
    rows = acct.ledger.store.execute("SELECT model, cost_usd FROM routing_usage ORDER BY model")
    assert [tuple(r) for r in rows] == [("claude-haiku-4-5", "0.001639"),
                                        ("claude-sonnet-4-6", "0.1025892")]  # fmt: skip
    call = acct.ledger.store.execute("SELECT source, outcome, task_id FROM routing_calls")[0]
    assert tuple(call) == ("claude-code", "ok", "t1")


def test_unknown_model_keeps_the_reported_cost(tmp_path: Path) -> None:
    acct = account(tmp_path)
    result = {"subtype": "error_max_budget_usd", "is_error": True,
              "modelUsage": {"claude-mythos-9": {"inputTokens": 10, "costUSD": 0.5}}}  # fmt: skip
    cost = acct.settle_claude_session(None, result, session_id="s2")
    assert cost.total == Decimal("0.5")
    assert cost.entries[0].cost.source == "reported by claude"
    call = acct.ledger.store.execute("SELECT outcome, error_kind FROM routing_calls")[0]
    assert tuple(call) == ("failed", "error_max_budget_usd")


def test_reservation_beyond_budget_is_refused(tmp_path: Path) -> None:
    acct = account(tmp_path, daily_budget=Decimal("1"))
    acct.reserve(Decimal("0.8"))
    with pytest.raises(BudgetExceededError):
        acct.reserve(Decimal("0.5"))
    outcomes = [
        r["outcome"] for r in acct.ledger.store.execute("SELECT outcome FROM routing_calls")
    ]
    assert sorted(outcomes) == ["refused", "running"]


def test_release_and_external_usage(tmp_path: Path) -> None:
    acct = account(tmp_path)
    reservation = acct.reserve(Decimal("1"), session_id="s")
    acct.release(reservation)
    cost = acct.record_usage("sonnet", Usage(1000, 100), session_id="s", task_type="api")
    assert cost.total == Decimal("0.003")  # 1000*2 + 100*10 on Sonnet 5.5
    assert acct.budgets.status("s")[2].spent == Decimal("0.003")
