"""Budgets and reservations: concurrent callers never spend beyond what they reserved.

Before a call, :meth:`Budgets.reserve` computes nothing itself: the caller passes the worst
case (prompt at the dearest prompt rate + ``max_tokens`` at the output rate). Inside one
``BEGIN IMMEDIATE`` transaction it releases expired reservations, checks
``settled + open reservations + this one <= limit`` for every scope (UTC day, UTC month, the
session) and inserts the reservation, or raises :class:`BudgetExceededError`. After the call,
:meth:`CostLedger.record_usage` records the actual cost and closes the reservation in one
transaction; :meth:`Budgets.release` frees it when nothing was billed. A reservation not
settled within its TTL (a crashed caller) expires and stops counting.

Limits come from ``[routing] daily_budget / monthly_budget / session_budget`` unless
``br routing budget set`` stored one in the database (which then wins; ``none`` removes it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store
from buildrunner.routing.errors import BudgetExceededError
from buildrunner.routing.pricing import format_usd, from_pusd, to_pusd

Scope = Literal["day", "month", "session"]
SCOPES: tuple[Scope, ...] = ("day", "month", "session")


@dataclass(frozen=True)
class Reservation:
    """Budget held for one call until it settles."""

    id: int
    amount: Decimal
    model: str
    session_id: str | None
    call_id: str | None


@dataclass(frozen=True)
class BudgetStatus:
    """One scope's limit and what is committed against it now."""

    scope: Scope
    limit: Decimal | None
    source: str
    spent: Decimal
    reserved: Decimal
    window_start: float | None

    @property
    def committed(self) -> Decimal:
        return self.spent + self.reserved

    @property
    def remaining(self) -> Decimal | None:
        return None if self.limit is None else max(Decimal(0), self.limit - self.committed)

    @property
    def used_fraction(self) -> float | None:
        if self.limit is None or self.limit == 0:
            return None
        return float(self.committed / self.limit)

    def as_dict(self) -> dict[str, object]:
        return {
            "scope": self.scope,
            "limit_usd": None if self.limit is None else str(self.limit),
            "source": self.source,
            "spent_usd": str(self.spent),
            "reserved_usd": str(self.reserved),
            "remaining_usd": None if self.remaining is None else str(self.remaining),
            "used": None if self.used_fraction is None else round(self.used_fraction, 4),
        }


