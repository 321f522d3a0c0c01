"""Running an executor's process: its own process group, output to a log, stoppable at once.

The child runs with ``start_new_session=True`` so that its whole tree can be signalled with
``os.killpg``; stop requests (cancel, lost lease, timeout) send SIGTERM to the group and SIGKILL
after a grace period. A *pause* is delivered only at a boundary the caller recognises in the
output (a turn boundary of Claude Code), never with SIGSTOP.

Output reaches the log line by line through the secret masker
(:func:`buildrunner.core.redact.redact_text`): a task that prints a credential, or a Claude Code
stream that echoes one in a tool call, leaves only its mask in the log file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from buildrunner.parallel.executors.base import ExecutionControl, StopReason

WATCH_INTERVAL = 0.05


@dataclass(frozen=True)
class ProcessOutcome:
    """How the process ended."""

    returncode: int | None
    stopped: StopReason | None = None
    spawn_error: str | None = None


LineHandler = Callable[[str], bool]
"""Called with every stdout line; returns True when the line ends a turn (a pause point)."""
Masker = Callable[[str], str]
"""Turns a line of output into what may be logged (every secret masked)."""
MAX_LINE = 1 << 20
"""Longer lines are logged in pieces of this many bytes (each piece masked)."""


def default_masker(text: str) -> str:
    """The project's masking rule: every secret the security detector finds, masked."""
    from buildrunner.core.redact import redact_text

    return redact_text(text)


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: IO[bytes],
    control: ExecutionControl,
    timeout: float,
    kill_grace: float,
    on_line: LineHandler | None = None,
    stdin_text: str | None = None,
    mask: Masker = default_masker,
) -> ProcessOutcome:
    """Run `argv` to the end or until stopped; stdout goes to `on_line` (if given) and to the
    log, stderr to the log, both through `mask`."""
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            # one pipe keeps the order of a command's output; a line handler reads stdout alone
            stderr=subprocess.PIPE if on_line is not None else subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        return ProcessOutcome(None, spawn_error=f"cannot start {argv[0]}: {exc.strerror or exc}")
    control.report_process(proc.pid)
    watcher = _Watcher(proc, control, timeout=timeout, kill_grace=kill_grace)
    watcher.start()
    sink = _MaskedLog(log, mask)
    pumps = (
        _Pump(proc.stdout, sink, on_line, watcher, name=f"stdout-{proc.pid}"),
        _Pump(proc.stderr, sink, None, watcher, name=f"stderr-{proc.pid}"),
    )
    for pump in pumps:
        pump.start()
    try:
        if stdin_text is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(stdin_text.encode("utf-8"))
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        proc.wait()
    except BaseException:
        watcher.kill(StopReason.CANCEL)
        proc.wait()
        raise
    finally:
        watcher.finish()
        _kill_group(proc.pid, signal.SIGKILL)  # stragglers the task left behind
        for pump in pumps:  # the pipes close with the last process of the group
            pump.join(timeout=kill_grace + 1)
    for pump in pumps:
        if pump.error is not None:
            raise pump.error
    return ProcessOutcome(proc.returncode, stopped=watcher.reason)


def run_commands(
    commands: Sequence[str],
    *,
    what: str,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    control: ExecutionControl,
    timeout: float,
    kill_grace: float,
) -> str | None:
    """Run shell commands one after the other (a plan's setup or teardown), output to the log;
    returns the first failure as a message, None when all succeeded."""
    if not commands:
        return None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        for command in commands:
            log.write(f"$ [{what}] {command}\n".encode())
            log.flush()
            ended = run_process(
                ["/bin/sh", "-c", command],
                cwd=cwd,
                env=env,
                log=log,
                control=control,
                timeout=timeout,
                kill_grace=kill_grace,
            )
            if ended.returncode != 0 or ended.stopped is not None:
                why = ended.spawn_error or (
                    f"stopped ({ended.stopped.value})"
                    if ended.stopped
                    else f"exit status {ended.returncode}"
                )
                return f"{what} command {command!r} failed: {why}"
    return None


class _MaskedLog:
    """Writes lines of output to the log, masked, one whole line at a time (two streams share
    the file)."""

    def __init__(self, log: IO[bytes], mask: Masker) -> None:
        self.log = log
        self.mask = mask
        self.lock = threading.Lock()

    def write_line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="surrogateescape")
        try:
            masked = self.mask(text)
        except Exception:  # a masker failure must not leak the line: drop its content
            masked = f"[line of {len(raw)} bytes not logged: the secret masker failed]\n"
        data = masked.encode("utf-8", errors="surrogateescape")
        with self.lock:
            self.log.write(data)
            self.log.flush()


class _Pump(threading.Thread):
    """Copies one output stream to the log, masked, line by line; stdout lines also go to
    `on_line`, and a turn boundary with a pause pending stops the process group."""

    def __init__(
        self,
        stream: IO[bytes] | None,
        sink: _MaskedLog,
        on_line: LineHandler | None,
        watcher: _Watcher,
        *,
        name: str,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.stream = stream
        self.sink = sink
        self.on_line = on_line
        self.watcher = watcher
        self.error: BaseException | None = None

    def run(self) -> None:
        stream = self.stream
        if stream is None:
            return
        try:
            for raw in iter(lambda: stream.readline(MAX_LINE), b""):
                self.sink.write_line(raw)
                if self.on_line is None:
                    continue
                boundary = self.on_line(raw.decode("utf-8", errors="replace"))
                if boundary and self.watcher.pause_pending():
                    self.watcher.kill(StopReason.PAUSE)
        except BaseException as exc:  # handed to the caller after the process ended
            self.error = exc
            self.watcher.kill(StopReason.CANCEL)
        finally:
            stream.close()


class _Watcher(threading.Thread):
    """Kills the process group on cancel, lost lease or timeout; notes pending pauses."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        control: ExecutionControl,
        *,
        timeout: float,
        kill_grace: float,
    ) -> None:
        super().__init__(name=f"watch-{proc.pid}", daemon=True)
        self.proc = proc
        self.control = control
        self.deadline = time.monotonic() + timeout
        self.kill_grace = kill_grace
        self.reason: StopReason | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._done.wait(WATCH_INTERVAL):
            if self.proc.poll() is not None:
                return
            if time.monotonic() >= self.deadline:
                self.kill(StopReason.TIMEOUT)
                return
            reason = self.control.stop_reason()
            if reason is not None and reason != StopReason.PAUSE:
                self.kill(reason)
                return

    def pause_pending(self) -> bool:
        return self.control.stop_reason() == StopReason.PAUSE

    def kill(self, reason: StopReason) -> None:
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
        _kill_group(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.kill_grace
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        _kill_group(self.proc.pid, signal.SIGKILL)

    def finish(self) -> None:
        self._done.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=self.kill_grace + 1)


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_process_group(pgid: int, *, grace: float = 2.0) -> None:
    """SIGTERM a process group, then SIGKILL whatever is left after `grace` seconds."""
    _kill_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)
    _kill_group(pgid, signal.SIGKILL)
