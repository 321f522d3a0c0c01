from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.core.paths import STATE_DIR_NAME, resolve_paths
from tests.helpers import git


def test_root_found_from_a_subdirectory(git_repo: Path) -> None:
    sub = git_repo / "a" / "b"
    sub.mkdir(parents=True)
    paths = resolve_paths(sub, env={})
    assert paths.root == git_repo
    assert paths.in_git is True
    assert paths.db_path == git_repo / STATE_DIR_NAME / "buildrunner.db"
    assert paths.log_file == git_repo / STATE_DIR_NAME / "logs" / "br.log"


def test_linked_worktree_shares_the_main_project(git_repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(git_repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    paths = resolve_paths(linked / ".", env={})
    assert paths.root == git_repo
    assert paths.worktree_root == linked
    assert paths.data_dir == git_repo / STATE_DIR_NAME


def test_outside_git_uses_nearest_state_dir(tmp_path: Path) -> None:
    (tmp_path / STATE_DIR_NAME).mkdir()
    deep = tmp_path / "x" / "y"
    deep.mkdir(parents=True)
    paths = resolve_paths(deep, env={})
    assert (paths.root, paths.in_git) == (tmp_path, False)


def test_outside_git_without_state_dir_uses_the_start(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path, env={})
    assert (paths.root, paths.in_git) == (tmp_path, False)


def test_br_home_moves_data_but_not_config(git_repo: Path, tmp_path: Path) -> None:
    paths = resolve_paths(git_repo, env={"BR_HOME": str(tmp_path / "data")})
    assert paths.db_path == tmp_path / "data" / "buildrunner.db"
    assert paths.config_file == git_repo / STATE_DIR_NAME / "config.toml"


def test_test_guard_blocks_unchosen_data_dir() -> None:
    from buildrunner.core.errors import StoreError
    from buildrunner.core.store import open_store

    with pytest.raises(StoreError, match="cannot create the data directory"):
        open_store().connection()
