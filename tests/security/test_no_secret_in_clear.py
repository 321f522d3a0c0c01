"""Files full of known secrets, scanned every way `br` can show them: no output, report, file
or log may contain any of the secrets in clear."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, run_br
from tests.security.tokens import Tokens


def _secrets() -> dict[str, str]:
    t = Tokens(71)
    return {
        "anthropic": t.anthropic(),
        "anthropic_admin": t.anthropic_admin(),
        "openai": t.openai_project(),
        "github": t.github(),
        "gitlab": t.gitlab(),
        "aws_id": t.aws_key_id(),
        "aws_secret": t.aws_secret(),
        "stripe": t.stripe(),
        "slack": t.slack_bot(),
        "google": t.google_api_key(),
        "sendgrid": t.sendgrid(),
        "npm": t.npm(),
        "pypi": t.pypi(),
        "jwt": t.jwt(),
        "db_password": t.password(20),
        "short_password": t.password(10),
        "generic": t.generic(40),
        "telegram": t.telegram(),
        "private_key": t.pem("OPENSSH PRIVATE KEY"),
    }


def _write_leaks(repo: Path, secrets: dict[str, str]) -> None:
    (repo / "settings.py").write_text(
        f'ANTHROPIC_API_KEY = "{secrets["anthropic"]}"\n'
        f'OPENAI_API_KEY = "{secrets["openai"]}"\n'
        f'ADMIN = "{secrets["anthropic_admin"]}"\n'
        f'DATABASE_URL = "postgres://app:{secrets["db_password"]}@db:5432/app"\n'
        f'SESSION = "{secrets["jwt"]}"\n',
        "utf-8",
    )
    (repo / ".env").write_text(
        f"GITHUB_TOKEN={secrets['github']}\nGITLAB_TOKEN={secrets['gitlab']}\n"
        f"AWS_ACCESS_KEY_ID={secrets['aws_id']}\nAWS_SECRET_ACCESS_KEY={secrets['aws_secret']}\n"
        f"STRIPE_SECRET_KEY={secrets['stripe']}\nSLACK_BOT_TOKEN={secrets['slack']}\n"
        f"GOOGLE_API_KEY={secrets['google']}\nSENDGRID_API_KEY={secrets['sendgrid']}\n"
        f"TELEGRAM_BOT_TOKEN={secrets['telegram']}\nAPI_SECRET={secrets['generic']}\n"
        f"SMTP_PASSWORD={secrets['short_password']}\n",
        "utf-8",
    )
    (repo / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={secrets['npm']}\n", "utf-8")
    (repo / ".pypirc").write_text(
        f"[pypi]\nusername = __token__\npassword = {secrets['pypi']}\n", "utf-8"
    )
    (repo / "deploy_key").write_text(secrets["private_key"] + "\n", "utf-8")
    key_line = "no trailing newline " + secrets["github"]  # redaction at EOF (gitleaks #1243)
    (repo / "last.txt").write_text(key_line, "utf-8")


def _assert_clear_of(text: str, secrets: dict[str, str], where: str) -> None:
    pieces = {name: value for name, value in secrets.items() if name != "private_key"}
    for number, line in enumerate(secrets["private_key"].splitlines()[1:-1]):
        pieces[f"private_key line {number}"] = line
    leaked = [name for name, value in pieces.items() if value in text]
    assert leaked == [], f"{where} shows {leaked} in clear"


@pytest.mark.slow
def test_no_output_contains_a_secret(git_repo: Path) -> None:
    secrets = _secrets()
    _write_leaks(git_repo, secrets)
    env = {"BR_CORE_LOG_LEVEL": "debug", "NO_COLOR": "1"}
    outputs: dict[str, str] = {}

    def run(name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = run_br(*args, cwd=git_repo, env=env, stdin=stdin)
        outputs[name] = proc.stdout + proc.stderr
        return proc

    assert run("text", "security", "scan").returncode == 1
    for fmt in ("json", "sarif"):
        assert run(fmt, "security", "scan", "--format", fmt).returncode == 1
        run(f"{fmt}-file", "security", "scan", "--format", fmt, "--output", f"out.{fmt}")
        outputs[f"{fmt}-file-content"] = (git_repo / f"out.{fmt}").read_text("utf-8")
    run("stdin", "security", "scan", "-", stdin=(git_repo / ".env").read_text("utf-8"))
    every_leak = "".join(
        (git_repo / name).read_text("utf-8")
        for name in ("settings.py", ".env", ".npmrc", ".pypirc", "deploy_key", "last.txt")
    )
    run("mask", "security", "mask", stdin=every_leak)
    git(git_repo, "add", "-A")
    assert run("check", "security", "check").returncode == 1
    assert run("staged", "security", "scan", "--staged", "--format", "sarif").returncode == 1
    git(git_repo, "commit", "-q", "-m", "leaks", "--no-verify")
    assert run("history", "security", "scan", "--history", "--format", "json").returncode == 1
    assert run("baseline", "security", "baseline", "create").returncode == 0
    outputs["baseline-file"] = (git_repo / ".buildrunner" / "secrets-baseline.json").read_text(
        "utf-8"
    )
    error = run("error", "security", "scan", "--baseline", secrets["github"])
    assert error.returncode == 2
    assert "does not exist" in error.stderr
    (git_repo / secrets["stripe"]).write_text("binary\0", "utf-8")  # a file named like a secret
    run("named", "security", "scan", "--no-baseline")
    outputs["log"] = (git_repo / ".buildrunner" / "logs" / "br.log").read_text("utf-8")
    assert "finding github-personal-access-token" in outputs["log"]
    for where, text in outputs.items():
        _assert_clear_of(text, secrets, where)
    assert "settings.py" in outputs["text"]
    key_newlines = secrets["private_key"].count("\n")  # a key is masked as one piece
    assert outputs["mask"].count("\n") == every_leak.count("\n") - key_newlines
    assert "username = __token__\n" in outputs["mask"]
    import json

    found = json.loads(outputs["json-file-content"])["findings"]
    assert len(found) == len(secrets) + 1  # the GitHub token is also in last.txt
