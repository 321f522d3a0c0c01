"""The log file: ``<data dir>/logs/br.log``, where unexpected errors leave their traceback."""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from buildrunner.core.paths import ProjectPaths


def crash_log_path(paths: ProjectPaths | None) -> Path:
    """Where a traceback goes: the project's log file, or the temp dir without a project."""
    if paths is not None:
        return paths.log_file
    return Path(tempfile.gettempdir()) / "br-crash.log"


def write_crash_log(
    exc: BaseException, *, paths: ProjectPaths | None, argv: list[str], redact: object = None
) -> Path:
    """Append the traceback of `exc` to the log file and return its path.

    `redact` is a callable ``str -> str`` applied to the text first (secrets never reach the
    log). Falls back to the temp directory when the project log is not writable.
    """
    text = "".join(traceback.format_exception(exc))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    entry = f"--- {stamp} pid={os.getpid()} br {' '.join(argv)}\n{text}\n"
    if callable(redact):
        entry = str(redact(entry))
    for target in (crash_log_path(paths), crash_log_path(None)):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as handle:
                handle.write(entry)
            return target
        except OSError:
            continue
    return crash_log_path(None)
