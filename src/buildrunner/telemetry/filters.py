"""Selecting events by type, time, session, task and severity, in memory and in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from buildrunner.telemetry.events import Event, Severity


def _type_pattern(pattern: str) -> tuple[str | None, str | None]:
    """(exact type, family prefix) matched by a pattern.

    ``"task.failed"`` is exact; ``"task.*"`` is the family ``task.``; a name without a dot
    (``"task"``, ``"error"``) matches itself and its family.
    """
    if pattern.endswith(".*"):
        return None, pattern[:-1]
    if "." not in pattern:
        return pattern, pattern + "."
    return pattern, None


@dataclass(frozen=True)
class EventFilter:
    """Which events to select; every criterion left empty matches everything.

    ``types`` holds exact types (``task.failed``) or families (``task`` or ``task.*`` for
    every ``task.`` type). ``since`` is inclusive, ``until`` exclusive (epoch seconds).
    ``min_severity`` keeps events at or above that level.
    """

    types: tuple[str, ...] = ()
    since: float | None = None
    until: float | None = None
    session_id: str | None = None
    task_id: str | None = None
    min_severity: Severity | None = None

    def matches(self, event: Event) -> bool:
        """Whether `event` passes every criterion."""
        if self.types and not any(_type_matches(p, event.type) for p in self.types):
            return False
        if self.since is not None and event.timestamp < self.since:
            return False
        if self.until is not None and event.timestamp >= self.until:
            return False
        if self.session_id is not None and event.session_id != self.session_id:
            return False
        if self.task_id is not None and event.task_id != self.task_id:
            return False
        return self.min_severity is None or event.severity >= self.min_severity

    def where(self) -> tuple[str, list[Any]]:
        """A SQL condition over ``telemetry_events`` and its parameters (``"1"`` if empty)."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.types:
            parts = []
            for pattern in self.types:
                exact, prefix = _type_pattern(pattern)
                if exact is not None:
                    parts.append("type = ?")
                    params.append(exact)
                if prefix is not None:
                    # a range instead of LIKE so the (type, ts) index is used
                    parts.append("(type >= ? AND type < ?)")
                    params += [prefix, prefix[:-1] + "/"]
            clauses.append("(" + " OR ".join(parts) + ")")
        if self.since is not None:
            clauses.append("ts >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("ts < ?")
            params.append(self.until)
        if self.session_id is not None:
            clauses.append("session_id = ?")
            params.append(self.session_id)
        if self.task_id is not None:
            clauses.append("task_id = ?")
            params.append(self.task_id)
        if self.min_severity is not None:
            clauses.append("severity >= ?")
            params.append(int(self.min_severity))
        return (" AND ".join(clauses) or "1"), params


def _type_matches(pattern: str, event_type: str) -> bool:
    exact, prefix = _type_pattern(pattern)
    return event_type == exact or (prefix is not None and event_type.startswith(prefix))
