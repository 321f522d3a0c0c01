"""The demo plan end to end (what `make demo` runs), checked in the database afterwards.

A copy of examples/ becomes a fresh git repository; the fake Anthropic server (scripted from
examples/demo/fake-api.json) and the fake `claude` stand in for the real services; `br run`
runs as a real subprocess. Then: every task's final state, costs equal to the stand-ins' usage
priced by the catalog (exact decimals), the planted credential blocked and nowhere in clear,
the fallback recorded, the overlapping claims serialised.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.core.store import Store
from buildrunner.routing import Catalog, Usage, price_usage
from buildrunner.run import summarize_run
from buildrunner.testing.fake_anthropic import FakeAnthropic
from tests.helpers import git, run_br

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STATES = {
    "search": "merged",
    "db-notes": "merged",
    "report-review": "merged",
    "changelog": "merged",
    "threat-model": "merged",
    "smoke-test": "merged",
    "compile": "merged",
    "deploy-settings": "blocked",
}


@pytest.fixture
def demo_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BR_HOME", raising=False)  # the data lives in the repository
    repo = tmp_path / "demo"
    shutil.copytree(EXAMPLES, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "example project")
    assert run_br("init", cwd=repo).returncode == 0
    return repo


def _claude_shim(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "claude"
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m buildrunner.testing.fake_claude "$@"\n', "utf-8"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


@pytest.mark.slow
def test_the_demo_plan_end_to_end(demo_repo: Path, tmp_path: Path) -> None:
    faults = json.loads((demo_repo / "demo" / "fake-api.json").read_text("utf-8"))
    with FakeAnthropic(faults) as server:
        env = {
            "PATH": f"{_claude_shim(tmp_path)}{os.pathsep}{os.environ['PATH']}",
            "BR_ROUTING_BASE_URL": server.url,
            "ANTHROPIC_API_KEY": "offline-demo-key",
            "FAKE_CLAUDE_TURN_DELAY": "0.5",
        }
        result = run_br("run", "demo/plan.toml", "--plain", cwd=demo_repo, env=env)
        requests = list(server.requests)
    assert result.returncode == 1, result.stderr  # one task did not merge: the blocked one
    store = Store(demo_repo / ".buildrunner" / "buildrunner.db")
    (session,) = store.execute("SELECT id, state, session_branch FROM parallel_sessions")
    sid = session["id"]
    assert session["state"] == "failed"

    tasks = {r["task_id"]: r for r in store.execute("SELECT * FROM parallel_tasks")}
    assert {task: row["state"] for task, row in tasks.items()} == STATES

    _costs_are_the_stand_ins_usage_priced_by_the_catalog(store, sid, requests)
    key = _planted_credential_was_blocked(demo_repo, store, sid, session["session_branch"])
    _credential_is_nowhere_in_clear(demo_repo, key, result.stdout + result.stderr)
    _fallback_is_recorded(store, sid, requests)
    _overlapping_claims_were_serialised(store, sid)
    _summary_and_telemetry(demo_repo, store, sid, result.stdout)


def _costs_are_the_stand_ins_usage_priced_by_the_catalog(
    store: Store, sid: str, requests: list[Any]
) -> None:
    catalog = Catalog.from_config(RoutingConfig())
    answered = [r for r in requests if r.status == 200]
    expected_api = Counter(
        (r.model, price_usage(Usage.from_anthropic(r.usage), catalog.prices(r.model)).total)
        for r in answered
    )
    rows = store.execute(
        "SELECT c.source, c.task_id, u.model, u.cost_usd, u.cost_pusd FROM routing_usage u "
        "JOIN routing_calls c ON c.id = u.call_id WHERE c.session_id = ?",
        (sid,),
    )
    recorded_api = Counter(
        (r["model"], Decimal(r["cost_usd"])) for r in rows if r["source"] == "api"
    )
    assert recorded_api == expected_api
    assert len(answered) == 3  # one answer per api task
    for row in rows:
        assert Decimal(row["cost_pusd"]) == Decimal(row["cost_usd"]) * 10**12
    # Claude Code sessions: each model of the stand-in's modelUsage, priced by the catalog
    for task in ("search", "db-notes"):
        (attempt,) = store.execute(
            "SELECT usage_json FROM parallel_attempts WHERE session_id = ? AND task_id = ?",
            (sid, task),
        )
        model_usage = json.loads(attempt["usage_json"])["modelUsage"]
        expected = Counter(
            (model, price_usage(Usage.from_claude_code(data), catalog.prices(model)).total)
            for model, data in model_usage.items()
        )
        recorded = Counter(
            (r["model"], Decimal(r["cost_usd"]))
            for r in rows
            if r["source"] == "claude-code" and r["task_id"] == task
        )
        assert recorded == expected
    summary = summarize_run(store, sid, routing=RoutingConfig(), now=0.0)
    assert summary.total_cost == sum((Decimal(r["cost_usd"]) for r in rows), Decimal(0))
    opus = catalog.prices(catalog.tiers["opus"])
    baseline = Decimal(0)
    for r in store.execute(
        "SELECT u.* FROM routing_usage u JOIN routing_calls c ON c.id = u.call_id "
        "WHERE c.session_id = ?",
        (sid,),
    ):
        usage = Usage(
            input_tokens=r["input_tokens"],
            output_tokens=r["output_tokens"],
            cache_write_5m_tokens=r["cache_write_5m_tokens"],
            cache_write_1h_tokens=r["cache_write_1h_tokens"],
            cache_read_tokens=r["cache_read_tokens"],
        )
        baseline += price_usage(usage, opus).total
    assert summary.baseline_cost == baseline > summary.total_cost


def _planted_credential_was_blocked(repo: Path, store: Store, sid: str, session_branch: str) -> str:
    planted = git(repo, "show", f"br/{sid}/deploy-settings:inventory/deploy_settings.py")
    key = planted.split('ANTHROPIC_API_KEY = "')[1].split('"')[0]
    assert key.startswith("sk-ant-api03-")
    assert len(key) > 90
    assert "deploy_settings.py" not in git(repo, "ls-tree", "-r", "--name-only", session_branch)
    (row,) = store.execute(
        "SELECT merge_detail FROM parallel_tasks WHERE session_id = ? AND task_id = ?",
        (sid, "deploy-settings"),
    )
    (finding,) = json.loads(row["merge_detail"])["findings"]
    assert (finding["rule_id"], finding["path"], finding["line"]) == (
        "anthropic-api-key",
        "inventory/deploy_settings.py",
        3,
    )
    assert finding["masked"] == f"{key[:4]}…{key[-4:]}"
    return key


def _credential_is_nowhere_in_clear(repo: Path, key: str, output: str) -> None:
    data_dir = repo / ".buildrunner"
    worktrees = data_dir / "worktrees"
    checked = 0
    for path in data_dir.rglob("*"):
        if path.is_file() and worktrees not in path.parents:
            assert key.encode() not in path.read_bytes(), f"the key is in clear in {path}"
            checked += 1
    assert checked >= 10  # the database (and its WAL), the logs, the report were all read
    assert key not in output
    assert f"{key[:4]}…{key[-4:]}" in output
    exported = run_br("telemetry", "export", "--format", "jsonl", cwd=repo)
    assert exported.returncode == 0
    assert "security.finding" in exported.stdout
    assert key not in exported.stdout


def _fallback_is_recorded(store: Store, sid: str, requests: list[Any]) -> None:
    opus = Catalog.from_config(RoutingConfig()).tiers["opus"]
    (call,) = store.execute(
        "SELECT id, requested_model, final_model, fallbacks, outcome FROM routing_calls "
        "WHERE session_id = ? AND task_id = 'threat-model'",
        (sid,),
    )
    assert (call["requested_model"], call["outcome"], call["fallbacks"]) == ("opus", "ok", 1)
    assert call["final_model"] != opus
    attempts = store.execute(
        "SELECT model, outcome, status FROM routing_attempts WHERE call_id = ? ORDER BY seq",
        (call["id"],),
    )
    failed = [(a["model"], a["outcome"], a["status"]) for a in attempts[:-1]]
    assert failed
    assert all(item == (opus, "overloaded", 529) for item in failed)
    assert (attempts[-1]["model"], attempts[-1]["outcome"]) == (call["final_model"], "ok")
    assert [r.status for r in requests if r.model == opus] == [529] * len(failed)
    (event,) = store.execute(
        "SELECT model, error_type, data FROM telemetry_events "
        "WHERE type = 'routing.fallback' AND session_id = ? AND task_id = 'threat-model'",
        (sid,),
    )
    assert (event["model"], event["error_type"]) == (call["final_model"], "overloaded")
    assert json.loads(event["data"])["from_model"] == opus


def _overlapping_claims_were_serialised(store: Store, sid: str) -> None:
    spans = {
        r["task_id"]: (r["started_at"], r["finished_at"])
        for r in store.execute(
            "SELECT task_id, started_at, finished_at FROM parallel_attempts "
            "WHERE session_id = ? AND task_id IN ('search', 'db-notes')",
            (sid,),
        )
    }
    (first_start, first_end), (second_start, second_end) = sorted(spans.values())
    assert first_start < first_end <= second_start < second_end
    waits = store.execute(
        "SELECT message FROM parallel_journal WHERE session_id = ? AND task_id = 'db-notes' "
        "AND message LIKE 'waiting: claim %'",
        (sid,),
    )
    assert waits
    assert "held by" in waits[0]["message"]
    assert "/search" in waits[0]["message"]


def _summary_and_telemetry(repo: Path, store: Store, sid: str, stdout: str) -> None:
    assert f"Run {sid} (demo/plan.toml) failed" in stdout
    assert "7 merged, 1 blocked" in stdout
    assert "threat-model: claude-opus-5-5 -> " in stdout
    assert "db-notes: claim 'inventory/db.py' overlaps" in stdout
    assert "CRITICAL security-violation" in stdout
    report = repo / ".buildrunner" / "reports" / f"run-{sid}.html"
    assert report.is_file()
    assert f"Report:  .buildrunner/reports/run-{sid}.html" in stdout
    finals = store.execute(
        "SELECT task_id, type FROM telemetry_events WHERE session_id = ? AND type IN "
        "('task.completed', 'task.failed', 'task.cancelled')",
        (sid,),
    )
    assert sorted((r["task_id"], r["type"]) for r in finals) == sorted(
        (task, "task.failed" if state == "blocked" else "task.completed")
        for task, state in STATES.items()
    )
    decisions = {
        r["task_id"]: r["name"]
        for r in store.execute(
            "SELECT task_id, name FROM telemetry_events "
            "WHERE type = 'routing.decision' AND session_id = ?",
            (sid,),
        )
    }
    assert set(decisions) == {"search", "db-notes", "report-review", "changelog", "threat-model"}
    notices = [
        json.loads(r["data"])["message"]
        for r in store.execute(
            "SELECT data FROM telemetry_events WHERE type = 'system.notice' AND session_id = ?",
            (sid,),
        )
    ]
    assert any(n.startswith("run of plan.toml started") for n in notices)
    assert any(n == "run failed: 7 of 8 tasks merged" for n in notices)
