from __future__ import annotations

from pathlib import Path

from buildrunner.core.paths import ProjectPaths, resolve_paths
from buildrunner.core.project import GITIGNORE_RULES, init_project
from tests.helpers import git


def test_init_creates_config_and_ignore_rules(project: ProjectPaths) -> None:
    result = init_project(project)
    assert project.config_file.read_text(encoding="utf-8").startswith(
        "# BuildRunner (br) project configuration."
    )
    gitignore = (project.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert all(rule in gitignore for rule in GITIGNORE_RULES)
    assert set(result.created) == {
        project.config_dir,
        project.config_file,
        project.root / ".gitignore",
    }
    assert result.warnings == []


def test_init_is_idempotent(project: ProjectPaths) -> None:
    init_project(project)
    before = (project.root / ".gitignore").read_bytes(), project.config_file.read_bytes()
    second = init_project(project)
    assert not second.changed
    assert ((project.root / ".gitignore").read_bytes(), project.config_file.read_bytes()) == before


def test_init_keeps_user_config_and_appends_missing_rules(project: ProjectPaths) -> None:
    project.config_dir.mkdir()
    project.config_file.write_text('[core]\nlog_level = "debug"\n', encoding="utf-8")
    gitignore = project.root / ".gitignore"
    gitignore.write_text("node_modules/\n.buildrunner/logs/", encoding="utf-8")  # no final newline
    result = init_project(project)
    assert result.updated == [gitignore]
    assert project.config_file.read_text(encoding="utf-8") == '[core]\nlog_level = "debug"\n'
    assert gitignore.read_text(encoding="utf-8") == (
        "node_modules/\n.buildrunner/logs/\n\n"
        "# BuildRunner (br): local database, logs, reports, task worktrees\n.buildrunner/*.db*\n"
        ".buildrunner/reports/\n.buildrunner/worktrees/\n.buildrunner/run/\n"
    )


def test_git_really_ignores_the_database(project: ProjectPaths) -> None:
    init_project(project)
    (project.config_dir / "buildrunner.db-wal").write_bytes(b"x")
    (project.config_dir / "logs").mkdir()
    (project.config_dir / "logs" / "br.log").write_text("x", encoding="utf-8")
    status = git(project.root, "status", "--porcelain", "--untracked-files=all")
    assert ".buildrunner/config.toml" in status
    assert "buildrunner.db" not in status
    assert "br.log" not in status


def test_init_outside_git_warns(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path, env={})
    result = init_project(paths)
    assert paths.config_file.exists()
    assert len(result.warnings) == 1
    assert "not inside a git repository" in result.warnings[0]
