from __future__ import annotations

import json
from typing import Any

import pytest

from buildrunner.parallel.executors.base import Outcome, StopReason
from buildrunner.parallel.executors.streamjson import StreamParser, classify


def feed(events: list[Any]) -> StreamParser:
    parser = StreamParser()
    for event in events:
        parser.feed(event if isinstance(event, str) else json.dumps(event))
    return parser


INIT = {"type": "system", "subtype": "init", "session_id": "sid-1", "model": "claude-opus-4-1"}
TOOL = {"type": "assistant", "message": {"content": [
    {"type": "tool_use", "name": "Edit", "input": {"file_path": "/w/src/a.py"}}]}}  # fmt: skip
RESULT = {"type": "result", "subtype": "success", "is_error": False, "num_turns": 3,
          "total_cost_usd": 0.5, "usage": {"input_tokens": 10, "output_tokens": 20,
          "cache_creation_input_tokens": 30, "cache_read_input_tokens": 40}}  # fmt: skip


def test_turn_boundaries_and_progress() -> None:
    parser = StreamParser()
    assert not parser.feed(json.dumps(INIT))
    assert not parser.feed(json.dumps(TOOL))  # waiting for the tool result
    assert parser.feed(json.dumps({"type": "user", "message": {"content": [
        {"type": "tool_result", "content": "ok"}]}}))  # fmt: skip
    assert parser.progress() == "turn 1: Edit /w/src/a.py"
    text_only = {"type": "assistant", "message": {"content": [{"type": "text", "text": "Hi"}]}}
    assert parser.feed(json.dumps(text_only))
    assert parser.state.session_id == "sid-1"


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (RESULT, Outcome.OK),
        ({**RESULT, "is_error": True, "api_error_status": 529}, Outcome.API_OVERLOADED),
        ({**RESULT, "api_error_status": 429}, Outcome.API_RATE_LIMITED),
        ({**RESULT, "api_error_status": 503}, Outcome.API_SERVER),
        ({**RESULT, "subtype": "error_max_turns", "is_error": True}, Outcome.MAX_TURNS),
        ({**RESULT, "subtype": "error_max_budget_usd"}, Outcome.MAX_BUDGET),
        (
            {**RESULT, "subtype": "error_during_execution", "errors": ["boom"]},
            Outcome.EXECUTION_ERROR,
        ),
        ({**RESULT, "is_error": True}, Outcome.UNKNOWN_ERROR),
        ({**RESULT, "subtype": "something_new"}, Outcome.UNKNOWN_ERROR),
    ],
)
def test_result_taxonomy(result: dict[str, Any], outcome: Outcome) -> None:
    parser = feed([INIT, TOOL, result])
    got = classify(parser.state, returncode=0, stopped=None)
    assert got.outcome == outcome


def test_usage_adds_cache_tokens_and_accepts_the_legacy_cost_field() -> None:
    legacy = {k: v for k, v in RESULT.items() if k != "total_cost_usd"} | {"cost_usd": 0.25}
    got = classify(feed([INIT, legacy]).state, returncode=0, stopped=None)
    assert (got.cost_usd, got.input_tokens, got.output_tokens) == (0.25, 80, 20)


def test_missing_result_is_a_crash_and_garbage_a_protocol_error() -> None:
    crashed = classify(feed([INIT, TOOL]).state, returncode=1, stopped=None)
    assert (crashed.outcome, crashed.agent_session_id) == (Outcome.CRASHED, "sid-1")
    garbage = classify(feed([INIT, '{"type":"assi']).state, returncode=1, stopped=None)
    assert garbage.outcome == Outcome.PROTOCOL_ERROR
    survived = classify(
        feed([INIT, "not json", {"type": "brand_new"}, RESULT]).state, returncode=0, stopped=None
    )
    assert survived.outcome == Outcome.OK


def test_stop_reasons_win_over_the_stream() -> None:
    state = feed([INIT, TOOL]).state
    assert classify(state, returncode=-15, stopped=StopReason.PAUSE).outcome == Outcome.PAUSED
    assert classify(state, returncode=-15, stopped=StopReason.TIMEOUT).outcome == Outcome.TIMEOUT
    assert classify(state, returncode=None, stopped=None, spawn_error="no").outcome == (
        Outcome.SPAWN_ERROR
    )
