"""`br parallel dashboard`: an interactive Textual view of a session.

The app renders immutable :class:`~buildrunner.parallel.snapshot.Snapshot` objects from a
`source` callable and never touches the database itself; it polls cheaply (``PRAGMA
data_version`` through `version`) and reloads only when another process committed. Keys call
a small :class:`DashboardActions` object: ``p`` pause, ``r`` resume, ``c`` cancel, ``n`` next
session, ``q`` quit. Only this module imports Textual (the ``dashboard`` extra).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Static

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.errors import BuildRunnerError
from buildrunner.core.store import Store
from buildrunner.parallel.render import format_cost, format_duration, styled
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.snapshot import Snapshot, data_version, load_snapshot


@dataclass
class DashboardActions:
    """What the keys do; production actions change the session in the project database."""

    pause: Callable[[str], str]
    resume: Callable[[str], str]
    cancel: Callable[[str], str]


class Dashboard(App[None]):
    """Sessions, tasks, workers, claims and alerts of one session at a time."""

    TITLE = "br parallel"
    CSS = """
    #header { height: 3; padding: 0 1; }
    #tasks { height: 1fr; }
    #lower { height: 12; }
    #workers, #claims { width: 1fr; }
    #alerts { height: 6; padding: 0 1; color: $warning; }
    """
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        ("p", "pause", "Pause"),
        ("r", "resume", "Resume"),
        ("c", "cancel", "Cancel"),
        ("n", "next_session", "Next session"),
        ("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        source: Callable[[str | None], Snapshot],
        actions: DashboardActions,
        *,
        session_id: str | None = None,
        version: Callable[[], int] | None = None,
        interval: float = 1.0,
    ) -> None:
        super().__init__()
        self.source = source
        self.actions = actions
        self.session_id = session_id
        self.version = version
        self.interval = interval
        self.snapshot: Snapshot | None = None
        self._seen_version: int | None = None
        self._ticks = 0
        self.last_message = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="header")
        yield DataTable(id="tasks", zebra_stripes=True, cursor_type="row")
        with Horizontal(id="lower"):
            with Vertical(id="workers"):
                yield DataTable(id="workers-table", cursor_type="none")
            with Vertical(id="claims"):
                yield DataTable(id="claims-table", cursor_type="none")
        yield Static(id="alerts")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tasks", DataTable).add_columns(
            "task", "state", "executor", "model", "attempt", "cost", "time", "progress"
        )
        self.query_one("#workers-table", DataTable).add_columns(
            "worker", "state", "task", "done", "heartbeat"
        )
        self.query_one("#claims-table", DataTable).add_columns("pattern", "task", "expires in")
        self.reload()
        if self.interval > 0:
            self.set_interval(self.interval, self.poll)

    def poll(self) -> None:
        """Reload when the database changed (or on every tick without a version source)."""
        self._ticks += 1
        if self.version is not None and self._ticks % 10:
            current = self.version()
            if current == self._seen_version:
                return  # nothing committed since the last frame; ages refresh every 10 ticks
            self._seen_version = current
        self.reload()

    def reload(self) -> None:
        self.show(self.source(self.session_id))

    def show(self, snapshot: Snapshot) -> None:
        """Render one snapshot."""
        self.snapshot = snapshot
        if snapshot.session is not None:
            self.session_id = snapshot.session.id
        self.query_one("#header", Static).update(self._header(snapshot))
        self._fill_tasks(snapshot)
        self._fill_workers(snapshot)
        self._fill_claims(snapshot)
        alerts = [
            f"{a.level}: {a.task_id + ': ' if a.task_id else ''}{a.message}"
            for a in snapshot.alerts[-5:]
        ]
        if self.last_message:
            alerts.append(self.last_message)
        self.query_one("#alerts", Static).update("\n".join(alerts) or "no alerts")

    def _header(self, snapshot: Snapshot) -> Text:
        session = snapshot.session
        if session is None:
            return Text("No parallel session yet: br parallel start PLAN")
        settled, total = snapshot.progress()
        supervisor = "supervised" if snapshot.supervisor_alive else "no supervisor"
        counts = "  ".join(f"{k} {v}" for k, v in sorted(snapshot.counts().items()))
        return Text.assemble(
            ("Session ", "bold"),
            (session.id, "bold cyan"),
            f"  {session.name}  ",
            styled(session.state),
            f"  {settled}/{total} settled  cost {format_cost(snapshot.cost_usd)}  {supervisor}\n",
            (counts, "dim"),
        )

    def _fill_tasks(self, snapshot: Snapshot) -> None:
        table = self.query_one("#tasks", DataTable)
        table.clear()
        for t in snapshot.tasks:
            table.add_row(
                t.task_id,
                styled(t.state),
                t.executor,
                t.model or "-",
                f"{t.attempt}/{t.max_attempts}",
                format_cost(t.cost_usd),
                format_duration(t.duration(snapshot.now)),
                (t.progress or t.error or "")[:70],
                key=t.task_id,
            )

    def _fill_workers(self, snapshot: Snapshot) -> None:
        table = self.query_one("#workers-table", DataTable)
        table.clear()
        for w in snapshot.workers:
            if (
                w.state in ("stopped", "dead")
                and snapshot.session
                and (snapshot.session.state == "running")
            ):
                continue
            table.add_row(
                w.worker_id,
                styled(w.state),
                w.current_task or "-",
                str(w.tasks_done),
                f"{format_duration(snapshot.now - w.heartbeat_at)} ago",
            )

    def _fill_claims(self, snapshot: Snapshot) -> None:
        table = self.query_one("#claims-table", DataTable)
        table.clear()
        for c in snapshot.claims:
            table.add_row(
                c.pattern,
                f"{c.session_id}/{c.task_id}",
                format_duration(c.expires_at - snapshot.now),
            )

    # ----------------------------------------------------------------- actions

    def _act(self, action: Callable[[str], str]) -> None:
        if not self.session_id:
            self.last_message = "no session selected"
        else:
            try:
                self.last_message = action(self.session_id)
            except BuildRunnerError as exc:
                self.last_message = f"error: {exc}"
        self.reload()

    def action_pause(self) -> None:
        self._act(self.actions.pause)

    def action_resume(self) -> None:
        self._act(self.actions.resume)

    def action_cancel(self) -> None:
        self._act(self.actions.cancel)

    def action_next_session(self) -> None:
        if self.snapshot is None or not self.snapshot.sessions:
            return
        ids = [s.id for s in self.snapshot.sessions]
        index = ids.index(self.session_id) if self.session_id in ids else -1
        self.session_id = ids[(index + 1) % len(ids)]
        self.reload()


def production_actions(
    store: Store, settings: RunSettings, *, clock: Clock = SYSTEM_CLOCK
) -> DashboardActions:
    """Actions on the real project: resume starts a background supervisor when none runs."""
    from buildrunner.parallel import control

    def pause(session_id: str) -> str:
        session = control.pause_session(store, session_id, clock=clock)
        return f"session {session.id} {session.state}"

    def resume(session_id: str) -> str:
        result = control.resume_session(store, settings, session_id, clock=clock)
        if result.needs_supervisor:
            pid = control.run_detached(settings, result.session.id)
            return f"session {result.session.id} resumed (supervisor pid {pid})"
        return f"session {result.session.id} {result.session.state}"

    def cancel(session_id: str) -> str:
        session = control.cancel_session(store, settings, session_id, clock=clock)
        return f"session {session.id} {session.state}"

    return DashboardActions(pause=pause, resume=resume, cancel=cancel)


def run_dashboard(store: Store, settings: RunSettings, session_id: str | None = None) -> None:
    """Open the dashboard on the project's database (blocks until the user quits)."""

    def source(ref: str | None) -> Snapshot:
        return load_snapshot(store, settings, ref, now=SYSTEM_CLOCK.now())

    app = Dashboard(
        source,
        production_actions(store, settings),
        session_id=session_id,
        version=lambda: data_version(store),
        interval=0.5,
    )
    app.run()
