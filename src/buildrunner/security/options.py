"""What a scan is asked to do: analyzers, limits, allowlists, baseline, parallelism."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
DEFAULT_BASELINE = ".buildrunner/secrets-baseline.json"


@dataclass(frozen=True)
class ScanOptions:
    """Options of one scan. Build them from configuration with :meth:`from_config`.

    - ``analyzers``: names of the analyzers to run (``secrets``, ``sql``).
    - ``max_file_size``: larger files (or larger added text) are skipped and reported.
    - ``jobs``: processes for large scans; 0 means one per CPU, 1 scans in-process.
    - ``exclude_paths``: gitignore-style patterns of project paths never scanned.
    - ``allow_values`` / ``stopwords``: a secret matching one of these regexes, or containing
      one of these words, is not reported.
    - ``disabled_rules``: rule ids that never report.
    - ``baseline``: the baseline file; findings recorded there are not reported as new.
    - ``default_excludes``: skip lock files, vendored and minified code (on by default).
    """

    analyzers: tuple[str, ...] = ("secrets", "sql")
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0
    exclude_paths: tuple[str, ...] = ()
    allow_values: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    baseline: Path | None = None
    default_excludes: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def worker_count(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)

    @classmethod
    def from_config(
        cls, security: Any, *, root: Path | None = None, **overrides: Any
    ) -> ScanOptions:
        """Options from a ``[security]`` configuration section, then `overrides`.

        A relative ``baseline`` is taken from `root` (the project root); it is used only
        when the file exists.
        """
        from buildrunner.security.analyzers import BUILTIN_ANALYZERS

        # Each analyzer is switched by the boolean key of its name ([security] secrets = true).
        analyzers = tuple(
            spec.name for spec in BUILTIN_ANALYZERS if bool(getattr(security, spec.name, True))
        )
        baseline_setting = str(getattr(security, "baseline", DEFAULT_BASELINE) or "")
        baseline: Path | None = None
        if baseline_setting:
            baseline = Path(baseline_setting)
            if not baseline.is_absolute() and root is not None:
                baseline = root / baseline
        values: dict[str, Any] = {
            "analyzers": analyzers,
            "max_file_size": int(getattr(security, "max_file_size", DEFAULT_MAX_FILE_SIZE)),
            "jobs": int(getattr(security, "jobs", 0)),
            "exclude_paths": tuple(getattr(security, "exclude_paths", ())),
            "allow_values": tuple(getattr(security, "allow_values", ())),
            "stopwords": tuple(getattr(security, "stopwords", ())),
            "disabled_rules": tuple(getattr(security, "disabled_rules", ())),
            "baseline": baseline,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
