"""Fixtures of the parallel tests: a git repository, fast settings, a store, a fake claude."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from buildrunner.core.paths import ProjectPaths
from buildrunner.core.store import Store
from buildrunner.parallel.settings import RunSettings


def fast_settings(paths: ProjectPaths, **overrides: object) -> RunSettings:
    """Settings with short intervals so that tests never wait long."""
    values: dict[str, object] = {
        "root": str(paths.root),
        "worktree_root": str(paths.worktree_root),
        "data_dir": str(paths.data_dir),
        "lease_ttl": 30.0,
        "heartbeat_interval": 0.5,
        "poll_interval": 0.02,
        "kill_grace": 2.0,
        "retry_backoff": 0.0,
        "task_timeout": 120.0,
        "setup_timeout": 30.0,
        "merge_gate": "none",
    }
    values.update(overrides)
    return RunSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(project: ProjectPaths) -> RunSettings:
    return fast_settings(project)


@pytest.fixture
def store(project: ProjectPaths) -> Store:
    return Store(project.db_path, timeout=30)


@pytest.fixture
def write_plan(git_repo: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "plan.toml") -> Path:
        path = git_repo / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def fake_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `claude` shim first on PATH that runs buildrunner.testing.fake_claude; returns its log."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    shim = bin_dir / "claude"
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m buildrunner.testing.fake_claude "$@"\n',
        encoding="utf-8",
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    log = tmp_path / "fake-claude.jsonl"
    monkeypatch.setenv("FAKE_CLAUDE_LOG", str(log))
    return log
