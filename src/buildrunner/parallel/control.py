"""The library behind `br parallel`: start, pause, resume, cancel, scale and clean up sessions."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.errors import ProjectError, UsageError
from buildrunner.core.store import Store
from buildrunner.parallel import gitops
from buildrunner.parallel.backend import ExecutorBackend, load_backend
from buildrunner.parallel.claims import list_claims
from buildrunner.parallel.integrations import EventSink, Integrations, telemetry_events
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.liveness import is_held
from buildrunner.parallel.plan import load_plan
from buildrunner.parallel.records import ClaimInfo, SessionInfo
from buildrunner.parallel.sessions import (
    create_session,
    get_session,
    list_sessions,
    list_tasks,
    set_workers_wanted,
    transition_session,
)
from buildrunner.parallel.settings import RunSettings, auto_workers
from buildrunner.parallel.states import FINAL_SESSION_STATES, SessionState
from buildrunner.parallel.supervisor import Supervisor, spawn_detached


def layout_of(settings: RunSettings) -> Layout:
    return Layout.of(settings.paths, settings.worktree_dir)


def create_from_plan(
    store: Store,
    settings: RunSettings,
    plan_path: Path,
    *,
    workers: int | None = None,
    configured_workers: int = 0,
    base: str | None = None,
    configured_base: str = "HEAD",
    backend: str = "local",
    clock: Clock = SYSTEM_CLOCK,
    events: EventSink | None = None,
) -> SessionInfo:
    """Validate the plan, resolve the base commit and record a new session (state created)."""
    paths = settings.paths
    plan = load_plan(plan_path)
    if plan.isolation == "worktree" and not (paths.root / ".git").exists():
        raise ProjectError(
            f"{paths.root} is not a git repository; parallel sessions need git",
            hint='run git init and commit, or set isolation = "none" in the plan',
        )
    if backend not in ("local",):
        load_backend(backend)  # raises a clear error for unknown backends
    base_ref = base or plan.base or configured_base
    base_commit = (
        gitops.resolve_commit(paths.root, base_ref) if (paths.root / ".git").exists() else ""
    )
    layout_of(settings).prepare()
    session = create_session(
        store,
        plan,
        plan_path=str(plan_path),
        base_ref=base_ref,
        base_commit=base_commit,
        workers=auto_workers(workers, plan.workers, configured_workers),
        now=clock.now(),
        default_retries=settings.default_retries,
        backend=backend,
    )
    sink = events or telemetry_events(store, paths.root)
    for task in plan.tasks:
        sink.emit(
            "task.queued",
            {"session": session.id, "task": task.id, "title": task.title,
             "executor": task.executor},
        )  # fmt: skip
    closer = getattr(sink, "close", None)
    if callable(closer):
        closer()
    return session


def run_foreground(
    store: Store,
    settings: RunSettings,
    session_id: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    integrations: Integrations | None = None,
    backend: ExecutorBackend | None = None,
    on_tick: Callable[[SessionInfo], None] | None = None,
) -> SessionInfo:
    """Supervise the session in this process until it ends; Ctrl-C pauses it."""
    session = get_session(store, session_id)
    supervisor = Supervisor(
        store,
        settings,
        session.id,
        clock=clock,
        backend=backend or load_backend(session.backend),
        integrations=integrations,
        on_tick=on_tick,
    )
    try:
        return supervisor.run()
    except KeyboardInterrupt:
        current = get_session(store, session.id)
        if current.state in (SessionState.RUNNING, SessionState.CREATED):
            transition_session(store, session.id, SessionState.PAUSED, now=clock.now())
        raise


def run_detached(settings: RunSettings, session_id: str) -> int:
    """Start a background supervisor for the session; returns its pid."""
    layout = layout_of(settings)
    return spawn_detached(settings, session_id, log_path=layout.supervisor_log(session_id))


def supervisor_alive(settings: RunSettings, session_id: str) -> bool:
    """Whether a supervisor process drives the session now (this machine)."""
    return is_held(layout_of(settings).supervisor_lock(session_id))


def pause_session(store: Store, ref: str, *, clock: Clock = SYSTEM_CLOCK) -> SessionInfo:
    """Ask a session to pause: claude tasks stop at their next turn boundary, no new task starts."""
    session = get_session(store, ref)
    return transition_session(
        store,
        session.id,
        SessionState.PAUSED,
        now=clock.now(),
        expect=(SessionState.RUNNING, SessionState.CREATED, SessionState.PAUSED),
    )


@dataclass(frozen=True)
class ResumeResult:
    session: SessionInfo
    needs_supervisor: bool


def resume_session(
    store: Store, settings: RunSettings, ref: str, *, clock: Clock = SYSTEM_CLOCK
) -> ResumeResult:
    """Resume a paused session, or restart one whose supervisor died.

    Returns whether no supervisor is running it (the caller starts one).
    """
    session = get_session(store, ref)
    if SessionState(session.state).is_final:
        raise UsageError(
            f"session {session.id} is {session.state}; only a paused or running session resumes",
            hint="start a new one with br parallel start",
        )
    if session.state == SessionState.PAUSED:
        session = transition_session(store, session.id, SessionState.RUNNING, now=clock.now())
    return ResumeResult(session, not supervisor_alive(settings, session.id))


def cancel_session(
    store: Store,
    settings: RunSettings,
    ref: str,
    *,
    clean: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> SessionInfo:
    """Cancel a session: running tasks are killed, claims released; `clean` removes worktrees
    and task branches too."""
    session = get_session(store, ref)
    if session.state != SessionState.CANCELLED:
        session = transition_session(store, session.id, SessionState.CANCELLED, now=clock.now())
    if not supervisor_alive(settings, session.id):
        _kill_orphans(store, settings, session.id)
    if clean:
        remove_session_files(store, settings, session.id)
    return session


def _kill_orphans(store: Store, settings: RunSettings, session_id: str) -> None:
    from buildrunner.parallel.executors.process import kill_process_group

    rows = store.execute(
        "SELECT exec_pgid FROM parallel_tasks WHERE session_id = ? AND exec_pgid IS NOT NULL",
        (session_id,),
    )
    for row in rows:
        kill_process_group(row["exec_pgid"], grace=settings.kill_grace)


def scale_workers(
    store: Store, ref: str, count: int, *, clock: Clock = SYSTEM_CLOCK
) -> SessionInfo:
    """Change how many workers a session runs (the supervisor applies it within a tick)."""
    session = get_session(store, ref)
    if SessionState(session.state).is_final:
        raise UsageError(f"session {session.id} is {session.state}; it has no workers to scale")
    return set_workers_wanted(store, session.id, count, now=clock.now())


def remove_session_files(store: Store, settings: RunSettings, session_id: str) -> list[str]:
    """Remove a session's worktrees, task branches and logs; the session branch stays."""
    layout = layout_of(settings)
    repo = layout.repo
    removed: list[str] = []
    for task in list_tasks(store, session_id):
        if task.worktree and Path(task.worktree).exists():
            gitops.remove_worktree(repo, Path(task.worktree), lock=layout.git_lock)
            removed.append(task.worktree)
        if task.branch and gitops.delete_branch(repo, task.branch):
            removed.append(f"branch {task.branch}")
    for directory in (layout.session_worktrees(session_id), layout.session_logs(session_id)):
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(str(directory))
    return removed


