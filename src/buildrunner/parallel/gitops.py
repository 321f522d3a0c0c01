"""The git operations of parallel sessions: worktrees, task commits and merge-back plumbing.

Merging never touches a working tree: ``git merge-tree --write-tree`` computes the merged tree
(or the conflicts), ``git commit-tree`` makes the merge commit and ``git update-ref`` moves the
session branch only if it still points where we read it (compare-and-swap).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.errors import GitError
from buildrunner.core.git import git_text, run_git
from buildrunner.parallel.liveness import FileMutex

COMMIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "BuildRunner",
    "GIT_AUTHOR_EMAIL": "br@localhost",
    "GIT_COMMITTER_NAME": "BuildRunner",
    "GIT_COMMITTER_EMAIL": "br@localhost",
}


def resolve_commit(repo: Path, ref: str) -> str:
    """The commit id `ref` names, or a GitError saying the ref is unknown."""
    proc = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo, check=False)
    if proc.returncode != 0:
        raise GitError(
            f"{ref!r} is not a commit in {repo}", hint="pass --base with a branch or sha"
        )
    return proc.stdout.decode().strip()


def branch_commit(repo: Path, branch: str) -> str | None:
    """The commit of `branch`, or None when it does not exist."""
    proc = run_git(
        ["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=repo, check=False
    )
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def ensure_branch(repo: Path, branch: str, commit: str) -> None:
    """Create `branch` at `commit` unless it exists."""
    run_git(["update-ref", f"refs/heads/{branch}", commit, ""], cwd=repo, check=False)


def delete_branch(repo: Path, branch: str) -> bool:
    proc = run_git(["update-ref", "-d", f"refs/heads/{branch}"], cwd=repo, check=False)
    return proc.returncode == 0


def add_worktree(repo: Path, path: Path, branch: str, start: str, *, lock: Path) -> None:
    """Create a worktree at `path` on a new `branch` starting at `start` (replacing leftovers)."""
    with FileMutex(lock):
        _remove_worktree_locked(repo, path)
        delete_branch(repo, branch)
        path.parent.mkdir(parents=True, exist_ok=True)
        run_git(["worktree", "add", "--quiet", "-b", branch, str(path), start], cwd=repo)


def remove_worktree(repo: Path, path: Path, *, lock: Path) -> None:
    """Remove a worktree (and its directory) if it exists."""
    with FileMutex(lock):
        _remove_worktree_locked(repo, path)


def _remove_worktree_locked(repo: Path, path: Path) -> None:
    if path.exists():
        run_git(["worktree", "remove", "--force", "--force", str(path)], cwd=repo, check=False)
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
    run_git(["worktree", "prune"], cwd=repo, check=False)


def is_worktree(path: Path) -> bool:
    return (path / ".git").is_file()


def commit_all(worktree: Path, message: str) -> tuple[str, bool]:
    """Commit every change in `worktree`; returns (HEAD commit, whether a commit was made)."""
    run_git(["add", "--all"], cwd=worktree)
    staged = run_git(["diff", "--cached", "--quiet"], cwd=worktree, check=False)
    made = staged.returncode != 0
    if made:
        run_git(
            ["commit", "--quiet", "--no-verify", "-m", message],
            cwd=worktree,
            env=_identity_if_missing(worktree),
        )
    return git_text(["rev-parse", "HEAD"], cwd=worktree), made


def _identity_if_missing(cwd: Path) -> dict[str, str]:
    proc = run_git(["config", "user.email"], cwd=cwd, check=False)
    return {} if proc.returncode == 0 and proc.stdout.strip() else COMMIT_IDENTITY


def changed_files(repo: Path, base: str, head: str) -> list[str]:
    """Paths changed between `base` and `head`."""
    out = git_text(["diff", "--name-only", "-z", base, head], cwd=repo)
    return [p for p in out.split("\x00") if p]


@dataclass(frozen=True)
class MergeTreeResult:
    """The outcome of ``git merge-tree --write-tree``."""

    clean: bool
    tree: str
    conflicts: tuple[str, ...]
    messages: str


def merge_tree(repo: Path, ours: str, theirs: str) -> MergeTreeResult:
    """Merge two commits in memory; exit 1 means conflicts (their paths are listed)."""
    proc = run_git(
        ["merge-tree", "--write-tree", "--name-only", "--messages", ours, theirs],
        cwd=repo,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise GitError(
            f"git merge-tree failed: {proc.stderr.decode(errors='replace').strip()}",
            hint="br needs git 2.38 or newer",
        )
    text = proc.stdout.decode("utf-8", errors="replace")
    sections = text.split("\n\n", 1)
    lines = sections[0].splitlines()
    tree = lines[0].strip() if lines else ""
    conflicts = tuple(dict.fromkeys(line for line in lines[1:] if line.strip()))
    messages = sections[1].strip() if len(sections) > 1 else ""
    return MergeTreeResult(proc.returncode == 0, tree, conflicts, messages)


def commit_tree(repo: Path, tree: str, parents: list[str], message: str) -> str:
    """Create a commit object of `tree` with `parents` (no working tree involved)."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    args += ["-m", message]
    return run_git(args, cwd=repo, env=_identity_if_missing(repo)).stdout.decode().strip()


def move_branch(repo: Path, branch: str, new: str, old: str) -> bool:
    """Point `branch` at `new` only if it still points at `old` (compare-and-swap)."""
    proc = run_git(["update-ref", f"refs/heads/{branch}", new, old], cwd=repo, check=False)
    return proc.returncode == 0


def diff_text(repo: Path, base: str, head: str) -> str:
    """The unified diff between two commits (for the security gate)."""
    return run_git(["diff", "--no-color", "--no-ext-diff", base, head], cwd=repo).stdout.decode(
        "utf-8", errors="replace"
    )
