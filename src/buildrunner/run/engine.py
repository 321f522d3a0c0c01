"""`br run PLAN`: one run of a plan through every subsystem, start to summary.

The work is done by the parallel orchestration engine, the same one as ``br parallel start``
(:func:`buildrunner.parallel.create_from_plan` and :func:`~buildrunner.parallel.run_foreground`):
tasks run in their own worktrees under leased path claims; ``model = "auto"`` is estimated and
chosen by the router; API calls and Claude Code sessions record their usage and exact cost in
the routing ledger; finished tasks pass the security gate before they merge; every step is a
telemetry event. Around it, a run adds what a person at a terminal wants:

- a progress frame after every supervisor tick (:class:`Frame`, rendered live or as lines);
- ``system.notice`` events for the start and end of the run and a ``performance`` event for
  its duration;
- the alert rules evaluated once every event of the run is stored;
- an HTML report of the run's window, and the :class:`~buildrunner.run.summary.RunSummary`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.paths import ProjectPaths
from buildrunner.core.store import Store
from buildrunner.run.summary import RunSummary, summarize_run, task_levels

if TYPE_CHECKING:
    from buildrunner.core.sections import Config
    from buildrunner.parallel import JournalEntry, RunSettings, SessionInfo, TaskInfo
    from buildrunner.telemetry import Recorder

REPORTS_DIR = "reports"


@dataclass(frozen=True)
class Frame:
    """What the run looks like at one instant (immutable: a display renders it as it is)."""

    session: SessionInfo
    tasks: tuple[TaskInfo, ...]
    levels: Mapping[str, str]
    journal: tuple[JournalEntry, ...]
    """Journal entries written since the previous frame."""
    started: float
    now: float

    @property
    def elapsed(self) -> float:
        return max(0.0, self.now - self.started)

    def settled(self) -> int:
        merging = bool(self.session.session_branch)
        final = ("merged", "conflict", "blocked", "failed", "cancelled", "skipped")
        return sum(1 for t in self.tasks if t.state in final or (t.state == "done" and not merging))


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: the session and its summary."""

    session: SessionInfo
    summary: RunSummary


ProgressCallback = Callable[[Frame], None]


class _Progress:
    """Builds a frame after every supervisor tick and hands it to the display."""

    def __init__(
        self,
        store: Store,
        session_id: str,
        levels: Mapping[str, str],
        *,
        started: float,
        clock: Clock,
        callback: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.levels = levels
        self.started = started
        self.clock = clock
        self.callback = callback
        self.seen = 0

    def tick(self, _session: object = None) -> None:
        if self.callback is None:
            return
        from buildrunner.parallel import get_session, journal_since, list_tasks

        entries = journal_since(self.store, self.session_id, self.seen)
        if entries:
            self.seen = entries[-1][0]
        self.callback(
            Frame(
                session=get_session(self.store, self.session_id),
                tasks=tuple(list_tasks(self.store, self.session_id)),
                levels=self.levels,
                journal=tuple(entry for _pk, entry in entries),
                started=self.started,
                now=self.clock.now(),
            )
        )


def run_plan(
    paths: ProjectPaths,
    config: Config,
    plan_path: Path,
    *,
    store: Store | None = None,
    workers: int | None = None,
    base: str | None = None,
    backend: str = "local",
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[SessionInfo], None] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> RunOutcome:
    """Run the plan at `plan_path` to its end and return the session and its summary.

    `on_start` is called once the session is recorded (before any task runs), `on_progress`
    with a :class:`Frame` after every supervisor tick. Ctrl-C pauses the session (as
    ``br parallel start`` does) and re-raises :class:`KeyboardInterrupt`; resume it with
    ``br parallel resume``.
    """
    from buildrunner import telemetry
    from buildrunner.parallel import (
        RunSettings,
        create_from_plan,
        load_plan_of,
        run_foreground,
    )

    store = store or Store(paths.db_path, timeout=config.core.db_timeout)
    settings = RunSettings.from_config(paths, config)
    started = clock.now()
    session = create_from_plan(
        store,
        settings,
        plan_path,
        workers=workers,
        configured_workers=config.parallel.workers,
        base=base,
        configured_base=config.parallel.base,
        backend=backend,
        clock=clock,
    )
    levels = task_levels(load_plan_of(store, session.id), config.routing)
    recorder = telemetry.open_collector(store, config.telemetry)
    _notice(recorder, session, f"run of {plan_path.name} started ({len(levels)} model tasks)")
    if on_start is not None:
        on_start(session)
    progress = _Progress(
        store, session.id, levels, started=started, clock=clock, callback=on_progress
    )
    try:
        final = run_foreground(store, settings, session.id, clock=clock, on_tick=progress.tick)
    except KeyboardInterrupt:
        _notice(recorder, session, "run interrupted: the session is paused", level="warning")
        recorder.close()
        raise
    progress.tick()
    return RunOutcome(final, _finish(store, settings, config, final, recorder, started, clock))


def _finish(
    store: Store,
    settings: RunSettings,
    config: Config,
    session: SessionInfo,
    recorder: Any,
    started: float,
    clock: Clock,
) -> RunSummary:
    """Record the end of the run, evaluate the alerts, write the report, summarise."""
    from buildrunner.parallel import list_tasks
    from buildrunner.telemetry import PerformanceEvent
    from buildrunner.telemetry.alerts import evaluate_alerts, rules_from_config
    from buildrunner.telemetry.report import write_report
    from buildrunner.telemetry.window import Window

    tasks = list_tasks(store, session.id)
    merged = sum(1 for t in tasks if t.state == "merged")
    _notice(recorder, session, f"run {session.state}: {merged} of {len(tasks)} tasks merged")
    recorder.record(
        PerformanceEvent(
            name="run",
            session_id=session.id,
            duration_ms=(clock.now() - started) * 1000.0,
            items=len(tasks),
            throughput=len(tasks) / max(clock.now() - started, 1e-9),
        )
    )
    recorder.close()  # every event of the run is stored before the alerts look at them
    alerts = config.telemetry.alerts
    evaluation = evaluate_alerts(
        store,
        rules_from_config(alerts),
        min_samples=alerts.min_samples,
        notify=alerts.notify,
        repeat_interval=alerts.repeat_interval,
        clock=clock,
    )
    report = Path(settings.data_dir) / REPORTS_DIR / f"run-{session.id}.html"
    write_report(store, report, Window(since=started - 1.0))
    logs = next((Path(t.log_path).parent for t in tasks if t.log_path), None)
    return summarize_run(
        store,
        session.id,
        routing=config.routing,
        now=clock.now(),
        alerts=evaluation.firing,
        report=report,
        logs=logs,
        gate=settings.merge_gate,
    )


def _notice(recorder: Recorder, session: SessionInfo, message: str, level: str = "info") -> None:
    from buildrunner.telemetry import Severity, SystemEvent

    recorder.record(
        SystemEvent(
            type="system.notice",
            session_id=session.id,
            message=message,
            severity=Severity.parse(level),
            attributes={"plan": session.plan_path, "component": "run"},
        )
    )
