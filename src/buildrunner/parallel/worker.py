"""A worker: claims tasks of one session, runs them in their worktrees, records the results.

A worker is a process started by the supervisor (``python -m buildrunner.parallel.worker``).
It holds an ``flock`` on its own lock file for its whole life, so the supervisor (or a later
one) knows at once when it dies. For each task it: claims it (lease + fence + path claims),
creates a git worktree on ``br/<session>/<task>`` from the session branch, runs the plan's
setup commands, runs the executor in its own process group with output streamed to the
task's log file while a monitor thread heartbeats, runs teardown, commits the worktree and
settles the task, every write guarded by the fence.

If its supervisor dies, a worker finishes the task in hand and exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.errors import BuildRunnerError
from buildrunner.core.store import Store
from buildrunner.parallel import gitops, queue
from buildrunner.parallel.executors import build_executors
from buildrunner.parallel.executors.base import (
    ExecutionRequest,
    ExecutionResult,
    Executor,
    Outcome,
    StopReason,
)
from buildrunner.parallel.executors.process import run_commands
from buildrunner.parallel.integrations import (
    BudgetRefusedError,
    Integrations,
    close_integrations,
    default_integrations,
)
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.liveness import LivenessLock
from buildrunner.parallel.monitor import AttemptMonitor
from buildrunner.parallel.plan import Plan
from buildrunner.parallel.policy import decide, should_resume
from buildrunner.parallel.queue import Lease, Settlement
from buildrunner.parallel.records import SessionInfo
from buildrunner.parallel.sessions import get_session, load_plan_of, task_branch_name
from buildrunner.parallel.settings import RunSettings
from buildrunner.parallel.states import TaskState

log = logging.getLogger("buildrunner.parallel.worker")


class Worker:
    """Runs tasks of one session until the session ends, pauses for good, or it is told to stop."""

    def __init__(
        self,
        store: Store,
        settings: RunSettings,
        session_id: str,
        worker_id: str,
        *,
        clock: Clock = SYSTEM_CLOCK,
        integrations: Integrations | None = None,
        executors: Mapping[str, Executor] | None = None,
        parent_pid: int | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.session_id = session_id
        self.worker_id = worker_id
        self.clock = clock
        self.layout = Layout.of(settings.paths, settings.worktree_dir)
        self.integrations = integrations or default_integrations(
            default_model=settings.default_model,
            merge_gate="none",
            project_root=Path(settings.root),
            store=store,
            session_id=session_id,
        )
        self.executors = dict(executors or build_executors(self.integrations.api))
        self.parent_pid = parent_pid
        self.session: SessionInfo = get_session(store, session_id)
        self.plan: Plan = load_plan_of(store, session_id)
        self.merging = self.plan.merge and self.plan.isolation == "worktree"
        self.guard_command = (
            f"{shlex.quote(sys.executable)} -m buildrunner parallel guard"
            if settings.guard_hook
            else None
        )

    # ----------------------------------------------------------------- the loop

    def run(self) -> int:
        """Work until there is nothing more to do; returns how many tasks this worker finished."""
        lock = LivenessLock(self.layout.worker_lock(self.session_id, self.worker_id))
        if not lock.try_acquire():
            raise BuildRunnerError(f"worker {self.worker_id} of {self.session_id} already runs")
        finished = 0
        try:
            self._register()
            while self._should_continue():
                lease = queue.claim_next(
                    self.store,
                    self.session_id,
                    self.worker_id,
                    now=self.clock.now(),
                    ttl=self.settings.lease_ttl,
                    holder_gone=self.layout.claim_holder_gone,
                )
                if lease is None:
                    self.clock.sleep(self.settings.poll_interval)
                    continue
                if self.run_attempt(lease):
                    finished += 1
        finally:
            self._set_state("stopped")
            close_integrations(self.integrations)
            lock.release()
        return finished

    def _should_continue(self) -> bool:
        while True:
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.warning("worker %s: supervisor gone; stopping", self.worker_id)
                return False
            rows = self.store.execute(
                "SELECT s.state, w.state AS worker_state FROM parallel_sessions s "
                "LEFT JOIN parallel_workers w ON w.session_id = s.id AND w.worker_id = ? "
                "WHERE s.id = ?",
                (self.worker_id, self.session_id),
            )
            if not rows:
                return False
            state, worker_state = rows[0]["state"], rows[0]["worker_state"]
            if state in ("completed", "failed", "cancelled") or worker_state == "stopping":
                return False
            if state == "running":
                return True
            self._set_state("idle")
            self.clock.sleep(self.settings.poll_interval)

    def _register(self) -> None:
        now = self.clock.now()
        self.store.execute(
            "INSERT INTO parallel_workers(session_id, worker_id, pid, host, state, started_at, "
            "heartbeat_at) VALUES (?, ?, ?, ?, 'idle', ?, ?) "
            "ON CONFLICT(session_id, worker_id) DO UPDATE SET pid = excluded.pid, "
            "host = excluded.host, state = CASE WHEN parallel_workers.state = 'stopping' "
            "THEN 'stopping' ELSE 'idle' END, heartbeat_at = excluded.heartbeat_at",
            (self.session_id, self.worker_id, os.getpid(), socket.gethostname(), now, now),
        )

    def _set_state(self, state: str) -> None:
        now = self.clock.now()
        self.store.execute(
            "UPDATE parallel_workers SET state = CASE WHEN state = 'stopping' AND ? = 'idle' "
            "THEN 'stopping' ELSE ? END, heartbeat_at = ?, current_task = NULL, "
            "stopped_at = CASE WHEN ? = 'stopped' THEN ? ELSE stopped_at END "
            "WHERE session_id = ? AND worker_id = ?",
            (state, state, now, state, now, self.session_id, self.worker_id),
        )

    # ----------------------------------------------------------------- one attempt

    def run_attempt(self, lease: Lease) -> bool:
        """Run one claimed attempt to its end; True when the task finished successfully."""
        spec = lease.spec
        model = (
            self.integrations.models.resolve(spec) if spec.executor in ("claude", "api") else None
        )
        log_path = self.layout.task_log(self.session_id, spec.id, lease.attempt)
        queue.record_details(
            self.store, lease, now=self.clock.now(), log_path=str(log_path), model=model
        )
        started = self.clock.monotonic()
        self.integrations.events.emit(
            "attempt.started",
            {
                "session": self.session_id,
                "task": spec.id,
                "attempt": lease.attempt,
                "worker": self.worker_id,
                "executor": spec.executor,
                "model": model,
            },
        )
        monitor = AttemptMonitor(
            self.store,
            lease,
            clock=self.clock,
            ttl=self.settings.lease_ttl,
            heartbeat_interval=self.settings.heartbeat_interval,
            poll_interval=self.settings.poll_interval,
        )
        monitor.start()
        try:
            result, cwd = self._attempt(lease, model, log_path, monitor)
        finally:
            monitor.close()
        if monitor.lost or result.outcome == Outcome.LEASE_LOST:
            log.warning("task %s: lease lost; result discarded", spec.id)
            return False
        head = None
        if result.ok and self.merging and cwd is not None:
            try:
                head, _made = gitops.commit_all(cwd, _commit_message(lease, self.session_id))
            except BuildRunnerError as exc:
                result = ExecutionResult(Outcome.SETUP_FAILED, error=f"commit failed: {exc}")
        return self._settle(lease, result, head, cwd, self.clock.monotonic() - started)

    def _attempt(
        self, lease: Lease, model: str | None, log_path: Path, monitor: AttemptMonitor
    ) -> tuple[ExecutionResult, Path | None]:
        try:
            cwd, resume_id = self._workspace(lease)
        except BuildRunnerError as exc:
            return ExecutionResult(Outcome.SETUP_FAILED, error=str(exc)), None
        env = self._env(lease, cwd)
        request = ExecutionRequest(
            spec=lease.spec,
            cwd=cwd,
            log_path=log_path,
            env=env,
            timeout=lease.spec.timeout or self.settings.task_timeout,
            attempt=lease.attempt,
            session_id=self.session_id,
            model=model,
            resume_id=resume_id,
            kill_grace=self.settings.kill_grace,
            claude=self.settings.claude(self.guard_command),
        )
        failed = self._commands(self.plan.setup, request, monitor, "setup")
        if failed is not None:
            return failed, cwd
        executor = self.executors.get(lease.spec.executor)
        if executor is None:
            return ExecutionResult(
                Outcome.SPAWN_ERROR, error=f"no executor named {lease.spec.executor!r}"
            ), cwd
        result = self._run_accounted(executor, request, monitor, lease)
        if monitor.stop_reason() not in (StopReason.CANCEL, StopReason.LOST):
            self._commands(self.plan.teardown, request, monitor, "teardown")
        return result, cwd

    def _run_accounted(
        self,
        executor: Executor,
        request: ExecutionRequest,
        monitor: AttemptMonitor,
        lease: Lease,
    ) -> ExecutionResult:
        """Run the executor inside a budget reservation that is settled with its real cost."""
        spec = lease.spec
        budget = spec.budget_usd if spec.budget_usd is not None else self.settings.max_budget_usd
        costs = self.integrations.costs
        try:
            reservation = costs.reserve(
                session_id=self.session_id,
                task_id=spec.id,
                executor=spec.executor,
                amount_usd=budget,
            )
        except BudgetRefusedError as exc:
            return ExecutionResult(Outcome.MAX_BUDGET, error=f"budget refused: {exc}")
        result = ExecutionResult(Outcome.CRASHED, error="the executor raised")
        try:
            result = executor.run(request, monitor)
        finally:
            try:
                costs.settle(
                    reservation,
                    session_id=self.session_id,
                    task_id=spec.id,
                    outcome=result.outcome.value,
                    raw_result=result.raw_result,
                )
            except BuildRunnerError as exc:
                log.warning("task %s: recording its cost failed: %s", spec.id, exc)
        return result

    def _workspace(self, lease: Lease) -> tuple[Path, str | None]:
        """The directory the attempt runs in, and the agent session to resume (if any)."""
        spec = lease.spec
        resume = (
            lease.agent_session_id
            if spec.executor == "claude" and should_resume(lease.previous_outcome)
            else None
        )
        if self.plan.isolation == "none":
            if resume:
                queue.record_details(self.store, lease, now=self.clock.now(), resumed_from=resume)
            return Path(self.settings.root), resume
        path = self.layout.worktree(self.session_id, spec.id)
        if resume and lease.worktree == str(path) and gitops.is_worktree(path):
            queue.record_details(self.store, lease, now=self.clock.now(), resumed_from=resume)
            return path, resume
        branch = task_branch_name(self.session_id, spec.id)
        repo = Path(self.settings.root)
        start = None
        if self.session.session_branch:
            start = gitops.branch_commit(repo, self.session.session_branch)
        start = start or self.session.base_commit
        gitops.add_worktree(repo, path, branch, start, lock=self.layout.git_lock)
        queue.record_details(
            self.store,
            lease,
            now=self.clock.now(),
            worktree=str(path),
            branch=branch,
            start_commit=start,
        )
        return path, None

    def _env(self, lease: Lease, cwd: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update(lease.spec.env)
        env.update(
            {
                "BR_PARALLEL_SESSION": self.session_id,
                "BR_PARALLEL_TASK": lease.spec.id,
                "BR_PARALLEL_ATTEMPT": str(lease.attempt),
                "BR_PARALLEL_WORKTREE": str(cwd),
                "BR_PARALLEL_REPO": self.settings.root,
                "BR_HOME": self.settings.data_dir,
            }
        )
        return env

    def _commands(
        self,
        commands: tuple[str, ...],
        request: ExecutionRequest,
        monitor: AttemptMonitor,
        what: str,
    ) -> ExecutionResult | None:
        """Run setup or teardown commands; the first failure is returned as a result."""
        error = run_commands(
            commands,
            what=what,
            cwd=request.cwd,
            env=request.env,
            log_path=request.log_path,
            control=monitor,
            timeout=self.settings.setup_timeout,
            kill_grace=self.settings.kill_grace,
        )
        return None if error is None else ExecutionResult(Outcome.SETUP_FAILED, error=error)

    def _settle(
        self,
        lease: Lease,
        result: ExecutionResult,
        head: str | None,
        cwd: Path | None,
        duration: float,
    ) -> bool:
        now = self.clock.now()
        decision = decide(
            result.outcome,
            attempt=lease.attempt,
            max_attempts=_max_attempts(self.store, lease),
            now=now,
            backoff=self.settings.retry_backoff,
        )
        error = result.error
        if result.ok and result.permission_denials:
            denied = sorted(set(result.permission_denials))
            error = f"{len(result.permission_denials)} permission denial(s): {', '.join(denied)}"
        settlement = Settlement(
            state=decision.state,
            outcome=result.outcome.value,
            error=error,
            exit_code=result.exit_code,
            result_text=result.result_text,
            cost_usd=result.cost_usd,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            turns=result.turns,
            model=result.model,
            agent_session_id=result.agent_session_id,
            head_commit=head,
            usage=result.usage,
            not_before=decision.not_before,
        )
        if not queue.settle(self.store, lease, settlement, now=now):
            log.warning("task %s: lease lost before settling; result discarded", lease.task_id)
            return False
        attributes = {
            "session": self.session_id,
            "task": lease.task_id,
            "attempt": lease.attempt,
            "worker": self.worker_id,
            "executor": lease.spec.executor,
            "outcome": result.outcome.value,
            "state": decision.state.value,
            "model": result.model,
            "cost_usd": result.cost_usd,
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "turns": result.turns,
            "agent_session_id": result.agent_session_id,
            "exit_code": result.exit_code,
            "worktree": str(cwd) if cwd else None,
            "branch": task_branch_name(self.session_id, lease.task_id) if self.merging else None,
            "duration_ms": round(duration * 1000, 3),
        }
        self.integrations.events.emit("attempt.finished", attributes)
        return decision.state == TaskState.DONE


def _max_attempts(store: Store, lease: Lease) -> int:
    rows = store.execute("SELECT max_attempts FROM parallel_tasks WHERE pk = ?", (lease.pk,))
    return int(rows[0]["max_attempts"]) if rows else lease.attempt


def _commit_message(lease: Lease, session_id: str) -> str:
    return (
        f"br: {lease.spec.id}: {lease.spec.title}\n\n"
        f"Task {lease.spec.id} of parallel session {session_id}, attempt {lease.attempt}."
    )


# --------------------------------------------------------------------------- process entry


def main(argv: list[str] | None = None) -> int:
    """Entry point of a worker process (started by the local supervisor)."""
    parser = argparse.ArgumentParser(prog="python -m buildrunner.parallel.worker")
    parser.add_argument("--settings", required=True, help="RunSettings as JSON")
    parser.add_argument("--session", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    settings = RunSettings.from_json(args.settings)
    store = Store(settings.paths.db_path, timeout=settings.db_timeout)
    _configure_logging(settings)
    worker = Worker(store, settings, args.session, args.worker, parent_pid=args.parent)
    try:
        worker.run()
    except KeyboardInterrupt:
        return 130
    return 0


def _configure_logging(settings: RunSettings) -> None:
    from buildrunner.core.logs import configure_logging

    configure_logging(settings.paths, "info")


if __name__ == "__main__":
    sys.exit(main())
