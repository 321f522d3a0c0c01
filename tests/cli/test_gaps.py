"""`br gaps analyze` end to end with the real scan engine in real git repositories."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import BrResult
from tests.helpers import git
from tests.security.tokens import Tokens

Br = Callable[..., BrResult]


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", "-f", name)
    git(repo, "commit", "-q", "-m", message)


def test_exposed_repository_has_blocking_gaps(git_repo: Path, br: Br) -> None:
    t = Tokens(41)
    token = t.github()
    old_key = t.stripe()
    commit(git_repo, {"settings.py": f'STRIPE = "{old_key}"\n'}, "add key")
    commit(git_repo, {"settings.py": 'STRIPE = os.environ["STRIPE"]\n'}, "move key to env")
    workflow = f"on: push\njobs:\n  x:\n    env:\n      GH_TOKEN: {token}\n"
    commit(git_repo, {".github/workflows/ci.yml": workflow, "config/.env": "DEBUG=1\n"})
    (git_repo / ".env").write_text("LOCAL=1\n", encoding="utf-8")
    result = br("gaps", "analyze", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    gaps = {(g["id"], g["path"]) for g in data["gaps"]}
    assert gaps == {
        ("ci-credentials", ".github/workflows/ci.yml"),
        ("secret-in-history", ".github/workflows/ci.yml"),
        ("secret-in-history", "settings.py"),
        ("env-file-tracked", "config/.env"),
        ("env-file-not-ignored", ".env"),
        ("findings-without-baseline", None),
        ("hook-not-installed", None),
    }
    assert data["blocking"] is True
    assert data["counts"] == {"critical": 3, "high": 3, "medium": 1, "low": 0}
    assert token not in result.stdout
    assert old_key not in result.stdout


def test_clean_repository_passes(git_repo: Path, br: Br) -> None:
    commit(git_repo, {".gitignore": ".env\n", "app.py": "print('hello')\n"})
    (git_repo / ".env").write_text("LOCAL=1\n", encoding="utf-8")
    assert br("security", "hooks", "install").exit_code == 0
    result = br("gaps", "analyze")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == (
        "0 gaps (0 critical, 0 high, 0 medium, 0 low); checks run: env-files, private-keys, "
        "ci-credentials, history, hook, baseline"
    )


def test_medium_gaps_alone_do_not_fail(git_repo: Path, br: Br) -> None:
    result = br("gaps", "analyze", "--check", "hook")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "MEDIUM    hook-not-installed"
    assert "fix: br security hooks install" in result.stdout


def test_outside_git_is_a_usage_error(tmp_path: Path, br: Br) -> None:
    result = br("-C", str(tmp_path), "gaps", "analyze")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr
