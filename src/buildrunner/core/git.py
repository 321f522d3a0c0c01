"""Running git: one place that builds the command, captures output and translates failures."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from buildrunner.core.errors import GitError

GIT_TIMEOUT = 120.0


def git_executable() -> str:
    """The path of `git`, or a GitError saying how to get it."""
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed or not on PATH", hint="install git 2.38 or newer")
    return found


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    input_bytes: bytes | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git <args>`` in `cwd` and return the completed process (stdout/stderr as bytes).

    With `check`, a non-zero exit raises :class:`GitError` carrying git's first error line.
    """
    command = [git_executable(), *args]
    full_env = {**os.environ, **env} if env else None
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            env=full_env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out after {timeout:g}s in {cwd}") from exc
    except OSError as exc:
        raise GitError(f"cannot run git in {cwd}: {exc.strerror or exc}") from exc
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} failed in {cwd}: {_first_line(proc.stderr)}")
    return proc


def git_text(args: Sequence[str], *, cwd: Path, timeout: float = GIT_TIMEOUT) -> str:
    """Run git and return stdout decoded as UTF-8 (undecodable bytes replaced), stripped."""
    out = run_git(args, cwd=cwd, timeout=timeout).stdout
    return out.decode("utf-8", errors="replace").strip()


def is_ignored(path: Path, *, cwd: Path) -> bool:
    """Whether git would ignore `path` (relative to `cwd` or absolute)."""
    proc = run_git(["check-ignore", "-q", "--no-index", str(path)], cwd=cwd, check=False)
    return proc.returncode == 0


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else "no error output"
