"""The schema of `br`'s configuration: one frozen dataclass per section.

Each subsystem owns one section (``[security]``, ``[routing]``, ...). A key is declared with
:func:`buildrunner.core.config.setting`: default, help text (shown by ``br config show`` and in
the commented ``config.toml`` that ``br init`` writes) and an optional check. The environment
name of a key is ``BR_<SECTION>_<KEY>`` (``BR_CORE_LOG_LEVEL``); :data:`ENV_ALIASES` adds a few
short names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from buildrunner.core.config import Duration, at_least, between, setting


@dataclass(frozen=True)
class CoreConfig:
    """General behaviour of every command."""

    log_level: Literal["debug", "info", "warning", "error"] = setting(
        "warning", "Lowest level written to the log file (.buildrunner/logs/br.log)."
    )
    db_timeout: Duration = setting(
        30.0,
        "How long to wait for a database lock held by another process before failing.",
        check=at_least(0.1),
    )
    color: Literal["auto", "always", "never"] = setting(
        "auto", "Colour in terminal output; NO_COLOR in the environment also turns it off."
    )


@dataclass(frozen=True)
class ParallelConfig:
    """Parallel orchestration: workers, leases, worktrees and the Claude Code executor."""

    workers: int = setting(
        0,
        "Worker processes per session; 0 picks one per CPU core (at most 8).",
        check=between(0, 256),
    )
    lease_ttl: Duration = setting(
        90.0,
        "How long a task's lease and path claims live without a heartbeat before another "
        "worker may take them over.",
        check=at_least(1.0),
    )
    heartbeat_interval: Duration = setting(
        10.0,
        "How often a worker renews its lease (keep it well under lease_ttl, about a third).",
        check=at_least(0.05),
    )
    poll_interval: Duration = setting(
        0.2, "How often idle workers and the supervisor look for work.", check=at_least(0.01)
    )
    worktree_dir: str = setting("", "Where task worktrees live; empty means <data dir>/worktrees.")
    base: str = setting("HEAD", "Default base ref of a session (overridden by the plan or --base).")
    task_timeout: Duration = setting(
        3600.0, "Default time limit of one task attempt.", check=at_least(1.0)
    )
    setup_timeout: Duration = setting(
        300.0, "Time limit of each setup or teardown command.", check=at_least(1.0)
    )
    kill_grace: Duration = setting(
        5.0,
        "After SIGTERM, how long a task's process group gets before SIGKILL.",
        check=at_least(0.0),
    )
    retries: int = setting(
        1, "Default retries of a failed task (plans can override per task).", check=at_least(0)
    )
    retry_backoff: Duration = setting(
        5.0,
        "First delay before retrying a task that hit an API overload or rate limit (doubles).",
        check=at_least(0.0),
    )
    merge_gate: Literal["auto", "security", "none"] = setting(
        "auto",
        "Scan each finished task's diff before merging: security (required), auto (when the "
        "security subsystem is installed) or none.",
    )
    claude_binary: str = setting("claude", "The Claude Code executable (a name on PATH or a path).")
    permission_mode: Literal["default", "acceptEdits", "plan", "dontAsk", "bypassPermissions"] = (
        setting("acceptEdits", "Claude Code --permission-mode for claude tasks.")
    )
    allowed_tools: tuple[str, ...] = setting(
        factory=lambda: ("Read", "Edit", "Write", "MultiEdit", "Glob", "Grep", "Bash(git diff:*)"),
        help="Claude Code --allowedTools for claude tasks (plans can override per task).",
    )
    max_turns: int = setting(30, "Default --max-turns of a claude task.", check=at_least(1))
    max_budget_usd: float = setting(
        5.0, "Default --max-budget-usd of a claude task.", check=at_least(0.0)
    )
    default_model: str = setting(
        "sonnet",
        'Model used for model = "auto" while the routing subsystem is not installed.',
    )
    guard_hook: bool = setting(
        True,
        "Install `br parallel guard` as a PreToolUse hook in claude tasks, so an edit to a "
        "path another task has claimed is blocked.",
    )
    guard_strict: bool = setting(
        False, "The guard also blocks edits outside the task's own claims (when it has some)."
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration; one attribute per section."""

    core: CoreConfig = setting(factory=CoreConfig)
    parallel: ParallelConfig = setting(factory=ParallelConfig)


ENV_ALIASES: dict[str, str] = {}
"""Short environment names for configuration keys (``BR_TELEMETRY`` -> ``telemetry.enabled``)."""
