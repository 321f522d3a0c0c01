"""The `claude` executor: Claude Code headless, one session per task attempt.

``claude -p PROMPT --output-format stream-json --verbose --model M --max-turns N
--max-budget-usd X --permission-mode MODE --allowedTools ... --session-id UUID`` runs in the
task's worktree, in its own process group. The session id is minted up front, so a crash
stays resumable; a resumed attempt runs ``claude -p continue --resume ID`` from the same
worktree (without ``--session-id``, which cannot be combined with it). When path claims guard
the task, ``--settings`` installs ``br parallel guard`` as a PreToolUse hook for edits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from buildrunner.parallel.executors.base import (
    ExecutionControl,
    ExecutionRequest,
    ExecutionResult,
    Outcome,
)
from buildrunner.parallel.executors.process import run_process
from buildrunner.parallel.executors.streamjson import StreamParser, classify

RESUME_PROMPT = "continue"
EDIT_TOOLS = "Edit|Write|MultiEdit|NotebookEdit|Bash"
"""Tools the guard hook watches; for Bash it checks the paths a command visibly writes."""


class ClaudeExecutor:
    """Runs Claude Code headless and parses its stream-json events."""

    name = "claude"

    def run(self, request: ExecutionRequest, control: ExecutionControl) -> ExecutionResult:
        binary = _locate(request.claude.binary, request.env.get("PATH"))
        if binary is None:
            return ExecutionResult(
                Outcome.SPAWN_ERROR,
                error=f"{request.claude.binary!r} not found; install Claude Code or set "
                "parallel.claude_binary",
            )
        session_id = request.resume_id or str(uuid.uuid4())
        argv = build_argv(request, binary, session_id)
        control.report_agent_session(session_id)
        parser = StreamParser()
        reported: list[str | None] = [session_id]

        def on_line(line: str) -> bool:
            boundary = parser.feed(line)
            sid = parser.state.session_id
            if sid and sid != reported[0]:
                reported[0] = sid
                control.report_agent_session(sid)
            if boundary or parser.state.turns:
                control.report_progress(parser.progress(), turns=parser.state.turns)
            return boundary

        version = claude_version(binary, request.env)
        request.log_path.parent.mkdir(parents=True, exist_ok=True)
        with request.log_path.open("ab") as log:
            log.write(f"# claude --version: {version}\n".encode())
            log.write(f"$ {' '.join(_shown_argv(argv))}\n".encode())
            log.flush()
            ended = run_process(
                argv,
                cwd=request.cwd,
                env=request.env,
                log=log,
                control=control,
                timeout=request.timeout,
                kill_grace=request.kill_grace,
                on_line=on_line,
            )
        result = classify(
            parser.state,
            returncode=ended.returncode,
            stopped=ended.stopped,
            spawn_error=ended.spawn_error,
        )
        return replace(
            result,
            agent_session_id=result.agent_session_id or reported[0],
            usage={**result.usage, "claude_version": version},
        )


_VERSIONS: dict[str, str] = {}


def claude_version(binary: str, env: Mapping[str, str]) -> str:
    """``claude --version`` (once per binary and process; flags and fields vary by release)."""
    if binary not in _VERSIONS:
        try:
            proc = subprocess.run(
                [binary, "--version"],
                capture_output=True,
                text=True,
                env=dict(env),
                timeout=30,
                check=False,
            )
            _VERSIONS[binary] = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "?"
        except (OSError, subprocess.TimeoutExpired):
            _VERSIONS[binary] = "?"
    return _VERSIONS[binary]


def build_argv(request: ExecutionRequest, binary: str, session_id: str) -> list[str]:
    """The Claude Code command line of one attempt."""
    spec = request.spec
    settings = request.claude
    prompt = RESUME_PROMPT if request.resume_id else (spec.prompt or "")
    argv = [binary, "-p", prompt, "--output-format", "stream-json", "--verbose"]
    if request.model:
        argv += ["--model", request.model]
    argv += ["--max-turns", str(spec.max_turns or settings.max_turns)]
    budget = spec.budget_usd if spec.budget_usd is not None else settings.max_budget_usd
    if budget:
        argv += ["--max-budget-usd", f"{budget:g}"]
    argv += ["--permission-mode", spec.permission_mode or settings.permission_mode]
    tools = spec.allowed_tools if spec.allowed_tools is not None else settings.allowed_tools
    if tools:
        argv += ["--allowedTools", " ".join(tools)]
    if request.resume_id:
        argv += ["--resume", request.resume_id]
    else:
        argv += ["--session-id", session_id]
    if settings.guard_command:
        argv += ["--settings", guard_settings(settings.guard_command)]
    return argv


def guard_settings(command: str) -> str:
    """``--settings`` JSON installing the claims guard as a PreToolUse hook on edit tools."""
    return json.dumps(
        {
            "hooks": {
                "PreToolUse": [
                    {
                        "matcher": EDIT_TOOLS,
                        "hooks": [{"type": "command", "command": command, "timeout": 30}],
                    }
                ]
            }
        },
        separators=(",", ":"),
    )


def _locate(binary: str, path: str | None) -> str | None:
    if "/" in binary:
        return binary if Path(binary).exists() else None
    return shutil.which(binary, path=path)


def _shown_argv(argv: list[str]) -> list[str]:
    shown = []
    for index, arg in enumerate(argv):
        if index == 2 and len(arg) > 80:
            arg = arg[:77] + "..."
        shown.append(json.dumps(arg) if (" " in arg or not arg) else arg)
    return shown
