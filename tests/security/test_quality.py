"""The quality gate library in real git repositories with real coverage files."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.security.coverage_data import read_coverage
from buildrunner.security.quality import (
    QualitySettings,
    SecurityOutcome,
    check_quality,
)

MODULE = """\
def covered(x):
    if x > 0:
        return "positive"
    return "other"


def uncovered(y):
    z = y * 2
    return z + 1
"""


def make_coverage(repo: Path, *, xml: bool) -> None:
    """Run a real program under coverage.py in `repo`: 4 of 7 statements run (57.1%)."""
    (repo / "mod.py").write_text(MODULE, encoding="utf-8")
    (repo / "run_it.py").write_text("import mod\nmod.covered(1)\n", encoding="utf-8")
    (repo / ".coveragerc").write_text("[run]\nsource = mod\n", encoding="utf-8")
    for args in (["run", "run_it.py"], *([["xml", "-o", "coverage.xml"]] if xml else [])):
        subprocess.run(
            [sys.executable, "-m", "coverage", *args], cwd=repo, check=True, capture_output=True
        )


def command(code: str) -> str:
    return shlex.join([sys.executable, "-c", code])


def settings(**kwargs: object) -> QualitySettings:
    values: dict[str, object] = {"gates": ("coverage", "tests", "lint")}
    values.update(kwargs)
    return QualitySettings(**values)  # type: ignore[arg-type]


def test_reads_a_real_cobertura_report(git_repo: Path) -> None:
    make_coverage(git_repo, xml=True)
    total = read_coverage(git_repo / "coverage.xml")
    assert (total.kind, total.covered, total.total) == ("cobertura", 4, 7)
    assert round(total.percent, 1) == 57.1


def test_reads_a_real_coverage_py_data_file(git_repo: Path) -> None:
    make_coverage(git_repo, xml=False)
    total = read_coverage(git_repo / ".coverage")
    assert total.kind == "coverage.py"
    assert round(total.percent, 1) == 57.1


@pytest.mark.parametrize(
    ("threshold", "status", "detail"),
    [
        (50.0, "pass", "57.1% >= 50% (coverage.xml)"),
        (85.0, "fail", "57.1% < 85% (coverage.xml)"),
    ],
)
def test_coverage_gate_threshold(
    git_repo: Path, threshold: float, status: str, detail: str
) -> None:
    make_coverage(git_repo, xml=True)
    report = check_quality(git_repo, settings(gates=("coverage",), coverage_threshold=threshold))
    (gate,) = report.gates
    assert (gate.gate, gate.status, gate.detail) == ("coverage", status, detail)
    assert report.passed is (status == "pass")


def test_coverage_gate_prefers_xml_then_data_file(git_repo: Path) -> None:
    make_coverage(git_repo, xml=False)
    report = check_quality(git_repo, settings(gates=("coverage",), coverage_threshold=50))
    assert report.gates[0].detail == "57.1% >= 50% (.coverage)"


def test_missing_coverage_fails_with_how_to_produce_it(git_repo: Path) -> None:
    report = check_quality(git_repo, settings(gates=("coverage",)))
    (gate,) = report.gates
    assert gate.status == "fail"
    assert gate.detail == "no coverage data (looked for coverage.xml, .coverage and lcov.info)"
    assert "coverage run -m pytest && coverage xml" in gate.hint
    assert not report.passed


def test_configured_coverage_file_that_is_missing(git_repo: Path) -> None:
    report = check_quality(git_repo, settings(gates=("coverage",), coverage_file="out/cov.xml"))
    assert report.gates[0].detail == "coverage file out/cov.xml not found"


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("<coverage><packages/>", "is not a valid Cobertura XML report"),
        ("<report line-rate='1'/>", "is not a Cobertura report (root element <report>)"),
        ("not a database at all", "cannot read coverage data"),
    ],
)
def test_damaged_coverage_file_fails_the_gate(git_repo: Path, content: str, detail: str) -> None:
    (git_repo / "coverage.xml").write_text(content, encoding="utf-8")
    report = check_quality(git_repo, settings(gates=("coverage",), coverage_file="coverage.xml"))
    assert report.gates[0].status == "fail"
    assert detail in report.gates[0].detail


def test_tests_and_lint_commands_run_for_real(git_repo: Path) -> None:
    ok = command("print('all good')")
    failing = command("import sys; print('E501 line too long'); sys.exit(3)")
    report = check_quality(
        git_repo,
        settings(gates=("tests", "lint"), tests_command=ok, lint_commands=(ok, failing)),
    )
    tests, lint = report.gates
    assert (tests.status, tests.detail) == ("pass", f"`{ok}` exited 0")
    assert lint.status == "fail"
    assert lint.detail == f"1 of 2 commands failed; `{failing}` exited 3"
    assert lint.output == "E501 line too long"
    assert not report.passed


def test_commands_run_in_the_project_root(git_repo: Path) -> None:
    probe = command("import pathlib; assert pathlib.Path('README.md').exists()")
    report = check_quality(git_repo, settings(gates=("tests",), tests_command=probe))
    assert report.gates[0].status == "pass"


def test_unconfigured_commands_are_skipped_not_failed(git_repo: Path) -> None:
    report = check_quality(git_repo, settings(gates=("tests", "lint")))
    assert [(g.gate, g.status) for g in report.gates] == [("tests", "skip"), ("lint", "skip")]
    assert report.passed


def test_missing_executable_and_timeout(git_repo: Path) -> None:
    report = check_quality(
        git_repo,
        settings(
            gates=("tests", "lint"),
            tests_command="no-such-tool-br-test --flag",
            lint_commands=(command("import time; time.sleep(5)"),),
            command_timeout=0.5,
        ),
    )
    tests, lint = report.gates
    assert tests.detail == "command not found: no-such-tool-br-test"
    assert "quality.tests_command" in tests.hint
    assert lint.status == "fail"
    assert "timed out after 0.5s" in lint.detail


@pytest.mark.parametrize(
    ("outcome", "status", "detail"),
    [
        (
            SecurityOutcome(0, baselined=2, suppressed=1),
            "pass",
            "no new findings (2 baselined, 1 suppressed)",
        ),
        (SecurityOutcome(3), "fail", "3 new findings (0 baselined, 0 suppressed)"),
    ],
)
def test_security_gate_counts_new_findings(
    git_repo: Path, outcome: SecurityOutcome, status: str, detail: str
) -> None:
    report = check_quality(git_repo, settings(gates=("security",)), security_check=lambda: outcome)
    assert (report.gates[0].status, report.gates[0].detail) == (status, detail)


def test_unknown_gate_is_a_usage_error(git_repo: Path) -> None:
    from buildrunner.core.errors import UsageError

    with pytest.raises(UsageError, match="unknown quality gate 'speed'"):
        check_quality(git_repo, settings(gates=("speed",)))


def test_reads_an_lcov_trace(git_repo: Path) -> None:
    lcov = git_repo / "coverage" / "lcov.info"
    lcov.parent.mkdir()
    lcov.write_text(
        "TN:\nSF:src/a.js\nDA:1,1\nDA:2,0\nLF:8\nLH:6\nBRF:2\nBRH:1\nend_of_record\n"
        "SF:src/b.js\nLF:10\nLH:10\nend_of_record\n",
        encoding="utf-8",
    )
    report = check_quality(git_repo, settings(gates=("coverage",), coverage_threshold=85))
    assert report.gates[0].detail == "85.0% >= 85% (coverage/lcov.info)"
