from __future__ import annotations

from pathlib import Path

from buildrunner.core.store import Store
from buildrunner.routing.breaker import CircuitBreakers
from buildrunner.testing.clock import FakeClock

MODEL = "claude-opus-5-5"


def breakers(tmp_path: Path, clock: FakeClock) -> CircuitBreakers:
    return CircuitBreakers(Store(tmp_path / "br.db"), failures=3, window=60, cooldown=30,
                           max_cooldown=100, clock=clock)  # fmt: skip


def test_closed_open_half_open_closed(tmp_path: Path) -> None:
    clock = FakeClock()
    cb = breakers(tmp_path, clock)
    assert cb.admit(MODEL).allowed
    assert cb.record_failure(MODEL) is None
    assert cb.record_failure(MODEL) is None
    assert cb.record_failure(MODEL) == ("closed", "open")
    refused = cb.admit(MODEL)
    assert (refused.allowed, refused.state, refused.retry_after) == (False, "open", 30.0)
    clock.advance(30)
    probe = cb.admit(MODEL)
    assert (probe.allowed, probe.probe, probe.transition) == (True, True, ("open", "half_open"))
    # one probe at a time
    assert cb.admit(MODEL).allowed is False
    assert cb.record_success(MODEL) == ("half_open", "closed")
    assert cb.get(MODEL).state == "closed"
    assert cb.admit(MODEL).allowed


def test_failures_outside_the_window_do_not_count(tmp_path: Path) -> None:
    clock = FakeClock()
    cb = breakers(tmp_path, clock)
    cb.record_failure(MODEL)
    cb.record_failure(MODEL)
    clock.advance(61)
    assert cb.record_failure(MODEL) is None
    assert cb.get(MODEL).state == "closed"
    assert len(cb.get(MODEL).failures) == 1


def test_failed_probe_reopens_with_doubled_cooldown_up_to_the_maximum(tmp_path: Path) -> None:
    clock = FakeClock()
    cb = breakers(tmp_path, clock)
    for _ in range(3):
        cb.record_failure(MODEL)
    cooldowns = []
    for _ in range(3):
        clock.advance(cb.get(MODEL).cooldown or 0)
        assert cb.admit(MODEL).probe
        assert cb.record_failure(MODEL) == ("half_open", "open")
        cooldowns.append(cb.get(MODEL).cooldown)
    assert cooldowns == [60, 100, 100]


def test_success_resets_the_failure_count(tmp_path: Path) -> None:
    clock = FakeClock()
    cb = breakers(tmp_path, clock)
    cb.record_failure(MODEL)
    cb.record_failure(MODEL)
    cb.record_success(MODEL)
    assert cb.record_failure(MODEL) is None
    assert cb.get(MODEL).state == "closed"


def test_state_is_shared_through_the_database(tmp_path: Path) -> None:
    clock = FakeClock()
    first, second = breakers(tmp_path, clock), breakers(tmp_path, clock)
    for _ in range(3):
        first.record_failure(MODEL)
    assert second.admit(MODEL).allowed is False
    assert second.reset(MODEL) == 1
    assert first.admit(MODEL).allowed is True


def test_a_probe_that_never_reports_frees_up_after_the_cooldown(tmp_path: Path) -> None:
    clock = FakeClock()
    cb = breakers(tmp_path, clock)
    for _ in range(3):
        cb.record_failure(MODEL)
    clock.advance(30)
    assert cb.admit(MODEL).probe
    clock.advance(29)
    assert cb.admit(MODEL).allowed is False
    clock.advance(1)
    assert cb.admit(MODEL).probe
