"""Orchestration wired to the routing subsystem: api tasks through the Router against the fake
Anthropic server, model = "auto" chosen by the router, claude sessions reserved and settled in
the cost ledger."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.core.store import Store
from buildrunner.parallel import control
from buildrunner.parallel.sessions import list_tasks
from buildrunner.parallel.settings import RunSettings
from buildrunner.routing import Catalog
from buildrunner.testing.fake_anthropic import DEFAULT_REPLY, FakeAnthropic, Fault
from tests.helpers import git


@pytest.fixture
def anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key-for-the-fake-server")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("BR_ROUTING_MAX_ATTEMPTS", "1")
        monkeypatch.setenv("BR_ROUTING_OVERLOAD_ATTEMPTS", "1")
        yield server


def test_api_tasks_go_through_the_router(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    anthropic: FakeAnthropic,
) -> None:
    haiku = Catalog.from_config(RoutingConfig()).tiers["haiku"]
    anthropic.enqueue(Fault(529, model=haiku))
    plan = write_plan(
        """
[defaults]
executor = "api"

[[tasks]]
id = "summary"
prompt = "Summarise the change in one sentence."
model = "haiku"
output = "notes/summary.md"
priority = 1

[[tasks]]
id = "naming"
prompt = "Suggest a name for the module."
"""
    )
    session = control.create_from_plan(store, settings, plan, workers=2)
    final = control.run_foreground(store, settings, session.id)
    assert final.state == "completed", final.error
    tasks = {t.task_id: t for t in list_tasks(store, session.id)}
    branch = final.session_branch or ""
    assert git(git_repo, "show", f"{branch}:notes/summary.md") == DEFAULT_REPLY + "\n"
    assert git(git_repo, "show", f"{branch}:naming.md") == DEFAULT_REPLY + "\n"
    ledger = store.execute(
        "SELECT task_id, final_model, outcome FROM routing_calls WHERE session_id = ? "
        "ORDER BY task_id",
        (session.id,),
    )
    assert [(r["task_id"], r["outcome"]) for r in ledger] == [("naming", "ok"), ("summary", "ok")]
    # the summary task's 529 on Haiku fell back to another model inside the one call
    assert tasks["summary"].model == ledger[1]["final_model"]
    assert tasks["summary"].model != haiku
    summary_models = [r.model for r in anthropic.requests if "one sentence" in json.dumps(r.body)]
    assert summary_models[0] == haiku
    usage = store.execute(
        "SELECT SUM(cost_pusd) FROM routing_usage WHERE session_id = ?", (session.id,)
    )[0][0]
    recorded = sum(Decimal(str(t.cost_usd)) for t in tasks.values())
    assert abs(recorded - Decimal(usage) / Decimal(10**12)) < Decimal("0.000001")
    assert len(anthropic.requests) == 3


@pytest.mark.usefixtures("fake_claude")
def test_claude_sessions_reserve_and_settle_in_the_cost_ledger(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    fake_claude: Path,
) -> None:
    plan = write_plan(
        '[[tasks]]\nid = "fix"\nexecutor = "claude"\nmodel = "auto"\nbudget = 2.5\n'
        'prompt = "Fix the typo in README.md\\nWRITE README.md # demo, fixed"\n'
    )
    session = control.create_from_plan(store, settings, plan, workers=1)
    final = control.run_foreground(store, settings, session.id)
    assert final.state == "completed"
    task = list_tasks(store, session.id)[0]
    calls = [json.loads(line) for line in fake_claude.read_text().splitlines()]
    assert calls[0]["model"].startswith("claude-")  # "auto" was chosen by the router
    assert task.model == calls[0]["model"]  # what did the work, from modelUsage
    rows = store.execute(
        "SELECT c.source, c.outcome, c.task_id, SUM(u.cost_pusd) AS pusd FROM routing_calls c "
        "JOIN routing_usage u ON u.call_id = c.id WHERE c.session_id = ? GROUP BY c.id",
        (session.id,),
    )
    assert [(r["source"], r["outcome"], r["task_id"]) for r in rows] == [
        ("claude-code", "ok", "fix")
    ]
    assert abs(Decimal(rows[0]["pusd"]) / Decimal(10**12) - Decimal(str(task.cost_usd))) < Decimal(
        "0.000001"
    )
    open_reservations = store.execute(
        "SELECT COUNT(*) FROM routing_reservations WHERE session_id = ? AND state = 'open'",
        (session.id,),
    )[0][0]
    assert open_reservations == 0
    decisions = store.execute(
        "SELECT session_id, task_id, model, name FROM telemetry_events "
        "WHERE type = 'routing.decision'"
    )
    assert [tuple(r) for r in decisions] == [(session.id, "fix", calls[0]["model"], "simple")]


@pytest.mark.usefixtures("fake_claude")
def test_a_session_budget_too_small_refuses_the_claude_task(
    git_repo: Path,
    store: Store,
    settings: RunSettings,
    write_plan: Callable[..., Path],
    fake_claude: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BR_ROUTING_SESSION_BUDGET", "1.00")
    plan = write_plan(
        '[[tasks]]\nid = "big"\nexecutor = "claude"\nbudget = 5\nretries = 0\n'
        'prompt = "WRITE a.txt a"\n'
    )
    session = control.create_from_plan(store, settings, plan, workers=1)
    final = control.run_foreground(store, settings, session.id)
    task = list_tasks(store, session.id)[0]
    assert (final.state, task.state, task.outcome) == ("failed", "failed", "max_budget")
    assert (task.error or "").startswith("budget refused: ")
    assert not fake_claude.exists()  # claude never started
