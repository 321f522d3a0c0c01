"""Telemetry of the security subsystem: scans, findings (masked) and quality-gate results.

A scan becomes one ``security.scan`` event and one ``security.finding`` event per finding;
a quality check becomes one ``gate.result`` event per gate that ran. Findings only ever carry
what a :class:`~buildrunner.security.findings.Finding` holds: the masked preview and the
fingerprint, never the secret. Telemetry masks every stored string once more on top.

Recording never raises into the scan: a broken telemetry setup costs the events, not the
commit. The telemetry package is imported only when something is recorded, so the pre-commit
path (``br security check``) pays for it only when it blocks a commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buildrunner.security.quality import QualityReport
    from buildrunner.security.report import ScanReport
    from buildrunner.telemetry import Event, Recorder

log = logging.getLogger("buildrunner.security")

MAX_FINDING_EVENTS = 500
"""At most this many ``security.finding`` events per scan (the scan event keeps the count)."""

_CATEGORIES = {"secret": "secret", "sql-injection": "sqli"}


def finding_event(
    finding: Mapping[str, Any], *, session_id: str | None = None, task_id: str | None = None
) -> Event:
    """The ``security.finding`` event of one finding, given in its JSON shape
    (:meth:`~buildrunner.security.findings.Finding.to_json`)."""
    from buildrunner.telemetry import SecurityFindingEvent

    kind = str(finding.get("kind") or "secret")
    line = finding.get("line")
    return SecurityFindingEvent(
        session_id=session_id,
        task_id=task_id,
        rule_id=str(finding.get("rule_id") or ""),
        category=_CATEGORIES.get(kind, kind),
        finding_severity=str(finding.get("severity") or "high"),
        path=finding.get("path"),
        line=line if isinstance(line, int) else None,
        fingerprint=finding.get("fingerprint"),
        preview=finding.get("masked"),
        attributes={"commit": finding["commit"]} if finding.get("commit") else {},
    )


def findings_events(
    findings: Iterable[Mapping[str, Any]],
    *,
    target: str,
    files_scanned: int,
    blocked: bool,
    duration_ms: float | None = None,
    session_id: str | None = None,
    task_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    total: int | None = None,
) -> list[Event]:
    """One ``security.scan`` event and one ``security.finding`` event per finding (JSON shape).

    `target` is what was scanned: ``files``, ``staged``, ``history``, ``stdin`` or ``gate``;
    `total` is the number of findings when `findings` holds only some of them.
    """
    from buildrunner.telemetry import SecurityScanEvent

    found = list(findings)
    scan = SecurityScanEvent(
        session_id=session_id,
        task_id=task_id,
        target=target,
        files_scanned=files_scanned,
        findings=max(len(found), total or 0),
        blocked=blocked,
        duration_ms=duration_ms,
        attributes=dict(extra or {}),
    )
    events: list[Event] = [scan]
    for data in found[:MAX_FINDING_EVENTS]:
        events.append(finding_event(data, session_id=session_id, task_id=task_id))
    if len(found) > MAX_FINDING_EVENTS:
        scan.attributes["finding_events_dropped"] = len(found) - MAX_FINDING_EVENTS
    return events


def scan_events(
    report: ScanReport,
    *,
    target: str,
    blocked: bool | None = None,
    session_id: str | None = None,
    task_id: str | None = None,
) -> list[Event]:
    """The events of one scan report (`blocked` defaults to "it has findings")."""
    return findings_events(
        (finding.to_json() for finding in report.findings),
        target=target,
        files_scanned=report.stats.files_scanned,
        blocked=bool(report.findings) if blocked is None else blocked,
        duration_ms=float(report.stats.duration_ms),
        session_id=session_id,
        task_id=task_id,
        extra={
            "mode": report.mode,
            "files_skipped": report.stats.files_skipped,
            "suppressed": report.suppressed,
            "baselined": report.baselined,
        },
    )


def quality_events(report: QualityReport) -> list[Event]:
    """One ``gate.result`` event per gate that ran (``quality.<gate>``); skipped gates have none."""
    from buildrunner.telemetry import GateEvent

    return [
        GateEvent(
            gate=f"quality.{gate.gate}",
            passed=gate.status == "pass",
            detail=gate.detail,
            attributes={
                k: v
                for k, v in (("value", gate.value), ("threshold", gate.threshold))
                if v is not None
            },
        )
        for gate in report.gates
        if gate.status != "skip"
    ]


def record_events(events: Iterable[Event], recorder: Recorder | None = None) -> int:
    """Hand `events` to `recorder` (default: telemetry's process collector); never raises.

    Returns how many were handed over.
    """
    count = 0
    try:
        if recorder is None:
            from buildrunner import telemetry

            recorder = telemetry.get_collector()
        for event in events:
            recorder.record(event)
            count += 1
    except Exception:  # telemetry must never break a scan
        log.warning("could not record security events", exc_info=True)
    return count


def record_scan(
    report: ScanReport,
    *,
    target: str,
    recorder: Recorder | None = None,
    blocked: bool | None = None,
    session_id: str | None = None,
    task_id: str | None = None,
) -> int:
    """Record the events of one scan (see :func:`scan_events`); never raises."""
    try:
        events = scan_events(
            report, target=target, blocked=blocked, session_id=session_id, task_id=task_id
        )
    except Exception:  # telemetry must never break a scan
        log.warning("could not build the telemetry events of a scan", exc_info=True)
        return 0
    return record_events(events, recorder)
