"""Gap analysis in real git repositories (the engine probes are small injected fakes here;
tests/cli/test_gaps.py drives the real engine through the command line)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from buildrunner.core.errors import ProjectError
from buildrunner.security.gaps import (
    GapProbes,
    SecretHit,
    analyze_gaps,
    is_ci_file,
    is_env_file,
)
from tests.helpers import git

PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "-f", name)
    git(repo, "commit", "-q", "-m", message)


def ids(report: object) -> list[tuple[str, str | None]]:
    return [(g.id, g.path) for g in report.gaps]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".env", True),
        ("config/.env.local", True),
        ("deploy/prod.env", True),
        (".envrc", True),
        (".env.example", False),
        ("app/.env.sample", False),
        ("environment.py", False),
        ("docs/env.md", False),
    ],
)
def test_env_file_names(path: str, expected: bool) -> None:
    assert is_env_file(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/ci.yml", True),
        (".gitlab-ci.yml", True),
        (".circleci/config.yml", True),
        ("Jenkinsfile", True),
        ("src/workflows/ci.yml", False),
        ("docker-compose.yml", False),
    ],
)
def test_ci_file_names(path: str, expected: bool) -> None:
    assert is_ci_file(path) is expected


def test_clean_repository_has_no_gaps(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text(".env*\n!.env.example\n", encoding="utf-8")
    (git_repo / ".env").write_text("TOKEN=x\n", encoding="utf-8")
    commit(git_repo, {".gitignore": ".env*\n!.env.example\n", ".env.example": "TOKEN=\n"})
    report = analyze_gaps(git_repo, probes=GapProbes(hook_installed=lambda root: True))
    assert report.gaps == ()
    assert not report.is_blocking
    assert report.ran == ("env-files", "private-keys", "hook")
    assert report.skipped == ("ci-credentials", "history", "baseline")


def test_tracked_and_unignored_env_files(git_repo: Path) -> None:
    commit(git_repo, {"service/.env.production": "DB_PASSWORD=hunter2\n"})
    (git_repo / ".env").write_text("API=1\n", encoding="utf-8")
    report = analyze_gaps(git_repo, probes=GapProbes(), checks=("env-files",))
    assert ids(report) == [
        ("env-file-not-ignored", ".env"),
        ("env-file-tracked", "service/.env.production"),
    ]
    tracked = report.gaps[1]
    assert tracked.severity == "high"
    assert tracked.fix.startswith("git rm --cached service/.env.production")
    assert report.is_blocking


def test_tracked_private_keys_by_content_and_name(git_repo: Path) -> None:
    commit(
        git_repo,
        {
            "deploy/key.txt": PEM,
            "ssh/id_ed25519": "binary-ish key material\n",
            "ssh/id_ed25519.pub": "ssh-ed25519 AAAAC3Nza user@host\n",
            "docs/keys.md": "Keys start with -----BEGIN PUBLIC KEY-----\n",
        },
    )
    report = analyze_gaps(git_repo, probes=GapProbes(), checks=("private-keys",))
    assert ids(report) == [
        ("private-key-tracked", "deploy/key.txt"),
        ("private-key-tracked", "ssh/id_ed25519"),
    ]
    assert {g.severity for g in report.gaps} == {"critical"}


def test_ci_credentials_use_the_secret_probe(git_repo: Path) -> None:
    workflow = "jobs:\n  deploy:\n    env:\n      TOKEN: ghp_notreallyatoken\n"
    commit(git_repo, {".github/workflows/deploy.yml": workflow, "app.yml": workflow})
    seen: list[str] = []

    def scan_text(path: str, text: str) -> Sequence[SecretHit]:
        seen.append(path)
        line = text.splitlines().index("      TOKEN: ghp_notreallyatoken") + 1
        return [SecretHit(path, line, "github-pat", "ghp_…oken")]

    report = analyze_gaps(
        git_repo, probes=GapProbes(scan_text=scan_text), checks=("ci-credentials",)
    )
    assert seen == [".github/workflows/deploy.yml"]
    (gap,) = report.gaps
    assert (gap.id, gap.severity, gap.path) == (
        "ci-credentials",
        "critical",
        ".github/workflows/deploy.yml",
    )
    assert (
        gap.detail == ".github/workflows/deploy.yml:4: github-pat ghp_…oken written into a CI file"
    )


def test_history_hits_are_grouped_per_path_and_rule(git_repo: Path) -> None:
    hits = [
        SecretHit("config.py", 3, "aws-access-key", "AKIA…WXYZ", "a" * 40),
        SecretHit("config.py", 3, "aws-access-key", "AKIA…WXYZ", "b" * 40),
        SecretHit("old.txt", 1, "slack-webhook", "http…ooks", "c" * 40),
    ]
    report = analyze_gaps(
        git_repo, probes=GapProbes(history=lambda root: hits), checks=("history",)
    )
    assert ids(report) == [("secret-in-history", "config.py"), ("secret-in-history", "old.txt")]
    assert report.gaps[0].detail == (
        "config.py: aws-access-key AKIA…WXYZ in 2 commit(s) (aaaaaaaaaaaa, bbbbbbbbbbbb)"
    )


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((0, False, 0), []),
        ((2, False, 1), [("findings-without-baseline", "high")]),
        ((2, True, 0), [("findings-without-baseline", "medium")]),
    ],
)
def test_findings_without_baseline(
    git_repo: Path, findings: tuple[int, bool, int], expected: list[tuple[str, str]]
) -> None:
    report = analyze_gaps(
        git_repo, probes=GapProbes(current_findings=lambda root: findings), checks=("baseline",)
    )
    assert [(g.id, g.severity) for g in report.gaps] == expected


def test_missing_hook_is_medium_and_not_blocking(git_repo: Path) -> None:
    report = analyze_gaps(
        git_repo, probes=GapProbes(hook_installed=lambda root: False), checks=("hook",)
    )
    assert [(g.id, g.severity) for g in report.gaps] == [("hook-not-installed", "medium")]
    assert not report.is_blocking


def test_gaps_are_sorted_worst_first(git_repo: Path) -> None:
    commit(git_repo, {".env": "A=1\n", "id_rsa": PEM})
    report = analyze_gaps(git_repo, probes=GapProbes(hook_installed=lambda root: False))
    assert [g.severity for g in report.gaps] == ["critical", "high", "medium"]
    assert report.counts() == {"critical": 1, "high": 1, "medium": 1, "low": 0}


def test_outside_git_is_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="is not a git repository"):
        analyze_gaps(tmp_path, probes=GapProbes())
