from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildrunner.core.errors import UsageError
from buildrunner.security import ScanOptions, scan_bytes, scan_paths
from buildrunner.security.analyzers import (
    BUILTIN_ANALYZERS,
    Analyzer,
    AnalyzerSpec,
    Source,
    select_analyzers,
)
from buildrunner.security.scanner import Engine, _batches, scan_targets
from tests.helpers import git
from tests.security.tokens import Tokens


def _found(report_findings: object) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.path, f.line) for f in report_findings}  # type: ignore[attr-defined]


def test_git_repo_scans_tracked_and_untracked_but_not_ignored(git_repo: Path) -> None:
    t = Tokens(1)
    (git_repo / ".gitignore").write_text("ignored.env\n", encoding="utf-8")
    (git_repo / "tracked.py").write_text(f'TOKEN = "{t.github()}"\n', encoding="utf-8")
    git(git_repo, "add", ".gitignore", "tracked.py")
    git(git_repo, "commit", "-q", "-m", "add")
    (git_repo / "untracked.env").write_text(f"STRIPE={t.stripe()}\n", encoding="utf-8")
    (git_repo / "ignored.env").write_text(f"STRIPE={t.stripe()}\n", encoding="utf-8")
    report = scan_paths(["."], root=git_repo, cwd=git_repo)
    assert _found(report.findings) == {
        ("github-personal-access-token", "tracked.py", 1),
        ("stripe-secret-key", "untracked.env", 1),
    }
    assert report.stats.files_scanned == 4  # README.md, .gitignore, tracked.py, untracked.env


def test_outside_git_walks_and_skips_vcs_and_virtualenvs(tmp_path: Path) -> None:
    t = Tokens(2)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(f'KEY = "{t.anthropic()}"\n', "utf-8")
    for skipped_dir in ("node_modules", ".venv", "__pycache__"):
        (tmp_path / skipped_dir).mkdir()
        (tmp_path / skipped_dir / "leak.py").write_text(f'KEY = "{t.anthropic()}"\n', "utf-8")
    report = scan_paths([tmp_path], root=tmp_path, cwd=tmp_path)
    assert _found(report.findings) == {("anthropic-api-key", "app/settings.py", 1)}


def test_paths_are_relative_to_cwd_and_fingerprints_to_the_root(tmp_path: Path) -> None:
    t = Tokens(3)
    (tmp_path / "pkg").mkdir()
    secret_file = tmp_path / "pkg" / "conf.env"
    secret_file.write_text(f"GITLAB={t.gitlab()}\n", "utf-8")
    from_root = scan_paths(["pkg"], root=tmp_path, cwd=tmp_path).findings
    from_pkg = scan_paths(["."], root=tmp_path, cwd=tmp_path / "pkg").findings
    assert [f.path for f in from_root] == ["pkg/conf.env"]
    assert [f.path for f in from_pkg] == ["conf.env"]
    assert from_root[0].key_path == from_pkg[0].key_path == "pkg/conf.env"
    assert from_root[0].fingerprint == from_pkg[0].fingerprint


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        scan_paths(["nope"], root=tmp_path, cwd=tmp_path)


def test_skips_binary_large_and_lock_files_with_reasons(tmp_path: Path) -> None:
    t = Tokens(4)
    token = t.github()
    (tmp_path / "blob.dat").write_bytes(b"\0\1\2" + token.encode())
    (tmp_path / "big.txt").write_text("x" * 2000 + token, "utf-8")
    (tmp_path / "package-lock.json").write_text(f'"{token}"', "utf-8")
    (tmp_path / "logo.png").write_bytes(b"PNG" + token.encode())
    (tmp_path / "ok.txt").write_text(token, "utf-8")
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=ScanOptions(max_file_size=1000))
    assert _found(report.findings) == {("github-personal-access-token", "ok.txt", 1)}
    reasons = {s.path: (s.reason, s.detail) for s in report.skipped}
    assert reasons["blob.dat"][0] == "binary"
    assert reasons["logo.png"][0] == "binary"
    assert reasons["big.txt"][0] == "too large"
    assert reasons["package-lock.json"] == ("excluded", "lock file")
    assert report.stats.files_skipped == 4
    assert report.stats.files_scanned == 1


