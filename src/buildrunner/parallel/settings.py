"""The settings one session runs with, passed from the supervisor to every worker process."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from buildrunner.core.paths import ProjectPaths
from buildrunner.parallel.executors.base import ClaudeSettings

MAX_AUTO_WORKERS = 8


@dataclass(frozen=True)
class RunSettings:
    """Everything a supervisor and its workers need besides the database."""

    root: str
    worktree_root: str
    data_dir: str
    db_timeout: float = 30.0
    lease_ttl: float = 90.0
    heartbeat_interval: float = 10.0
    poll_interval: float = 0.2
    task_timeout: float = 3600.0
    setup_timeout: float = 300.0
    kill_grace: float = 5.0
    retry_backoff: float = 5.0
    worktree_dir: str = ""
    default_model: str = "sonnet"
    merge_gate: str = "auto"
    guard_hook: bool = True
    guard_strict: bool = False
    claude_binary: str = "claude"
    permission_mode: str = "acceptEdits"
    allowed_tools: tuple[str, ...] = ()
    max_turns: int = 30
    max_budget_usd: float = 5.0
    default_retries: int = 1

    @classmethod
    def from_config(cls, paths: ProjectPaths, config: Any) -> RunSettings:
        """Build from the project paths and a loaded :class:`~buildrunner.core.sections.Config`."""
        p = config.parallel
        return cls(
            root=str(paths.root),
            worktree_root=str(paths.worktree_root),
            data_dir=str(paths.data_dir),
            db_timeout=config.core.db_timeout,
            lease_ttl=p.lease_ttl,
            heartbeat_interval=min(p.heartbeat_interval, p.lease_ttl / 3),
            poll_interval=p.poll_interval,
            task_timeout=p.task_timeout,
            setup_timeout=p.setup_timeout,
            kill_grace=p.kill_grace,
            retry_backoff=p.retry_backoff,
            worktree_dir=p.worktree_dir,
            default_model=p.default_model,
            merge_gate=p.merge_gate,
            guard_hook=p.guard_hook,
            guard_strict=p.guard_strict,
            claude_binary=p.claude_binary,
            permission_mode=p.permission_mode,
            allowed_tools=tuple(p.allowed_tools),
            max_turns=p.max_turns,
            max_budget_usd=p.max_budget_usd,
            default_retries=p.retries,
        )

    @property
    def paths(self) -> ProjectPaths:
        return ProjectPaths(
            root=Path(self.root),
            worktree_root=Path(self.worktree_root),
            data_dir=Path(self.data_dir),
            in_git=True,
        )

    def claude(self, guard_command: str | None) -> ClaudeSettings:
        return ClaudeSettings(
            binary=self.claude_binary,
            permission_mode=self.permission_mode,
            allowed_tools=self.allowed_tools,
            max_turns=self.max_turns,
            max_budget_usd=self.max_budget_usd,
            guard_command=guard_command,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunSettings:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["allowed_tools"] = tuple(data.get("allowed_tools") or ())
        return cls(**data)

    def with_overrides(self, **values: Any) -> RunSettings:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def auto_workers(requested: int | None, plan_workers: int | None, configured: int) -> int:
    """How many workers to run: --workers, then the plan, then the config (0 = one per core)."""
    for value in (requested, plan_workers):
        if value:
            return value
    if configured:
        return configured
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS))
