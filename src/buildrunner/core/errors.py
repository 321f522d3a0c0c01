"""The one exception tree of `br`.

Every expected failure derives from :class:`BuildRunnerError`. It carries the exit code the
command line returns and a message that says what happened and what to do next. The entry
point (`buildrunner.cli.main`) handles these errors once; library code only raises them.

Exit codes (documented in the README):

==== =============================================
0    success, nothing to report
1    findings, or a threshold was breached
2    usage error (bad option, bad argument)
3    operational error (config, git, database, I/O)
4    unexpected error (a bug: traceback in the log)
130  interrupted (Ctrl-C)
==== =============================================
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the `br` command line."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    OPERATIONAL = 3
    UNEXPECTED = 4
    INTERRUPTED = 130


class BuildRunnerError(Exception):
    """Base class of every expected `br` failure."""

    exit_code: int = ExitCode.OPERATIONAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(BuildRunnerError):
    """The command was called wrongly: a bad option, argument or combination."""

    exit_code = ExitCode.USAGE


class ConfigError(BuildRunnerError):
    """The configuration is invalid: names the file, the key and what is expected."""

    def __init__(self, source: str, key: str | None, problem: str) -> None:
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


class ProjectError(BuildRunnerError):
    """The project layout is unusable (no project found, unwritable data directory)."""


class StoreError(BuildRunnerError):
    """The project database could not be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process held the database lock for longer than the busy timeout."""


class StoreCorruptError(StoreError):
    """The database file is not a SQLite database or is damaged."""


class GitError(BuildRunnerError):
    """A git command failed or git is not available."""


class InputError(BuildRunnerError):
    """An input file could not be read or parsed (plan, baseline, report)."""
