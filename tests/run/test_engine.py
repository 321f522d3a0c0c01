"""`run_plan` as a library: progress frames, the end-of-run telemetry, alerts and report."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from buildrunner.core.config import load_config
from buildrunner.core.paths import ProjectPaths
from buildrunner.core.store import Store
from buildrunner.run import Frame, run_plan

PLAN = """
[plan]
name = "engine"
workers = 2

[[tasks]]
id = "slow"
command = "sleep 0.5 && echo a > a.txt"
claims = ["a.txt"]
priority = 2

[[tasks]]
id = "after"
command = "echo b > a.txt"
claims = ["a.txt"]

[[tasks]]
id = "broken"
command = "exit 4"
retries = 0
"""


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_PARALLEL_POLL_INTERVAL", "0.02")
    monkeypatch.setenv("BR_PARALLEL_HEARTBEAT_INTERVAL", "0.5")


@pytest.mark.usefixtures("fast")
def test_run_plan_reports_frames_and_closes_the_run(project: ProjectPaths) -> None:
    plan = project.root / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    frames: list[Frame] = []
    started: list[str] = []
    config = load_config(project).config
    outcome = run_plan(
        project, config, plan, on_progress=frames.append, on_start=lambda s: started.append(s.id)
    )
    sid = outcome.session.id
    assert started == [sid]
    assert outcome.session.state == "failed"
    assert {t.task_id: t.state for t in outcome.summary.tasks} == {
        "slow": "merged",
        "after": "merged",
        "broken": "failed",
    }
    # frames: every journal entry exactly once, in order; the last frame is the final state
    messages = [e.message for f in frames for e in f.journal]
    assert messages[0] == f"session created from {plan} (3 tasks)"
    assert messages[-1] == "session running -> failed"
    assert messages.count("session running -> failed") == 1
    assert any(m.startswith("waiting: claim 'a.txt' overlaps 'a.txt' held by") for m in messages)
    last = frames[-1]
    assert last.settled() == len(last.tasks) == 3
    assert last.levels == {}  # shell tasks have no complexity
    assert all(a.now <= b.now for a, b in itertools.pairwise(frames))
    # the end of the run: notices, a performance event, the report
    store = Store(project.db_path)
    notices = [
        json.loads(r["data"])["message"]
        for r in store.execute(
            "SELECT data FROM telemetry_events WHERE type = 'system.notice' AND session_id = ? "
            "ORDER BY seq",
            (sid,),
        )
    ]
    assert "run of plan.toml started (0 model tasks)" in notices
    assert notices[-1] == "run failed: 2 of 3 tasks merged"
    (perf,) = store.execute(
        "SELECT name, duration_ms, data FROM telemetry_events WHERE type = 'performance' "
        "AND session_id = ?",
        (sid,),
    )
    assert perf["name"] == "run"
    assert perf["duration_ms"] > 0
    assert json.loads(perf["data"])["items"] == 3
    summary = outcome.summary
    assert summary.report == project.data_dir / "reports" / f"run-{sid}.html"
    assert summary.report.is_file()
    assert summary.logs == project.data_dir / "logs" / "parallel" / sid
    assert (summary.logs / "broken.1.log").is_file()
    assert [w.task_id for w in summary.waits] == ["after"]
    broken = next(t for t in summary.tasks if t.task_id == "broken")
    assert broken.note == "command exited with status 4"


@pytest.mark.usefixtures("fast")
def test_a_task_blocked_by_the_gate_fires_the_security_alert(project: ProjectPaths) -> None:
    from tests.security.tokens import Tokens

    token = Tokens(44).github()
    plan = project.root / "plan.toml"
    head, tail = token[:9], token[9:]
    plan.write_text(
        f"""
[[tasks]]
id = "leak"
command = "printf 'T = \\"%s%s\\"\\\\n' {head} {tail} > t.py"
""",
        encoding="utf-8",
    )
    outcome = run_plan(project, load_config(project).config, plan)
    assert [t.state for t in outcome.summary.tasks] == ["blocked"]
    assert [(a.rule_id, a.state, a.level) for a in outcome.summary.alerts] == [
        ("security-violation", "firing", "critical")
    ]
    assert Path(outcome.summary.report or "").read_text("utf-8").count(token) == 0
