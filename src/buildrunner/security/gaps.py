"""Gap analysis: what in a repository's security posture is missing or exposed, and the fix.

Each check looks at the repository as git sees it (tracked files, untracked files git would
add, history) and yields :class:`Gap` records with a permanent id, a severity and the fix:

================================  ========  ==================================================
id                                severity  what
================================  ========  ==================================================
``private-key-tracked``           critical  a private key (PEM/OpenSSH/PGP) committed to the repo
``ci-credentials``                critical  a credential written into a CI configuration file
``secret-in-history``             critical  a secret reachable in git history
``env-file-tracked``              high      a ``.env``-style file is tracked by git
``env-file-not-ignored``          high      a ``.env``-style file git would add (not ignored)
``findings-without-baseline``     high      findings in the tree and no baseline reviewing them
``hook-not-installed``            medium    no br pre-commit hook in this repository
================================  ========  ==================================================

Checks that need the scan engine (secret detection, history, the hook) reach it through
:class:`GapProbes`, so the library stays testable and the command line wires in the real
engine. :func:`analyze_gaps` never prints; ``br gaps analyze`` exits 1 when a gap of severity
high or above exists.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from buildrunner.core.errors import ProjectError
from buildrunner.core.git import run_git

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}
BLOCKING = "high"
"""Gaps of this severity or above make ``br gaps analyze`` exit 1."""

CHECKS = ("env-files", "private-keys", "ci-credentials", "history", "hook", "baseline")
"""Every check, in the order they run."""

MAX_READ = 1024 * 1024
ENV_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults", ".tpl")
KEY_NAMES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*.p12", "*.pfx", "*.jks", "*.keystore")
PRIVATE_KEY = re.compile(
    rb"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED) )?PRIVATE KEY(?: BLOCK)?"
    rb"-----"
)
CI_FILES = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".github/actions/*/action.yml",
    ".gitlab-ci.yml",
    ".gitlab-ci/*.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    "*.jenkinsfile",
    "azure-pipelines.yml",
    ".azure-pipelines/*.yml",
    "bitbucket-pipelines.yml",
    ".travis.yml",
    ".drone.yml",
    ".woodpecker.yml",
    ".woodpecker/*.yml",
    ".buildkite/*.yml",
    "appveyor.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "buildspec.yml",
    ".teamcity/*.kts",
)
"""CI configuration files, as patterns on the project-relative path."""


@dataclass(frozen=True, slots=True)
class Gap:
    """One gap: a permanent id, how bad it is, what was seen and how to fix it."""

    id: str
    severity: Severity
    title: str
    detail: str
    fix: str
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A secret the engine found: where, which rule, and its masked preview (never the value)."""

    path: str
    line: int
    rule_id: str
    masked: str
    commit: str | None = None


@dataclass(frozen=True)
class GapProbes:
    """The scan engine as the checks need it; a probe left out skips its check.

    - `scan_text(path, text)`: secrets in one file's text;
    - `history(root)`: secrets in lines added by any commit reachable from HEAD;
    - `hook_installed(root)`: whether br's pre-commit hook is installed;
    - `current_findings(root)`: (findings in the tree not in the baseline, whether a baseline
      file exists, how many of the findings are secrets).
    """

    scan_text: Callable[[str, str], Sequence[SecretHit]] | None = None
    history: Callable[[Path], Sequence[SecretHit]] | None = None
    hook_installed: Callable[[Path], bool] | None = None
    current_findings: Callable[[Path], tuple[int, bool, int]] | None = None


@dataclass(frozen=True)
class GapReport:
    """Every gap found, worst first, and the checks that ran or were skipped."""

    gaps: tuple[Gap, ...]
    ran: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    root: str = ""

    @property
    def is_blocking(self) -> bool:
        """A gap of severity high or above exists."""
        return any(SEVERITY_RANK[g.severity] >= SEVERITY_RANK[BLOCKING] for g in self.gaps)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITY_RANK, 0)
        for gap in self.gaps:
            out[gap.severity] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "blocking": self.is_blocking,
            "counts": self.counts(),
            "gaps": [g.to_json() for g in self.gaps],
            "checks": {"ran": list(self.ran), "skipped": list(self.skipped)},
        }


@dataclass
class _Repo:
    root: Path
    tracked: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)


def analyze_gaps(root: Path, *, probes: GapProbes, checks: Sequence[str] = CHECKS) -> GapReport:
    """Run the gap checks on the git repository at `root`."""
    repo = _read_repo(root)
    gaps: list[Gap] = []
    ran: list[str] = []
    skipped: list[str] = []
    for check in CHECKS:
        if check not in checks:
            continue
        found = _run_check(check, repo, probes)
        if found is None:
            skipped.append(check)
            continue
        ran.append(check)
        gaps.extend(found)
    gaps.sort(key=lambda g: (-SEVERITY_RANK[g.severity], g.id, g.path or ""))
    return GapReport(tuple(gaps), tuple(ran), tuple(skipped), str(root))


def _run_check(check: str, repo: _Repo, probes: GapProbes) -> list[Gap] | None:
    if check == "env-files":
        return list(check_env_files(repo.tracked, repo.untracked))
    if check == "private-keys":
        return list(check_private_keys(repo.root, repo.tracked))
    if check == "ci-credentials":
        if probes.scan_text is None:
            return None
        return list(
            check_ci_credentials(repo.root, repo.tracked + repo.untracked, probes.scan_text)
        )
    if check == "history":
        return None if probes.history is None else list(check_history(probes.history(repo.root)))
    if check == "hook":
        if probes.hook_installed is None:
            return None
        return [] if probes.hook_installed(repo.root) else [_hook_gap()]
    if probes.current_findings is None:
        return None
    return list(check_baseline(*probes.current_findings(repo.root)))


