"""What a run looks like: exact text of the summary, the progress lines and the live table."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from buildrunner.parallel import JournalEntry, SessionInfo, TaskInfo
from buildrunner.run import FindingLine, Frame, Hop, ModelCost, RunSummary, TaskLine, Wait
from buildrunner.run.render import journal_lines, live_renderable, summary_text
from buildrunner.telemetry.alerts import Alert

T0 = 1_800_000_000.0


def session(**changes: Any) -> SessionInfo:
    values: dict[str, Any] = {
        "id": "3f6c2a9e",
        "name": "demo",
        "plan_path": "/repo/demo/plan.toml",
        "state": "failed",
        "backend": "local",
        "base_ref": "HEAD",
        "base_commit": "4114a94907aa",
        "session_branch": "br/3f6c2a9e/_session",
        "workers_wanted": 3,
        "supervisor_pid": None,
        "supervisor_host": None,
        "supervisor_heartbeat_at": None,
        "created_at": T0,
        "started_at": T0 + 0.2,
        "finished_at": T0 + 12.6,
        "updated_at": T0 + 12.6,
        "error": None,
    }
    values.update(changes)
    return SessionInfo(**values)


def task(task_id: str, state: str, **changes: Any) -> TaskInfo:
    values = {name: None for name in TaskInfo.__dataclass_fields__}
    values.update(
        session_id="3f6c2a9e", task_id=task_id, seq=0, title=task_id, executor="shell",
        priority=0, state=state, fence=1, attempt=1, max_attempts=2, turns=0, cost_usd=0.0,
        input_tokens=0, output_tokens=0, created_at=T0,
    )  # fmt: skip
    values.update(changes)
    return TaskInfo(**values)


def test_summary_text() -> None:
    summary = RunSummary(
        session=session(),
        tasks=(
            TaskLine(
                "search",
                "claude",
                "merged",
                "moderate",
                "claude-sonnet-5-5",
                Decimal("0.017643"),
                1,
                T0,
                T0 + 3,
                "merged as 9478de90c0",
            ),
            TaskLine(
                "threat-model",
                "api",
                "merged",
                "critical",
                "claude-sonnet-5-5",
                Decimal("0.000262"),
                1,
                T0,
                T0 + 5,
                "merged as 049a57702c; fell back claude-opus-5-5 -> claude-sonnet-5-5 (overloaded)",
            ),
            TaskLine(
                "leak",
                "shell",
                "blocked",
                None,
                None,
                Decimal(0),
                1,
                T0,
                T0 + 1,
                "blocked by the security gate: anthropic-api-key in settings.py:3",
            ),
        ),
        costs=(
            ModelCost(
                "claude-sonnet-5-5", 2, 80, 940, 56_100, Decimal("0.017905"), Decimal("0.035810")
            ),
        ),
        baseline_model="claude-opus-5-5",
        findings=(
            FindingLine("leak", "anthropic-api-key", "critical", "settings.py", 3, "sk-a…XiAA"),
        ),
        fallbacks=(Hop("threat-model", "claude-opus-5-5", "claude-sonnet-5-5", "overloaded"),),
        waits=(Wait("db-notes", "claim 'db.py' overlaps 'db.py' held by 3f6c2a9e/search"),),
        duration=12.4,
        alerts=(
            Alert(
                "security-violation",
                "critical",
                "firing",
                {},
                1.0,
                0.0,
                "security violation recorded (> 0)",
                T0,
                T0,
            ),
        ),
        report=Path("/repo/.buildrunner/reports/run-3f6c2a9e.html"),
        logs=Path("/repo/.buildrunner/logs/parallel/3f6c2a9e"),
    )
    assert summary.saved == Decimal("0.017905")
    expected = """
Run 3f6c2a9e (demo/plan.toml) failed in 12.4s: 3 tasks, 2 merged, 1 blocked
  task          executor  complexity  model              state           cost  note
  search        claude    moderate    claude-sonnet-5-5  merged     $0.017643  merged as 9478de90c0
  threat-model  api       critical    claude-sonnet-5-5  merged     $0.000262  merged as 049a57702c; fell back claude-opus-5-5 -> claude-sonnet-5-5 (overloaded)
  leak          shell     -           -                  blocked            -  blocked by the security gate: anthropic-api-key in settings.py:3

