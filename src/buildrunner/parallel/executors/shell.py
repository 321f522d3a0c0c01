"""The `shell` executor: runs the task's command (a string through ``/bin/sh -c``, or argv)."""

from __future__ import annotations

from buildrunner.parallel.executors.base import (
    ExecutionControl,
    ExecutionRequest,
    ExecutionResult,
    Outcome,
    StopReason,
)
from buildrunner.parallel.executors.process import run_process

_STOPPED = {
    StopReason.CANCEL: Outcome.CANCELLED,
    StopReason.LOST: Outcome.LEASE_LOST,
    StopReason.TIMEOUT: Outcome.TIMEOUT,
    StopReason.PAUSE: Outcome.PAUSED,
}


class ShellExecutor:
    """Runs a command; exit 0 is success. A pause lets the command finish."""

    name = "shell"

    def run(self, request: ExecutionRequest, control: ExecutionControl) -> ExecutionResult:
        command = request.spec.command
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command or ())
        if not argv:
            return ExecutionResult(Outcome.SPAWN_ERROR, error="the task has no command")
        control.report_progress("running")
        request.log_path.parent.mkdir(parents=True, exist_ok=True)
        with request.log_path.open("ab") as log:
            ended = run_process(
                argv,
                cwd=request.cwd,
                env=request.env,
                log=log,
                control=control,
                timeout=request.timeout,
                kill_grace=request.kill_grace,
            )
        if ended.spawn_error:
            return ExecutionResult(Outcome.SPAWN_ERROR, error=ended.spawn_error)
        if ended.stopped is not None:
            return ExecutionResult(
                _STOPPED[ended.stopped],
                exit_code=ended.returncode,
                error=f"stopped: {ended.stopped.value}",
            )
        code = ended.returncode
        if code == 0:
            return ExecutionResult(Outcome.OK, exit_code=0)
        if code is not None and code < 0:
            return ExecutionResult(
                Outcome.CRASHED, exit_code=code, error=f"killed by signal {-code}"
            )
        return ExecutionResult(
            Outcome.EXIT_NONZERO, exit_code=code, error=f"command exited with status {code}"
        )
