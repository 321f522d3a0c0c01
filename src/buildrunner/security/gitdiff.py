"""Added lines from git: the index (``--staged``), history (``--history``) and branch ranges.

Everything is read from git objects, never from the working tree: a secret that is staged and
then deleted from the working tree is still found, and an unstaged one does not block a commit.
One ``git diff``/``git log -p`` with no context lines (``-U0``) gives, per file, the lines a
change adds and their line numbers in the new file; the parser streams it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from buildrunner.core.errors import GitError, UsageError
from buildrunner.core.git import git_executable, run_git

COMMIT_MARKER = b"\x00commit "
DIFF_OPTIONS: tuple[str, ...] = (
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--diff-filter=ACMRT",
    "--ignore-submodules",
)
GIT_CONFIG: tuple[str, ...] = ("-c", "core.quotepath=off", "-c", "diff.noprefix=false")

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BINARY = re.compile(rb"^Binary files (?:.*?) and (.*) differ$")
_ESCAPES = {
    ord("a"): 7,
    ord("b"): 8,
    ord("t"): 9,
    ord("n"): 10,
    ord("v"): 11,
    ord("f"): 12,
    ord("r"): 13,
    ord('"'): 34,
    ord("\\"): 92,
}


@dataclass
class FileChange:
    """The lines one commit (or the index) adds to one file."""

    path: str
    commit: str | None = None
    binary: bool = False
    numbers: list[int] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines)

    def text(self) -> bytes:
        return b"\n".join(self.lines)


def unquote_path(raw: bytes) -> str:
    """A path as git prints it (C-quoted when it holds special characters), decoded."""
    if len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"'):
        body = raw[1:-1]
        out = bytearray()
        index = 0
        while index < len(body):
            char = body[index]
            if char == 92 and index + 1 < len(body):  # backslash
                nxt = body[index + 1]
                if 48 <= nxt <= 55 and index + 3 < len(body):  # octal \ooo
                    out.append(int(body[index + 1 : index + 4], 8))
                    index += 4
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                index += 2
                continue
            out.append(char)
            index += 1
        raw = bytes(out)
    return raw.decode("utf-8", "surrogateescape")


def _strip_prefix(path: str) -> str:
    return path[2:] if path.startswith("b/") else path


def parse_patch(stream: Iterable[bytes]) -> Iterator[FileChange]:
    """Per file and commit, the added lines of a ``-U0`` patch (``git diff``/``git log -p``).

    Commit boundaries are lines starting with :data:`COMMIT_MARKER` followed by the id.
    Hunk line counts are tracked, so an added line that itself starts with ``+++`` is read
    as content, not as a header.
    """
    commit: str | None = None
    current: FileChange | None = None
    old_left = new_left = 0
    number = 0
    for raw_line in stream:
        line = raw_line[:-1] if raw_line.endswith(b"\n") else raw_line
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag == b"+":
                if current is not None:
                    current.numbers.append(number)
                    current.lines.append(line[1:])
                number += 1
                new_left -= 1
                continue
            if tag == b"-":
                old_left -= 1
                continue
            if tag == b" ":
                number += 1
                old_left -= 1
                new_left -= 1
                continue
            if tag == b"\\":
                continue
            old_left = new_left = 0  # malformed hunk: resynchronise on headers
        if line.startswith(COMMIT_MARKER):
            if current is not None:
                yield current
                current = None
            commit = line[len(COMMIT_MARKER) :].strip().decode("ascii", "replace")
        elif line.startswith(b"diff --git "):
            if current is not None:
                yield current
            current = FileChange(path="", commit=commit)
        elif line.startswith(b"+++ ") and current is not None:
            target = line[4:]
            current.path = "" if target == b"/dev/null" else _strip_prefix(unquote_path(target))
        elif line.startswith(b"@@ ") and current is not None:
            match = _HUNK.match(line)
            if match:
                old_left = int(match.group(1)) if match.group(1) is not None else 1
                number = int(match.group(2))
                new_left = int(match.group(3)) if match.group(3) is not None else 1
        elif line.startswith(b"Binary files ") and current is not None:
            match = _BINARY.match(line)
            current.binary = True
            if match and match.group(1) != b"/dev/null":
                current.path = _strip_prefix(unquote_path(match.group(1)))
    if current is not None:
        yield current


def _check_revision(text: str, what: str) -> None:
    if not text or text.startswith("-") or "\0" in text or "\n" in text:
        raise UsageError(
            f"invalid {what} '{text}'", hint="give a revision or range like main..HEAD"
        )


def staged_changes(repo: Path) -> list[FileChange]:
    """What the index adds compared with HEAD (or with nothing, before the first commit)."""
    args = [*GIT_CONFIG, "diff", "--cached", *DIFF_OPTIONS]
    out = run_git(args, cwd=repo).stdout
    return [c for c in parse_patch(out.splitlines(keepends=True)) if c.path]


def range_changes(repo: Path, base: str, head: str = "HEAD") -> list[FileChange]:
    """What `head` adds since it forked from `base` (``git diff base...head``)."""
    _check_revision(base, "base revision")
    _check_revision(head, "head revision")
    args = [*GIT_CONFIG, "diff", *DIFF_OPTIONS, f"{base}...{head}", "--"]
    proc = run_git(args, cwd=repo, check=False)
    if proc.returncode != 0:
        raise _revision_error(proc.stderr, f"{base}...{head}")
    return [c for c in parse_patch(proc.stdout.splitlines(keepends=True)) if c.path]


def history_changes(repo: Path, rev_range: str | None = None) -> Iterator[FileChange]:
    """The lines every commit in `rev_range` (default: all of HEAD's history) adds.

    Streams ``git log -p``, so long histories are not held in memory.
    """
    if rev_range is not None:
        _check_revision(rev_range, "revision range")
    args = [
        git_executable(),
        *GIT_CONFIG,
        "log",
        "-p",
        *DIFF_OPTIONS,
        "--no-show-signature",
        "--format=%x00commit %H",
        rev_range or "HEAD",
        "--",
    ]
    import tempfile

    # stderr goes to a file: a pipe could fill up and stall git while we read stdout.
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(args, cwd=repo, stdout=subprocess.PIPE, stderr=errors) as proc,
    ):
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - stdout=PIPE always gives a stream
            raise GitError("git log produced no output stream")
        yield from (c for c in parse_patch(stdout) if c.path)
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read()
    if code != 0:
        unborn = b"does not have any commits" in stderr or b"bad revision 'HEAD'" in stderr
        if rev_range is None and unborn:
            return  # no commit yet: no history
        raise _revision_error(stderr, rev_range or "HEAD")


def _revision_error(stderr: bytes, what: str) -> Exception:
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    first = message[0] if message else "git failed"
    if "unknown revision" in first or "bad revision" in first or "ambiguous argument" in first:
        return UsageError(f"unknown revision or range '{what}'", hint=first.removeprefix("fatal: "))
    return GitError(f"git could not read '{what}': {first}")


def read_blobs(repo: Path, specs: Sequence[str]) -> dict[str, bytes | None]:
    """Contents of git objects named like ``:path`` (index) or ``<commit>:path``, in one call.

    Missing objects map to None.
    """
    if not specs:
        return {}
    request = b"".join(spec.encode("utf-8", "surrogateescape") + b"\n" for spec in specs)
    out = run_git(["cat-file", "--batch"], cwd=repo, input_bytes=request).stdout
    result: dict[str, bytes | None] = {}
    position = 0
    for spec in specs:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            result[spec] = None
            continue
        size = int(header[2])
        result[spec] = out[position : position + size]
        position += size + 1
    return result