class Budgets:
    """Budget limits, reservations and settlement over the project database."""

    def __init__(
        self,
        store: Store,
        *,
        limits: Mapping[Scope, Decimal | None] | None = None,
        ttl: float = 900.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.config_limits: dict[Scope, Decimal | None] = dict.fromkeys(SCOPES, None)
        self.config_limits.update(limits or {})
        self.ttl = ttl
        self.clock = clock

    # ----------------------------------------------------------------- limits

    def limits(self) -> dict[Scope, tuple[Decimal | None, str]]:
        """Each scope's limit and where it comes from (database, config or none)."""
        stored = {
            row["scope"]: row["limit_usd"]
            for row in self.store.execute("SELECT scope, limit_usd FROM routing_budgets")
        }
        result: dict[Scope, tuple[Decimal | None, str]] = {}
        for scope in SCOPES:
            if scope in stored:
                value = stored[scope]
                result[scope] = (Decimal(value) if value is not None else None, "database")
            elif self.config_limits.get(scope) is not None:
                result[scope] = (self.config_limits[scope], "config")
            else:
                result[scope] = (None, "none")
        return result

    def set_limit(self, scope: Scope, amount: Decimal | None) -> None:
        """Store a limit (None: explicitly no limit, overriding the config)."""
        if amount is not None and amount <= 0:
            raise ValueError("a budget must be greater than 0")
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO routing_budgets(scope, limit_usd, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(scope) DO UPDATE SET limit_usd=excluded.limit_usd, "
                "updated_at=excluded.updated_at",
                (scope, None if amount is None else str(amount), self.clock.now()),
            )

    def clear_limit(self, scope: Scope) -> None:
        """Forget a stored limit: the config value applies again."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM routing_budgets WHERE scope = ?", (scope,))

    # ----------------------------------------------------------------- status

    def status(self, session_id: str | None = None) -> list[BudgetStatus]:
        with self.store.transaction(immediate=False) as conn:
            return self._status(conn, session_id, self.clock.now())

    def remaining(self, session_id: str | None = None) -> Decimal | None:
        """The smallest remaining amount over every limited scope (None: unlimited)."""
        left = [s.remaining for s in self.status(session_id) if s.remaining is not None]
        return min(left) if left else None

    def _status(
        self, conn: sqlite3.Connection, session_id: str | None, now: float
    ) -> list[BudgetStatus]:
        statuses = []
        for scope, (limit, source) in self.limits().items():
            start = _window_start(scope, now)
            if scope == "session" and session_id is None:
                statuses.append(BudgetStatus(scope, limit, source, Decimal(0), Decimal(0), None))
                continue
            spent, reserved = self._committed(conn, scope, start, session_id, now)
            statuses.append(BudgetStatus(scope, limit, source, spent, reserved, start))
        return statuses

    def _committed(
        self,
        conn: sqlite3.Connection,
        scope: Scope,
        start: float | None,
        session_id: str | None,
        now: float,
    ) -> tuple[Decimal, Decimal]:
        where = "created_at >= ?"
        params: list[object] = [start if start is not None else float("-inf")]
        if scope == "session":
            where, params = "session_id = ?", [session_id]
        spent = conn.execute(
            f"SELECT COALESCE(SUM(cost_pusd), 0) FROM routing_usage WHERE {where}",  # noqa: S608 - fixed clauses
            params,
        ).fetchone()[0]
        reserved = conn.execute(
            f"SELECT COALESCE(SUM(amount_pusd), 0) FROM routing_reservations "  # noqa: S608 - fixed clauses
            f"WHERE state = 'open' AND expires_at > ? AND {where}",
            [now, *params],
        ).fetchone()[0]
        return from_pusd(int(spent)), from_pusd(int(reserved))

    # ----------------------------------------------------------------- reserve / settle

    def check(
        self, amount: Decimal, *, session_id: str | None = None
    ) -> BudgetExceededError | None:
        """The error :meth:`reserve` would raise for `amount` now, or None if it fits."""
        with self.store.transaction(immediate=False) as conn:
            return self._violation(conn, amount, session_id, self.clock.now())

    def reserve(
        self,
        amount: Decimal,
        *,
        model: str,
        session_id: str | None = None,
        call_id: str | None = None,
        ttl: float | None = None,
    ) -> Reservation:
        """Hold `amount` against every scope, atomically; raises BudgetExceededError."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            self._expire(conn, now)
            problem = self._violation(conn, amount, session_id, now)
            if problem is not None:
                raise problem
            cursor = conn.execute(
                "INSERT INTO routing_reservations(call_id, session_id, model, amount_pusd, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (call_id, session_id, model, to_pusd(amount), now, now + (ttl or self.ttl)),
            )
            rowid = int(cursor.lastrowid or 0)
        return Reservation(rowid, amount, model, session_id, call_id)

    def release(self, reservation: Reservation) -> None:
        """Free a reservation whose call billed nothing."""
        self._close(reservation, "released")

    def _close(self, reservation: Reservation, state: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE routing_reservations SET state = ?, closed_at = ? "
                "WHERE id = ? AND state = 'open'",
                (state, self.clock.now(), reservation.id),
            )

    def expire_stale(self) -> int:
        """Release reservations past their TTL; returns how many."""
        with self.store.transaction() as conn:
            return self._expire(conn, self.clock.now())

    def _expire(self, conn: sqlite3.Connection, now: float) -> int:
        return conn.execute(
            "UPDATE routing_reservations SET state = 'expired', closed_at = ? "
            "WHERE state = 'open' AND expires_at <= ?",
            (now, now),
        ).rowcount

    def _violation(
        self, conn: sqlite3.Connection, amount: Decimal, session_id: str | None, now: float
    ) -> BudgetExceededError | None:
        for status in self._status(conn, session_id, now):
            if status.limit is None or (status.scope == "session" and session_id is None):
                continue
            if status.committed + amount > status.limit:
                label = {"day": "daily", "month": "monthly", "session": "session"}[status.scope]
                return BudgetExceededError(
                    f"the {label} budget of {format_usd(status.limit, 2)} would be exceeded: "
                    f"{format_usd(status.committed)} spent or reserved, this call needs up to "
                    f"{format_usd(amount)}",
                    scope=status.scope,
                    limit=status.limit,
                    committed=status.committed,
                    needed=amount,
                    hint="raise it with `br routing budget set`, lower max_tokens or pick a "
                    "cheaper model",
                )
        return None


def _window_start(scope: Scope, now: float) -> float | None:
    moment = datetime.fromtimestamp(now, UTC)
    if scope == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    if scope == "month":
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
    return None
