"""Where a project lives and where `br` keeps its files.

There is exactly one function that decides the data directory: :func:`resolve_paths`.
Everything else asks it.

- ``root``: the project root. Inside git it is the top of the *main* working tree, found from
  any subdirectory and from any linked worktree (so every parallel session of a repository
  shares one database). Outside git it is the nearest ancestor holding ``.buildrunner/``, or
  the starting directory.
- ``config_dir``: ``<root>/.buildrunner``: project files meant to be committed
  (``config.toml``, ``secrets-baseline.json``).
- ``data_dir``: ``$BR_HOME`` if set, else ``config_dir``: the database, logs, worktrees and
  run locks (ignored by git).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

STATE_DIR_NAME = ".buildrunner"
DB_NAME = "buildrunner.db"
CONFIG_NAME = "config.toml"
HOME_ENV = "BR_HOME"


@dataclass(frozen=True)
class ProjectPaths:
    """The resolved locations of one project."""

    root: Path
    worktree_root: Path
    data_dir: Path
    in_git: bool

    @property
    def config_dir(self) -> Path:
        return self.root / STATE_DIR_NAME

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_NAME

    @property
    def pyproject_file(self) -> Path:
        return self.root / "pyproject.toml"

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "br.log"


def resolve_paths(cwd: Path | None = None, *, env: Mapping[str, str] | None = None) -> ProjectPaths:
    """Find the project that contains `cwd` and decide where `br` keeps its data."""
    start = Path(cwd if cwd is not None else os.getcwd()).absolute()
    environ = os.environ if env is None else env
    git_top = find_git_worktree(start)
    if git_top is not None:
        root = main_worktree_root(git_top)
        worktree_root = git_top
        in_git = True
    else:
        root = _nearest_with_state_dir(start) or start
        worktree_root = root
        in_git = False
    home = environ.get(HOME_ENV, "").strip()
    data_dir = Path(home).expanduser().absolute() if home else root / STATE_DIR_NAME
    return ProjectPaths(root=root, worktree_root=worktree_root, data_dir=data_dir, in_git=in_git)


def find_git_worktree(start: Path) -> Path | None:
    """The top of the git working tree containing `start`, or None outside git.

    Reads the file system only (no `git` subprocess): a directory holding a ``.git``
    directory or ``.git`` file is a working-tree top.
    """
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def main_worktree_root(worktree_top: Path) -> Path:
    """For a linked worktree, the top of the main working tree; otherwise `worktree_top`.

    A linked worktree has a ``.git`` *file* (``gitdir: <main>/.git/worktrees/<name>``) whose
    git directory holds a ``commondir`` file pointing at the main ``.git``. Submodules have a
    ``.git`` file too but no ``commondir``: they are their own project.
    """
    dot_git = worktree_top / ".git"
    if not dot_git.is_file():
        return worktree_top
    try:
        first = dot_git.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return worktree_top
    if not first.startswith("gitdir:"):
        return worktree_top
    gitdir = Path(first.removeprefix("gitdir:").strip())
    if not gitdir.is_absolute():
        gitdir = (worktree_top / gitdir).resolve()
    commondir_file = gitdir / "commondir"
    try:
        common = Path(commondir_file.read_text(encoding="utf-8").strip())
    except OSError:
        return worktree_top
    if not common.is_absolute():
        common = (gitdir / common).resolve()
    if common.name == ".git":
        return common.parent
    return worktree_top


def _nearest_with_state_dir(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / STATE_DIR_NAME).is_dir():
            return directory
    return None
