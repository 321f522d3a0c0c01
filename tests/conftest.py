"""Shared fixtures: every test runs isolated from the user's home, git config and BR_* settings.

- ``HOME`` is a fresh directory with a pinned git identity and default branch ``main``.
- ``BR_HOME`` points *through a regular file*, so a test that opens the project store without
  choosing a directory fails with "Not a directory" instead of writing anywhere real
  (even as root). Tests that want a store use the ``project`` fixture or set ``BR_HOME``.
- The working directory is a fresh scratch directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from buildrunner.core.paths import ProjectPaths, resolve_paths
from tests.helpers import git

GIT_IDENTITY = {
    "user.name": "BR Test",
    "user.email": "br-test@example.invalid",
    "init.defaultBranch": "main",
    "commit.gpgsign": "false",
    "tag.gpgsign": "false",
    "core.autocrlf": "false",
    "advice.detachedHead": "false",
}


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("BR_", "GIT_", "ANTHROPIC_", "OTEL_", "PRE_COMMIT")):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "".join(
            f"[{section}]\n\t{key} = {value}\n"
            for section, key, value in (
                (*name.split(".", 1), value) for name, value in GIT_IDENTITY.items()
            )
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    guard = home / "not-a-directory"
    guard.write_text("tests must choose where br keeps its data\n", encoding="utf-8")
    monkeypatch.setenv("BR_HOME", str(guard / "data"))
    scratch = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(scratch)


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh git repository with one commit, as the working directory; BR_HOME unset."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("# demo\n", encoding="utf-8")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial")
    monkeypatch.delenv("BR_HOME", raising=False)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def project(git_repo: Path) -> ProjectPaths:
    """The resolved paths of `git_repo` (its data directory is `<repo>/.buildrunner`)."""
    return resolve_paths(git_repo)


class BrResult:
    """Outcome of an in-process `br` run."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return (
            f"BrResult(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"
        )


@pytest.fixture
def br(capsys: pytest.CaptureFixture[str]) -> Callable[..., BrResult]:
    """Run `br ARGS` in-process through the real entry point and capture its output."""
    from buildrunner.cli.main import main

    def invoke(*args: str) -> BrResult:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return BrResult(code, out, err)

    return invoke
