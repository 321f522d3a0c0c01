"""Which files a path scan reads, and how: discovery, exclusions, symlinks, binary and size.

In a git repository a directory means the files git tracks plus the untracked files it does
not ignore (one ``git ls-files`` call). Outside git it means a walk that skips version-control
metadata, virtual environments, caches and ``node_modules``. Files that cannot or should not be
scanned are reported as skipped with a reason; nothing raises for one bad file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrunner.core.errors import UsageError
from buildrunner.core.git import run_git
from buildrunner.core.paths import find_git_worktree
from buildrunner.security.report import (
    SKIP_BINARY,
    SKIP_BROKEN_SYMLINK,
    SKIP_EXCLUDED,
    SKIP_OUTSIDE,
    SKIP_TOO_LARGE,
    SKIP_UNREADABLE,
    SkippedFile,
)

LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "packages.lock.json",
        "podfile.lock",
        "mix.lock",
        "pubspec.lock",
        "flake.lock",
        "gradle.lockfile",
    }
)
"""Lock files hold integrity hashes and resolved URLs, never credentials a person wrote."""

MINIFIED_SUFFIXES: tuple[str, ...] = (".min.js", ".min.mjs", ".min.css", ".js.map", ".css.map")

BINARY_SUFFIXES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd",
        ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar", ".war",
        ".ear", ".whl", ".egg", ".so", ".dll", ".dylib", ".exe", ".bin", ".o", ".a", ".lib",
        ".pyc", ".pyo", ".class", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4",
        ".wav", ".ogg", ".flac", ".avi", ".mov", ".mkv", ".webm", ".sqlite", ".sqlite3",
        ".npy", ".npz", ".pkl", ".parquet", ".avro", ".icns", ".dmg", ".iso", ".deb", ".rpm",
    }
)  # fmt: skip
"""Suffixes of files that are binary by nature: skipped without being read."""

VENDOR_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "vendor",
        "site-packages",
        "dist-packages",
    }
)
"""Directories of third-party code copied into a project (skipped wherever they are)."""

WALK_PRUNE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".bench-venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
    }
    | VENDOR_DIRS
)
"""Directories a walk outside git does not enter."""

BINARY_SNIFF = 8192
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class FileTarget:
    """A file to scan: where to read it, how to show it, and its project-relative key."""

    fs_path: str
    display: str
    key: str
    size: int


class PathFilter:
    """Project paths that are not scanned: built-in exclusions and configured patterns."""

    def __init__(self, patterns: Sequence[str] = (), *, default_excludes: bool = True) -> None:
        self.default_excludes = default_excludes
        self._patterns = tuple(patterns)
        self._spec: Any = None

    def reason(self, key: str) -> str | None:
        """Why `key` (a ``/``-separated project path) is excluded, or None."""
        name = key.rsplit("/", 1)[-1].lower()
        if self.default_excludes:
            if name in LOCK_FILES:
                return "lock file"
            if name.endswith(MINIFIED_SUFFIXES):
                return "minified"
            parts = key.split("/")[:-1]
            if any(part in VENDOR_DIRS for part in parts):
                return "vendored"
        if self._patterns and self._matches(key):
            return "excluded by configuration"
        return None

    def _matches(self, key: str) -> bool:
        if self._spec is None:
            import pathspec

            self._spec = pathspec.GitIgnoreSpec.from_lines(self._patterns)
        return bool(self._spec.match_file(key))


def is_binary_name(key: str) -> bool:
    name = key.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return dot > 0 and name[dot:] in BINARY_SUFFIXES


def prepare_text(data: bytes) -> bytes | None:
    """The bytes to scan, or None for binary data. UTF-16 text (with a BOM) becomes UTF-8."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8", "surrogateescape")
        except UnicodeDecodeError:
            return None
    if b"\0" in data[:BINARY_SNIFF]:
        return None
    return data


def read_target(target: FileTarget, max_size: int) -> bytes | SkippedFile:
    """The text of `target` ready to scan, or why it is skipped (never raises OSError)."""
    try:
        with open(target.fs_path, "rb") as handle:
            data = handle.read(max_size + 1)
    except OSError as exc:
        return SkippedFile(target.display, SKIP_UNREADABLE, exc.strerror or str(exc))
    if len(data) > max_size:
        return SkippedFile(target.display, SKIP_TOO_LARGE, f"larger than {max_size} bytes")
    text = prepare_text(data)
    if text is None:
        return SkippedFile(target.display, SKIP_BINARY)
    return text


