"""The baseline: findings a team has accepted, so only new ones fail a scan.

``.buildrunner/secrets-baseline.json`` is committed with the code, so it must not churn. An
entry is keyed by the finding's fingerprint, a hash of (rule id, project path, secret hash):
no line numbers, no timestamps, no secret (not even masked). Entries are sorted and the file is
rewritten only when its content changes, so moving code around leaves it byte for byte the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from buildrunner.core.errors import InputError
from buildrunner.security.findings import Finding
from buildrunner.security.options import ScanOptions

BASELINE_VERSION = 1


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """One accepted finding: where (project path), which rule, and its fingerprint."""

    path: str
    rule_id: str
    fingerprint: str
    kind: str = "secret"

    def to_json(self) -> dict[str, str]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "path": self.path,
        }

    @classmethod
    def from_finding(cls, finding: Finding) -> BaselineEntry:
        return cls(
            path=finding.key_path or finding.path,
            rule_id=finding.rule_id,
            fingerprint=finding.fingerprint,
            kind=finding.kind,
        )


@dataclass(frozen=True)
class Baseline:
    """A set of accepted findings."""

    entries: tuple[BaselineEntry, ...] = ()

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(entry.fingerprint for entry in self.entries)

    def filter(self, findings: Sequence[Finding]) -> tuple[list[Finding], int]:
        """The findings not in the baseline, and how many were."""
        known = self.fingerprints
        new = [f for f in findings if f.fingerprint not in known]
        return new, len(findings) - len(new)

    def to_text(self) -> str:
        """The file content: stable, sorted JSON with a trailing newline."""
        data = {
            "version": BASELINE_VERSION,
            "description": "Findings accepted with `br security baseline`; keyed by fingerprint "
            "(rule, path, secret hash). Contains no secrets.",
            "entries": [entry.to_json() for entry in sorted(set(self.entries))],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Baseline:
        return cls(tuple(sorted({BaselineEntry.from_finding(f) for f in findings})))


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; an InputError (exit 3) says what is wrong with a bad one."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"baseline {path} is not valid JSON ({exc})",
            hint="fix it or recreate it with `br security baseline create --force`",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InputError(f"baseline {path} has no 'entries' list", hint="recreate it")
    if data.get("version") != BASELINE_VERSION:
        raise InputError(
            f"baseline {path} has version {data.get('version')!r}, expected {BASELINE_VERSION}"
        )
    entries = []
    for index, item in enumerate(data["entries"]):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("fingerprint", "rule_id", "path")
        ):
            raise InputError(
                f"baseline {path}: entry {index} needs string fingerprint, rule_id and path"
            )
        entries.append(
            BaselineEntry(
                path=item["path"],
                rule_id=item["rule_id"],
                fingerprint=item["fingerprint"],
                kind=str(item.get("kind", "secret")),
            )
        )
    return Baseline(tuple(sorted(entries)))


def write_baseline(baseline: Baseline, path: Path) -> bool:
    """Write `baseline` to `path` if its content differs; True if the file changed."""
    from buildrunner.core.project import write_atomic

    text = baseline.to_text()
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc
    return True


@dataclass(frozen=True)
class BaselineChange:
    """What ``baseline create|update`` did."""

    path: Path
    baseline: Baseline
    added: tuple[BaselineEntry, ...]
    removed: tuple[BaselineEntry, ...]
    written: bool


def merge_baseline(
    old: Baseline, findings: Sequence[Finding]
) -> tuple[Baseline, list[BaselineEntry], list[BaselineEntry]]:
    """The baseline after a scan: current findings kept (old entries too while present),
    entries whose finding is gone dropped. Returns (new baseline, added, removed)."""
    current = Baseline.from_findings(findings)
    new_fps = current.fingerprints
    old_fps = old.fingerprints
    added = [e for e in current.entries if e.fingerprint not in old_fps]
    removed = [e for e in old.entries if e.fingerprint not in new_fps]
    return current, added, removed


def stale_entries(baseline: Baseline, findings: Sequence[Finding]) -> list[BaselineEntry]:
    """Entries whose secret is no longer found (fixed, or moved to another file)."""
    found = {f.fingerprint for f in findings}
    return [entry for entry in baseline.entries if entry.fingerprint not in found]


def _scan_project(root: Path, options: ScanOptions) -> list[Finding]:
    from buildrunner.security.scanner import scan_paths

    unfiltered = replace(options, baseline=None)
    return list(scan_paths([root], root=root, cwd=root, options=unfiltered).findings)


def create_baseline(
    root: Path, path: Path, options: ScanOptions, *, force: bool = False
) -> BaselineChange:
    """Scan the project and record every finding as accepted in a new baseline at `path`."""
    if path.exists() and not force:
        raise InputError(
            f"baseline {path} already exists",
            hint="use `br security baseline update`, or `create --force` to start over",
        )
    baseline = Baseline.from_findings(_scan_project(root, options))
    written = write_baseline(baseline, path)
    return BaselineChange(path, baseline, baseline.entries, (), written)


def update_baseline(root: Path, path: Path, options: ScanOptions) -> BaselineChange:
    """Add the project's new findings to the baseline and drop entries whose secret is gone.

    The file is rewritten only if its content changes.
    """
    old = load_baseline(path) if path.exists() else Baseline()
    baseline, added, removed = merge_baseline(old, _scan_project(root, options))
    written = write_baseline(baseline, path)
    return BaselineChange(path, baseline, tuple(added), tuple(removed), written)


@dataclass(frozen=True)
class BaselineAudit:
    """Entries of a baseline whose finding is still there, and those that are gone."""

    path: Path
    present: tuple[BaselineEntry, ...]
    gone: tuple[BaselineEntry, ...]


def audit_baseline(root: Path, path: Path, options: ScanOptions) -> BaselineAudit:
    """Which baseline entries no longer match a finding (fixed secrets, moved files)."""
    if not path.exists():
        raise InputError(
            f"no baseline at {path}", hint="create one with `br security baseline create`"
        )
    baseline = load_baseline(path)
    gone = stale_entries(baseline, _scan_project(root, options))
    gone_set = set(gone)
    present = tuple(e for e in baseline.entries if e not in gone_set)
    return BaselineAudit(path, present, tuple(gone))
