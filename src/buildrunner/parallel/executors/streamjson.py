"""Reading Claude Code's ``--output-format stream-json`` events, defensively.

One JSON object per line: ``system``/``init`` first (with the session id), then ``assistant``
and ``user`` messages, maybe ``stream_event``, ``rate_limit_event`` and other newer types,
and finally one ``result``. Fields change between releases, so every field is read with a
default, unknown types are ignored, non-JSON lines are counted (a truncated line is a protocol
error only if no ``result`` arrives), and a run without a ``result`` line crashed, whatever its
exit code. :func:`classify` turns the whole into the failure taxonomy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from buildrunner.parallel.executors.base import ExecutionResult, Outcome, StopReason


@dataclass
class StreamState:
    """What has been learnt from the stream so far."""

    session_id: str | None = None
    model: str | None = None
    turns: int = 0
    tool_uses: int = 0
    last_text: str = ""
    last_tool: str = ""
    result: dict[str, Any] | None = None
    bad_lines: int = 0
    first_bad_line: str = ""
    events: int = 0
    unknown_types: set[str] = field(default_factory=set)


class StreamParser:
    """Feed lines with :meth:`feed`; read :attr:`state`."""

    def __init__(self) -> None:
        self.state = StreamState()

    def feed(self, line: str) -> bool:
        """Parse one line; returns True when the line ends a turn (a safe pause point)."""
        text = line.strip()
        if not text:
            return False
        try:
            event = json.loads(text)
        except ValueError:
            self.state.bad_lines += 1
            if not self.state.first_bad_line:
                self.state.first_bad_line = text[:200]
            return False
        if not isinstance(event, dict):
            self.state.bad_lines += 1
            return False
        self.state.events += 1
        kind = event.get("type")
        if kind == "system":
            self._system(event)
        elif kind == "assistant":
            return self._assistant(event)
        elif kind == "user":
            return _has_block(event, "tool_result")
        elif kind == "result":
            self.state.result = event
            if isinstance(event.get("session_id"), str):
                self.state.session_id = event["session_id"]
        elif isinstance(kind, str):
            self.state.unknown_types.add(kind)
        return False

    def _system(self, event: dict[str, Any]) -> None:
        if event.get("subtype") == "init":
            sid = event.get("session_id")
            if isinstance(sid, str) and sid:
                self.state.session_id = sid
            model = event.get("model")
            if isinstance(model, str):
                self.state.model = model

    def _assistant(self, event: dict[str, Any]) -> bool:
        self.state.turns += 1
        blocks = _blocks(event)
        tool = False
        for block in blocks:
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                self.state.last_text = (
                    block["text"].strip().splitlines()[0][:120]
                    if block["text"].strip()
                    else self.state.last_text
                )
            elif block.get("type") == "tool_use":
                tool = True
                self.state.tool_uses += 1
                self.state.last_tool = _describe_tool(block)
        # A reply with no tool call ends the conversation's turn; one with a tool call ends
        # when its tool_result comes back (the `user` event).
        return not tool

    def progress(self) -> str:
        """A one-line summary for the dashboard."""
        s = self.state
        what = s.last_tool or s.last_text or "working"
        return f"turn {s.turns}: {what}"


def _blocks(event: dict[str, Any]) -> list[dict[str, Any]]:
    message = event.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict)]


def _has_block(event: dict[str, Any], kind: str) -> bool:
    return any(b.get("type") == kind for b in _blocks(event))


def _describe_tool(block: dict[str, Any]) -> str:
    name = str(block.get("name") or "tool")
    data = block.get("input")
    target = ""
    if isinstance(data, dict):
        for key in ("file_path", "notebook_path", "path", "pattern", "command"):
            if isinstance(data.get(key), str):
                target = data[key]
                break
    text = f"{name} {target}".strip()
    return text if len(text) <= 100 else text[:99] + "…"


# --------------------------------------------------------------------------- classification


def _number(data: Any, key: str) -> float:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def classify(
    state: StreamState,
    *,
    returncode: int | None,
    stopped: StopReason | None,
    spawn_error: str | None = None,
) -> ExecutionResult:
    """The outcome of a Claude Code run from everything observed (never from is_error alone)."""
    if spawn_error:
        return ExecutionResult(Outcome.SPAWN_ERROR, error=spawn_error)
    result = state.result
    usage = _usage(result)
    common: dict[str, Any] = {
        "exit_code": returncode,
        "agent_session_id": state.session_id,
        "turns": int(_number(result, "num_turns")) if result else state.turns,
        "model": _main_model(result, state.model) or state.model,
        "raw_result": result,
        **usage,
    }
    if stopped is not None:
        outcome = {
            StopReason.PAUSE: Outcome.PAUSED,
            StopReason.CANCEL: Outcome.CANCELLED,
            StopReason.LOST: Outcome.LEASE_LOST,
            StopReason.TIMEOUT: Outcome.TIMEOUT,
        }[stopped]
        return ExecutionResult(outcome, error=f"stopped: {stopped.value}", **common)
    if result is None:
        if state.bad_lines:
            return ExecutionResult(
                Outcome.PROTOCOL_ERROR,
                error=f"unparsable output and no result line: {state.first_bad_line[:80]!r}",
                **common,
            )
        return ExecutionResult(
            Outcome.CRASHED, error=f"no result line (exit code {returncode})", **common
        )
    return _from_result(result, common)


def _from_result(result: dict[str, Any], common: dict[str, Any]) -> ExecutionResult:
    subtype = result.get("subtype")
    status = result.get("api_error_status")
    text = result.get("result") if isinstance(result.get("result"), str) else None
    denials = tuple(
        str(d.get("tool_name", d)) if isinstance(d, dict) else str(d)
        for d in result.get("permission_denials") or []
        if d
    )
    raw_errors = result.get("errors")
    errors: list[Any] = raw_errors if isinstance(raw_errors, list) else []
    error_text = "; ".join(str(e) for e in errors)[:500] or None
    if isinstance(status, int) and not isinstance(status, bool):
        outcome = (
            Outcome.API_OVERLOADED
            if status == 529
            else Outcome.API_RATE_LIMITED
            if status == 429
            else Outcome.API_SERVER
            if 500 <= status < 600
            else Outcome.UNKNOWN_ERROR
        )
        return ExecutionResult(outcome, error=f"API error {status}", result_text=text, **common)
    if subtype == "error_max_turns":
        return ExecutionResult(Outcome.MAX_TURNS, error="reached --max-turns", **common)
    if subtype == "error_max_budget_usd":
        return ExecutionResult(Outcome.MAX_BUDGET, error="reached --max-budget-usd", **common)
    if subtype == "error_during_execution":
        return ExecutionResult(
            Outcome.EXECUTION_ERROR, error=error_text or "error during execution", **common
        )
    if subtype == "success" and not result.get("is_error"):
        return ExecutionResult(Outcome.OK, result_text=text, permission_denials=denials, **common)
    return ExecutionResult(
        Outcome.UNKNOWN_ERROR,
        error=error_text or f"result {subtype!r} with is_error={result.get('is_error')!r}",
        result_text=text,
        **common,
    )


def _usage(result: dict[str, Any] | None) -> dict[str, Any]:
    if not result:
        return {}
    usage = result.get("usage") if isinstance(result.get("usage"), dict) else {}
    cost = _number(result, "total_cost_usd") or _number(result, "cost_usd")
    model_usage = result.get("modelUsage") if isinstance(result.get("modelUsage"), dict) else {}
    return {
        "cost_usd": cost,
        "input_tokens": int(
            _number(usage, "input_tokens")
            + _number(usage, "cache_creation_input_tokens")
            + _number(usage, "cache_read_input_tokens")
        ),
        "output_tokens": int(_number(usage, "output_tokens")),
        "usage": {
            "usage": usage,
            "modelUsage": model_usage,
            "duration_ms": _number(result, "duration_ms"),
            "duration_api_ms": _number(result, "duration_api_ms"),
            "terminal_reason": result.get("terminal_reason"),
        },
    }


def _main_model(result: dict[str, Any] | None, init_model: str | None) -> str | None:
    """The session's model (from ``init``) if it appears in `modelUsage`, else the one that cost
    the most there (helper models such as Haiku for titles also appear)."""
    if not result or not isinstance(result.get("modelUsage"), dict):
        return None
    if init_model and init_model in result["modelUsage"]:
        return init_model
    best: tuple[float, str] | None = None
    for name, data in result["modelUsage"].items():
        cost = _number(data, "costUSD")
        if best is None or cost > best[0]:
            best = (cost, str(name))
    return best[1] if best else None
