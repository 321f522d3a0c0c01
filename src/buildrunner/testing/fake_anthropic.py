"""A real HTTP server on 127.0.0.1 that speaks the part of the Messages API br uses.

``POST /v1/messages`` answers like the API: a message with ``usage`` (input, output and the
cache fields, split into 5-minute and 1-hour writes), a ``request-id`` header, and error bodies
``{"type": "error", "error": {"type", "message", "details"}}`` with their headers
(``retry-after``, ``retry-after-ms``, ``x-should-retry``). Faults are scripted: each
:class:`Fault` answers the next matching request(s) with an error status, a delay (to provoke
client timeouts) or a dropped connection. Prompts longer than a model's configured context
window get the API's 400 "prompt is too long". The server only ever binds to loopback.

Programmatic use (tests)::

    with FakeAnthropic() as server:
        server.enqueue(Fault(529), Fault(429, headers={"retry-after": "2"}))
        client = anthropic.Anthropic(api_key="test", base_url=server.url, max_retries=0)

Command line (the offline demo)::

    python -m buildrunner.testing.fake_anthropic --port 8765 --script faults.json
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_ERROR_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "api_error",
    529: "overloaded_error",
}
DEFAULT_REPLY = "OK from the fake Anthropic server."


@dataclass
class Fault:
    """One scripted answer: an error status (or a delay / dropped connection).

    `times` is how many matching requests it answers (-1: all of them); a fault is copied when
    enqueued, so one object can be enqueued again. `model` restricts it
    to requests for that model id. `delay` sleeps before answering (with ``status=200`` the
    request then succeeds late: a client with a shorter timeout sees a timeout).
    """

    status: int = 529
    message: str | None = None
    error_type: str | None = None
    error_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    close: bool = False
    times: int = 1
    model: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in data.items() if k in known})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "type": self.error_type or DEFAULT_ERROR_TYPES.get(self.status, "api_error"),
            "message": self.message or f"scripted {self.status}",
        }
        if self.error_code:
            error["details"] = {"error_code": self.error_code}
        return {"type": "error", "error": error}


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received (the API key is not kept, only whether one was sent)."""

    model: str
    max_tokens: int
    prompt_tokens: int
    had_api_key: bool
    status: int
    body: Mapping[str, Any]
    usage: Mapping[str, Any] | None = None
    """The ``usage`` object of a successful answer (None for errors)."""


