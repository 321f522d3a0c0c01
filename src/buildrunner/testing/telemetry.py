"""Telemetry test data: one fully populated event of every class, and a regex masker.

Used by `br`'s own tests, the benchmarks and the offline demo; other subsystems can use
:class:`RecordingCollector` to assert what they record without a database.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from buildrunner.core.redact import mask_secret
from buildrunner.telemetry.events import (
    AlertEvent,
    ErrorEvent,
    Event,
    EventType,
    FallbackEvent,
    GateEvent,
    ModelCallEvent,
    PerformanceEvent,
    RetryEvent,
    RoutingDecisionEvent,
    SecurityFindingEvent,
    SecurityScanEvent,
    SessionEvent,
    Severity,
    SystemEvent,
    TaskEvent,
    WorkerEvent,
)

T0 = 1_800_000_000.0
"""2027-01-15T08:00:00Z: the start of every synthetic dataset."""


def sample_events(start: float = T0) -> list[Event]:
    """One event of every class with every field set away from its default."""
    common: dict[str, Any] = {"session_id": "sess-1", "task_id": "task-1"}
    return [
        Event(
            type="custom.thing",
            timestamp=start,
            attributes={"k": "v", "n": 3, "f": 1.5, "b": True, "z": None, "l": [1, "a"]},
            **common,
        ),
        TaskEvent(
            type=EventType.TASK_FAILED,
            timestamp=start + 1,
            title="Add retry to the client",
            task_type="feature",
            runner="claude-code",
            worker_id="w-1",
            attempt=2,
            duration_ms=65_000.25,
            cost_usd=Decimal("0.412000"),
            exit_code=1,
            error_type="tests_failed",
            attributes={"br.branch": "feat/retry"},
            **common,
        ),
        SessionEvent(
            type=EventType.SESSION_COMPLETED,
            timestamp=start + 2,
            runner="claude-code",
            model="claude-sonnet-4-6",
            worktree="../wt/1",
            branch="br/task-1",
            conversation_id="c0ffee",
            turns=7,
            duration_ms=120_000.0,
            cost_usd=Decimal("1.05"),
            error_type=None,
            severity=Severity.DEBUG,
            **common,
        ),
        ModelCallEvent(
            timestamp=start + 3,
            provider="anthropic",
            model="claude-opus-4-1",
            operation="text_completion",
            response_model="claude-opus-4-1-20250805",
            request_id="msg_01ABC",
            task_type="refactor",
            input_tokens=1200,
            output_tokens=340,
            cache_write_tokens=2048,
            cache_read_tokens=4096,
            cost_usd=Decimal("0.0812345678"),
            latency_ms=2140.5,
            attempt=3,
            stop_reason="max_tokens",
            error_type="overloaded",
            attributes={"gen_ai.request.max_tokens": 4096, "gen_ai.request.temperature": 0.2},
            **common,
        ),
        RoutingDecisionEvent(
            timestamp=start + 4,
            model="claude-sonnet-4-6",
            complexity="complex",
            task_type="feature",
            reason="touches 9 files",
            estimated_cost_usd=Decimal("0.30"),
            budget_remaining_usd=Decimal("12.70"),
            candidates=("claude-haiku-4-5", "claude-sonnet-4-6"),
            **common,
        ),
        FallbackEvent(
            timestamp=start + 5,
            from_model="claude-opus-4-1",
            to_model="claude-sonnet-4-6",
            error_type="overloaded",
            reason="529 after 3 attempts",
            severity=Severity.ERROR,
            **common,
        ),
        RetryEvent(
            timestamp=start + 6,
            model="claude-opus-4-1",
            attempt=2,
            delay_s=1.75,
            error_type="rate_limited",
            **common,
        ),
        SecurityScanEvent(
            timestamp=start + 7,
            target="staged",
            files_scanned=20,
            findings=1,
            blocked=True,
            duration_ms=41.5,
            **common,
        ),
        SecurityFindingEvent(
            timestamp=start + 8,
            rule_id="anthropic-api-key",
            category="secret",
            finding_severity="critical",
            path="src/config.py",
            line=12,
            fingerprint="9f86d081884c7d65",
            preview=mask_secret("sk-ant-api03-" + "A" * 40),
            allowlisted=True,
            **common,
        ),
        WorkerEvent(
            type=EventType.WORKER_LOST,
            timestamp=start + 9,
            worker_id="w-2",
            pid=4242,
            host="build-1",
            reason="missed 3 heartbeats",
            **common,
        ),
        GateEvent(
            timestamp=start + 10,
            gate="security",
            passed=False,
            findings=2,
            detail="2 secrets in the diff",
            duration_ms=310.0,
            **common,
        ),
        AlertEvent(
            type=EventType.ALERT_FIRING,
            timestamp=start + 11,
            rule_id="success-rate-critical",
            level="critical",
            value=0.4,
            threshold=0.5,
            labels={"model": "claude-opus-4-1"},
            summary="task success rate 40% < 50%",
        ),
        ErrorEvent(
            timestamp=start + 12,
            error_type="StoreLockedError",
            message="the database is locked",
            component="parallel",
            exit_code=3,
            severity=Severity.CRITICAL,
            **common,
        ),
        PerformanceEvent(
            timestamp=start + 13,
            name="security.scan",
            duration_ms=812.125,
            cpu_time_ms=790.0,
            peak_rss_bytes=48_123_456,
            items=2372,
            throughput=2920.6,
            **common,
        ),
        SystemEvent(
            type=EventType.SYSTEM_DROPPED,
            timestamp=start + 14,
            message="12 events dropped",
            count=12,
            severity=Severity.WARNING,
        ),
    ]


SECRET_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_\-]{20,}|ghp_[A-Za-z0-9]{36}")


def regex_masker(text: str) -> str:
    """A stand-in for the security detector: masks Anthropic keys and GitHub tokens."""
    return SECRET_PATTERN.sub(lambda m: mask_secret(m.group(0)), text)


class RecordingCollector:
    """A :class:`buildrunner.telemetry.Recorder` that keeps events in a list (for tests)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, event: Event) -> None:
        self.events.append(event)

    def flush(self) -> int:
        return len(self.events)
