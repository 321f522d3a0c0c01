"""The SQL-injection analyzer inside the scan pipeline: real files, real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.security import ScanOptions, scan_history, scan_paths, scan_staged
from buildrunner.security.baseline import Baseline
from buildrunner.security.formats import render
from tests.helpers import git

VULN_PY = """\
def find(cur, name):
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
"""
VULN_JS = """\
async function find(pool, name) {
  return pool.query(`SELECT * FROM users WHERE name = '${name}'`);
}
"""
SQL_ONLY = ScanOptions(analyzers=("sql",))


def found(report: object) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.path, f.line) for f in report.findings}  # type: ignore[attr-defined]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_scan_reports_sql_injection_findings_in_the_documented_shape(git_repo: Path) -> None:
    write(git_repo, {"app/db.py": VULN_PY, "web/db.ts": VULN_JS, "notes.txt": VULN_PY})
    report = scan_paths(["."], root=git_repo, cwd=git_repo)
    assert found(report) == {
        ("py-sqli-execute", "app/db.py", 2),
        ("js-sqli-query", "web/db.ts", 2),
    }
    data = json.loads(render(report, "json"))
    first = data["findings"][0]
    assert list(first) == [
        "rule_id", "kind", "path", "line", "column", "end_line", "severity", "confidence",
        "message", "masked", "fingerprint",
    ]  # fmt: skip
    assert (first["kind"], first["severity"], first["confidence"]) == (
        "sql-injection",
        "high",
        "high",
    )
    assert (
        first["message"]
        == "SQL built with an f-string from `name` on this line reaches cur.execute"
    )
    assert first["column"] == 5


def test_inline_suppression_markers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": VULN_PY.replace("'\")\n", "'\")  # nosec\n"),
            "b.py": VULN_PY.replace("'\")\n", "'\")  # nosec B608\n"),
            "c.py": VULN_PY.replace("'\")\n", "'\")  # br:allow reviewed\n"),
            "d.js": VULN_JS.replace("'`);\n", "'`); // nosec\n"),
            "e.py": VULN_PY,
        },
    )
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    assert found(report) == {("py-sqli-execute", "e.py", 2)}
    assert report.suppressed == 4


def test_syntax_error_is_reported_as_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": "def f(:\n    cur.execute(q)\n", "ok.py": VULN_PY})
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    assert found(report) == {("py-sqli-execute", "ok.py", 2)}
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("broken.py", "syntax error at line 1 (SQL analysis skipped)")
    ]


def test_no_sql_option_leaves_only_secrets(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": VULN_PY})
    report = scan_paths(
        ["."], root=tmp_path, cwd=tmp_path, options=ScanOptions(analyzers=("secrets",))
    )
    assert report.findings == ()


def test_sarif_rules_carry_cwe_89(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": VULN_PY})
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    sarif = json.loads(render(report, "sarif"))
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["py-sqli-execute"]
    assert "external/cwe/cwe-89" in rule["properties"]["tags"]
    assert rule["properties"]["security-severity"] == "8.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "py-sqli-execute"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_points_at_the_construction_line_and_validates(tmp_path: Path) -> None:
    import jsonschema

    write(
        tmp_path,
        {"a.py": "def f(cur, x):\n    q = 'SELECT * FROM t WHERE a = ' + x\n    cur.execute(q)\n"},
    )
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    sarif = json.loads(render(report, "sarif"))
    schema_path = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["region"] == {"startLine": 2}
    assert "related_line" not in json.loads(render(report, "json"))["findings"][0]


def test_fingerprint_survives_moved_lines(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": VULN_PY})
    before = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    write(tmp_path, {"a.py": "import os\n\n\n" + VULN_PY})
    after = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=SQL_ONLY)
    assert [f.line for f in after.findings] == [5]
    assert [f.fingerprint for f in after.findings] == [f.fingerprint for f in before.findings]
    baseline = Baseline.from_findings(before.findings)
    assert baseline.filter(list(after.findings)) == ([], 1)


def test_staged_scan_reads_the_index_and_reports_changed_lines_only(git_repo: Path) -> None:
    old = "def old(cur, x):\n    cur.execute('SELECT * FROM t WHERE a = ' + x)\n"
    write(git_repo, {"db.py": old})
    git(git_repo, "add", "db.py")
    git(git_repo, "commit", "-q", "-m", "old code")
    write(git_repo, {"db.py": old + "\n\n" + VULN_PY})
    git(git_repo, "add", "db.py")
    write(git_repo, {"db.py": old})  # the working tree no longer has it: the index does
    report = scan_staged(git_repo, cwd=git_repo, options=SQL_ONLY)
    assert found(report) == {("py-sqli-execute", "db.py", 6)}


def test_history_scan_finds_sql_injection_with_the_commit(git_repo: Path) -> None:
    write(git_repo, {"db.js": VULN_JS})
    git(git_repo, "add", "db.js")
    git(git_repo, "commit", "-q", "-m", "query")
    commit = git(git_repo, "rev-parse", "HEAD").strip()
    write(git_repo, {"db.js": "// gone\n"})
    git(git_repo, "commit", "-q", "-am", "remove")
    report = scan_history(git_repo, cwd=git_repo, options=SQL_ONLY)
    assert [(f.rule_id, f.path, f.line, f.commit) for f in report.findings] == [
        ("js-sqli-query", "db.js", 2, commit)
    ]


def test_pre_commit_hook_blocks_sql_injection(git_repo: Path) -> None:
    from buildrunner.security.hooks import install_hook

    install_hook(git_repo, command=[sys.executable, "-m", "buildrunner"])
    write(git_repo, {"db.py": VULN_PY})
    git(git_repo, "add", "db.py")
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "add query"],
        cwd=git_repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    output = proc.stdout + proc.stderr  # git shows a hook's output on stderr
    assert "py-sqli-execute" in output
    assert "SQL built from untrusted input" in output
    write(git_repo, {"db.py": VULN_PY.replace("'\")\n", "'\")  # nosec\n")})
    git(git_repo, "add", "db.py")
    allowed = subprocess.run(
        ["git", "commit", "-q", "-m", "reviewed"],
        cwd=git_repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


@pytest.mark.parametrize(
    ("staged", "imports_tree_sitter"),
    [({"db.py": VULN_PY}, False), ({"db.js": VULN_JS}, True)],
)
def test_hook_path_imports_tree_sitter_only_for_js(
    git_repo: Path, staged: dict[str, str], imports_tree_sitter: bool
) -> None:
    write(git_repo, staged)
    git(git_repo, "add", *staged)
    probe = (
        "import sys\n"
        "from buildrunner.cli.main import main\n"
        "code = main(['security', 'check'])\n"
        "heavy = sorted(m for m in ('tree_sitter', 'rich', 'anthropic') if m in sys.modules)\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=git_repo, capture_output=True, text=True, check=False
    )
    expected = "['tree_sitter']" if imports_tree_sitter else "[]"
    assert proc.stderr.strip().splitlines()[-1] == f"1 {expected}"


def test_files_without_sql_do_not_load_the_analysers(git_repo: Path) -> None:
    write(
        git_repo,
        {"util.py": "def add(a, b):\n    return a + b\n", "ui.js": "export const x = 1;\n"},
    )
    git(git_repo, "add", "util.py", "ui.js")
    probe = (
        "import sys\n"
        "from buildrunner.cli.main import main\n"
        "code = main(['security', 'check'])\n"
        "loaded = sorted(m for m in ('buildrunner.security.sqli.python',\n"
        "                            'buildrunner.security.sqli.javascript', 'tree_sitter')\n"
        "                if m in sys.modules)\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=git_repo, capture_output=True, text=True, check=False
    )
    assert proc.stderr.strip().splitlines()[-1] == "0 []"


def test_check_no_sql_lets_the_commit_through(git_repo: Path, br: object) -> None:
    write(git_repo, {"db.py": VULN_PY})
    git(git_repo, "add", "db.py")
    blocked = br("security", "check")  # type: ignore[operator]
    allowed = br("security", "check", "--no-sql")  # type: ignore[operator]
    assert (blocked.exit_code, allowed.exit_code) == (1, 0)
    assert "py-sqli-execute" in blocked.stdout


def test_staged_files_whose_added_lines_hold_no_sql_are_not_read_in_full(git_repo: Path) -> None:
    from buildrunner.security.analyzers import Source
    from buildrunner.security.sqli.analyzer import SqlAnalyzer

    analyzer = SqlAnalyzer()
    plain = Source(b"total = price * 2\n", path="a.py", line_map=[7])
    query = Source(b"    cur.execute(q)\n", path="a.py", line_map=[7])
    assert (analyzer.wants_full_text(plain), analyzer.wants_full_text(query)) == (False, True)
