from __future__ import annotations

import multiprocessing
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.routing.budget import Budgets
from buildrunner.routing.errors import BudgetExceededError
from buildrunner.routing.ledger import CostLedger, UsageEntry
from buildrunner.routing.pricing import Cost, Usage
from buildrunner.testing.clock import FakeClock

D = Decimal


def cost(amount: str) -> Cost:
    zero = D(0)
    return Cost("m", D(amount), zero, zero, zero, zero, source="test")


def test_reserve_settle_release_and_status(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "br.db")
    budgets = Budgets(store, limits={"day": D("1.00")}, clock=clock)
    ledger = CostLedger(store, clock=clock)
    first = budgets.reserve(D("0.60"), model="m")
    with pytest.raises(BudgetExceededError, match=r"daily budget of \$1\.00 would be exceeded"):
        budgets.reserve(D("0.50"), model="m")
    ledger.record_usage(None, [UsageEntry("m", Usage(1, 1), cost("0.10"))], reservation=first)
    day = next(s for s in budgets.status() if s.scope == "day")
    assert (day.spent, day.reserved, day.remaining) == (D("0.1"), D(0), D("0.9"))
    second = budgets.reserve(D("0.50"), model="m")
    budgets.release(second)
    assert next(s for s in budgets.status() if s.scope == "day").reserved == 0
    rows = store.execute("SELECT state FROM routing_reservations ORDER BY id")
    assert [r["state"] for r in rows] == ["settled", "released"]


def test_stale_reservations_expire(tmp_path: Path) -> None:
    clock = FakeClock()
    budgets = Budgets(Store(tmp_path / "br.db"), limits={"day": D("1")}, ttl=60, clock=clock)
    budgets.reserve(D("0.9"), model="m")
    with pytest.raises(BudgetExceededError):
        budgets.reserve(D("0.9"), model="m")
    clock.advance(61)
    budgets.reserve(D("0.9"), model="m")
    states = [r["state"] for r in budgets.store.execute("SELECT state FROM routing_reservations")]
    assert sorted(states) == ["expired", "open"]


def test_session_budget_counts_only_that_session(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "br.db")
    budgets = Budgets(store, limits={"session": D("0.5")}, clock=clock)
    budgets.reserve(D("0.4"), model="m", session_id="a")
    budgets.reserve(D("0.4"), model="m", session_id="b")
    with pytest.raises(BudgetExceededError) as info:
        budgets.reserve(D("0.2"), model="m", session_id="a")
    assert (info.value.scope, info.value.committed) == ("session", D("0.4"))
    budgets.reserve(D("0.4"), model="m")  # no session: the session budget does not apply


def test_stored_limits_override_config(tmp_path: Path) -> None:
    budgets = Budgets(Store(tmp_path / "br.db"), limits={"day": D("5")})
    assert budgets.limits()["day"] == (D("5"), "config")
    budgets.set_limit("day", D("2.5"))
    budgets.set_limit("month", None)
    assert budgets.limits()["day"] == (D("2.5"), "database")
    assert budgets.limits()["month"] == (None, "database")
    budgets.clear_limit("day")
    assert budgets.limits()["day"] == (D("5"), "config")


def test_day_window_resets_at_utc_midnight(tmp_path: Path) -> None:
    clock = FakeClock(start=1_800_000_000.0 - (1_800_000_000 % 86400) + 86400 - 10)
    store = Store(tmp_path / "br.db")
    budgets = Budgets(store, limits={"day": D("1")}, clock=clock)
    r = budgets.reserve(D("0.9"), model="m")
    CostLedger(store, clock=clock).record_usage(
        None, [UsageEntry("m", Usage(), cost("0.9"))], reservation=r
    )
    with pytest.raises(BudgetExceededError):
        budgets.reserve(D("0.2"), model="m")
    clock.advance(11)
    budgets.reserve(D("0.2"), model="m")


# --------------------------------------------------------------------------- real processes


def _reserve_worker(db: str, amount: str, attempts: int, queue: multiprocessing.Queue) -> None:
    budgets = Budgets(Store(Path(db)), limits={"day": D("1.00")})
    ledger = CostLedger(budgets.store)
    won = refused = 0
    for _ in range(attempts):
        try:
            reservation = budgets.reserve(D(amount), model="m")
        except BudgetExceededError:
            refused += 1
            continue
        won += 1
        ledger.record_usage(None, [UsageEntry("m", Usage(1, 1), cost(amount))],
                            reservation=reservation)  # fmt: skip
    queue.put((won, refused))


@pytest.mark.slow
def test_concurrent_reservations_never_overspend(tmp_path: Path) -> None:
    db = str(tmp_path / "br.db")
    Store(Path(db)).connection()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    workers = [ctx.Process(target=_reserve_worker, args=(db, "0.07", 10, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    won = sum(w for w, _ in results)
    spent = Store(Path(db)).execute("SELECT SUM(cost_pusd) AS s FROM routing_usage")[0]["s"]
    assert won == 14  # floor(1.00 / 0.07): every cent that fits is used, none beyond
    assert spent == 14 * 70_000_000_000
    assert sum(r for _, r in results) == 40 - 14
