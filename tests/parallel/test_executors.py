from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from buildrunner.parallel.executors import (
    ApiExecutor,
    ClaudeExecutor,
    ExecutionRequest,
    NullControl,
    Outcome,
    ShellExecutor,
    StopReason,
)
from buildrunner.parallel.executors.claude import build_argv
from buildrunner.parallel.integrations import ApiAnswer, ApiCallError
from buildrunner.parallel.plan import TaskSpec


def request(tmp_path: Path, spec: TaskSpec, **kw: Any) -> ExecutionRequest:
    values: dict[str, Any] = {
        "spec": spec,
        "cwd": tmp_path,
        "log_path": tmp_path / "logs" / f"{spec.id}.log",
        "env": dict(os.environ),
        "timeout": 60.0,
        "attempt": 1,
        "session_id": "s1",
        "kill_grace": 1.0,
    }
    values.update(kw)
    return ExecutionRequest(**values)


def shell(task_id: str, command: str, **kw: Any) -> TaskSpec:
    return TaskSpec(id=task_id, title=task_id, executor="shell", command=command, **kw)


def claude(task_id: str, prompt: str, **kw: Any) -> TaskSpec:
    return TaskSpec(id=task_id, title=task_id, executor="claude", prompt=prompt, **kw)


# --------------------------------------------------------------------------- shell


def test_shell_success_streams_output_to_the_log(tmp_path: Path) -> None:
    control = NullControl()
    result = ShellExecutor().run(request(tmp_path, shell("a", "echo out; echo err >&2")), control)
    assert result.outcome == Outcome.OK
    assert (tmp_path / "logs" / "a.log").read_text() == "out\nerr\n"
    assert control.pgid is not None


def test_shell_output_reaches_the_log_with_every_secret_masked(tmp_path: Path) -> None:
    from tests.security.tokens import Tokens

    token = Tokens(5).github()
    command = f'echo \'token={token[:8]}\'"{token[8:]}"; echo "GITHUB_TOKEN={token}" >&2'
    result = ShellExecutor().run(request(tmp_path, shell("a", command)), NullControl())
    assert result.outcome == Outcome.OK
    log = (tmp_path / "logs" / "a.log").read_text()
    masked = token[:4] + "…" + token[-4:]
    assert log == f"token={masked}\nGITHUB_TOKEN={masked}\n"


def test_a_background_child_holding_stdout_is_killed_with_the_group(tmp_path: Path) -> None:
    command = "sleep 300 & echo $! > child.pid; echo done"
    result = ShellExecutor().run(request(tmp_path, shell("a", command)), NullControl())
    assert result.outcome == Outcome.OK
    assert (tmp_path / "logs" / "a.log").read_text() == "done\n"
    assert _ends(int((tmp_path / "child.pid").read_text()))


def _ends(pid: int) -> bool:
    """Whether `pid` is gone or a zombie (killed, not yet reaped by init) within 10 s."""
    for _ in range(200):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_shell_failure_and_missing_program(tmp_path: Path) -> None:
    failed = ShellExecutor().run(request(tmp_path, shell("a", "exit 3")), NullControl())
    assert (failed.outcome, failed.exit_code) == (Outcome.EXIT_NONZERO, 3)
    spec = TaskSpec(id="b", title="b", executor="shell", command=("/no/such/program",))
    missing = ShellExecutor().run(request(tmp_path, spec), NullControl())
    assert missing.outcome == Outcome.SPAWN_ERROR
    assert "/no/such/program" in (missing.error or "")


def test_shell_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    spec = shell("slow", f"sleep 30 & echo $! > {marker}; wait")
    result = ShellExecutor().run(request(tmp_path, spec, timeout=0.5), NullControl())
    assert result.outcome == Outcome.TIMEOUT
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_shell_cancel(tmp_path: Path) -> None:
    control = NullControl()
    timer = threading.Timer(0.3, lambda: setattr(control, "stop", StopReason.CANCEL))
    timer.start()
    result = ShellExecutor().run(request(tmp_path, shell("a", "sleep 30")), control)
    assert result.outcome == Outcome.CANCELLED


# --------------------------------------------------------------------------- claude


def test_claude_argv_for_a_fresh_and_a_resumed_attempt(tmp_path: Path) -> None:
    spec = claude("a", "fix it", max_turns=7, budget_usd=0.5, allowed_tools=("Read", "Edit"))
    fresh = build_argv(request(tmp_path, spec, model="claude-opus-4-1"), "claude", "uuid-1")
    assert fresh == [
        "claude", "-p", "fix it", "--output-format", "stream-json", "--verbose",
        "--model", "claude-opus-4-1", "--max-turns", "7", "--max-budget-usd", "0.5",
        "--permission-mode", "acceptEdits", "--allowedTools", "Read Edit",
        "--session-id", "uuid-1",
    ]  # fmt: skip
    resumed = build_argv(request(tmp_path, spec, resume_id="uuid-1"), "claude", "uuid-1")
    assert resumed[2] == "continue"
    assert resumed[-2:] == ["--resume", "uuid-1"]
    assert "--session-id" not in resumed


@pytest.mark.usefixtures("fake_claude")
def test_claude_success_edits_files_and_reports_cost(tmp_path: Path) -> None:
    control = NullControl()
    spec = claude("a", "WRITE src/x.py print('x')\nAPPEND notes.md line")
    result = ClaudeExecutor().run(request(tmp_path, spec), control)
    assert result.outcome == Outcome.OK
    assert (tmp_path / "src" / "x.py").read_text() == "print('x')\n"
    assert (tmp_path / "notes.md").read_text() == "line\n"
    assert result.turns == 2
    assert result.model == "claude-sonnet-4-6"
    assert result.cost_usd == pytest.approx(
        sum(m["costUSD"] for m in result.usage["modelUsage"].values()), abs=1e-6
    )
    assert result.agent_session_id == control.agent_session_id
    assert control.progress[-1].startswith("turn 2: Edit")
    log = (tmp_path / "logs" / "a.log").read_text()
    assert '"type":"result"' in log