@dataclass(frozen=True)
class CleanupItem:
    session_id: str
    state: str
    finished_at: float | None
    removed: tuple[str, ...]


def cleanup_sessions(
    store: Store,
    settings: RunSettings,
    *,
    older_than: float,
    dry_run: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> list[CleanupItem]:
    """Delete finished sessions older than `older_than` seconds: worktrees, task branches, logs
    and their records. Session branches (the merged work) are kept."""
    cutoff = clock.now() - older_than
    items = []
    for session in list_sessions(
        store, limit=10_000, states=[s.value for s in FINAL_SESSION_STATES]
    ):
        finished = session.finished_at or session.updated_at
        if finished > cutoff:
            continue
        if dry_run:
            planned = tuple(t.worktree for t in list_tasks(store, session.id) if t.worktree)
            items.append(CleanupItem(session.id, session.state, session.finished_at, planned))
            continue
        removed = remove_session_files(store, settings, session.id)
        store.execute("DELETE FROM parallel_claims WHERE session_id = ?", (session.id,))
        store.execute("DELETE FROM parallel_sessions WHERE id = ?", (session.id,))
        items.append(CleanupItem(session.id, session.state, session.finished_at, tuple(removed)))
    return items


def list_claims_of(
    store: Store, session_id: str, *, clock: Clock = SYSTEM_CLOCK
) -> list[ClaimInfo]:
    """The live path claims of one session."""
    return list_claims(store, now=clock.now(), session_id=session_id)