class FakeAnthropic:
    """The server; start/stop it, or use it as a context manager."""

    def __init__(
        self,
        script: Iterable[Fault | Mapping[str, Any]] = (),
        *,
        port: int = 0,
        reply: str = DEFAULT_REPLY,
        context_windows: Mapping[str, int] | None = None,
        max_requests: int = 100_000,
    ) -> None:
        self.port = port
        self.reply = reply
        self.context_windows = dict(context_windows or {})
        self.max_requests = max_requests
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._cached: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.enqueue(*script)

    # ----------------------------------------------------------------- control

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Anthropic server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeAnthropic:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def enqueue(self, *faults: Fault | Mapping[str, Any]) -> None:
        """Add faults; they answer matching requests in order."""
        with self._lock:
            for fault in faults:
                copy = replace(fault) if isinstance(fault, Fault) else Fault.from_dict(fault)
                if copy.times == 0 or copy.times < -1:
                    raise ValueError(f"times must be positive or -1 (forever), got {copy.times}")
                self._faults.append(copy)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def models_requested(self) -> list[str]:
        with self._lock:
            return [r.model for r in self.requests]

    # ----------------------------------------------------------------- behaviour

    def _take_fault(self, model: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.model is not None and fault.model != model:
                    continue
                if fault.times != -1:
                    fault.times -= 1
                    if fault.times == 0:
                        del self._faults[index]
                return fault
        return None

    def _usage(self, body: Mapping[str, Any], reply: str, max_tokens: int) -> dict[str, Any]:
        write_5m = write_1h = read = plain = 0
        for text, cache in _prompt_blocks(body):
            tokens = _tokens(text)
            if cache is None:
                plain += tokens
                continue
            key = f"{body.get('model')}\0{text}"
            with self._lock:
                seen = key in self._cached
                self._cached.add(key)
            if seen:
                read += tokens
            elif cache.get("ttl") == "1h":
                write_1h += tokens
            else:
                write_5m += tokens
        return {
            "input_tokens": plain,
            "output_tokens": min(max_tokens, max(1, _tokens(reply))),
            "cache_creation_input_tokens": write_5m + write_1h,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": write_5m,
                "ephemeral_1h_input_tokens": write_1h,
            },
            "service_tier": "standard",
        }

    def handle(
        self, body: Mapping[str, Any], api_key: str | None
    ) -> tuple[int, dict[str, str], Any]:
        """Decide the answer to one request: (status, headers, JSON body or None to drop)."""
        model = str(body.get("model", ""))
        max_tokens = int(body.get("max_tokens") or 0)
        prompt = sum(_tokens(text) for text, _ in _prompt_blocks(body))
        status, headers, payload = self._answer(body, api_key, model, max_tokens, prompt)
        usage = payload.get("usage") if status == 200 and isinstance(payload, dict) else None
        with self._lock:
            if len(self.requests) < self.max_requests:
                self.requests.append(
                    RecordedRequest(model, max_tokens, prompt, bool(api_key), status, body, usage)
                )
        return status, headers, payload

    def _answer(
        self, body: Mapping[str, Any], api_key: str | None, model: str, max_tokens: int, prompt: int
    ) -> tuple[int, dict[str, str], Any]:
        request_id = f"req_fake_{uuid.uuid4().hex[:16]}"
        base = {"request-id": request_id}
        if not api_key:
            fault = Fault(401, message="an x-api-key or Authorization header is required")
            return 401, base, fault.body()
        if not model or max_tokens <= 0 or not isinstance(body.get("messages"), list):
            fault = Fault(400, message="model, max_tokens and messages are required")
            return 400, base, fault.body()
        scripted = self._take_fault(model)
        if scripted is not None:
            fault = scripted
            if fault.delay:
                self._stopping.wait(fault.delay)
            if fault.close:
                return 0, base, None
            if fault.status != 200:
                return fault.status, {**base, **fault.headers}, fault.body()
        window = self.context_windows.get(model)
        if window is not None and prompt + max_tokens > window:
            message = f"prompt is too long: {prompt + max_tokens} tokens > {window} maximum"
            return 400, base, Fault(400, message=message).body()
        reply = self.reply
        usage = self._usage(body, reply, max_tokens)
        message_body = {
            "id": f"msg_fake_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": reply}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        return 200, base, message_body


def _prompt_blocks(body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any] | None]]:
    """(text, cache_control) of every text block of the system prompt and the messages."""
    blocks: list[tuple[str, Mapping[str, Any] | None]] = []
    system = body.get("system")
    sources: list[Any] = [system] if system else []
    sources += [m.get("content") for m in body.get("messages") or [] if isinstance(m, Mapping)]
    for content in sources:
        if isinstance(content, str):
            blocks.append((content, None))
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, Mapping) and isinstance(block.get("text"), str):
                    blocks.append((block["text"], block.get("cache_control")))
    return blocks


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


def _make_handler(server: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0] != "/v1/messages":
                self._send(404, {}, Fault(404, message=f"no route {self.path}").body())
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, {}, Fault(400, message="body is not JSON").body())
                return
            bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ").strip()
            key = self.headers.get("x-api-key") or bearer or None
            status, headers, payload = server.handle(body, key)
            if payload is None:
                self.close_connection = True
                return
            self._send(status, headers, payload)

        def _send(self, status: int, headers: Mapping[str, str], payload: Any) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; prints the base URL on the first line of stdout."""
    parser = argparse.ArgumentParser(
        prog="python -m buildrunner.testing.fake_anthropic",
        description="A local stand-in for the Anthropic Messages API (127.0.0.1 only).",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--script", type=Path, help="JSON list of faults to answer in order")
    parser.add_argument("--reply", default=DEFAULT_REPLY, help="text of successful answers")
    args = parser.parse_args(argv)
    script: list[Any] = []
    if args.script:
        try:
            script = json.loads(args.script.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            print(f"fake_anthropic: cannot read {args.script}: {exc}", file=sys.stderr)
            return 2
    server = FakeAnthropic(script, port=args.port, reply=args.reply).start()
    print(server.url, flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
