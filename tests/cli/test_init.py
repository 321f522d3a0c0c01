from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from buildrunner.core.migrations import MIGRATIONS
from buildrunner.core.paths import ProjectPaths
from buildrunner.core.store import Store
from tests.conftest import BrResult


def test_init_from_a_subdirectory(
    project: ProjectPaths, br: Callable[..., BrResult], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sub = project.root / "pkg" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = br("init")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "created .buildrunner",
        "created .buildrunner/config.toml",
        "created .gitignore",
        f"BuildRunner initialised in {project.config_dir}",
    ]
    assert Store(project.db_path).applied_migrations() == [m.name for m in MIGRATIONS]


def test_init_twice_changes_nothing(project: ProjectPaths, br: Callable[..., BrResult]) -> None:
    assert br("init").exit_code == 0
    second = br("init")
    assert second.exit_code == 0
    assert (
        second.stdout == f"BuildRunner already initialised in {project.config_dir}; nothing to do\n"
    )


def test_init_outside_git_warns_but_works(
    tmp_path: Path, br: Callable[..., BrResult], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("BR_HOME")
    monkeypatch.chdir(tmp_path)
    result = br("init")
    assert result.exit_code == 0
    assert "br: warning: " in result.stderr
    assert "not inside a git repository" in result.stderr
    assert (tmp_path / ".buildrunner" / "config.toml").exists()
