from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.core.errors import UsageError
from buildrunner.security import scan_diff, scan_history, scan_staged
from buildrunner.security.gitdiff import parse_patch, read_blobs, unquote_path
from tests.helpers import git
from tests.security.tokens import Tokens

PATCH = b"""\x00commit aaaa
diff --git a/x.py b/x.py
--- a/x.py
+++ b/x.py
@@ -3,0 +4,2 @@ def f():
+added four
++++ looks like a header but is content
@@ -10 +12 @@
-old
+new twelve
diff --git "a/sp ace\\303\\251.txt" "b/sp ace\\303\\251.txt"
new file mode 100644
--- /dev/null
+++ "b/sp ace\\303\\251.txt"
@@ -0,0 +1 @@
+hello
\\ No newline at end of file
diff --git a/img.png b/img.png
Binary files /dev/null and b/img.png differ
\x00commit bbbb
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
"""


def test_parse_patch_maps_added_lines_to_file_lines() -> None:
    changes = list(parse_patch(PATCH.splitlines(keepends=True)))
    summary = [(c.commit, c.path, c.binary, c.numbers, c.lines) for c in changes]
    content = [b"added four", b"+++ looks like a header but is content", b"new twelve"]
    assert summary == [
        ("aaaa", "x.py", False, [4, 5, 12], content),
        ("aaaa", "sp aceé.txt", False, [1], [b"hello"]),
        ("aaaa", "img.png", True, [], []),
        ("bbbb", "", False, [], []),
    ]


def test_unquote_path() -> None:
    assert unquote_path(b'"tab\\there\\"q\\\\"') == 'tab\there"q\\'
    assert unquote_path(b"plain/path.py") == "plain/path.py"


def _commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).write_text(text, "utf-8")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_history_reports_each_commit_that_added_a_secret(git_repo: Path) -> None:
    t = Tokens(41)
    first = _commit_file(git_repo, "a.env", f"ONE={t.github()}\n", "one")
    _commit_file(git_repo, "a.env", "ONE=${ONE}\n", "remove it")
    third = _commit_file(git_repo, "b.py", f'x = 1\nKEY = "{t.anthropic()}"\n', "two")
    report = scan_history(git_repo)
    assert [(f.rule_id, f.path, f.line, f.commit) for f in report.findings] == [
        ("github-personal-access-token", "a.env", 1, first),
        ("anthropic-api-key", "b.py", 2, third),
    ]
    ranged = scan_history(git_repo, f"{first}..HEAD")
    assert [f.commit for f in ranged.findings] == [third]
    assert ranged.findings[0].to_json()["commit"] == third


def test_history_of_an_empty_repository_and_bad_ranges(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert scan_history(tmp_path).findings == ()
    with pytest.raises(UsageError, match="unknown revision"):
        scan_history(tmp_path, "nope..HEAD")
    with pytest.raises(UsageError, match="invalid"):
        scan_history(tmp_path, "--all")


def test_diff_scans_what_a_branch_added_since_it_forked(git_repo: Path) -> None:
    t = Tokens(42)
    git(git_repo, "checkout", "-q", "-b", "task")
    _commit_file(git_repo, "task.env", f"A={t.stripe()}\n", "task work")
    git(git_repo, "checkout", "-q", "main")
    _commit_file(git_repo, "main.env", f"B={t.stripe()}\n", "main moves on")
    report = scan_diff(git_repo, "main", "task")
    assert [(f.path, f.line, f.commit) for f in report.findings] == [("task.env", 1, None)]
    assert scan_diff(git_repo, "task", "task").findings == ()


def test_staged_before_the_first_commit_and_renames(tmp_path: Path) -> None:
    t = Tokens(43)
    git(tmp_path, "init", "-q")
    (tmp_path / "s.env").write_text(f"K={t.github()}\n", "utf-8")
    git(tmp_path, "add", "s.env")
    assert [f.path for f in scan_staged(tmp_path).findings] == ["s.env"]
    git(tmp_path, "commit", "-q", "-m", "x", "--no-verify")
    git(tmp_path, "mv", "s.env", "renamed.env")
    assert scan_staged(tmp_path).findings == ()  # a rename adds no line


def test_staged_skips_binary_and_large_additions(git_repo: Path) -> None:
    from buildrunner.security import ScanOptions

    token = Tokens(44).github()
    (git_repo / "blob.bin").write_bytes(b"\0\0" + token.encode())
    (git_repo / "big.txt").write_text("x" * 3000 + "\n" + token + "\n", "utf-8")
    git(git_repo, "add", "blob.bin", "big.txt")
    report = scan_staged(git_repo, options=ScanOptions(max_file_size=1000))
    assert report.findings == ()
    assert sorted((s.path, s.reason) for s in report.skipped) == [
        ("big.txt", "too large"),
        ("blob.bin", "binary"),
    ]


def test_read_blobs(git_repo: Path) -> None:
    (git_repo / "n.txt").write_text("staged\n", "utf-8")
    git(git_repo, "add", "n.txt")
    blobs = read_blobs(git_repo, [":n.txt", "HEAD:README.md", ":missing.txt"])
    assert blobs == {":n.txt": b"staged\n", "HEAD:README.md": b"# demo\n", ":missing.txt": None}