@pytest.mark.parametrize(
    ("scenario", "outcome"),
    [
        ("max_turns", Outcome.MAX_TURNS),
        ("max_budget", Outcome.MAX_BUDGET),
        ("execution_error", Outcome.EXECUTION_ERROR),
        ("overloaded", Outcome.API_OVERLOADED),
        ("rate_limited", Outcome.API_RATE_LIMITED),
        ("crash", Outcome.CRASHED),
        ("truncated", Outcome.PROTOCOL_ERROR),
        ("auth_error", Outcome.CRASHED),
    ],
)
@pytest.mark.usefixtures("fake_claude")
def test_claude_failure_taxonomy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str, outcome: Outcome
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_SCENARIO", scenario)
    turns = 1 if scenario == "max_turns" else None
    spec = claude("a", "WRITE a.txt one\nWRITE b.txt two", max_turns=turns)
    result = ClaudeExecutor().run(request(tmp_path, spec, env=dict(os.environ)), NullControl())
    assert result.outcome == outcome


def test_claude_missing_binary_is_a_spawn_error(tmp_path: Path) -> None:
    spec = claude("a", "x")
    req = request(tmp_path, spec)
    req = ExecutionRequest(**{**req.__dict__, "claude": req.claude.__class__(binary="no-claude")})
    result = ClaudeExecutor().run(req, NullControl())
    assert result.outcome == Outcome.SPAWN_ERROR


@pytest.mark.usefixtures("fake_claude")
def test_claude_pauses_at_a_turn_boundary_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_claude: Path
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_TURN_DELAY", "0.2")
    prompt = "\n".join(f"WRITE f{i}.txt {i}" for i in range(5))
    control = NullControl()

    class PauseAfterFirstTurn(NullControl):
        def report_progress(self, text: str, *, turns: int | None = None) -> None:
            super().report_progress(text, turns=turns)
            if turns and turns >= 1:
                self.stop = StopReason.PAUSE

    control = PauseAfterFirstTurn()
    env = dict(os.environ)
    first = ClaudeExecutor().run(request(tmp_path, claude("a", prompt), env=env), control)
    assert first.outcome == Outcome.PAUSED
    written = sorted(p.name for p in tmp_path.glob("f*.txt"))
    assert 1 <= len(written) < 5
    second = ClaudeExecutor().run(
        request(tmp_path, claude("a", prompt), resume_id=first.agent_session_id, env=env),
        NullControl(),
    )
    assert second.outcome == Outcome.OK
    assert sorted(p.name for p in tmp_path.glob("f*.txt")) == [f"f{i}.txt" for i in range(5)]
    calls = [json.loads(line) for line in fake_claude.read_text().splitlines()]
    assert [c["resume"] for c in calls] == [None, first.agent_session_id]
    assert second.turns == 5 - len(written)


# --------------------------------------------------------------------------- api


class FakeCaller:
    def __init__(self, error: ApiCallError | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, str | None]] = []

    def answer(
        self,
        prompt: str,
        *,
        model: str | None,
        budget_usd: float | None,
        task: TaskSpec,
        session_id: str | None = None,
    ) -> ApiAnswer:
        self.calls.append((prompt, model))
        if self.error:
            raise self.error
        return ApiAnswer(
            "The answer.", "claude-haiku-4-5", cost_usd=0.0012, input_tokens=100, output_tokens=40
        )


def test_api_executor_writes_the_answer(tmp_path: Path) -> None:
    caller = FakeCaller()
    spec = TaskSpec(id="q", title="q", executor="api", prompt="Why?", output="out/q.md")
    result = ApiExecutor(caller).run(request(tmp_path, spec, model="haiku"), NullControl())
    assert result.outcome == Outcome.OK
    assert (tmp_path / "out" / "q.md").read_text() == "The answer.\n"
    assert (result.cost_usd, result.input_tokens, result.output_tokens) == (0.0012, 100, 40)
    assert caller.calls == [("Why?", "haiku")]


def test_api_executor_maps_errors_and_needs_a_caller(tmp_path: Path) -> None:
    spec = TaskSpec(id="q", title="q", executor="api", prompt="Why?", output="q.md")
    overloaded = ApiExecutor(FakeCaller(ApiCallError("529", outcome="api_overloaded")))
    assert overloaded.run(request(tmp_path, spec), NullControl()).outcome == Outcome.API_OVERLOADED
    missing = ApiExecutor(None).run(request(tmp_path, spec), NullControl())
    assert missing.outcome == Outcome.UNAVAILABLE


def test_setup_commands_stop_at_the_first_failure(tmp_path: Path) -> None:
    from buildrunner.parallel.executors.process import run_commands

    log = tmp_path / "setup.log"
    error = run_commands(
        ["echo one", "exit 3", "echo never"],
        what="setup",
        cwd=tmp_path,
        env=dict(os.environ),
        log_path=log,
        control=NullControl(),
        timeout=30,
        kill_grace=1,
    )
    assert error == "setup command 'exit 3' failed: exit status 3"
    assert log.read_text() == "$ [setup] echo one\none\n$ [setup] exit 3\n"
    assert run_commands([], what="setup", cwd=tmp_path, env={}, log_path=log,
                        control=NullControl(), timeout=1, kill_grace=1) is None  # fmt: skip
