"""The native git pre-commit hook: install, uninstall, status.

The hook is a small POSIX shell script marked by an id line. It calls the ``br`` that installed
it by absolute path (``br security check``), so it works outside any virtual environment, and
says how to fix or bypass it when that ``br`` is gone. The hooks directory comes from git itself
(``git rev-parse --git-path hooks``), which honours ``core.hooksPath`` and linked worktrees. A
hook that was there before is moved aside and chained (run after ``br`` passes) and put back on
uninstall.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.errors import BuildRunnerError, GitError
from buildrunner.core.git import git_text

HOOK_NAME = "pre-commit"
HOOK_ID = "# br-hook-id: buildrunner-secret-scan v1"
CHAINED_SUFFIX = ".br-chained"
QUALITY_CHECK = "quality check"
"""What the hook runs after the security check when installed ``--with-quality``."""


class HookError(BuildRunnerError):
    """The hook cannot be installed or removed as asked."""


@dataclass(frozen=True)
class HookStatus:
    """What is installed at ``<hooks dir>/pre-commit``."""

    path: Path
    installed: bool
    foreign: bool
    chained: Path | None
    command: str | None
    command_exists: bool

    def describe(self) -> str:
        if self.installed:
            state = f"br pre-commit hook installed at {self.path}"
            if self.command is not None:
                state += f" (runs {self.command}"
                state += ")" if self.command_exists else ": NOT FOUND, reinstall the hook)"
            if self.chained is not None:
                state += f"; chains {self.chained}"
            return state
        if self.foreign:
            return f"a pre-commit hook not managed by br is installed at {self.path}"
        return f"no pre-commit hook installed (would be {self.path})"


@dataclass(frozen=True)
class HookChange:
    """What install/uninstall did."""

    path: Path
    action: str
    chained: Path | None = None


def hooks_dir(repo: Path) -> Path:
    """The hooks directory git uses for `repo` (core.hooksPath, worktrees included)."""
    try:
        text = git_text(["rev-parse", "--path-format=absolute", "--git-path", "hooks"], cwd=repo)
    except GitError as exc:
        raise HookError(f"{repo} is not a git repository", hint="run `git init` first") from exc
    return Path(text)


def current_command() -> list[str]:
    """How to run the ``br`` that is running now, by absolute path."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) in ("br", "br.exe") and os.path.isfile(argv0):
        return [os.path.abspath(argv0)]
    found = shutil.which("br")
    if found and Path(found).resolve().parent == Path(sys.executable).resolve().parent:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "buildrunner"]


def hook_script(command: Sequence[str], *, with_quality: bool = False) -> str:
    """The text of the hook that runs ``<command> security check`` (and, `with_quality`,
    ``<command> quality check`` after it)."""
    program = shlex.quote(command[0])
    prefix = " ".join(shlex.quote(part) for part in command[1:])
    call = f'"$BR" {prefix} security check'.replace("  ", " ")
    if with_quality:
        call += " || exit $?\n" + f'"$BR" {prefix} {QUALITY_CHECK}'.replace("  ", " ")
    return f"""#!/bin/sh
{HOOK_ID}
# Installed by `br security hooks install`: blocks a commit whose staged changes add a secret.
# Bypass once with `git commit --no-verify`; remove with `br security hooks uninstall`.
BR={program}
if [ ! -x "$BR" ]; then
  echo "br pre-commit hook: $BR is missing." >&2
  echo "Reinstall the hook with 'br security hooks install', remove it with" >&2
  echo "'br security hooks uninstall', or bypass once: git commit --no-verify" >&2
  exit 1
fi
{call} || exit $?
chained="$(dirname "$0")/{HOOK_NAME}{CHAINED_SUFFIX}"
if [ -x "$chained" ]; then
  exec "$chained" "$@"
fi
exit 0
"""


def _is_ours(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return HOOK_ID in head


def _recorded_command(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("BR="):
            parts = shlex.split(line[3:])
            return parts[0] if parts else None
    return None


def hook_status(repo: Path) -> HookStatus:
    """Whether br's hook is installed in `repo`, what it runs, what it chains."""
    path = hooks_dir(repo) / HOOK_NAME
    chained = path.with_name(HOOK_NAME + CHAINED_SUFFIX)
    exists = path.exists() or path.is_symlink()
    ours = exists and _is_ours(path)
    command = _recorded_command(path) if ours else None
    return HookStatus(
        path=path,
        installed=ours,
        foreign=exists and not ours,
        chained=chained if ours and (chained.exists() or chained.is_symlink()) else None,
        command=command,
        command_exists=bool(command) and os.access(str(command), os.X_OK),
    )


def install_hook(
    repo: Path, *, command: Sequence[str] | None = None, with_quality: bool = False
) -> HookChange:
    """Install (or update) br's pre-commit hook; an existing foreign hook is chained.

    `with_quality` makes the hook run the quality gate (``br quality check``) as well."""
    command = list(command or current_command())
    directory = hooks_dir(repo)
    path = directory / HOOK_NAME
    chained = path.with_name(HOOK_NAME + CHAINED_SUFFIX)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        action = "installed"
        if path.exists() or path.is_symlink():
            if _is_ours(path):
                action = "updated"
            else:
                if chained.exists() or chained.is_symlink():
                    raise HookError(
                        f"both {path} and {chained} exist and neither is br's hook",
                        hint="merge or remove one of them, then install again",
                    )
                os.replace(path, chained)
                action = "installed (existing hook chained)"
        _write_executable(path, hook_script(command, with_quality=with_quality))
    except OSError as exc:
        raise HookError(f"cannot install the hook at {path}: {exc.strerror or exc}") from exc
    has_chain = chained.exists() or chained.is_symlink()
    return HookChange(path=path, action=action, chained=chained if has_chain else None)


def uninstall_hook(repo: Path) -> HookChange:
    """Remove br's hook and put back the hook it chained, if any."""
    path = hooks_dir(repo) / HOOK_NAME
    chained = path.with_name(HOOK_NAME + CHAINED_SUFFIX)
    if not (path.exists() or path.is_symlink()):
        return HookChange(path=path, action="not installed")
    if not _is_ours(path):
        raise HookError(
            f"the pre-commit hook at {path} was not installed by br", hint="left unchanged"
        )
    try:
        path.unlink()
        if chained.exists() or chained.is_symlink():
            os.replace(chained, path)
            return HookChange(path=path, action="removed (previous hook restored)", chained=path)
    except OSError as exc:
        raise HookError(f"cannot remove the hook at {path}: {exc.strerror or exc}") from exc
    return HookChange(path=path, action="removed")


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".br-tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, path)