class _Paths:
    """Turns absolute paths into display paths (from cwd) and keys (from the root)."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(root)
        self.cwd = os.path.abspath(cwd)

    @staticmethod
    def _relative(path: str, base: str) -> str:
        if path.startswith(base + os.sep):
            rel = path[len(base) + 1 :]
        elif path == base:
            rel = "."
        else:
            rel = os.path.relpath(path, base)
        return rel.replace(os.sep, "/")

    def display(self, path: str) -> str:
        return self._relative(path, self.cwd)

    def key(self, path: str) -> str:
        if path.startswith(self.root + os.sep):
            return path[len(self.root) + 1 :].replace(os.sep, "/")
        return self.display(path)

    def inside_root(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root + os.sep)


def discover(
    paths: Sequence[Path | str],
    *,
    root: Path,
    cwd: Path,
    max_size: int,
    path_filter: PathFilter,
) -> tuple[list[FileTarget], list[SkippedFile]]:
    """The files to scan under `paths`, and the ones skipped (with reasons).

    Raises UsageError when a path named on the command line does not exist.
    """
    mapper = _Paths(root, cwd)
    candidates: dict[str, None] = {}
    skipped: list[SkippedFile] = []
    for given in paths:
        absolute = os.path.abspath(os.path.join(mapper.cwd, os.fspath(given)))
        if not os.path.lexists(absolute):
            raise UsageError(f"{given}: no such file or directory")
        if os.path.isdir(absolute) and not os.path.islink(absolute):
            for found in _list_directory(absolute, skipped, mapper):
                candidates[found] = None
        else:
            candidates[absolute] = None
    targets: list[FileTarget] = []
    links: list[str] = []
    for path in candidates:
        _classify(path, mapper, max_size, path_filter, targets, links, skipped)
    if links:
        known = {t.key for t in targets}
        for link in links:
            _follow(link, mapper, max_size, path_filter, known, targets, skipped)
    return targets, skipped


def _list_directory(directory: str, skipped: list[SkippedFile], mapper: _Paths) -> Iterable[str]:
    top = find_git_worktree(Path(directory))
    if top is not None:
        return _git_files(str(top), directory)
    return _walk(directory, skipped, mapper)


def _git_files(top: str, directory: str) -> list[str]:
    rel = os.path.relpath(directory, top)
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", rel]
    out = run_git(args, cwd=Path(top)).stdout
    names = dict.fromkeys(
        name for name in out.decode("utf-8", "surrogateescape").split("\0") if name
    )
    return [os.path.join(top, name) for name in names]


def _walk(directory: str, skipped: list[SkippedFile], mapper: _Paths) -> Iterable[str]:
    def on_error(exc: OSError) -> None:
        where = mapper.display(exc.filename) if exc.filename else mapper.display(directory)
        skipped.append(SkippedFile(where, SKIP_UNREADABLE, exc.strerror or str(exc)))

    for current, dirs, files in os.walk(directory, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if d not in WALK_PRUNE)
        for name in sorted(files):
            yield os.path.join(current, name)


def _classify(
    path: str,
    mapper: _Paths,
    max_size: int,
    path_filter: PathFilter,
    targets: list[FileTarget],
    links: list[str],
    skipped: list[SkippedFile],
) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return  # tracked by git but deleted from the working tree: nothing to read
    except OSError as exc:
        skipped.append(SkippedFile(mapper.display(path), SKIP_UNREADABLE, exc.strerror or ""))
        return
    if stat.S_ISLNK(info.st_mode):
        links.append(path)
        return
    if not stat.S_ISREG(info.st_mode):
        return  # directories (submodules), sockets, FIFOs: not files to scan
    _add(path, path, info.st_size, mapper, max_size, path_filter, targets, skipped)


def _add(
    path: str,
    read_from: str,
    size: int,
    mapper: _Paths,
    max_size: int,
    path_filter: PathFilter,
    targets: list[FileTarget],
    skipped: list[SkippedFile],
) -> None:
    key = mapper.key(path)
    display = mapper.display(path)
    reason = path_filter.reason(key)
    if reason is not None:
        skipped.append(SkippedFile(display, SKIP_EXCLUDED, reason))
    elif is_binary_name(key):
        skipped.append(SkippedFile(display, SKIP_BINARY))
    elif size > max_size:
        skipped.append(SkippedFile(display, SKIP_TOO_LARGE, f"{size} bytes > {max_size}"))
    else:
        targets.append(FileTarget(read_from, display, key, size))


def _follow(
    link: str,
    mapper: _Paths,
    max_size: int,
    path_filter: PathFilter,
    known: set[str],
    targets: list[FileTarget],
    skipped: list[SkippedFile],
) -> None:
    """A symlink is read only if it stays inside the project and its target is not scanned
    already under its own name."""
    display = mapper.display(link)
    real = os.path.realpath(link)
    try:
        info = os.stat(real)
    except OSError:
        skipped.append(SkippedFile(display, SKIP_BROKEN_SYMLINK))
        return
    if not mapper.inside_root(real):
        skipped.append(SkippedFile(display, SKIP_OUTSIDE))
        return
    if not stat.S_ISREG(info.st_mode):
        return
    real_key = os.path.relpath(real, mapper.real_root).replace(os.sep, "/")
    if real_key in known:
        return
    known.add(real_key)
    _add(link, real, info.st_size, mapper, max_size, path_filter, targets, skipped)
