from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildrunner.core.errors import InputError
from buildrunner.security import ScanOptions, scan_paths
from buildrunner.security.baseline import (
    Baseline,
    audit_baseline,
    create_baseline,
    load_baseline,
    update_baseline,
)
from tests.security.tokens import Tokens


@pytest.fixture
def project(tmp_path: Path) -> Path:
    t = Tokens(31)
    (tmp_path / "app.py").write_text(
        f'import os\nGITHUB = "{t.github()}"\nSTRIPE = "{t.stripe()}"\n', "utf-8"
    )
    (tmp_path / "deploy.env").write_text(f"SLACK={t.slack_bot()}\n", "utf-8")
    return tmp_path


def test_create_writes_sorted_stable_json_without_secrets(project: Path) -> None:
    path = project / ".buildrunner" / "secrets-baseline.json"
    change = create_baseline(project, path, ScanOptions())
    assert change.written
    text = path.read_text("utf-8")
    data = json.loads(text)
    assert data["version"] == 1
    entries = data["entries"]
    assert [(e["path"], e["rule_id"]) for e in entries] == [
        ("app.py", "github-personal-access-token"),
        ("app.py", "stripe-secret-key"),
        ("deploy.env", "slack-bot-token"),
    ]
    assert all(set(e) == {"fingerprint", "rule_id", "kind", "path"} for e in entries)
    for line in (project / "app.py").read_text("utf-8").splitlines()[1:]:
        secret = line.split('"')[1]
        assert secret not in text
        assert secret[-8:] not in text
    with pytest.raises(InputError, match="already exists"):
        create_baseline(project, path, ScanOptions())


def test_baselined_findings_are_not_new_and_moving_lines_changes_nothing(project: Path) -> None:
    path = project / "baseline.json"
    create_baseline(project, path, ScanOptions())
    before = path.read_bytes()
    report = scan_paths(["."], root=project, cwd=project, options=ScanOptions(baseline=path))
    assert report.findings == ()
    assert report.baselined == 3
    app = project / "app.py"
    app.write_text("# a new header\n\n\n" + app.read_text("utf-8") + "\n# footer\n", "utf-8")
    again = scan_paths(["."], root=project, cwd=project, options=ScanOptions(baseline=path))
    assert (again.findings, again.baselined) == ((), 3)
    change = update_baseline(project, path, ScanOptions())
    assert (change.written, change.added, change.removed) == (False, (), ())
    assert path.read_bytes() == before


def test_update_adds_new_and_drops_gone_audit_lists_gone(project: Path) -> None:
    path = project / "baseline.json"
    create_baseline(project, path, ScanOptions())
    t = Tokens(32)
    (project / "new.env").write_text(f"KEY={t.anthropic()}\n", "utf-8")
    (project / "deploy.env").write_text("SLACK=${SLACK_TOKEN}\n", "utf-8")
    audit = audit_baseline(project, path, ScanOptions())
    assert [(e.path, e.rule_id) for e in audit.gone] == [("deploy.env", "slack-bot-token")]
    assert len(audit.present) == 2
    report = scan_paths(["."], root=project, cwd=project, options=ScanOptions(baseline=path))
    assert [(f.path, f.rule_id) for f in report.findings] == [("new.env", "anthropic-api-key")]
    change = update_baseline(project, path, ScanOptions())
    assert [(e.path, e.rule_id) for e in change.added] == [("new.env", "anthropic-api-key")]
    assert [(e.path, e.rule_id) for e in change.removed] == [("deploy.env", "slack-bot-token")]
    assert audit_baseline(project, path, ScanOptions()).gone == ()


def test_same_secret_in_another_file_is_new(project: Path) -> None:
    path = project / "baseline.json"
    create_baseline(project, path, ScanOptions())
    (project / "copy.py").write_text((project / "app.py").read_text("utf-8"), "utf-8")
    report = scan_paths(["."], root=project, cwd=project, options=ScanOptions(baseline=path))
    assert {f.path for f in report.findings} == {"copy.py"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 1}', "no 'entries' list"),
        ('{"version": 2, "entries": []}', "version 2"),
        ('{"version": 1, "entries": [{"path": 1}]}', "entry 0"),
    ],
)
def test_bad_baseline_files_are_input_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, "utf-8")
    with pytest.raises(InputError, match=message):
        load_baseline(path)


def test_empty_baseline_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(Baseline().to_text(), "utf-8")
    assert load_baseline(path) == Baseline()
