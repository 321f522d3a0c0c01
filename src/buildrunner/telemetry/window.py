"""Time windows: ``--since 24h``, ``--since 2026-11-01``, ``--until 2026-11-23T12:00``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from buildrunner.core.clock import utc_iso
from buildrunner.core.config import parse_duration
from buildrunner.core.errors import UsageError


@dataclass(frozen=True)
class Window:
    """A half-open time range ``[since, until)`` in epoch seconds; None is unbounded."""

    since: float | None = None
    until: float | None = None

    def describe(self) -> str:
        start = utc_iso(self.since) if self.since is not None else "the first event"
        end = utc_iso(self.until) if self.until is not None else "now"
        return f"{start} to {end}"

    def where(self, column: str = "ts") -> tuple[str, list[float]]:
        clauses, params = [], []
        if self.since is not None:
            clauses.append(f"{column} >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append(f"{column} < ?")
            params.append(self.until)
        return (" AND ".join(clauses) or "1"), params


def parse_time(text: str, *, now: float, option: str = "--since") -> float:
    """``"24h"`` (that long before `now`), an ISO date or date-time (UTC unless it says), or
    epoch seconds. Raises :class:`UsageError` naming the option."""
    value = text.strip()
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        if number > 1e8:  # epoch seconds, not a bare duration in seconds
            return number
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is neither a duration (30m, 24h, 7d) nor a date "
            "(2026-11-23 or 2026-11-23T12:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_window(since: str | None, until: str | None, *, now: float) -> Window:
    """The window given by ``--since`` and ``--until`` (either may be None)."""
    start = parse_time(since, now=now, option="--since") if since else None
    end = parse_time(until, now=now, option="--until") if until else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--until ({utc_iso(end)}) must be after --since ({utc_iso(start)})")
    return Window(start, end)
