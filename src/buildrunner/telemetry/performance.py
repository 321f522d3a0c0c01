"""The performance tracker: wall time, CPU time, peak RSS and throughput, stored as events.

    from buildrunner.telemetry import measure

    with measure("security.scan", items=len(files)) as m:
        scan(files)
    m.result.duration_ms

    @measure("routing.estimate")
    def estimate(task): ...

CPU time (user + system of this process) and RSS come from ``psutil``. The peak RSS of a
block is exact when the block raised the process's high-water mark (``ru_maxrss``);
otherwise it is the highest RSS sampled every ``sample_interval`` seconds while it ran.
``psutil`` is imported when the first measurement starts, not when telemetry is imported.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from buildrunner.telemetry.events import EventType, PerformanceEvent, Severity
from buildrunner.telemetry.filters import EventFilter
from buildrunner.telemetry.metrics import Percentiles
from buildrunner.telemetry.window import Window

if TYPE_CHECKING:
    from buildrunner.core.store import Store
    from buildrunner.telemetry.collector import Recorder

P = ParamSpec("P")
R = TypeVar("R")


def _max_rss_bytes() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class Measurement:
    """One timed block; a context manager, and a decorator through :func:`measure`."""

    def __init__(
        self,
        name: str,
        *,
        items: int | None = None,
        recorder: Recorder | None = None,
        sample_interval: float = 0.05,
        attributes: dict[str, Any] | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
    ) -> None:
        self.name = name
        self.items = items
        self.recorder = recorder
        self.sample_interval = sample_interval
        self.attributes = dict(attributes or {})
        self.session_id = session_id
        self.task_id = task_id
        self.result: PerformanceEvent | None = None

    def __enter__(self) -> Measurement:
        import psutil

        self._process = psutil.Process()
        self._stop = threading.Event()
        self._peak_sampled = self._process.memory_info().rss
        self._maxrss_before = _max_rss_bytes()
        self._cpu_before = self._cpu()
        self._sampler = threading.Thread(target=self._sample, daemon=True, name="br-perf-rss")
        self._sampler.start()
        self._start = time.perf_counter()
        return self

    def _cpu(self) -> float:
        times = self._process.cpu_times()
        return float(times.user + times.system)

    def _sample(self) -> None:
        while not self._stop.wait(self.sample_interval):
            rss = self._process.memory_info().rss
            self._peak_sampled = max(self._peak_sampled, rss)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        duration = time.perf_counter() - self._start
        self._stop.set()
        self._sampler.join()
        cpu = self._cpu() - self._cpu_before
        peak = max(self._peak_sampled, self._process.memory_info().rss)
        maxrss = _max_rss_bytes()
        if maxrss is not None and self._maxrss_before is not None and maxrss > self._maxrss_before:
            peak = maxrss  # this block set the process's high-water mark: exact
        attributes = dict(self.attributes)
        if exc_type is not None:
            attributes["error.type"] = exc_type.__name__
        self.result = PerformanceEvent(
            name=self.name,
            duration_ms=duration * 1000.0,
            cpu_time_ms=cpu * 1000.0,
            peak_rss_bytes=int(peak),
            items=self.items,
            throughput=(self.items / duration) if self.items is not None and duration > 0 else None,
            status="error" if exc_type is not None else "ok",
            severity=Severity.ERROR if exc_type is not None else Severity.INFO,
            session_id=self.session_id,
            task_id=self.task_id,
            attributes=attributes,
        )
        recorder = self.recorder
        if recorder is None:
            from buildrunner.telemetry.default import get_collector

            recorder = get_collector()
        recorder.record(self.result)

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with Measurement(
                self.name,
                items=self.items,
                recorder=self.recorder,
                sample_interval=self.sample_interval,
                attributes=self.attributes,
            ):
                return function(*args, **kwargs)

        return wrapper


def measure(
    name: str,
    *,
    items: int | None = None,
    recorder: Recorder | None = None,
    sample_interval: float = 0.05,
    attributes: dict[str, Any] | None = None,
    session_id: str | None = None,
    task_id: str | None = None,
) -> Measurement:
    """Measure a block (``with``) or every call of a function (decorator); records a
    :class:`PerformanceEvent` with `recorder` (default: the process's collector)."""
    return Measurement(
        name,
        items=items,
        recorder=recorder,
        sample_interval=sample_interval,
        attributes=attributes,
        session_id=session_id,
        task_id=task_id,
    )


class PerformanceTracker:
    """Measurements bound to one recorder (and optionally a session and task)."""

    def __init__(
        self,
        recorder: Recorder | None = None,
        *,
        session_id: str | None = None,
        task_id: str | None = None,
    ) -> None:
        self.recorder = recorder
        self.session_id = session_id
        self.task_id = task_id

    def measure(self, name: str, *, items: int | None = None, **kwargs: Any) -> Measurement:
        return measure(
            name,
            items=items,
            recorder=self.recorder,
            session_id=self.session_id,
            task_id=self.task_id,
            **kwargs,
        )


@dataclass(frozen=True)
class PerformanceRow:
    """Stored measurements of one name."""

    name: str
    count: int
    failures: int
    duration_ms: Percentiles
    cpu_time_ms: float | None
    peak_rss_bytes: int | None
    items: int | None
    throughput: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "count": self.count,
            "failures": self.failures,
            "duration_ms": {
                "p50": self.duration_ms.p50,
                "p95": self.duration_ms.p95,
                "p99": self.duration_ms.p99,
                "max": self.duration_ms.max,
            },
            "cpu_time_ms_mean": self.cpu_time_ms,
            "peak_rss_bytes": self.peak_rss_bytes,
            "items": self.items,
            "throughput_per_s": self.throughput,
        }


def performance_summary(
    store: Store, window: Window | None = None, *, name: str | None = None
) -> list[PerformanceRow]:
    """Per measured name: count, duration percentiles, mean CPU, peak RSS, throughput.

    Throughput is the items of all measurements over their total duration (None without items).
    """
    condition, params = EventFilter(
        types=(EventType.PERFORMANCE.value,),
        since=window.since if window else None,
        until=window.until if window else None,
    ).where()
    if name is not None:
        condition += " AND name = ?"
        params.append(name)
    rows = store.execute(
        "SELECT name, status, duration_ms, json_extract(data, '$.cpu_time_ms') AS cpu, "
        "json_extract(data, '$.peak_rss_bytes') AS rss, json_extract(data, '$.items') AS items "
        f"FROM telemetry_events WHERE {condition}",
        params,
    )
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row["name"] or "", []).append(row)
    out = []
    for key in sorted(grouped):
        series = grouped[key]
        durations = [r["duration_ms"] for r in series if r["duration_ms"] is not None]
        cpus = [r["cpu"] for r in series if r["cpu"] is not None]
        rss = [r["rss"] for r in series if r["rss"] is not None]
        items = [(r["items"], r["duration_ms"]) for r in series if r["items"] is not None]
        total_items = sum(i for i, _ in items) if items else None
        busy = sum(d for _, d in items if d) / 1000.0
        out.append(
            PerformanceRow(
                name=key,
                count=len(series),
                failures=sum(1 for r in series if r["status"] == "error"),
                duration_ms=Percentiles.of(durations),
                cpu_time_ms=sum(cpus) / len(cpus) if cpus else None,
                peak_rss_bytes=max(rss) if rss else None,
                items=total_items,
                throughput=total_items / busy if total_items is not None and busy > 0 else None,
            )
        )
    return out
