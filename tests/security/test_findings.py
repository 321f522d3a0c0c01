from __future__ import annotations

from dataclasses import replace

from buildrunner.security.findings import JSON_FIELDS, Finding, fingerprint


def _finding(**changes: object) -> Finding:
    base = Finding(
        rule_id="github-personal-access-token",
        kind="secret",
        path="src/app.py",
        line=3,
        column=9,
        end_line=3,
        severity="critical",
        confidence="high",
        message="GitHub personal access token (classic)",
        masked="ghp_…Ab12",
        fingerprint="0" * 32,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_json_shape_is_exactly_the_documented_one() -> None:
    data = _finding().to_json()
    assert list(data) == [
        "rule_id",
        "kind",
        "path",
        "line",
        "column",
        "end_line",
        "severity",
        "confidence",
        "message",
        "masked",
        "fingerprint",
    ]
    assert list(data) == list(JSON_FIELDS)
    assert data["line"] == 3
    assert data["masked"] == "ghp_…Ab12"


def test_history_findings_add_the_commit() -> None:
    data = _finding(commit="a" * 40).to_json()
    assert data["commit"] == "a" * 40
    assert list(data)[:-1] == list(JSON_FIELDS)


def test_fingerprint_ignores_lines_and_depends_on_rule_path_and_content() -> None:
    first = fingerprint("rule-a", "src/x.py", "h1")
    assert first == fingerprint("rule-a", "src/x.py", "h1")
    assert len(first) == 32
    assert len({first, fingerprint("rule-b", "src/x.py", "h1")}) == 2
    assert len({first, fingerprint("rule-a", "src/y.py", "h1")}) == 2
    assert len({first, fingerprint("rule-a", "src/x.py", "h2")}) == 2
