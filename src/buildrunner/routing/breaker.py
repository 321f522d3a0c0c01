"""Per-model circuit breakers, shared by every process through the project database.

closed --(K countable failures within W seconds)--> open --(cooldown passed)--> half_open
half_open --(probe succeeds)--> closed;  half_open --(probe fails)--> open, cooldown doubled
(up to a maximum). While half-open, one probe at a time is let through; other callers skip
the model until the probe reports or its cooldown passes. Every read-modify-write runs in one
``BEGIN IMMEDIATE`` transaction, so concurrent processes agree on the state.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Literal

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store

State = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class BreakerState:
    """A model's breaker as stored."""

    model: str
    state: State
    failures: tuple[float, ...] = ()
    open_until: float | None = None
    cooldown: float | None = None
    probe_started_at: float | None = None

    def retry_after(self, now: float) -> float | None:
        if self.state == "closed" or self.open_until is None:
            return None
        return max(0.0, self.open_until - now)


@dataclass(frozen=True)
class Admission:
    """Whether a call may go to a model now, and what changed."""

    allowed: bool
    state: State
    probe: bool = False
    retry_after: float | None = None
    transition: tuple[State, State] | None = None


class CircuitBreakers:
    """The breakers of every model, stored in ``routing_breakers``."""

    def __init__(
        self,
        store: Store,
        *,
        failures: int = 3,
        window: float = 60.0,
        cooldown: float = 30.0,
        max_cooldown: float = 600.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.threshold = failures
        self.window = window
        self.cooldown = cooldown
        self.max_cooldown = max(max_cooldown, cooldown)
        self.clock = clock

    def get(self, model: str) -> BreakerState:
        rows = self.store.execute("SELECT * FROM routing_breakers WHERE model = ?", (model,))
        return _state(rows[0]) if rows else BreakerState(model, "closed")

    def all(self) -> list[BreakerState]:
        rows = self.store.execute("SELECT * FROM routing_breakers ORDER BY model")
        return [_state(row) for row in rows]

    def peek(self, model: str) -> Admission:
        """What :meth:`admit` would say, without taking the probe."""
        now = self.clock.now()
        state = self.get(model)
        return self._decide(state, now)[0]

    def admit(self, model: str) -> Admission:
        """May a call go to `model` now? Takes the half-open probe when it is free."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            rows = conn.execute("SELECT * FROM routing_breakers WHERE model = ?", (model,))
            row = rows.fetchone()
            state = _state(row) if row else BreakerState(model, "closed")
            admission, new = self._decide(state, now)
            if new is not None:
                self._save(conn, new, now)
        return admission

    def _decide(self, state: BreakerState, now: float) -> tuple[Admission, BreakerState | None]:
        if state.state == "closed":
            return Admission(True, "closed"), None
        cooldown = state.cooldown or self.cooldown
        if state.state == "open":
            if state.open_until is not None and now < state.open_until:
                return Admission(False, "open", retry_after=state.open_until - now), None
            probe = BreakerState(
                state.model,
                "half_open",
                state.failures,
                now + cooldown,
                cooldown,
                probe_started_at=now,
            )
            return Admission(True, "half_open", probe=True, transition=("open", "half_open")), probe
        # half-open: one probe at a time; a probe that never reported frees up after cooldown
        if state.probe_started_at is not None and now < state.probe_started_at + cooldown:
            wait = state.probe_started_at + cooldown - now
            return Admission(False, "half_open", retry_after=wait), None
        probe = BreakerState(
            state.model, "half_open", state.failures, now + cooldown, cooldown, probe_started_at=now
        )
        return Admission(True, "half_open", probe=True), probe

    def record_success(self, model: str) -> tuple[State, State] | None:
        """A call to `model` succeeded: close its breaker. Returns the transition, if any."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM routing_breakers WHERE model = ?", (model,))
            found = row.fetchone()
            if found is None:
                return None
            state = _state(found)
            if state.state == "closed" and not state.failures:
                return None
            self._save(conn, BreakerState(model, "closed"), now)
        return (state.state, "closed") if state.state != "closed" else None

    def record_failure(self, model: str) -> tuple[State, State] | None:
        """A countable failure of `model`. Returns the transition, if the breaker changed."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM routing_breakers WHERE model = ?", (model,))
            found = row.fetchone()
            state = _state(found) if found else BreakerState(model, "closed")
            if state.state == "half_open":
                cooldown = min((state.cooldown or self.cooldown) * 2, self.max_cooldown)
                new = BreakerState(model, "open", (now,), now + cooldown, cooldown)
                self._save(conn, new, now)
                return ("half_open", "open")
            recent = (*(t for t in state.failures if t > now - self.window), now)
            if state.state == "closed" and len(recent) >= self.threshold:
                new = BreakerState(model, "open", recent, now + self.cooldown, self.cooldown)
                self._save(conn, new, now)
                return ("closed", "open")
            self._save(
                conn,
                BreakerState(
                    model,
                    state.state,
                    recent,
                    state.open_until,
                    state.cooldown,
                    state.probe_started_at,
                ),
                now,
            )
        return None

    def reset(self, model: str | None = None) -> int:
        """Close one breaker (or all); returns how many rows were removed."""
        with self.store.transaction() as conn:
            if model is None:
                return conn.execute("DELETE FROM routing_breakers").rowcount
            return conn.execute("DELETE FROM routing_breakers WHERE model = ?", (model,)).rowcount

    def _save(self, conn: sqlite3.Connection, state: BreakerState, now: float) -> None:
        conn.execute(
            "INSERT INTO routing_breakers(model, state, failures, opened_at, open_until, "
            "cooldown_s, probe_started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(model) DO UPDATE SET state=excluded.state, failures=excluded.failures, "
            "opened_at=COALESCE(excluded.opened_at, opened_at), open_until=excluded.open_until, "
            "cooldown_s=excluded.cooldown_s, probe_started_at=excluded.probe_started_at, "
            "updated_at=excluded.updated_at",
            (
                state.model,
                state.state,
                json.dumps(list(state.failures)),
                now if state.state == "open" else None,
                state.open_until,
                state.cooldown,
                state.probe_started_at,
                now,
            ),
        )


def _state(row: sqlite3.Row) -> BreakerState:
    return BreakerState(
        model=row["model"],
        state=row["state"],
        failures=tuple(float(t) for t in json.loads(row["failures"] or "[]")),
        open_until=row["open_until"],
        cooldown=row["cooldown_s"],
        probe_started_at=row["probe_started_at"],
    )