def _read_repo(root: Path) -> _Repo:
    inside = run_git(["rev-parse", "--is-inside-work-tree"], cwd=root, check=False)
    if inside.returncode != 0:
        raise ProjectError(
            f"{root} is not a git repository", hint="br gaps analyze checks a git repository"
        )
    tracked = run_git(["ls-files", "-z"], cwd=root).stdout
    untracked = run_git(["ls-files", "-z", "--others", "--exclude-standard"], cwd=root).stdout
    return _Repo(root, _split(tracked), _split(untracked))


def _split(data: bytes) -> list[str]:
    return [p.decode("utf-8", errors="surrogateescape") for p in data.split(b"\0") if p]


# ---------------------------------------------------------------------------------- checks


def is_env_file(path: str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc``; not ``.env.example`` and the like."""
    name = PurePosixPath(path).name
    if name.lower().endswith(ENV_TEMPLATE_SUFFIXES):
        return False
    return name in {".env", ".envrc"} or name.startswith(".env.") or name.endswith(".env")


def check_env_files(tracked: Iterable[str], untracked: Iterable[str]) -> Iterable[Gap]:
    for path in tracked:
        if is_env_file(path):
            yield Gap(
                "env-file-tracked",
                "high",
                "Environment file committed",
                f"{path} is tracked by git; everyone with the repository has its values",
                f"git rm --cached {path} && echo '{_ignore_pattern(path)}' >> .gitignore; "
                "then rotate every credential it held",
                path,
            )
    for path in untracked:
        if is_env_file(path):
            yield Gap(
                "env-file-not-ignored",
                "high",
                "Environment file not ignored",
                f"{path} is not ignored: `git add .` would commit it",
                f"echo '{_ignore_pattern(path)}' >> .gitignore",
                path,
            )


def _ignore_pattern(path: str) -> str:
    name = PurePosixPath(path).name
    return ".env*" if name.startswith(".env") else f"*{PurePosixPath(name).suffix or name}"


def check_private_keys(root: Path, tracked: Iterable[str]) -> Iterable[Gap]:
    for path in tracked:
        name = PurePosixPath(path).name
        by_name = any(fnmatch.fnmatch(name, pattern) for pattern in KEY_NAMES)
        head = _read_head(root / path)
        if head is None:
            continue
        if PRIVATE_KEY.search(head) or (by_name and not name.endswith(".pub") and head):
            yield Gap(
                "private-key-tracked",
                "critical",
                "Private key committed",
                f"{path} holds a private key and is tracked by git",
                f"git rm --cached {path}; revoke and replace the key; purge it from history "
                "(git filter-repo --invert-paths --path " + path + ")",
                path,
            )


def _read_head(path: Path) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(MAX_READ)
    except OSError:
        return None


def is_ci_file(path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in CI_FILES)


def check_ci_credentials(
    root: Path, paths: Iterable[str], scan_text: Callable[[str, str], Sequence[SecretHit]]
) -> Iterable[Gap]:
    for path in sorted(p for p in paths if is_ci_file(p)):
        data = _read_head(root / path)
        if data is None:
            continue
        for hit in scan_text(path, data.decode("utf-8", errors="replace")):
            yield Gap(
                "ci-credentials",
                "critical",
                "Credential in CI configuration",
                f"{hit.path}:{hit.line}: {hit.rule_id} {hit.masked} written into a CI file",
                "move it to the CI system's secret store (for GitHub Actions "
                "`${{ secrets.NAME }}`) and rotate it",
                hit.path,
            )


def check_history(hits: Sequence[SecretHit]) -> Iterable[Gap]:
    grouped: dict[tuple[str, str], list[SecretHit]] = {}
    for hit in hits:
        grouped.setdefault((hit.path, hit.rule_id), []).append(hit)
    for (path, rule_id), group in sorted(grouped.items()):
        commits = sorted({h.commit[:12] for h in group if h.commit})
        shown = ", ".join(commits[:3]) + (" ..." if len(commits) > 3 else "")
        yield Gap(
            "secret-in-history",
            "critical",
            "Secret reachable in git history",
            f"{path}: {rule_id} {group[0].masked} in {len(commits) or 1} commit(s) ({shown})",
            "rotate the credential (deleting it from the code does not remove it from "
            "history); purge it with git filter-repo if the repository is shared",
            path,
        )


def _hook_gap() -> Gap:
    return Gap(
        "hook-not-installed",
        "medium",
        "No pre-commit hook",
        "br's pre-commit hook is not installed: nothing stops a secret at commit time",
        "br security hooks install",
    )


def check_baseline(new: int, has_baseline: bool, secrets: int) -> Iterable[Gap]:
    if new == 0:
        return
    severity: Severity = "high" if secrets else "medium"
    where = "no baseline exists" if not has_baseline else "they are not in the baseline"
    yield Gap(
        "findings-without-baseline",
        severity,
        "Unreviewed findings",
        f"{new} finding(s) in the working tree ({secrets} secret(s)) and {where}",
        "review them with `br security scan`: fix them, mark intended ones with `br:allow`, "
        "or record the reviewed state with `br security baseline create`",
    )
