"""Batch estimation: JSON Lines in (``{"id", "text"}``), one estimate per line out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrunner.core.errors import InputError
from buildrunner.routing.complexity import Level, estimate_complexity


@dataclass(frozen=True)
class BatchItem:
    """One task of a batch file."""

    id: str
    text: str
    files: tuple[str, ...] = ()


def read_batch(path: Path) -> list[BatchItem]:
    """Parse a JSON Lines file; a bad line is an InputError naming the file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", hint="save the batch file as UTF-8") from None
    items: list[BatchItem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(f'{path}:{number}: expected an object with a "text" string')
        files = row.get("files") or []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise InputError(f'{path}:{number}: "files" must be a list of paths')
        items.append(BatchItem(str(row.get("id", number)), row["text"], tuple(files)))
    return items


def estimate_batch(
    items: list[BatchItem], *, default_level: Level = "moderate", root: Path | None = None
) -> Iterator[dict[str, Any]]:
    """One output object per item: id, level, score, tokens, reasons (signal ids and phrases)."""
    for item in items:
        estimate = estimate_complexity(
            item.text, files=item.files, default_level=default_level, root=root
        )
        yield {
            "id": item.id,
            "level": estimate.level,
            "score": estimate.score,
            "tokens": estimate.tokens,
            "is_default": estimate.is_default,
            "reasons": [f"{r.signal}: {r.matched}" for r in estimate.reasons],
        }
