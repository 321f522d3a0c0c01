"""Scans and quality checks as telemetry events: counts, masked previews, never a secret."""

from __future__ import annotations

from typing import Any

from buildrunner.security import (
    findings_events,
    quality_events,
    record_events,
    record_scan,
    scan_bytes,
    scan_events,
)
from buildrunner.security.events import MAX_FINDING_EVENTS
from buildrunner.security.quality import GateResult, QualityReport
from buildrunner.telemetry import SecurityFindingEvent, SecurityScanEvent
from buildrunner.testing.telemetry import RecordingCollector
from tests.security.tokens import Tokens


def _leaky_report() -> tuple[Any, str]:
    token = Tokens(7).github()
    text = f'import os\nTOKEN = "{token}"\nquery = "SELECT 1"\n'
    return scan_bytes(text.encode(), path="app/settings.py"), token


def test_a_scan_is_one_scan_event_and_one_masked_finding_event_per_finding() -> None:
    report, token = _leaky_report()
    events = scan_events(report, target="files", session_id="s1", task_id="t1")
    scan, finding = events
    assert isinstance(scan, SecurityScanEvent)
    assert (scan.target, scan.findings, scan.blocked, scan.status) == ("files", 1, True, "error")
    assert (scan.session_id, scan.task_id) == ("s1", "t1")
    assert isinstance(finding, SecurityFindingEvent)
    assert (finding.rule_id, finding.category, finding.path, finding.line) == (
        "github-personal-access-token",
        "secret",
        "app/settings.py",
        2,
    )
    assert finding.finding_severity == "critical"
    assert finding.preview == token[:4] + "…" + token[-4:]
    assert finding.fingerprint == report.findings[0].fingerprint
    assert token not in repr(events)


def test_a_clean_scan_is_one_ok_event_and_blocked_can_be_forced() -> None:
    report = scan_bytes(b"x = 1\n", path="a.py")
    (scan,) = scan_events(report, target="staged")
    assert (scan.findings, scan.blocked, scan.status) == (0, False, "ok")
    (forced,) = scan_events(report, target="gate", blocked=True)
    assert forced.status == "error"


def test_sql_injection_findings_have_the_sqli_category() -> None:
    code = b'def f(conn, name):\n    conn.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'
    events = scan_events(scan_bytes(code, path="db.py"), target="files")
    assert [(e.type, getattr(e, "category", None)) for e in events] == [
        ("security.scan", None),
        ("security.finding", "sqli"),
    ]


def test_finding_events_are_capped_but_the_count_is_kept() -> None:
    finding = {"rule_id": "r", "kind": "secret", "path": "p", "line": 1, "masked": "a…b"}
    events = findings_events(
        [finding] * (MAX_FINDING_EVENTS + 5), target="history", files_scanned=3, blocked=True
    )
    scan = events[0]
    assert isinstance(scan, SecurityScanEvent)
    assert scan.findings == MAX_FINDING_EVENTS + 5
    assert scan.attributes["finding_events_dropped"] == 5
    assert len(events) == MAX_FINDING_EVENTS + 1


def test_quality_events_one_per_gate_that_ran() -> None:
    report = QualityReport(
        (
            GateResult("security", "pass", "no new findings"),
            GateResult("coverage", "fail", "72.0% < 85.0%", value=72.0, threshold=85.0),
            GateResult("tests", "skip", "no tests command configured"),
        )
    )
    events = quality_events(report)
    assert [(e.gate, e.passed, e.status) for e in events] == [  # type: ignore[attr-defined]
        ("quality.security", True, "ok"),
        ("quality.coverage", False, "error"),
    ]
    assert events[1].attributes == {"value": 72.0, "threshold": 85.0}


def test_record_scan_hands_events_to_the_recorder() -> None:
    report, _ = _leaky_report()
    recorder = RecordingCollector()
    assert record_scan(report, target="files", recorder=recorder) == 2
    assert [e.type for e in recorder.events] == ["security.scan", "security.finding"]


class _Broken:
    def record(self, event: object) -> None:
        raise OSError("disk full")


def test_recording_never_raises_into_the_scan() -> None:
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)  # other tests may turn debug logging on
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("buildrunner.security")
    logger.addHandler(handler)
    try:
        report, _ = _leaky_report()
        events = scan_events(report, target="files")
        assert record_events(events, _Broken()) == 0  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == ["could not record security events"]


def test_without_a_recorder_the_default_collector_is_used() -> None:
    from buildrunner import telemetry

    recorder = RecordingCollector()
    with telemetry.use_collector(recorder):  # type: ignore[arg-type]
        report, _ = _leaky_report()
        assert record_scan(report, target="stdin") == 2
    assert [e.type for e in recorder.events] == ["security.scan", "security.finding"]
