"""The log file: ``<data dir>/logs/br.log``.

Library code logs through ``logging.getLogger("buildrunner.<subsystem>")``. The CLI calls
:func:`configure_logging` once per run with the configured level; the file is created only when
something is written, and every record passes through the secret masker first. Unexpected errors
leave their traceback here too (:func:`write_crash_log`).
"""

from __future__ import annotations

import logging
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


class _RedactingFilter(logging.Filter):
    """Masks secrets in the formatted message before it reaches the file."""

    def filter(self, record: logging.LogRecord) -> bool:
        from buildrunner.core.redact import redact_text

        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


_configured: Path | None = None


def configure_logging(paths: ProjectPaths, level: str) -> Path:
    """Send the ``buildrunner`` logger to the project's log file at `level` (idempotent)."""
    global _configured
    logger = logging.getLogger("buildrunner")
    logger.setLevel(level.upper())
    if _configured == paths.log_file:
        return paths.log_file
    for handler in list(logger.handlers):
        if getattr(handler, "_br_file", False):
            logger.removeHandler(handler)
            handler.close()
    handler = _LazyFileHandler(paths.log_file)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(_RedactingFilter())
    handler._br_file = True  # type: ignore[attr-defined]  # marks our handler for replacement
    logger.addHandler(handler)
    logger.propagate = False
    _configured = paths.log_file
    return paths.log_file


class _LazyFileHandler(logging.FileHandler):
    """A file handler that creates the log directory on first write and never raises."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        super().emit(record)