Cost by model (baseline: the same tokens priced at claude-opus-5-5, the opus tier)
  model              calls   tokens in       out        cost     at opus
  claude-sonnet-5-5      2      56,180       940   $0.017905   $0.035810
  total                                            $0.017905   $0.035810 (50% less)

Security gate: 1 finding(s) blocked 1 task(s) (values masked)
  leak: critical anthropic-api-key in settings.py:3  sk-a…XiAA

Fallbacks
  threat-model: claude-opus-5-5 -> claude-sonnet-5-5 (overloaded)

Waited for a path claim
  db-notes: claim 'db.py' overlaps 'db.py' held by 3f6c2a9e/search

Alerts firing
  CRITICAL security-violation: security violation recorded (> 0)

Report:  .buildrunner/reports/run-3f6c2a9e.html
Logs:    .buildrunner/logs/parallel/3f6c2a9e/
Merged:  2 task(s) on br/3f6c2a9e/_session; land them: git merge br/3f6c2a9e/_session
"""  # noqa: E501 - the lines are what a user sees
    assert summary_text(summary, cwd=Path("/repo")) == expected


def test_summary_of_a_clean_run_without_models() -> None:
    summary = RunSummary(
        session=session(state="completed", session_branch=None),
        tasks=(TaskLine("lint", "shell", "done", None, None, Decimal(0), 1, T0, T0 + 1, ""),),
        costs=(),
        baseline_model="claude-opus-5-5",
        findings=(),
        fallbacks=(),
        waits=(),
        duration=None,
    )
    text = summary_text(summary, cwd=Path("/elsewhere"))
    assert "Run 3f6c2a9e (/repo/demo/plan.toml) completed in -: 1 tasks, 1 done" in text
    assert "no model calls and no Claude Code sessions: $0" in text
    assert "Security gate: not run (the plan does not merge: isolation = none)" in text
    assert "Alerts: none firing" in text
    assert "Merged:" not in text
    ungated = replace(summary, session=session(state="completed"), gate="none")
    assert "Security gate: off (parallel.merge_gate = none): nothing was scanned" in summary_text(
        ungated
    )


def test_progress_lines_and_live_table() -> None:
    frame = Frame(
        session=session(state="running", finished_at=None),
        tasks=(
            task(
                "search",
                "running",
                executor="claude",
                model="claude-sonnet-5-5",
                started_at=T0 + 1,
                progress="turn 2: Edit inventory/db.py",
                cost_usd=0.0123,
            ),
            task(
                "db-notes",
                "ready",
                executor="claude",
                model="auto",
                progress="waiting: claim 'db.py' overlaps 'db.py' held by 3f6c2a9e/search",
            ),
            task("lint", "merged", started_at=T0 + 1, finished_at=T0 + 2),
        ),
        levels={"search": "moderate", "db-notes": "simple"},
        journal=(
            JournalEntry(
                "3f6c2a9e",
                T0 + 1.25,
                "info",
                "db-notes",
                None,
                "waiting: claim 'db.py' overlaps 'db.py' held by 3f6c2a9e/search",
            ),
            JournalEntry("3f6c2a9e", T0 + 2.0, "info", None, None, "supervisor 7 started"),
        ),
        started=T0,
        now=T0 + 4.0,
    )
    assert journal_lines(frame) == [
        "  1.2s  [db-notes] waiting: claim 'db.py' overlaps 'db.py' held by 3f6c2a9e/search",
        "  2.0s  supervisor 7 started",
    ]
    console = Console(record=True, width=160, no_color=True)
    console.print(live_renderable(frame))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[1] == "1/3 settled, 4.0s elapsed"
    assert lines[3].split() == [
        "search", "claude", "moderate", "claude-sonnet-5-5", "running", "$0.012300", "3.0s",
        "turn", "2:", "Edit", "inventory/db.py",
    ]  # fmt: skip
    assert lines[4].split()[:6] == ["db-notes", "claude", "simple", "-", "ready", "-"]
    assert "waiting: claim 'db.py'" in lines[4]
    assert lines[5].split() == ["lint", "shell", "-", "-", "merged", "-", "1.0s"]