def test_utf16_and_undecodable_files_are_scanned(tmp_path: Path) -> None:
    t = Tokens(5)
    token = t.github()
    (tmp_path / "win.ps1").write_bytes(("# x\r\n$t = '" + token + "'\r\n").encode("utf-16"))
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe " + token.encode() + b"\n")
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path)
    assert _found(report.findings) == {
        ("github-personal-access-token", "win.ps1", 2),
        ("github-personal-access-token", "latin.txt", 1),
    }
    latin = next(f for f in report.findings if f.path == "latin.txt")
    assert latin.column == 9  # "café ?? " is 8 characters (bad bytes count as one each)


def test_symlinks_inside_are_deduplicated_outside_and_broken_are_skipped(tmp_path: Path) -> None:
    t = Tokens(6)
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside.env"
    outside.write_text(f"T={t.github()}\n", "utf-8")
    (root / "real.env").write_text(f"T={t.github()}\n", "utf-8")
    os.symlink(root / "real.env", root / "alias.env")
    os.symlink(outside, root / "escape.env")
    os.symlink(root / "missing.env", root / "dangling.env")
    report = scan_paths(["."], root=root, cwd=root)
    assert _found(report.findings) == {("github-personal-access-token", "real.env", 1)}
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons == {
        "escape.env": "symlink leaves the repository",
        "dangling.env": "broken symlink",
    }


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_unreadable_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    report = scan_paths(["/proc/self/mem"], root=tmp_path, cwd=tmp_path)
    assert [s.reason for s in report.skipped] == ["unreadable"]
    assert report.findings == ()


def test_stdin_bytes(tmp_path: Path) -> None:
    t = Tokens(7)
    report = scan_bytes(f"export OPENAI={t.openai_project()}\n".encode())
    assert _found(report.findings) == {("openai-project-key", "<stdin>", 1)}
    assert scan_bytes(b"\0binary").skipped[0].reason == "binary"


def test_inline_suppressions_are_counted(tmp_path: Path) -> None:
    t = Tokens(8)
    (tmp_path / "a.py").write_text(
        f'A = "{t.github()}"  # br:allow\n'
        f'B = "{t.github()}"  # gitleaks:allow\n'
        f'C = "{t.github()}"  # pragma: allowlist secret\n'
        "# pragma: allowlist nextline secret\n"
        f'D = "{t.github()}"\n'
        f'E = "{t.github()}"\n',
        "utf-8",
    )
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path)
    assert _found(report.findings) == {("github-personal-access-token", "a.py", 6)}
    assert report.suppressed == 4


def test_config_allowlists(tmp_path: Path) -> None:
    t = Tokens(9)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(f"{t.github()}\n", "utf-8")
    allowed = t.github()
    (tmp_path / "app.py").write_text(
        f'A = "{allowed}"\nB = "{t.stripe()}"\nC = "{t.gitlab()}"\n', "utf-8"
    )
    options = ScanOptions(
        exclude_paths=("docs/",),
        allow_values=(f"^{allowed}$",),
        disabled_rules=("stripe-secret-key",),
    )
    report = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=options)
    assert _found(report.findings) == {("gitlab-personal-access-token", "app.py", 3)}
    assert {s.path: s.detail for s in report.skipped} == {
        "docs/guide.md": "excluded by configuration"
    }


