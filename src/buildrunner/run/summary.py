"""The closing summary of a run, read back from the project database.

Tasks come from the parallel tables, costs from the routing ledger (exact decimals, priced by
the catalog), findings from the merge gate's masked record of each blocked task, waits from the
session journal. Nothing here is kept in memory during the run: the summary of any finished
session can be rebuilt at any time with :func:`summarize_run`.

The baseline every cost is compared with is *the same usage priced at the opus tier*
(``routing.opus_model``): what the run would have cost had every call and session used the
strongest model, token for token. It is a lower bound of what always-Opus would really cost
(Opus tends to write more), and it is stated as such wherever it is shown.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.core.store import Store

if TYPE_CHECKING:
    from buildrunner.core.sections import RoutingConfig
    from buildrunner.parallel import Plan, SessionInfo, TaskInfo
    from buildrunner.routing import CallRecord
    from buildrunner.telemetry.alerts import Alert

WAITING_PREFIX = "waiting: "
UNSETTLED = ("pending", "ready", "running", "paused", "done")


@dataclass(frozen=True)
class TaskLine:
    """One task of the run: what ran it, how it ended, what it cost."""

    task_id: str
    executor: str
    state: str
    level: str | None
    model: str | None
    cost: Decimal
    attempts: int
    started_at: float | None
    finished_at: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "executor": self.executor,
            "state": self.state,
            "complexity": self.level,
            "model": self.model,
            "cost_usd": str(self.cost),
            "attempts": self.attempts,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "note": self.note,
        }


@dataclass(frozen=True)
class ModelCost:
    """What one model cost in this run, next to the same tokens at the opus tier."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cache_tokens: int
    cost: Decimal
    baseline: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_tokens": self.cache_tokens,
            "cost_usd": str(self.cost),
            "baseline_usd": str(self.baseline),
        }


@dataclass(frozen=True)
class FindingLine:
    """A finding of the merge gate (masked)."""

    task_id: str
    rule_id: str
    severity: str
    path: str
    line: int
    masked: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "rule_id": self.rule_id,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "masked": self.masked,
        }


@dataclass(frozen=True)
class Hop:
    """A call that moved from one model to another (fallback)."""

    task_id: str | None
    from_model: str
    to_model: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "from": self.from_model,
            "to": self.to_model,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Wait:
    """A task that waited for a path another task held."""

    task_id: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task_id, "message": self.message}


@dataclass(frozen=True)
class RunSummary:
    """Everything the closing summary of `br run` shows."""

    session: SessionInfo
    tasks: tuple[TaskLine, ...]
    costs: tuple[ModelCost, ...]
    baseline_model: str
    findings: tuple[FindingLine, ...]
    fallbacks: tuple[Hop, ...]
    waits: tuple[Wait, ...]
    duration: float | None
    alerts: tuple[Alert, ...] = ()
    report: Path | None = None
    logs: Path | None = None
    gate: str = "security"
    """``parallel.merge_gate`` of the run: ``none`` means nothing was scanned before merging."""

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(t.state for t in self.tasks))

    @property
    def total_cost(self) -> Decimal:
        return sum((c.cost for c in self.costs), Decimal(0))

    @property
    def baseline_cost(self) -> Decimal:
        return sum((c.baseline for c in self.costs), Decimal(0))

    @property
    def saved(self) -> Decimal:
        return self.baseline_cost - self.total_cost

    @property
    def succeeded(self) -> bool:
        return self.session.state == "completed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "session": self.session.id,
            "plan": self.session.plan_path,
            "state": self.session.state,
            "session_branch": self.session.session_branch,
            "duration_s": self.duration,
            "counts": self.counts,
            "tasks": [t.to_dict() for t in self.tasks],
            "cost": {
                "total_usd": str(self.total_cost),
                "baseline_usd": str(self.baseline_cost),
                "baseline": f"the same usage priced at {self.baseline_model} (the opus tier)",
                "saved_usd": str(self.saved),
                "by_model": [c.to_dict() for c in self.costs],
            },
            "findings": [f.to_dict() for f in self.findings],
            "fallbacks": [h.to_dict() for h in self.fallbacks],
            "waits": [w.to_dict() for w in self.waits],
            "alerts": [a.to_dict() for a in self.alerts],
            "gate": self.gate,
            "report": str(self.report) if self.report else None,
            "logs": str(self.logs) if self.logs else None,
        }


