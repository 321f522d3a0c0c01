from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from buildrunner.security import scan_paths
from buildrunner.security.catalog import RuleInfo
from buildrunner.security.findings import Finding
from buildrunner.security.formats import render
from buildrunner.security.formats.sarif import sarif_log
from buildrunner.security.report import ScanReport, ScanStats, SkippedFile
from tests.security.tokens import Tokens

SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def report(tmp_path: Path) -> ScanReport:
    t = Tokens(21)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "settings.py").write_text(
        f'GITHUB = "{t.github()}"\nDB = "postgres://app:{t.password()}@db/app"\n', "utf-8"
    )
    (tmp_path / "id_rsa").write_text(t.pem() + "\n", "utf-8")
    (tmp_path / "file with space.env").write_text(f"SLACK={t.slack_bot()}\n", "utf-8")
    return scan_paths(["."], root=tmp_path, cwd=tmp_path)


def test_json_report_shape(report: ScanReport) -> None:
    data = json.loads(render(report, "json"))
    assert list(data) == ["version", "findings", "stats"]
    assert data["version"] == 1
    assert list(data["stats"]) == ["files_scanned", "files_skipped", "bytes_scanned", "duration_ms"]
    assert {(f["rule_id"], f["path"], f["line"], f["end_line"]) for f in data["findings"]} == {
        ("github-personal-access-token", "src/settings.py", 1, 1),
        ("postgres-url-password", "src/settings.py", 2, 2),
        ("private-key", "id_rsa", 1, 14),
        ("slack-bot-token", "file with space.env", 1, 1),
    }
    assert all(f["kind"] == "secret" for f in data["findings"])


def test_sarif_is_valid_against_the_official_schema(
    report: ScanReport, sarif_validator: jsonschema.protocols.Validator
) -> None:
    log = json.loads(render(report, "sarif"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert set(rules) == {f.rule_id for f in report.findings}
    github = rules["github-personal-access-token"]
    assert github["properties"]["security-severity"] == "9.5"
    assert "external/cwe/cwe-798" in github["properties"]["tags"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["brFingerprint/v1"]) == 32
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert "file%20with%20space.env" in uris


def test_sarif_for_an_empty_report_and_sql_kind_is_valid(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    empty = ScanReport(findings=(), stats=ScanStats(), skipped=(SkippedFile("x", "unreadable"),))
    assert list(sarif_validator.iter_errors(sarif_log(empty))) == []
    sql = Finding(
        "python-sql-string-format", "sql-injection", "app.py", 4, 5, 4, "high", "medium",
        "SQL built with an f-string reaches cursor.execute", "cursor.execute(f\"...\")", "f" * 32,
        key_path="app.py",
    )  # fmt: skip
    info = RuleInfo(
        "python-sql-string-format", "sql-injection", "SQL from f-string", "high", "CWE-89"
    )
    log = sarif_log(ScanReport(findings=(sql,), stats=ScanStats(), rules={info.id: info}))
    assert list(sarif_validator.iter_errors(log)) == []
    tags = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"]
    assert "external/cwe/cwe-89" in tags


def test_text_groups_by_file_and_summarises(report: ScanReport) -> None:
    text = render(report, "text")
    lines = text.splitlines()
    assert lines[0] in {"file with space.env", "id_rsa", "src/settings.py"}
    assert "src/settings.py" in lines
    assert lines[-1].startswith("4 findings (2 critical, 2 high) in 3 files · 3 files scanned")
    assert "\x1b[" not in text
    assert "\x1b[" in render(report, "text", color=True)