def test_parallel_and_serial_scans_agree(tmp_path: Path) -> None:
    t = Tokens(10)
    for index in range(80):
        body = "\n".join(f"line {n} of file {index}" for n in range(600))
        secret = f'\nTOKEN = "{t.github()}"\n' if index % 7 == 0 else "\n"
        (tmp_path / f"f{index:02}.py").write_text(body + secret, "utf-8")
    serial = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=ScanOptions(jobs=1))
    import buildrunner.security.scanner as scanner

    old = scanner.PARALLEL_MIN_BYTES
    scanner.PARALLEL_MIN_BYTES = 1
    try:
        parallel = scan_paths(["."], root=tmp_path, cwd=tmp_path, options=ScanOptions(jobs=2))
    finally:
        scanner.PARALLEL_MIN_BYTES = old
    assert parallel.findings == serial.findings
    assert len(serial.findings) == 12
    assert parallel.stats.files_scanned == serial.stats.files_scanned == 80


def test_batches_balance_sizes() -> None:
    from buildrunner.security.files import FileTarget

    targets = [FileTarget(str(i), str(i), str(i), size) for i, size in enumerate([9, 1, 5, 5])]
    batches = _batches(targets, 2)
    assert sorted(sum(t.size for t in batch) for batch in batches) == [10, 10]


class _TodoAnalyzer:
    """A second kind of analysis through the seam: flags 'TODO' in Python files."""

    name = "todo"
    kind = "todo"
    suppression_markers = ("nosec",)
    needs_full_text = True

    def rules(self) -> list[object]:
        return []

    def applies_to(self, path: str) -> bool:
        return path.endswith(".py")

    def analyze(self, source: Source) -> list[object]:
        from buildrunner.security.findings import Finding

        return [
            Finding("todo", "todo", source.path, n, 1, n, "low", "low", "todo", "TODO")
            for n, line in enumerate(source.text.splitlines(), 1)
            if "TODO" in line
        ]


def test_an_extra_analyzer_plugs_into_the_pipeline(tmp_path: Path) -> None:
    analyzer = _TodoAnalyzer()
    assert isinstance(analyzer, Analyzer)
    engine = Engine(ScanOptions())
    engine.analyzers.append(analyzer)  # type: ignore[arg-type]
    (tmp_path / "a.py").write_text("x = 1  # TODO\ny = 2  # TODO nosec\n", "utf-8")
    (tmp_path / "b.txt").write_text("TODO\n", "utf-8")
    from buildrunner.security.files import FileTarget

    targets = [FileTarget(str(tmp_path / name), name, name, 1) for name in ("a.py", "b.txt")]
    result = scan_targets(engine, targets)
    assert [(f.rule_id, f.path, f.line) for f in result.findings] == [("todo", "a.py", 1)]
    assert result.suppressed == 1
    assert result.findings[0].fingerprint


def test_builtin_analyzers_are_a_literal_registry() -> None:
    assert [spec.name for spec in BUILTIN_ANALYZERS] == ["secrets", "sql"]
    assert all(isinstance(spec, AnalyzerSpec) for spec in BUILTIN_ANALYZERS)
    with pytest.raises(UsageError, match="unknown analyzer"):
        select_analyzers(["nope"])


def test_a_killed_worker_is_an_operational_error(tmp_path: Path) -> None:
    import buildrunner.security.scanner as scanner

    for index in range(70):
        (tmp_path / f"f{index}.txt").write_text("x\n" * 50, "utf-8")
    engine = Engine(ScanOptions(jobs=2))
    from buildrunner.security.files import FileTarget

    targets = [
        FileTarget(str(p), p.name, p.name, p.stat().st_size) for p in sorted(tmp_path.iterdir())
    ]
    original = scanner._scan_batch
    scanner._scan_batch = _die  # type: ignore[assignment]
    try:
        with pytest.raises(scanner.ScanError, match="worker process stopped"):
            scanner._scan_parallel(engine, targets, 2)
    finally:
        scanner._scan_batch = original


def _die(batch: object) -> None:
    os._exit(9)


def test_library_default_root_is_the_git_top(git_repo: Path) -> None:
    sub = git_repo / "pkg"
    sub.mkdir()
    (sub / "a.env").write_text(f"T={Tokens(11).github()}\n", "utf-8")
    report = scan_paths(["."], cwd=sub)
    assert [(f.path, f.key_path) for f in report.findings] == [("a.env", "pkg/a.env")]
