"""The summary of a session: tasks by state, cost by model, merges and problems."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from buildrunner.core.store import Store
from buildrunner.parallel.records import SessionInfo
from buildrunner.parallel.sessions import get_session, list_tasks


@dataclass(frozen=True)
class Problem:
    task_id: str
    state: str
    detail: str


@dataclass(frozen=True)
class Summary:
    session: SessionInfo
    counts: dict[str, int]
    total_tasks: int
    attempts: int
    lost_attempts: int
    cost_usd: float
    cost_by_model: dict[str, float]
    input_tokens: int
    output_tokens: int
    duration: float | None
    merged: tuple[tuple[str, str | None, int], ...]
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "session": self.session.to_dict(),
            "counts": self.counts,
            "total_tasks": self.total_tasks,
            "attempts": self.attempts,
            "lost_attempts": self.lost_attempts,
            "cost_usd": round(self.cost_usd, 6),
            "cost_by_model": {k: round(v, 6) for k, v in self.cost_by_model.items()},
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "duration_s": self.duration,
            "merged": [{"task": t, "commit": c, "files": n} for t, c, n in self.merged],
            "problems": [p.__dict__ for p in self.problems],
        }


def summarize(store: Store, ref: str | None, *, now: float) -> Summary:
    """Summarise the session `ref` (the newest when None)."""
    session = get_session(store, ref)
    tasks = list_tasks(store, session.id)
    rows = store.execute(
        "SELECT outcome, model, cost_usd, input_tokens, output_tokens, usage_json "
        "FROM parallel_attempts WHERE session_id = ?",
        (session.id,),
    )
    by_model: dict[str, float] = defaultdict(float)
    for row in rows:
        per_model = _model_costs(row["usage_json"])
        if per_model:
            for model, cost in per_model.items():
                by_model[model] += cost
        elif row["cost_usd"]:
            by_model[row["model"] or "unknown"] += row["cost_usd"]
    merged = []
    problems = []
    for task in tasks:
        detail = _detail(task.merge_detail)
        if task.state == "merged":
            merged.append((task.task_id, detail.get("commit"), len(detail.get("files", []))))
        elif task.state in ("failed", "conflict", "blocked", "skipped", "cancelled"):
            text = task.error or task.progress or task.outcome or ""
            if task.state == "conflict":
                text = "conflicting paths: " + ", ".join(detail.get("conflicts", [])) or text
                if detail.get("conflicts_with"):
                    text += " (with " + ", ".join(detail["conflicts_with"]) + ")"
            if task.state == "blocked":
                text = detail.get("report", "") or text
            problems.append(Problem(task.task_id, task.state, text))
    end = session.finished_at or now
    return Summary(
        session=session,
        counts=dict(Counter(t.state for t in tasks)),
        total_tasks=len(tasks),
        attempts=len(rows),
        lost_attempts=sum(1 for r in rows if r["outcome"] == "lost"),
        cost_usd=sum(t.cost_usd for t in tasks),
        cost_by_model=dict(sorted(by_model.items(), key=lambda kv: -kv[1])),
        input_tokens=sum(t.input_tokens for t in tasks),
        output_tokens=sum(t.output_tokens for t in tasks),
        duration=(end - session.started_at) if session.started_at else None,
        merged=tuple(merged),
        problems=tuple(problems),
    )


def _model_costs(usage_json: str | None) -> dict[str, float]:
    if not usage_json:
        return {}
    try:
        data = json.loads(usage_json)
    except ValueError:
        return {}
    model_usage = data.get("modelUsage") if isinstance(data, dict) else None
    if not isinstance(model_usage, dict):
        return {}
    out = {}
    for model, values in model_usage.items():
        cost = values.get("costUSD") if isinstance(values, dict) else None
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            out[str(model)] = float(cost)
    return out


def _detail(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
