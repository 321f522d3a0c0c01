"""A stand-in for the Claude Code CLI (`claude -p ... --output-format stream-json --verbose`).

It is a real executable (``python -m buildrunner.testing.fake_claude``; tests put a ``claude``
shim first on PATH) that speaks the same stream-json protocol as Claude Code: a ``system``
``init`` event with the session id, one ``assistant`` event per turn (tool calls followed by a
``user`` event with their results), and a final ``result`` object with cost, usage and
``modelUsage`` like the real one. It really edits files in its working directory, following
instructions in the prompt, one per turn::

    WRITE path/to/file.py some text     # Write tool: the file holds "some text\\n"
    APPEND notes.md another line        # Edit tool: appends a line
    DELETE old.txt                      # Bash rm
    SAY a sentence                      # a text-only turn

Before an edit it runs the PreToolUse hooks given with ``--settings`` (exit 2 blocks the
edit, as in Claude Code). Transcripts are kept under ``~/.claude/projects/<cwd>/<id>.jsonl``
so ``--resume <id>`` continues where a run stopped, from the same directory only.

Scenarios (environment):

- ``FAKE_CLAUDE_SCENARIO``: ``success`` (default), ``max_turns``, ``max_budget``,
  ``execution_error``, ``overloaded`` (529 with ``is_error`` and subtype success),
  ``rate_limited`` (429), ``crash`` (exit 1 after one turn, no result line), ``truncated``
  (a cut-off JSON line, no result), ``auth_error`` (exit 1 before any output);
- ``FAKE_CLAUDE_FAIL_TIMES``: apply the scenario only to the first N runs in a directory,
  then succeed (for retry tests);
- ``FAKE_CLAUDE_TURN_DELAY``: seconds to wait before each turn (pause and timeout tests);
- ``FAKE_CLAUDE_NEW_ID_ON_RESUME=1``: report a new session id on ``--resume``;
- ``FAKE_CLAUDE_LOG``: append one JSON line per invocation (argv, cwd, ids) to this file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

VERSION = "2.1.120 (Claude Code)"
MODEL = "claude-sonnet-4-6"
HELPER_MODEL = "claude-haiku-4-5"
# List prices per million tokens (input, output, 5-minute cache write, cache read), as in the
# pricing reference, so that the reported costs agree with a catalog that prices the usage.
PRICES = {
    "claude-haiku-4-5": (1.0, 5.0, 1.25, 0.10),
    "claude-sonnet-4-5": (3.0, 15.0, 3.75, 0.30),
    "claude-sonnet-4-6": (3.0, 15.0, 3.75, 0.30),
    "claude-opus-4-5": (5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-6": (5.0, 25.0, 6.25, 0.50),
    "claude-opus-5": (5.0, 25.0, 6.25, 0.50),
    "claude-sonnet-5": (2.0, 10.0, 2.50, 0.20),
    "claude-haiku-5-5": (0.10, 0.50, 0.125, 0.01),
    "claude-sonnet-5-5": (2.0, 10.0, 2.50, 0.10),
    "claude-opus-5-5": (4.0, 20.0, 5.0, 0.20),
}
TURN_USAGE = {"input": 6, "output": 300, "cache_write": 1300, "cache_read": 17400}
HELPER_USAGE = {"input": 1204, "output": 87, "cache_write": 0, "cache_read": 0}

EDIT_TOOLS = {"WRITE": "Write", "APPEND": "Edit", "DELETE": "Bash"}


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="claude", add_help=False)
    parser.add_argument("-p", "--print", dest="print_mode", action="store_true")
    parser.add_argument("prompt", nargs="?")
    parser.add_argument("--output-format", default="text")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--model")
    parser.add_argument("--max-turns", type=int)
    parser.add_argument("--max-budget-usd", type=float)
    parser.add_argument("--permission-mode")
    parser.add_argument("--allowedTools")
    parser.add_argument("--session-id")
    parser.add_argument("--resume")
    parser.add_argument("--settings")
    parser.add_argument("--version", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    return args


def transcript_dir(cwd: Path) -> Path:
    encoded = re.sub(r"[^A-Za-z0-9]", "-", str(cwd))
    return Path(os.path.expanduser("~")) / ".claude" / "projects" / encoded


def main(argv: list[str] | None = None) -> int:
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    if args.version:
        print(VERSION)
        return 0
    cwd = Path.cwd().resolve()
    _log_invocation(args, cwd)
    if not args.print_mode:
        print("fake claude supports only -p (headless) mode", file=sys.stderr)
        return 2
    if args.output_format == "stream-json" and not args.verbose:
        print("Error: --output-format=stream-json requires --verbose", file=sys.stderr)
        return 1
    scenario = _scenario(cwd)
    if scenario == "auth_error":
        print("Invalid API key · Please run /login", file=sys.stderr)
        return 1
    state = _open_session(args, cwd)
    if state is None:
        return 1
    return _run(args, cwd, scenario, state)


def _log_invocation(args: argparse.Namespace, cwd: Path) -> None:
    target = os.environ.get("FAKE_CLAUDE_LOG")
    if not target:
        return
    record = {
        "argv": sys.argv[1:],
        "cwd": str(cwd),
        "session_id": args.session_id,
        "resume": args.resume,
        "model": args.model,
        "task": os.environ.get("BR_PARALLEL_TASK"),
        "pid": os.getpid(),
    }
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def _scenario(cwd: Path) -> str:
    scenario = os.environ.get("FAKE_CLAUDE_SCENARIO", "success")
    limit = os.environ.get("FAKE_CLAUDE_FAIL_TIMES")
    if limit is None or scenario == "success":
        return scenario
    counter = transcript_dir(cwd) / ".runs"
    counter.parent.mkdir(parents=True, exist_ok=True)
    runs = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(runs + 1))
    return scenario if runs < int(limit) else "success"


def _open_session(args: argparse.Namespace, cwd: Path) -> dict[str, Any] | None:
    directory = transcript_dir(cwd)
    if args.resume:
        path = directory / f"{args.resume}.jsonl"
        if not path.exists():
            print(f"No conversation found with session ID: {args.resume}", file=sys.stderr)
            return None
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        header = lines[0]
        done = sum(1 for line in lines if line.get("kind") == "turn")
        session_id = args.resume
        if os.environ.get("FAKE_CLAUDE_NEW_ID_ON_RESUME") == "1":
            session_id = str(uuid.uuid4())
            (directory / f"{session_id}.jsonl").write_text(path.read_text())
        return {"id": session_id, "prompt": header["prompt"], "done": done, "resumed": True}
    session_id = args.session_id or str(uuid.uuid4())
    path = directory / f"{session_id}.jsonl"
    if path.exists():
        print(f"Error: Session ID {session_id} is already in use.", file=sys.stderr)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    prompt = args.prompt if args.prompt is not None else sys.stdin.read()
    path.write_text(json.dumps({"kind": "header", "prompt": prompt}) + "\n")
    return {"id": session_id, "prompt": prompt, "done": 0, "resumed": False}


def _instructions(prompt: str) -> list[tuple[str, str, str]]:
    steps = []
    for line in prompt.splitlines():
        parts = line.strip().split(" ", 2)
        verb = parts[0].upper() if parts else ""
        if verb in ("WRITE", "APPEND") and len(parts) >= 2:
            steps.append((verb, parts[1], parts[2] if len(parts) > 2 else ""))
        elif verb == "DELETE" and len(parts) >= 2:
            steps.append((verb, parts[1], ""))
        elif verb == "SAY":
            steps.append((verb, "", line.strip()[4:]))
    return steps or [("SAY", "", "Done.")]


def _run(args: argparse.Namespace, cwd: Path, scenario: str, state: dict[str, Any]) -> int:
    started = time.monotonic()
    model = args.model if args.model and args.model.startswith("claude-") else MODEL
    session_id = state["id"]
    _emit(
        {
            "type": "system",
            "subtype": "init",
            "session_id": session_id,
            "model": model,
            "cwd": str(cwd),
            "tools": ["Read", "Edit", "Write", "Bash", "Glob", "Grep"],
            "permissionMode": args.permission_mode or "default",
            "claude_code_version": VERSION.split()[0],
        }
    )
    steps = _instructions(state["prompt"])[state["done"] :]
    max_turns = args.max_turns or 1000
    delay = float(os.environ.get("FAKE_CLAUDE_TURN_DELAY", "0") or 0)
    hooks = _hooks(args.settings)
    transcript = transcript_dir(cwd) / f"{session_id}.jsonl"
    turns = 0
    denials: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        if turns >= max_turns:
            return _finish(
                "max_turns", session_id, turns, started, model, denials, "error_max_turns"
            )
        if delay:
            time.sleep(delay)
        turns += 1
        denied = _turn(step, index, cwd, session_id, hooks, transcript, model)
        if denied:
            denials.append(denied)
        if scenario == "crash":
            print("fatal: the fake claude crashed on purpose", file=sys.stderr)
            return 1
        if scenario == "truncated":
            sys.stdout.write('{"type":"assistant","message":{"content":[{"type":"te\n')
            sys.stdout.flush()
            return 1
        if scenario == "max_budget":
            return _finish(scenario, session_id, turns, started, model, denials)
    return _finish(scenario, session_id, turns, started, model, denials)


def _turn(
    step: tuple[str, str, str],
    index: int,
    cwd: Path,
    session_id: str,
    hooks: list[tuple[str, str]],
    transcript: Path,
    model: str = MODEL,
) -> dict[str, Any] | None:
    """One turn; the transcript records it before its last event (as Claude Code persists
    messages as they happen), so a run stopped at the turn boundary resumes after it."""
    verb, target, text = step

    def record() -> None:
        with transcript.open("a") as handle:
            handle.write(json.dumps({"kind": "turn", "step": list(step)}) + "\n")

    usage = {
        "input_tokens": TURN_USAGE["input"],
        "output_tokens": TURN_USAGE["output"],
        "cache_creation_input_tokens": TURN_USAGE["cache_write"],
        "cache_read_input_tokens": TURN_USAGE["cache_read"],
    }
    if verb == "SAY":
        record()
        _emit(_assistant(session_id, [{"type": "text", "text": text or "Done."}], usage, model))
        return None
    tool = EDIT_TOOLS[verb]
    path = (cwd / target).resolve()
    tool_input: dict[str, Any] = (
        {"command": f"rm {target}"}
        if verb == "DELETE"
        else {"file_path": str(path), "content": text}
    )
    tool_id = f"toolu_{hashlib.sha256(f'{session_id}{index}{target}'.encode()).hexdigest()[:20]}"
    _emit(
        _assistant(
            session_id,
            [
                {"type": "text", "text": f"{verb.title()} {target}."},
                {"type": "tool_use", "id": tool_id, "name": tool, "input": tool_input},
            ],
            usage,
            model,
        )
    )
    reason = _run_hooks(hooks, tool, tool_input, cwd, session_id)
    record()
    if reason is not None:
        _emit(_tool_result(session_id, tool_id, f"Blocked by hook: {reason}", error=True))
        return {"tool_name": tool, "tool_use_id": tool_id, "tool_input": tool_input}
    _apply(verb, path, text)
    _emit(_tool_result(session_id, tool_id, f"{tool} {target}: ok"))
    return None


def _apply(verb: str, path: Path, text: str) -> None:
    if verb == "DELETE":
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "a" if verb == "APPEND" else "w"
    with path.open(mode, encoding="utf-8") as handle:
        handle.write(text + "\n")


def _assistant(
    session_id: str, content: list[dict[str, Any]], usage: dict[str, int], model: str = MODEL
) -> dict[str, Any]:
    return {
        "type": "assistant",
        "session_id": session_id,
        "message": {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": "tool_use" if content[-1]["type"] == "tool_use" else "end_turn",
            "usage": usage,
        },
    }


def _tool_result(
    session_id: str, tool_id: str, text: str, *, error: bool = False
) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_id, "content": text}
    if error:
        block["is_error"] = True
    return {
        "type": "user",
        "session_id": session_id,
        "message": {"role": "user", "content": [block]},
    }


def _hooks(settings: str | None) -> list[tuple[str, str]]:
    """(matcher, command) pairs of PreToolUse hooks from --settings (JSON text or a file)."""
    if not settings:
        return []
    text = settings
    if not settings.lstrip().startswith("{"):
        text = Path(settings).read_text(encoding="utf-8")
    data = json.loads(text)
    out = []
    for entry in data.get("hooks", {}).get("PreToolUse", []):
        for hook in entry.get("hooks", []):
            if hook.get("type") == "command":
                out.append((entry.get("matcher", ""), hook["command"]))
    return out


def _run_hooks(
    hooks: list[tuple[str, str]],
    tool: str,
    tool_input: dict[str, Any],
    cwd: Path,
    session_id: str,
) -> str | None:
    """Run matching PreToolUse hooks; the stderr of one that exits 2 is the block reason."""
    payload = json.dumps(
        {
            "session_id": session_id,
            "cwd": str(cwd),
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": tool_input,
        }
    )
    for matcher, command in hooks:
        if matcher and not re.fullmatch(matcher, tool):
            continue
        proc = subprocess.run(
            ["/bin/sh", "-c", command],
            input=payload,
            capture_output=True,
            text=True,
            cwd=cwd,
            check=False,
        )
        if proc.returncode == 2:
            return proc.stderr.strip() or "blocked"
    return None


def _cost(usage: dict[str, int], model: str, turns: int) -> float:
    price = PRICES.get(model, PRICES[MODEL])
    return (
        usage["input"] * turns * price[0]
        + usage["output"] * turns * price[1]
        + usage["cache_write"] * turns * price[2]
        + usage["cache_read"] * turns * price[3]
    ) / 1_000_000


def _finish(
    scenario: str,
    session_id: str,
    turns: int,
    started: float,
    model: str,
    denials: list[dict[str, Any]],
    subtype: str | None = None,
) -> int:
    main_cost = round(_cost(TURN_USAGE, model, max(turns, 1)), 7)
    helper_cost = round(_cost(HELPER_USAGE, HELPER_MODEL, 1), 7)
    total = round(main_cost + helper_cost, 7)
    t = max(turns, 1)
    result: dict[str, Any] = {
        "type": "result",
        "subtype": subtype or "success",
        "is_error": False,
        "duration_ms": int((time.monotonic() - started) * 1000) + 1200 * t,
        "duration_api_ms": 1000 * t,
        "num_turns": turns,
        "result": "Done: the requested edits are in place.",
        "session_id": session_id,
        "stop_reason": "end_turn",
        "terminal_reason": "completed",
        "total_cost_usd": total,
        "usage": {
            "input_tokens": TURN_USAGE["input"] * t + HELPER_USAGE["input"],
            "output_tokens": TURN_USAGE["output"] * t + HELPER_USAGE["output"],
            "cache_creation_input_tokens": TURN_USAGE["cache_write"] * t,
            "cache_read_input_tokens": TURN_USAGE["cache_read"] * t,
        },
        "modelUsage": {
            model: {
                "inputTokens": TURN_USAGE["input"] * t,
                "outputTokens": TURN_USAGE["output"] * t,
                "cacheReadInputTokens": TURN_USAGE["cache_read"] * t,
                "cacheCreationInputTokens": TURN_USAGE["cache_write"] * t,
                "webSearchRequests": 0,
                "costUSD": main_cost,
                "contextWindow": 1000000,
                "maxOutputTokens": 64000,
            },
            HELPER_MODEL: {
                "inputTokens": HELPER_USAGE["input"],
                "outputTokens": HELPER_USAGE["output"],
                "cacheReadInputTokens": 0,
                "cacheCreationInputTokens": 0,
                "webSearchRequests": 0,
                "costUSD": helper_cost,
                "contextWindow": 200000,
                "maxOutputTokens": 64000,
            },
        },
        "permission_denials": denials,
        "uuid": str(uuid.uuid4()),
    }
    code = 0
    if scenario in ("max_turns", "max_budget", "execution_error"):
        result["subtype"] = {
            "max_turns": "error_max_turns",
            "max_budget": "error_max_budget_usd",
            "execution_error": "error_during_execution",
        }[scenario]
        result["is_error"] = True
        result["terminal_reason"] = "max_turns" if scenario == "max_turns" else "completed"
        result.pop("result")
        if scenario == "execution_error":
            result["errors"] = ["Tool execution failed: the fake claude was told to fail"]
        code = 1
    elif scenario in ("overloaded", "rate_limited"):
        result["is_error"] = True
        result["api_error_status"] = 529 if scenario == "overloaded" else 429
        result["result"] = "API Error: Overloaded" if scenario == "overloaded" else "Rate limited"
        result["terminal_reason"] = "aborted_streaming"
        code = 1
    _emit(result)
    return code


if __name__ == "__main__":
    sys.exit(main())
