from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BrResult
from tests.helpers import git, run_br
from tests.security.tokens import Tokens

Br = Callable[..., BrResult]


@pytest.fixture
def leaky(git_repo: Path) -> Path:
    t = Tokens(61)
    (git_repo / "app.py").write_text(f'TOKEN = "{t.github()}"\n', "utf-8")
    (git_repo / "clean.py").write_text("x = 1\n", "utf-8")
    return git_repo


def test_scan_exit_codes_and_text(leaky: Path, br: Br) -> None:
    result = br("security", "scan")
    assert result.exit_code == 1
    assert "app.py" in result.stdout
    assert "github-personal-access-token" in result.stdout
    assert "1 finding (1 critical) in 1 file" in result.stdout
    assert br("security", "scan", "clean.py").exit_code == 0


def test_scan_json_and_output_file(leaky: Path, br: Br) -> None:
    result = br("security", "scan", "--format", "json")
    data = json.loads(result.stdout)
    assert [(f["rule_id"], f["path"], f["line"]) for f in data["findings"]] == [
        ("github-personal-access-token", "app.py", 1)
    ]
    written = br("security", "scan", "--format", "sarif", "--output", "out/report.sarif")
    assert written.exit_code == 1
    assert written.stdout == ""
    assert "1 finding" in written.stderr
    assert "out/report.sarif" in written.stderr
    log = json.loads((leaky / "out" / "report.sarif").read_text("utf-8"))
    assert log["runs"][0]["results"][0]["ruleId"] == "github-personal-access-token"


def test_scan_usage_errors(leaky: Path, br: Br) -> None:
    assert br("security", "scan", "missing.py").exit_code == 2
    assert br("security", "scan", "--staged", "app.py").exit_code == 2
    assert br("security", "scan", "--staged", "--history").exit_code == 2
    none_left = br("security", "scan", "--no-secrets", "--no-sql")
    assert none_left.exit_code == 2
    assert "nothing to scan" in none_left.stderr
    assert br("security", "scan", "--format", "xml").exit_code == 2
    assert br("security", "scan", "--baseline", "nope.json").exit_code == 2


def test_scan_staged_and_history(leaky: Path, br: Br) -> None:
    assert br("security", "scan", "--staged").exit_code == 0
    git(leaky, "add", "app.py")
    staged = br("security", "scan", "--staged", "--format", "json")
    assert staged.exit_code == 1
    assert json.loads(staged.stdout)["findings"][0]["path"] == "app.py"
    git(leaky, "commit", "-q", "-m", "leak", "--no-verify")
    history = br("security", "scan", "--history", "--format", "json")
    finding = json.loads(history.stdout)["findings"][0]
    assert finding["commit"] == git(leaky, "rev-parse", "HEAD").strip()
    assert br("security", "scan", "--history", "HEAD~1..HEAD").exit_code == 1
    assert br("security", "scan", "--history", "HEAD..HEAD").exit_code == 0


def test_scan_outside_git_needs_no_repository(tmp_path: Path, br: Br) -> None:
    assert br("-C", str(tmp_path), "security", "scan").exit_code == 0
    staged = br("-C", str(tmp_path), "security", "scan", "--staged")
    assert staged.exit_code == 2
    assert "not inside a git repository" in staged.stderr


def test_check_is_quiet_when_clean_and_blocks_secrets(leaky: Path, br: Br) -> None:
    clean = br("security", "check")
    assert (clean.exit_code, clean.stdout) == (0, "")
    git(leaky, "add", "app.py")
    blocked = br("security", "check")
    assert blocked.exit_code == 1
    assert "Commit blocked" in blocked.stdout


def test_config_limits_and_bad_config(leaky: Path, br: Br) -> None:
    config = leaky / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text('[security]\nmax_file_size = "10B"\n', "utf-8")
    report = json.loads(br("security", "scan", "--format", "json").stdout)
    assert report["findings"] == []
    assert report["stats"]["files_skipped"] >= 1
    assert br("security", "scan", "--max-file-size", "5MB").exit_code == 1
    config.write_text('[security]\nallow_values = ["("]\n', "utf-8")
    bad = br("security", "scan")
    assert bad.exit_code == 3
    assert "security.allow_values" in bad.stderr


