"""The fake server answers like the Messages API, over real sockets."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from buildrunner.testing.fake_anthropic import FakeAnthropic, Fault

BODY = {"model": "claude-sonnet-5-5", "max_tokens": 100,
        "messages": [{"role": "user", "content": "hello there"}]}  # fmt: skip


def post(
    url: str, body: dict[str, Any], key: str | None = "sk-test"
) -> tuple[int, dict[str, str], Any]:
    headers = {"content-type": "application/json"}
    if key:
        headers["x-api-key"] = key
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(f"{url}/v1/messages", json.dumps(body).encode(), headers)  # noqa: S310 - loopback http only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_success_has_usage_and_request_id() -> None:
    with FakeAnthropic(reply="hi") as server:
        status, headers, body = post(server.url, BODY)
    assert status == 200
    assert headers["request-id"].startswith("req_fake_")
    assert body["content"] == [{"type": "text", "text": "hi"}]
    assert body["usage"]["input_tokens"] == 3
    assert body["usage"]["output_tokens"] == 1
    assert body["usage"]["cache_creation"] == {"ephemeral_5m_input_tokens": 0,
                                               "ephemeral_1h_input_tokens": 0}  # fmt: skip


def test_scripted_faults_in_order_with_headers() -> None:
    with FakeAnthropic([Fault(429, headers={"retry-after": "3"}), {"status": 529}]) as server:
        first = post(server.url, BODY)
        second = post(server.url, BODY)
        third = post(server.url, BODY)
    assert (first[0], first[1]["retry-after"], first[2]["error"]["type"]) == (
        429,
        "3",
        "rate_limit_error",
    )
    assert (second[0], second[2]["error"]["type"]) == (529, "overloaded_error")
    assert third[0] == 200
    assert [r.status for r in server.requests] == [429, 529, 200]


def test_model_specific_storm_and_spend_cap_details() -> None:
    with FakeAnthropic([Fault(429, error_code="enforced_spend_limit_reached", times=-1,
                              model="claude-opus-5-5")]) as server:  # fmt: skip
        opus = post(server.url, {**BODY, "model": "claude-opus-5-5"})
        sonnet = post(server.url, BODY)
    assert opus[2]["error"]["details"] == {"error_code": "enforced_spend_limit_reached"}
    assert sonnet[0] == 200


def test_missing_key_and_bad_request() -> None:
    with FakeAnthropic() as server:
        assert post(server.url, BODY, key=None)[0] == 401
        assert post(server.url, {"model": "x"})[0] == 400
        assert server.requests[0].had_api_key is False


def test_context_window_overflow_message() -> None:
    with FakeAnthropic(context_windows={"claude-sonnet-5-5": 50}) as server:
        status, _, body = post(server.url, BODY)
    assert status == 400
    assert body["error"]["message"] == "prompt is too long: 103 tokens > 50 maximum"


def test_command_line_serves_until_terminated(tmp_path: Path) -> None:
    script = tmp_path / "faults.json"
    script.write_text(json.dumps([{"status": 503}]), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "buildrunner.testing.fake_anthropic", "--script", str(script)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert post(url, BODY)[0] == 503
        assert post(url, BODY)[0] == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_bad_script_is_a_clear_error(tmp_path: Path) -> None:
    script = tmp_path / "faults.json"
    script.write_text("[{", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "buildrunner.testing.fake_anthropic", "--script", str(script)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr


def test_unknown_fault_field() -> None:
    with pytest.raises(ValueError, match="unknown fault field"):
        Fault.from_dict({"stauts": 500})


def test_an_enqueued_fault_can_be_reused() -> None:
    fault = Fault(503)
    with FakeAnthropic() as server:
        server.enqueue(fault)
        server.enqueue(fault)
        statuses = [post(server.url, BODY)[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert fault.times == 1
    with pytest.raises(ValueError, match="times must be positive"):
        FakeAnthropic([Fault(times=0)])
