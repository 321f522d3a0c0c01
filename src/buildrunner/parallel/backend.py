"""Executor backends: where a supervisor's workers run.

The supervisor owns the session: it starts workers, watches them, requeues the tasks of dead
ones, scales, merges and finishes the session. *Where* a worker runs is the backend's job.
:class:`LocalBackend` (the default) starts each worker as a child process on this machine;
a cluster backend (Ray, issue 9) implements the same two small protocols and is looked up by
name in :data:`BACKENDS`, imported only when selected. Whatever the backend, the project
database stays the source of truth for sessions, tasks, claims and workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import IO, Protocol

from buildrunner.core.errors import UsageError
from buildrunner.parallel.liveness import is_held
from buildrunner.parallel.settings import RunSettings


@dataclass(frozen=True)
class WorkerLaunch:
    """What a backend needs to start one worker."""

    session_id: str
    worker_id: str
    settings: RunSettings
    lock_path: Path
    log_path: Path


class WorkerHandle(Protocol):
    """A running worker as its backend sees it."""

    worker_id: str

    @property
    def pid(self) -> int | None: ...

    def is_alive(self) -> bool: ...

    def kill(self) -> None:
        """Stop the worker at once (its executor's process group is the supervisor's job)."""
        ...

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the worker to exit; True if it has."""
        ...


class ExecutorBackend(Protocol):
    """Starts workers somewhere."""

    name: str

    def start_worker(self, launch: WorkerLaunch) -> WorkerHandle: ...

    def close(self) -> None: ...


class LocalWorker:
    """A worker process on this machine, a child of the supervisor."""

    def __init__(self, worker_id: str, proc: subprocess.Popen[bytes], lock_path: Path) -> None:
        self.worker_id = worker_id
        self.proc = proc
        self.lock_path = lock_path

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def is_alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def wait(self, timeout: float) -> bool:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


class LocalBackend:
    """Workers as child processes: ``python -m buildrunner.parallel.worker``."""

    name = "local"

    def __init__(self, *, python: str = sys.executable) -> None:
        self.python = python
        self._logs: list[IO[bytes]] = []

    def start_worker(self, launch: WorkerLaunch) -> WorkerHandle:
        launch.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = launch.log_path.open("ab")
        self._logs.append(log)
        proc = subprocess.Popen(
            [
                self.python,
                "-m",
                "buildrunner.parallel.worker",
                "--settings",
                launch.settings.to_json(),
                "--session",
                launch.session_id,
                "--worker",
                launch.worker_id,
                "--parent",
                str(os.getpid()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            close_fds=True,
        )
        return LocalWorker(launch.worker_id, proc, launch.lock_path)

    def close(self) -> None:
        for log in self._logs:
            log.close()
        self._logs.clear()


BACKENDS: Mapping[str, str] = {
    "local": "buildrunner.parallel.backend:LocalBackend",
}
"""Backend name -> "module:factory"; a backend's module is imported only when it is chosen."""


def load_backend(name: str) -> ExecutorBackend:
    """Instantiate the backend called `name`."""
    target = BACKENDS.get(name)
    if target is None:
        known = ", ".join(sorted(BACKENDS))
        raise UsageError(f"unknown backend {name!r}", hint=f"choose one of: {known}")
    module_name, attribute = target.split(":")
    factory: Callable[[], ExecutorBackend] = getattr(import_module(module_name), attribute)
    return factory()


def worker_is_alive(lock_path: Path) -> bool:
    """Whether the worker owning `lock_path` still lives (this machine only)."""
    return is_held(lock_path)
