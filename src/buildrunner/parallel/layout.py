"""Where a session keeps its files: run locks, worktrees and logs, all under the data directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.paths import ProjectPaths
from buildrunner.parallel.liveness import is_held
from buildrunner.parallel.records import ClaimInfo

_IGNORE_ALL = "# BuildRunner (br): parallel session files, never committed\n*\n"


@dataclass(frozen=True)
class Layout:
    """File locations of the parallel subsystem for one project."""

    paths: ProjectPaths
    worktree_base: Path

    @classmethod
    def of(cls, paths: ProjectPaths, worktree_dir: str = "") -> Layout:
        base = Path(worktree_dir).expanduser() if worktree_dir else paths.data_dir / "worktrees"
        if not base.is_absolute():
            base = paths.root / base
        return cls(paths=paths, worktree_base=base)

    @property
    def repo(self) -> Path:
        return self.paths.root

    @property
    def run_dir(self) -> Path:
        return self.paths.data_dir / "run"

    @property
    def log_base(self) -> Path:
        return self.paths.log_dir / "parallel"

    def supervisor_lock(self, session_id: str) -> Path:
        return self.run_dir / f"{session_id}.lock"

    def worker_lock(self, session_id: str, worker_id: str) -> Path:
        return self.run_dir / session_id / f"{worker_id}.lock"

    @property
    def git_lock(self) -> Path:
        """Serialises `git worktree add/remove` between workers (they share one .git)."""
        return self.run_dir / "git.lock"

    def merge_lock(self, session_id: str) -> Path:
        return self.run_dir / f"{session_id}.merge.lock"

    def worktree(self, session_id: str, task_id: str) -> Path:
        return self.worktree_base / session_id / task_id

    def session_worktrees(self, session_id: str) -> Path:
        return self.worktree_base / session_id

    def task_log(self, session_id: str, task_id: str, attempt: int) -> Path:
        return self.log_base / session_id / f"{task_id}.{attempt}.log"

    def supervisor_log(self, session_id: str) -> Path:
        return self.log_base / session_id / "supervisor.log"

    def session_logs(self, session_id: str) -> Path:
        return self.log_base / session_id

    def claim_holder_gone(self, claim: ClaimInfo) -> bool:
        """Whether everything that could still use a claim is dead on this machine: its worker
        and its session's supervisor both left their lock files and neither lock is held.

        Lock files that do not exist (a holder on another machine) never count as dead: there
        the lease TTL decides.
        """
        worker = self.worker_lock(claim.session_id, claim.holder)
        supervisor = self.supervisor_lock(claim.session_id)
        if not (worker.exists() and supervisor.exists()):
            return False
        return not is_held(worker) and not is_held(supervisor)

    def prepare(self) -> None:
        """Create the directories, each with a .gitignore that ignores everything in it."""
        for directory in (self.run_dir, self.worktree_base, self.log_base):
            directory.mkdir(parents=True, exist_ok=True)
            marker = directory / ".gitignore"
            if not marker.exists():
                marker.write_text(_IGNORE_ALL, encoding="utf-8")
