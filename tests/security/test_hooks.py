"""The native pre-commit hook, driven by real `git commit` in real repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.security.hooks import (
    HOOK_ID,
    HookError,
    hook_status,
    hooks_dir,
    install_hook,
    uninstall_hook,
)
from tests.helpers import git
from tests.security.tokens import Tokens

BR = [sys.executable, "-m", "buildrunner"]


def commit(repo: Path, message: str = "change") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_blocks_a_commit_that_adds_a_secret_and_allows_a_clean_one(git_repo: Path) -> None:
    token = Tokens(1).github()
    change = install_hook(git_repo, command=BR)
    assert change.action == "installed"
    (git_repo / "config.py").write_text(f'TOKEN = "{token}"\n', "utf-8")
    git(git_repo, "add", "config.py")
    blocked = commit(git_repo)
    assert blocked.returncode == 1
    output = blocked.stdout + blocked.stderr  # git sends hook output to stderr
    assert "github-personal-access-token" in output
    assert "Commit blocked" in output
    assert token not in blocked.stdout + blocked.stderr
    (git_repo / "config.py").write_text('TOKEN = os.environ["TOKEN"]\n', "utf-8")
    git(git_repo, "add", "config.py")
    allowed = commit(git_repo)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert git(git_repo, "log", "--format=%s", "-1").strip() == "change"


def test_reads_the_index_not_the_working_tree(git_repo: Path) -> None:
    t = Tokens(2)
    install_hook(git_repo, command=BR)
    staged_secret = git_repo / "staged.env"
    staged_secret.write_text(f"KEY={t.stripe()}\n", "utf-8")
    git(git_repo, "add", "staged.env")
    staged_secret.write_text("KEY=\n", "utf-8")  # deleted from the working tree, still staged
    assert commit(git_repo).returncode == 1
    git(git_repo, "add", "staged.env")
    unstaged = git_repo / "notes.txt"
    unstaged.write_text("clean\n", "utf-8")
    git(git_repo, "add", "notes.txt")
    unstaged.write_text(f"clean\nKEY={t.stripe()}\n", "utf-8")  # only in the working tree
    result = commit(git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(git_repo, "show", "HEAD:notes.txt") == "clean\n"


def test_chains_an_existing_hook_and_restores_it(git_repo: Path) -> None:
    hook = hooks_dir(git_repo) / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    original = '#!/bin/sh\necho ran > "$(git rev-parse --show-toplevel)/chained.txt"\n'
    hook.write_text(original, "utf-8")
    hook.chmod(0o755)
    change = install_hook(git_repo, command=BR)
    assert change.chained == hook.with_name("pre-commit.br-chained")
    assert HOOK_ID in hook.read_text("utf-8")
    (git_repo / "a.txt").write_text("hello\n", "utf-8")
    git(git_repo, "add", "a.txt")
    assert commit(git_repo).returncode == 0
    assert (git_repo / "chained.txt").read_text("utf-8") == "ran\n"
    assert install_hook(git_repo, command=BR).action == "updated"
    assert hook_status(git_repo).chained == hook.with_name("pre-commit.br-chained")
    assert uninstall_hook(git_repo).action == "removed (previous hook restored)"
    assert hook.read_text("utf-8") == original
    assert not hook.with_name("pre-commit.br-chained").exists()


def test_chained_hook_does_not_run_when_br_blocks(git_repo: Path) -> None:
    hook = hooks_dir(git_repo) / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text('#!/bin/sh\ntouch "$(git rev-parse --show-toplevel)/ran"\n', "utf-8")
    hook.chmod(0o755)
    install_hook(git_repo, command=BR)
    (git_repo / "a.env").write_text(f"T={Tokens(3).github()}\n", "utf-8")
    git(git_repo, "add", "a.env")
    assert commit(git_repo).returncode == 1
    assert not (git_repo / "ran").exists()


def test_respects_core_hooks_path(git_repo: Path) -> None:
    git(git_repo, "config", "core.hooksPath", ".githooks")
    change = install_hook(git_repo, command=BR)
    assert change.path == git_repo / ".githooks" / "pre-commit"
    assert not (git_repo / ".git" / "hooks" / "pre-commit").exists()
    (git_repo / "b.env").write_text(f"T={Tokens(4).github()}\n", "utf-8")
    git(git_repo, "add", "b.env")
    assert commit(git_repo).returncode == 1


def test_works_from_a_linked_worktree(git_repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(git_repo, "worktree", "add", "-q", "-b", "feature", str(linked))
    change = install_hook(linked, command=BR)
    assert change.path == (git_repo / ".git" / "hooks" / "pre-commit").resolve()
    (linked / "c.env").write_text(f"T={Tokens(5).github()}\n", "utf-8")
    git(linked, "add", "c.env")
    result = commit(linked)
    assert result.returncode == 1
    assert "c.env" in result.stdout + result.stderr
    assert hook_status(git_repo).installed


def test_missing_br_fails_with_instructions(git_repo: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "br"
    install_hook(git_repo, command=[str(fake)])
    status = hook_status(git_repo)
    assert status.installed
    assert status.command == str(fake)
    assert not status.command_exists
    assert "NOT FOUND" in status.describe()
    (git_repo / "d.txt").write_text("x\n", "utf-8")
    git(git_repo, "add", "d.txt")
    result = commit(git_repo)
    assert result.returncode == 1
    assert "is missing" in result.stderr
    assert "git commit --no-verify" in result.stderr


def test_uninstall_refuses_a_foreign_hook(git_repo: Path) -> None:
    hook = hooks_dir(git_repo) / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexit 0\n", "utf-8")
    assert hook_status(git_repo).foreign
    with pytest.raises(HookError, match="not installed by br"):
        uninstall_hook(git_repo)
    assert hook.read_text("utf-8") == "#!/bin/sh\nexit 0\n"


def test_status_and_uninstall_without_a_hook(git_repo: Path) -> None:
    status = hook_status(git_repo)
    assert (status.installed, status.foreign) == (False, False)
    assert "no pre-commit hook installed" in status.describe()
    assert uninstall_hook(git_repo).action == "not installed"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(HookError, match="not a git repository"):
        install_hook(tmp_path, command=BR)