def test_rules_listing(br: Br) -> None:
    text = br("security", "rules")
    assert text.exit_code == 0
    assert "anthropic-api-key" in text.stdout
    data = json.loads(br("security", "rules", "--format", "json").stdout)
    assert len(data["rules"]) >= 60
    assert {"id", "severity", "cwe", "title"} <= set(data["rules"][0])


def test_baseline_commands(leaky: Path, br: Br) -> None:
    created = br("security", "baseline", "create")
    assert created.exit_code == 0
    assert "1 accepted findings" in created.stdout
    assert (leaky / ".buildrunner" / "secrets-baseline.json").is_file()
    assert br("security", "scan").exit_code == 0
    assert br("security", "scan", "--no-baseline").exit_code == 1
    assert br("security", "baseline", "create").exit_code == 3
    assert "unchanged" in br("security", "baseline", "update").stdout
    assert br("security", "baseline", "audit").exit_code == 0
    (leaky / "app.py").write_text("TOKEN = None\n", "utf-8")
    audit = br("security", "baseline", "audit", "--format", "json")
    assert audit.exit_code == 1
    assert json.loads(audit.stdout)["gone"][0]["rule_id"] == "github-personal-access-token"


def test_hooks_commands(leaky: Path, br: Br) -> None:
    assert "no pre-commit hook installed" in br("security", "hooks", "status").stdout
    installed = br("security", "hooks", "install")
    assert installed.exit_code == 0
    assert "installed" in installed.stdout
    status = json.loads(br("security", "hooks", "status", "--format", "json").stdout)
    assert status["installed"] is True
    assert status["command_exists"] is True
    assert "removed" in br("security", "hooks", "uninstall").stdout


def test_stdin_and_mask_through_the_real_entry_point(tmp_path: Path) -> None:
    t = Tokens(62)
    token = t.anthropic()
    scanned = run_br("security", "scan", "-", "--format", "json", cwd=tmp_path,
                     stdin=f"key={token}\n")  # fmt: skip
    assert scanned.returncode == 1
    assert json.loads(scanned.stdout)["findings"][0]["path"] == "<stdin>"
    masked = run_br("security", "mask", cwd=tmp_path, stdin=f"a {token} b\nplain\n")
    assert masked.returncode == 0
    assert token not in masked.stdout
    assert masked.stdout.endswith(" b\nplain\n")


def test_every_analyzer_has_a_switch(br: Br) -> None:
    from buildrunner.security.analyzers import BUILTIN_ANALYZERS

    help_text = br("security", "scan", "--help").stdout
    assert all(f"--no-{spec.name}" in help_text for spec in BUILTIN_ANALYZERS)


def _security_events(repo: Path) -> list[tuple[str, str | None, str | None]]:
    from buildrunner.core.store import Store

    rows = Store(repo / ".buildrunner" / "buildrunner.db").execute(
        "SELECT type, name, status FROM telemetry_events WHERE type LIKE 'security.%' ORDER BY seq"
    )
    return [(r["type"], r["name"], r["status"]) for r in rows]


def test_scan_records_telemetry_with_masked_findings(leaky: Path, br: Br) -> None:
    assert br("init").exit_code == 0
    assert br("security", "scan").exit_code == 1
    assert br("security", "scan", "clean.py").exit_code == 0
    assert _security_events(leaky) == [
        ("security.scan", "files", "error"),
        ("security.finding", "github-personal-access-token", None),
        ("security.scan", "files", "ok"),
    ]
    token = (leaky / "app.py").read_text("utf-8").split('"')[1]
    db = (leaky / ".buildrunner" / "buildrunner.db").read_bytes()
    wal = leaky / ".buildrunner" / "buildrunner.db-wal"
    assert token.encode() not in db + (wal.read_bytes() if wal.exists() else b"")


def test_scan_outside_an_initialised_project_records_nothing(leaky: Path, br: Br) -> None:
    assert br("security", "scan").exit_code == 1
    assert not (leaky / ".buildrunner").exists()


def test_check_records_only_blocked_commits(leaky: Path, br: Br) -> None:
    assert br("init").exit_code == 0
    git(leaky, "add", "clean.py")
    assert run_br("security", "check", cwd=leaky).returncode == 0
    assert _security_events(leaky) == []  # a clean commit costs no telemetry time
    git(leaky, "add", "app.py")
    assert run_br("security", "check", cwd=leaky).returncode == 1
    assert _security_events(leaky) == [
        ("security.scan", "staged", "error"),
        ("security.finding", "github-personal-access-token", None),
    ]
