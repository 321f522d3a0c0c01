from __future__ import annotations

import json
import multiprocessing
from decimal import Decimal

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import (
    CLASS_FOR_TYPE,
    EVENT_CLASSES,
    Collector,
    Event,
    EventType,
    GateEvent,
    ModelCallEvent,
    SecurityFindingEvent,
    Severity,
    SystemEvent,
    TaskEvent,
    new_event_id,
)
from buildrunner.telemetry.codec import decode_row, encode_row, from_dict, to_dict
from buildrunner.telemetry.query import query_events
from buildrunner.testing.telemetry import sample_events


def test_there_are_at_least_sixteen_types_and_every_class_is_sampled() -> None:
    assert len(EventType) >= 16
    assert {type(e) for e in sample_events()} == set(EVENT_CLASSES)
    # every built-in type has a class, and that class accepts it
    for event_type, cls in CLASS_FOR_TYPE.items():
        assert event_type in cls.TYPES or cls is SystemEvent


def test_every_class_round_trips_exactly_through_the_database(
    collector: Collector, store: Store
) -> None:
    originals = sample_events()
    for event in originals:
        collector.record(event)
    assert collector.flush() == len(originals)
    stored = query_events(store)
    assert [type(e) for e in stored] == [type(e) for e in originals]
    assert [e.type for e in stored] == [e.type for e in originals]
    assert stored == originals
    for before, after in zip(originals, stored, strict=True):
        assert type(after.severity) is Severity
        if isinstance(before, ModelCallEvent):
            assert isinstance(after, ModelCallEvent)
            assert after.cost_usd == Decimal("0.0812345678")
            assert str(after.cost_usd) == "0.0812345678"


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).__name__)
def test_every_class_round_trips_through_a_row_and_through_json(event: Event) -> None:
    assert decode_row(encode_row(event)) == event
    text = json.dumps(to_dict(event))
    again = from_dict(json.loads(text))
    assert type(again) is type(event)
    assert again == event


def test_defaults_round_trip_too(collector: Collector, store: Store) -> None:
    events = [ModelCallEvent(model="m", timestamp=1.0), TaskEvent(type="task.started")]
    for event in events:
        collector.record(event)
    collector.flush()
    assert query_events(store) == events


def test_cost_is_stored_as_exact_decimal_and_nanodollars(
    collector: Collector, store: Store
) -> None:
    collector.record(ModelCallEvent(model="m", cost_usd=Decimal("0.000000015")))
    collector.record(ModelCallEvent(model="m", cost_usd=Decimal("1.5")))
    collector.flush()
    rows = store.execute("SELECT cost, cost_nanos FROM telemetry_events ORDER BY seq")
    assert [(r["cost"], r["cost_nanos"]) for r in rows] == [
        ("1.5E-8", 15),
        ("1.5", 1_500_000_000),
    ]


def test_status_and_severity_are_derived() -> None:
    assert TaskEvent(type=EventType.TASK_COMPLETED).status == "ok"
    failed = TaskEvent(type=EventType.TASK_FAILED)
    assert (failed.status, failed.severity) == ("error", Severity.ERROR)
    assert TaskEvent(type=EventType.TASK_CANCELLED).status == "cancelled"
    assert TaskEvent(type=EventType.TASK_STARTED).status is None
    call = ModelCallEvent(model="m", error_type="overloaded")
    assert (call.status, call.severity) == ("error", Severity.ERROR)
    assert ModelCallEvent(model="m").status == "ok"
    assert GateEvent(gate="security", passed=False).status == "error"
    finding = SecurityFindingEvent(rule_id="r", finding_severity="medium")
    assert finding.severity == Severity.WARNING


def test_a_class_rejects_a_type_it_does_not_carry() -> None:
    with pytest.raises(ValueError, match=r"TaskEvent cannot have type 'model\.call'"):
        TaskEvent(type="model.call")
    with pytest.raises(ValueError, match=r"start with 'system\.'"):
        SystemEvent(type="notice")


def test_severity_parse() -> None:
    assert Severity.parse("Warning") is Severity.WARNING
    with pytest.raises(ValueError, match="expected one of debug, info"):
        Severity.parse("loud")


def test_semantic_attributes_use_genai_names() -> None:
    call = ModelCallEvent(
        model="claude-sonnet-4-6",
        input_tokens=100,
        cache_write_tokens=20,
        cache_read_tokens=30,
        output_tokens=7,
        cost_usd=Decimal("0.25"),
        latency_ms=900.0,
        session_id="s",
        error_type="overloaded",
        attributes={"gen_ai.response.id": "msg_1"},
    )
    attrs = call.semantic_attributes()
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-6"
    assert attrs["gen_ai.provider.name"] == "anthropic"
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.usage.input_tokens"] == 150  # includes the cached tokens
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 30
    assert attrs["gen_ai.usage.cache_creation.input_tokens"] == 20
    assert attrs["gen_ai.usage.output_tokens"] == 7
    assert attrs["gen_ai.conversation.id"] == "s"
    assert attrs["error.type"] == "overloaded"
    assert attrs["br.cost.usd"] == 0.25
    assert attrs["gen_ai.response.id"] == "msg_1"


def _child_id(queue: multiprocessing.Queue[str]) -> None:
    queue.put(new_event_id())


def test_event_ids_are_unique_and_differ_in_a_forked_child() -> None:
    ids = {new_event_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_child_id, args=(queue,))
    child.start()
    child_id = queue.get(timeout=30)
    child.join(30)
    assert child_id[:12] != new_event_id()[:12]
