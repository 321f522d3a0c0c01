"""Router calls against a real local HTTP server: attempts, waits, fallback, breaker, budgets."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from buildrunner.core.store import Store
from buildrunner.routing import events
from buildrunner.routing.errors import (
    BudgetExceededError,
    DeadlineExceededError,
    MissingApiKeyError,
    NoModelAvailableError,
    ProviderError,
)
from buildrunner.routing.failures import FailureKind
from buildrunner.testing.fake_anthropic import FakeAnthropic, Fault
from tests.routing.conftest import Rig

OPUS, SONNET, HAIKU = "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"
MODERATE = "Add pagination to GET /api/projects with tests for each case."
CRITICAL = "SQL injection in the admin search, exploited in production. Fix it now."
SIMPLE = "Fix typo in README.md"


def test_sdk_client_never_retries(rig: Callable[..., Rig]) -> None:
    r = rig()
    assert r.router._get_client().max_retries == 0  # type: ignore[attr-defined]


def test_success_records_usage_cost_and_events(rig: Callable[..., Rig]) -> None:
    r = rig()
    done = r.router.complete(MODERATE, session_id="s1", task_type="feature")
    assert (done.model, done.text) == (SONNET, "OK from the fake Anthropic server.")
    assert (done.usage.input_tokens, done.usage.output_tokens) == (16, 9)
    # 16*2 + 9*10 = 122 per million on Sonnet 5.5
    assert done.cost.total == Decimal("0.000122")
    call = r.store.execute("SELECT * FROM routing_calls")[0]
    assert (call["outcome"], call["final_model"], call["attempts"], call["cost_pusd"]) == (
        "ok",
        SONNET,
        1,
        122_000_000,
    )
    usage = r.store.execute("SELECT cost_usd, session_id, task_type FROM routing_usage")[0]
    assert tuple(usage) == ("0.000122", "s1", "feature")
    names = [e.name for e in r.recorder.events]
    assert names == [events.DECISION, events.BUDGET_RESERVE, events.ATTEMPT, events.BUDGET_SETTLE,
                     events.CALL]  # fmt: skip
    assert r.store.execute("SELECT state FROM routing_reservations")[0]["state"] == "settled"


def test_429_with_retry_after_waits_exactly_the_hint(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(429, headers={"retry-after": "2"}))
    done = r.router.complete(MODERATE)
    assert r.clock.sleeps == [2.0]
    assert [a.outcome for a in done.attempts] == ["rate_limited", "ok"]
    assert r.server.models_requested() == [SONNET, SONNET]


def test_retry_after_ms_wins(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(429, headers={"retry-after-ms": "1500", "retry-after": "9"}))
    r.router.complete(MODERATE)
    assert r.clock.sleeps == [1.5]


def test_429_without_hint_backs_off_with_jitter(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(429, times=2))
    done = r.router.complete(MODERATE)
    first, second = r.clock.sleeps
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0
    assert len(done.attempts) == 3


def test_500_is_retried_then_falls_back(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(500, times=3, model=SONNET))
    done = r.router.complete(MODERATE)
    assert r.server.models_requested() == [SONNET, SONNET, SONNET, HAIKU]
    assert done.model == HAIKU
    assert len(r.clock.sleeps) == 2
    assert [(h.from_model, h.to_model, h.reason) for h in done.hops] == [
        (SONNET, HAIKU, "server_error")
    ]


def test_529_storm_falls_back_opus_sonnet_haiku(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(529, times=-1, model=OPUS), Fault(529, times=-1, model=SONNET))
    done = r.router.complete(CRITICAL)
    assert r.server.models_requested() == [OPUS, OPUS, SONNET, SONNET, HAIKU]
    assert done.model == HAIKU
    assert [h.reason for h in done.hops] == ["overloaded", "overloaded"]
    assert len(r.recorder.named(events.FALLBACK)) == 2


def test_fallback_terminates_and_never_revisits(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(529, times=-1))
    with pytest.raises(ProviderError, match="every model failed") as info:
        r.router.complete(CRITICAL)
    assert info.value.kind is FailureKind.OVERLOADED
    assert r.server.models_requested() == [OPUS, OPUS, SONNET, SONNET, HAIKU, HAIKU]
    call = r.store.execute("SELECT outcome, attempts, error_kind FROM routing_calls")[0]
    assert tuple(call) == ("failed", 6, "overloaded")
    assert r.store.execute("SELECT COUNT(*) AS n FROM routing_usage")[0]["n"] == 0
    states = {row["state"] for row in r.store.execute("SELECT state FROM routing_reservations")}
    assert states == {"released"}


def test_max_fallbacks_limits_hops(rig: Callable[..., Rig]) -> None:
    r = rig(max_fallbacks=1)
    r.server.enqueue(Fault(529, times=-1))
    with pytest.raises(ProviderError):
        r.router.complete(CRITICAL)
    assert r.server.models_requested() == [OPUS, OPUS, SONNET, SONNET]


def test_timeout_is_retried(rig: Callable[..., Rig]) -> None:
    r = rig(timeout=0.2)
    r.server.enqueue(Fault(200, delay=2.0))
    done = r.router.complete(MODERATE)
    assert [a.outcome for a in done.attempts] == ["timeout", "ok"]
    assert len(r.clock.sleeps) == 1


def test_dropped_connection_is_retried(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(close=True))
    done = r.router.complete(MODERATE)
    assert [a.outcome for a in done.attempts] == ["connection", "ok"]


def test_context_overflow_goes_to_a_larger_window_without_retry(rig: Callable[..., Rig]) -> None:
    r = rig(haiku_model="claude-haiku-4-5")
    r.server.context_windows["claude-haiku-4-5"] = 100
    done = r.router.complete(SIMPLE, max_tokens=200)
    assert r.server.models_requested() == ["claude-haiku-4-5", HAIKU]
    assert done.hops[0].reason == "context_overflow"
    assert r.clock.sleeps == []


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(401), FailureKind.AUTHENTICATION),
        (Fault(403), FailureKind.PERMISSION),
        (Fault(429, error_code="enforced_spend_limit_reached"), FailureKind.SPEND_CAP),
        (Fault(400, message="messages.0: unexpected role"), FailureKind.INVALID_REQUEST),
    ],
)
def test_fail_fast(rig: Callable[..., Rig], fault: Fault, kind: FailureKind) -> None:
    r = rig()
    r.server.enqueue(fault)
    with pytest.raises(ProviderError) as info:
        r.router.complete(MODERATE)
    assert info.value.kind is kind
    assert r.server.models_requested() == [SONNET]
    assert r.clock.sleeps == []


def test_model_not_found_falls_back(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.server.enqueue(Fault(404, model=SONNET))
    done = r.router.complete(MODERATE)
    assert r.server.models_requested() == [SONNET, HAIKU]
    assert done.hops[0].reason == "model_not_found"


def test_a_wait_past_the_deadline_is_not_taken(rig: Callable[..., Rig]) -> None:
    r = rig(deadline=5)
    r.server.enqueue(Fault(429, headers={"retry-after": "10"}, model=SONNET))
    done = r.router.complete(MODERATE)
    assert r.clock.sleeps == []
    assert r.server.models_requested() == [SONNET, HAIKU]
    assert done.model == HAIKU


def test_deadline_stops_the_call(rig: Callable[..., Rig]) -> None:
    r = rig(deadline=3, max_fallbacks=0)
    r.server.enqueue(Fault(500, headers={"retry-after": "2"}, times=-1))
    with pytest.raises((DeadlineExceededError, ProviderError)):
        r.router.complete(MODERATE)
    assert sum(r.clock.sleeps) <= 3
    assert r.clock.monotonic() <= 3


def test_open_breaker_skips_the_model_without_a_request(rig: Callable[..., Rig]) -> None:
    r = rig(breaker_failures=2, overload_attempts=2)
    r.server.enqueue(Fault(529, times=2, model=OPUS))
    first = r.router.complete(CRITICAL)
    assert first.model == SONNET
    assert r.router.breakers.get(OPUS).state == "open"
    r.server.clear()
    second = r.router.complete(CRITICAL)
    assert second.model == SONNET
    assert r.server.models_requested() == [SONNET]
    assert "circuit open" in second.selection.reason
    transitions = [
        (e.attributes["old"], e.attributes["new"]) for e in r.recorder.named(events.BREAKER)
    ]
    assert transitions == [("closed", "open")]


def test_every_breaker_open_says_when_to_retry(rig: Callable[..., Rig]) -> None:
    r = rig(breaker_failures=1)
    for model in (OPUS, SONNET, HAIKU):
        r.router.breakers.record_failure(model)
    with pytest.raises(NoModelAvailableError, match="cooling down") as info:
        r.router.complete(MODERATE)
    assert info.value.retry_after == 30.0
    assert r.server.models_requested() == []


def test_budget_refuses_before_any_request(rig: Callable[..., Rig]) -> None:
    r = rig(daily_budget=Decimal("0.001"), on_budget_exceeded="refuse")
    with pytest.raises(BudgetExceededError, match="over the remaining budget"):
        r.router.complete(CRITICAL)
    assert r.server.models_requested() == []


def test_budget_downgrades_to_a_cheaper_tier(rig: Callable[..., Rig]) -> None:
    r = rig(daily_budget=Decimal("0.01"))
    done = r.router.complete(CRITICAL)
    assert done.model == HAIKU
    assert "over the remaining budget" in done.selection.reason


def test_max_cost_per_task_applies(rig: Callable[..., Rig]) -> None:
    r = rig()
    done = r.router.complete(CRITICAL, max_cost=Decimal("0.05"))
    assert done.model == SONNET  # opus worst case is $0.08 for 4096 tokens


def test_explicit_model_is_used(rig: Callable[..., Rig]) -> None:
    r = rig()
    done = r.router.complete(SIMPLE, model="opus")
    assert done.model == OPUS
    assert done.selection.reason == "explicit model opus -> claude-opus-5-5"


def test_missing_api_key(rig: Callable[..., Rig]) -> None:
    r = rig()
    r.router.env = {}
    with pytest.raises(MissingApiKeyError, match="ANTHROPIC_API_KEY is not set"):
        r.router.complete(SIMPLE)
    assert r.server.models_requested() == []


def test_cache_usage_is_priced_additively(rig: Callable[..., Rig]) -> None:
    r = rig()
    block = {"type": "text", "text": "x" * 4000, "cache_control": {"type": "ephemeral"}}
    messages = [{"role": "user", "content": [block, {"type": "text", "text": "Summarise."}]}]
    first = r.router.complete(messages=messages, model="sonnet")
    second = r.router.complete(messages=messages, model="sonnet")
    assert (first.usage.cache_write_5m_tokens, first.usage.input_tokens) == (1000, 3)
    assert (second.usage.cache_read_tokens, second.usage.input_tokens) == (1000, 3)
    # 3*2 + 1000*2.5 + 9*10 = 2596 ; 3*2 + 1000*0.1 + 9*10 = 196
    assert (first.cost.total, second.cost.total) == (Decimal("0.002596"), Decimal("0.000196"))


def test_budget_warning_at_threshold(rig: Callable[..., Rig]) -> None:
    # worst case 8*0.2 + 50*0.5 = 26.6 per million fits in 30; the call then costs 6*0.1 + 9*0.5
    r = rig(daily_budget=Decimal("0.00003"), budget_warn_at=0.1, max_tokens=50)
    done = r.router.complete(SIMPLE, model="haiku")
    assert done.warnings == ("day budget 17% used ($0.000005 of $0.000030)",)
    assert [e.attributes["scope"] for e in r.recorder.named(events.BUDGET_WARNING)] == ["day"]


def _call_worker(db: str, url: str, calls: int, queue: Any) -> None:
    from buildrunner.core.sections import RoutingConfig
    from buildrunner.core.store import Store
    from buildrunner.routing.router import Router

    config = RoutingConfig(base_url=url, session_budget=Decimal(LIMIT), max_tokens=1000,
                           on_budget_exceeded="refuse")  # fmt: skip
    router = Router(config, Store(Path(db)), env={"ANTHROPIC_API_KEY": "sk-ant-test"})
    ok = refused = other = 0
    for _ in range(calls):
        try:
            router.complete("hello", model="haiku", session_id="shared")
            ok += 1
        except BudgetExceededError:
            refused += 1
        except Exception:
            other += 1
    queue.put((ok, refused, other))


# worst case of one call: 2 prompt tokens at 0.2 + 1000 output at 0.5 = 500.4 per million;
# actual cost: 2 input at 0.1 + 9 output at 0.5 = 4.7 per million. 9 settled calls + 1 held
# reservation fit (542.7 <= 547), 10 settled + 1 do not (547.4): at most 10 calls may run.
LIMIT = "0.000547"


@pytest.mark.slow
def test_concurrent_callers_never_overspend(tmp_path: Path, server: FakeAnthropic) -> None:
    db = str(tmp_path / "br.db")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_call_worker, args=(db, server.url, 8, queue)) for _ in range(4)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    ok = sum(r[0] for r in results)
    assert sum(r[2] for r in results) == 0  # no "database is locked", no other error
    assert sum(r[0] + r[1] for r in results) == 32
    store = Store(Path(db))
    spent = store.execute("SELECT SUM(cost_pusd) AS s FROM routing_usage")[0]["s"]
    assert 1 <= ok <= 10
    assert spent == ok * 4_700_000 <= 547_000_000
    assert len(server.requests) == ok  # a refused call never reached the API
    open_left = store.execute("SELECT COUNT(*) AS n FROM routing_reservations WHERE state='open'")
    assert open_left[0]["n"] == 0


def test_decide_chooses_without_calling_and_records_the_decision(rig: Callable[..., Rig]) -> None:
    r = rig()
    selection = r.router.decide(
        "Fix the typo in README.md", session_id="s1", task_id="typo", task_type="docs"
    )
    assert (selection.level, selection.tier) == ("simple", "haiku")
    assert r.server.requests == []
    (event,) = r.recorder.named("routing.decision")
    assert event.attributes["model"] == selection.model
    assert (event.attributes["session_id"], event.attributes["task_id"]) == ("s1", "typo")
    assert event.attributes["level"] == "simple"