def summarize_run(
    store: Store,
    session_id: str,
    *,
    routing: RoutingConfig,
    now: float,
    alerts: Sequence[Alert] = (),
    report: Path | None = None,
    logs: Path | None = None,
    gate: str = "security",
) -> RunSummary:
    """Read the summary of the run of session `session_id` from the database."""
    from buildrunner.parallel import get_session, list_tasks, load_plan_of, read_journal
    from buildrunner.routing import Catalog, CostLedger

    session = get_session(store, session_id)
    catalog = Catalog.from_config(routing)
    calls = CostLedger(store).session_calls(session.id)
    levels = task_levels(load_plan_of(store, session.id), routing)
    tasks = tuple(
        _task_line(task, levels.get(task.task_id), [c for c in calls if c.task_id == task.task_id])
        for task in list_tasks(store, session.id)
    )
    baseline_model = catalog.tiers["opus"]
    end = session.finished_at or now
    return RunSummary(
        session=session,
        tasks=tasks,
        costs=_model_costs(calls, catalog, baseline_model),
        baseline_model=baseline_model,
        findings=tuple(f for t in list_tasks(store, session.id) for f in _findings(t)),
        fallbacks=tuple(
            Hop(call.task_id, before, after, why)
            for call in calls
            for before, after, why in call.hops
        ),
        waits=_waits(read_journal(store, session.id, limit=10_000)),
        duration=(end - session.started_at) if session.started_at else None,
        alerts=tuple(alerts),
        report=report,
        logs=logs,
        gate=gate,
    )


def task_levels(plan: Plan, routing: RoutingConfig) -> dict[str, str]:
    """The complexity level of every ``claude`` and ``api`` task, estimated from its prompt the
    way the router does for ``model = "auto"``."""
    from buildrunner.routing import estimate_complexity

    return {
        task.id: estimate_complexity(task.prompt, default_level=routing.default_level).level
        for task in plan.tasks
        if task.executor in ("claude", "api") and task.prompt
    }


def _task_line(task: TaskInfo, level: str | None, calls: Sequence[CallRecord]) -> TaskLine:
    model = task.model if task.executor == "claude" else None
    if task.executor == "api" and calls:
        last = calls[-1]
        model = last.final_model or last.selected_model
    if model == "auto":
        model = None
    return TaskLine(
        task_id=task.task_id,
        executor=task.executor,
        state=task.state,
        level=level,
        model=model,
        cost=sum((c.cost for c in calls), Decimal(0)),
        attempts=task.attempt,
        started_at=task.started_at,
        finished_at=task.finished_at,
        note=_note(task, calls),
    )


def _note(task: TaskInfo, calls: Sequence[CallRecord]) -> str:
    detail = _detail(task.merge_detail)
    if task.state == "merged":
        hops = [f"{a} -> {b} ({why})" for c in calls for a, b, why in c.hops]
        text = (
            f"merged as {detail['commit'][:10]}" if detail.get("commit") else "merged (no changes)"
        )
        return text + (f"; fell back {', '.join(hops)}" if hops else "")
    if task.state == "blocked":
        findings = detail.get("findings") or []
        if findings:
            first = findings[0]
            more = f" and {len(findings) - 1} more" if len(findings) > 1 else ""
            return (
                f"blocked by the security gate: {first.get('rule_id')} in "
                f"{first.get('path')}:{first.get('line')}{more}"
            )
        return "blocked by the security gate"
    if task.state == "conflict":
        return "conflict in " + ", ".join(detail.get("conflicts") or []) or "merge conflict"
    return task.error or task.progress or task.outcome or ""


def _findings(task: TaskInfo) -> list[FindingLine]:
    if task.state != "blocked":
        return []
    found = []
    for data in _detail(task.merge_detail).get("findings") or []:
        if isinstance(data, Mapping):
            line = data.get("line")
            found.append(
                FindingLine(
                    task_id=task.task_id,
                    rule_id=str(data.get("rule_id", "")),
                    severity=str(data.get("severity", "")),
                    path=str(data.get("path", "")),
                    line=line if isinstance(line, int) else 0,
                    masked=str(data.get("masked", "")),
                )
            )
    return found


def _model_costs(
    calls: Sequence[CallRecord], catalog: Any, baseline_model: str
) -> tuple[ModelCost, ...]:
    from buildrunner.routing import Usage, price_usage

    opus = catalog.prices(baseline_model)
    rows: dict[str, dict[str, Any]] = {}
    for call in calls:
        for record in call.usage:
            row = rows.setdefault(
                record.model,
                {"calls": set(), "usage": Usage(), "cost": Decimal(0), "baseline": Decimal(0)},
            )
            row["calls"].add(call.id)
            row["usage"] += record.usage
            row["cost"] += record.cost
            row["baseline"] += price_usage(record.usage, opus).total
    costs = [
        ModelCost(
            model=model,
            calls=len(row["calls"]),
            input_tokens=row["usage"].input_tokens,
            output_tokens=row["usage"].output_tokens,
            cache_tokens=row["usage"].cache_write_tokens + row["usage"].cache_read_tokens,
            cost=row["cost"],
            baseline=row["baseline"],
        )
        for model, row in rows.items()
    ]
    return tuple(sorted(costs, key=lambda c: (-c.cost, c.model)))


def _waits(journal: Sequence[Any]) -> tuple[Wait, ...]:
    seen: dict[str, Wait] = {}
    for entry in journal:
        if entry.task_id and entry.message.startswith(WAITING_PREFIX) and entry.task_id not in seen:
            seen[entry.task_id] = Wait(entry.task_id, entry.message.removeprefix(WAITING_PREFIX))
    return tuple(seen.values())


def _detail(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
