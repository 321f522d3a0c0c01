"""The cost ledger: every call, every attempt and every billed usage record, in SQLite.

One row in ``routing_calls`` per logical call (a Router call or an external Claude Code
session), one row in ``routing_attempts`` per HTTP attempt, one row in ``routing_usage`` per
billed usage record (a successful attempt, or one model of a session's ``modelUsage``). Usage
rows are written in the same transaction that closes the call's budget reservation, so budgets
never count a call twice or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store
from buildrunner.routing.budget import Reservation
from buildrunner.routing.pricing import Cost, Usage, from_pusd, to_pusd

Period = Literal["day", "week", "month", "all"]
GroupBy = Literal["model", "day", "task-type"]
PERIODS: tuple[Period, ...] = ("day", "week", "month", "all")
GROUPS: tuple[GroupBy, ...] = ("model", "day", "task-type")


@dataclass(frozen=True)
class UsageEntry:
    """One billed usage record and its exact cost."""

    model: str
    usage: Usage
    cost: Cost


@dataclass(frozen=True)
class CostRow:
    """One line of a cost report."""

    key: str
    calls: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cost: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cost_usd": str(self.cost),
        }


@dataclass(frozen=True)
class CostReport:
    """Costs over a period, grouped."""

    period: Period
    by: GroupBy
    since: float | None
    rows: tuple[CostRow, ...]

    @property
    def total(self) -> Decimal:
        return sum((row.cost for row in self.rows), Decimal(0))

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "by": self.by,
            "since": None if self.since is None else _iso(self.since),
            "total_usd": str(self.total),
            "rows": [row.as_dict() for row in self.rows],
        }


@dataclass(frozen=True)
class AttemptRecord:
    """One HTTP attempt of a call, as stored."""

    seq: int
    model: str
    outcome: str
    status: int | None
    wait_s: float | None


@dataclass(frozen=True)
class UsageRecord:
    """One billed usage record, as stored: the tokens and their exact cost."""

    model: str
    usage: Usage
    cost: Decimal
    price_source: str


@dataclass(frozen=True)
class CallRecord:
    """One logical call (a Router call or a Claude Code session) with its attempts and usage."""

    id: str
    source: str
    task_id: str | None
    level: str | None
    requested_model: str | None
    selected_model: str | None
    final_model: str | None
    outcome: str
    fallbacks: int
    started_at: float
    finished_at: float | None
    attempts: tuple[AttemptRecord, ...]
    usage: tuple[UsageRecord, ...]

    @property
    def cost(self) -> Decimal:
        return sum((u.cost for u in self.usage), Decimal(0))

    @property
    def hops(self) -> list[tuple[str, str, str]]:
        """``(from_model, to_model, why)`` for every change of model between attempts."""
        found = []
        for before, after in zip(self.attempts, self.attempts[1:], strict=False):
            if after.model != before.model:
                found.append((before.model, after.model, before.outcome))
        return found


class CostLedger:
    """Writes and reads the routing tables."""

    def __init__(self, store: Store, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.clock = clock

    def start_call(
        self,
        *,
        source: str,
        session_id: str | None = None,
        task_id: str | None = None,
        task_type: str | None = None,
        level: str | None = None,
        requested_model: str | None = None,
        selected_model: str | None = None,
        reason: str | None = None,
    ) -> str:
        call_id = uuid.uuid4().hex
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO routing_calls(id, started_at, source, session_id, task_id, "
                "task_type, level, requested_model, selected_model, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call_id,
                    self.clock.now(),
                    source,
                    session_id,
                    task_id,
                    task_type,
                    level,
                    requested_model,
                    selected_model,
                    reason,
                ),
            )
        return call_id

    def record_attempt(
        self,
        call_id: str,
        *,
        seq: int,
        model: str,
        started_at: float,
        duration: float,
        outcome: str,
        status: int | None = None,
        request_id: str | None = None,
        wait: float | None = None,
        detail: str | None = None,
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO routing_attempts(call_id, seq, model, started_at, duration_s, "
                "outcome, status, request_id, wait_s, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call_id,
                    seq,
                    model,
                    started_at,
                    duration,
                    outcome,
                    status,
                    request_id,
                    wait,
                    detail,
                ),
            )

    def record_usage(
        self,
        call_id: str | None,
        entries: Sequence[UsageEntry],
        *,
        session_id: str | None = None,
        task_type: str | None = None,
        reservation: Reservation | None = None,
    ) -> Decimal:
        """Store billed usage and close `reservation`, in one transaction; returns the total."""
        now = self.clock.now()
        total = Decimal(0)
        with self.store.transaction() as conn:
            for entry in entries:
                u = entry.usage
                conn.execute(
                    "INSERT INTO routing_usage(call_id, created_at, session_id, task_type, model, "
                    "input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, "
                    "cache_read_tokens, batch, cost_usd, cost_pusd, price_source) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        call_id,
                        now,
                        session_id,
                        task_type,
                        entry.model,
                        u.input_tokens,
                        u.output_tokens,
                        u.cache_write_5m_tokens,
                        u.cache_write_1h_tokens,
                        u.cache_read_tokens,
                        int(u.batch),
                        str(entry.cost.total),
                        to_pusd(entry.cost.total),
                        entry.cost.source,
                    ),
                )
                total += entry.cost.total
            if call_id is not None and entries:
                conn.execute(
                    "UPDATE routing_calls SET cost_pusd = cost_pusd + ? WHERE id = ?",
                    (to_pusd(total), call_id),
                )
            if reservation is not None:
                conn.execute(
                    "UPDATE routing_reservations SET state = 'settled', closed_at = ? "
                    "WHERE id = ? AND state = 'open'",
                    (now, reservation.id),
                )
        return total

    def finish_call(
        self,
        call_id: str,
        *,
        outcome: str,
        final_model: str | None = None,
        error_kind: str | None = None,
        error_message: str | None = None,
        attempts: int = 0,
        fallbacks: int = 0,
        reserved: Decimal = Decimal(0),
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE routing_calls SET finished_at = ?, outcome = ?, final_model = ?, "
                "error_kind = ?, error_message = ?, attempts = ?, fallbacks = ?, "
                "reserved_pusd = ? WHERE id = ?",
                (
                    self.clock.now(),
                    outcome,
                    final_model,
                    error_kind,
                    error_message,
                    attempts,
                    fallbacks,
                    to_pusd(reserved),
                    call_id,
                ),
            )

    def attempts(self, call_id: str) -> list[dict[str, object]]:
        rows = self.store.execute(
            "SELECT seq, model, outcome, status, wait_s, request_id FROM routing_attempts "
            "WHERE call_id = ? ORDER BY seq",
            (call_id,),
        )
        return [dict(row) for row in rows]

    def session_calls(self, session_id: str) -> list[CallRecord]:
        """Every call recorded for `session_id`, oldest first, with attempts and usage."""
        with self.store.transaction(immediate=False) as conn:
            calls = conn.execute(
                "SELECT id, source, task_id, level, requested_model, selected_model, final_model, "
                "outcome, fallbacks, started_at, finished_at FROM routing_calls "
                "WHERE session_id = ? ORDER BY started_at, rowid",
                (session_id,),
            ).fetchall()
            attempts: dict[str, list[AttemptRecord]] = {}
            for row in conn.execute(
                "SELECT a.call_id, a.seq, a.model, a.outcome, a.status, a.wait_s "
                "FROM routing_attempts a JOIN routing_calls c ON c.id = a.call_id "
                "WHERE c.session_id = ? ORDER BY a.call_id, a.seq",
                (session_id,),
            ):
                attempts.setdefault(row["call_id"], []).append(
                    AttemptRecord(
                        row["seq"], row["model"], row["outcome"], row["status"], row["wait_s"]
                    )
                )
            usage: dict[str, list[UsageRecord]] = {}
            for row in conn.execute(
                "SELECT u.* FROM routing_usage u JOIN routing_calls c ON c.id = u.call_id "
                "WHERE c.session_id = ? ORDER BY u.id",
                (session_id,),
            ):
                usage.setdefault(row["call_id"], []).append(_usage_record(row))
        return [
            CallRecord(
                id=row["id"],
                source=row["source"],
                task_id=row["task_id"],
                level=row["level"],
                requested_model=row["requested_model"],
                selected_model=row["selected_model"],
                final_model=row["final_model"],
                outcome=row["outcome"],
                fallbacks=row["fallbacks"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                attempts=tuple(attempts.get(row["id"], ())),
                usage=tuple(usage.get(row["id"], ())),
            )
            for row in calls
        ]

    # ----------------------------------------------------------------- reports

    def costs(self, *, period: Period = "month", by: GroupBy = "model") -> CostReport:
        since = period_start(period, self.clock.now())
        key = {
            "model": "model",
            "day": "strftime('%Y-%m-%d', created_at, 'unixepoch')",
            "task-type": "COALESCE(task_type, '(none)')",
        }[by]
        rows = self.store.execute(
            f"SELECT {key} AS key, COUNT(DISTINCT COALESCE(call_id, id)) AS calls, "  # noqa: S608 - fixed clauses
            "SUM(input_tokens) AS i, SUM(output_tokens) AS o, "
            "SUM(cache_write_5m_tokens + cache_write_1h_tokens) AS w, SUM(cache_read_tokens) AS r, "
            "SUM(cost_pusd) AS c FROM routing_usage WHERE created_at >= ? "
            "GROUP BY key ORDER BY c DESC, key",
            (since if since is not None else float("-inf"),),
        )
        return CostReport(
            period=period,
            by=by,
            since=since,
            rows=tuple(
                CostRow(
                    str(r["key"]), r["calls"], r["i"], r["o"], r["w"], r["r"], from_pusd(r["c"])
                )
                for r in rows
            ),
        )


def _usage_record(row: Any) -> UsageRecord:
    usage = Usage(
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cache_write_5m_tokens=row["cache_write_5m_tokens"],
        cache_write_1h_tokens=row["cache_write_1h_tokens"],
        cache_read_tokens=row["cache_read_tokens"],
        batch=bool(row["batch"]),
    )
    return UsageRecord(row["model"], usage, Decimal(row["cost_usd"]), row["price_source"])


def period_start(period: Period, now: float) -> float | None:
    """Start of the period containing `now` (UTC calendar day, ISO week, month), None for all."""
    moment = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return moment.timestamp()
    if period == "week":
        return (moment - timedelta(days=moment.weekday())).timestamp()
    if period == "month":
        return moment.replace(day=1).timestamp()
    return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
