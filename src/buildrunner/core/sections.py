"""The schema of `br`'s configuration: one frozen dataclass per section.

Each subsystem owns one section (``[security]``, ``[routing]``, ...). A key is declared with
:func:`buildrunner.core.config.setting`: default, help text (shown by ``br config show`` and in
the commented ``config.toml`` that ``br init`` writes) and an optional check. The environment
name of a key is ``BR_<SECTION>_<KEY>`` (``BR_CORE_LOG_LEVEL``); :data:`ENV_ALIASES` adds a few
short names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from buildrunner.core.config import Duration, Size, at_least, between, setting


@dataclass(frozen=True)
class CoreConfig:
    """General behaviour of every command."""

    log_level: Literal["debug", "info", "warning", "error"] = setting(
        "warning", "Lowest level written to the log file (.buildrunner/logs/br.log)."
    )
    db_timeout: Duration = setting(
        30.0,
        "How long to wait for a database lock held by another process before failing.",
        check=at_least(0.1),
    )
    color: Literal["auto", "always", "never"] = setting(
        "auto", "Colour in terminal output; NO_COLOR in the environment also turns it off."
    )


def _regexes(values: tuple[str, ...]) -> str | None:
    import re

    for pattern in values:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"invalid regular expression {pattern!r}: {exc}"
    return None


def _known_gap_checks(value: tuple[str, ...]) -> str | None:
    known = ("env-files", "private-keys", "ci-credentials", "history", "hook", "baseline")
    unknown = [check for check in value if check not in known]
    return f"unknown check {unknown[0]!r}; choose from {', '.join(known)}" if unknown else None


@dataclass(frozen=True)
class SecurityConfig:
    """Secret scanning: limits, allowlists, the baseline and the pre-commit hook."""

    secrets: bool = setting(
        True, "Run the secret analyzer (`--no-secrets` turns it off for one run)."
    )
    max_file_size: Size = setting(
        5 * 1024 * 1024, "Files larger than this are not read; they are reported as skipped."
    )
    jobs: int = setting(
        0, "Worker processes for large scans; 0 means one per CPU.", check=at_least(0)
    )
    baseline: str = setting(
        ".buildrunner/secrets-baseline.json",
        "Baseline of accepted findings, relative to the project root (used when it exists).",
    )
    exclude_paths: tuple[str, ...] = setting(
        (), "Paths never scanned: gitignore-style patterns relative to the project root."
    )
    allow_values: tuple[str, ...] = setting(
        (), "Regular expressions: a secret matching one is not reported.", check=_regexes
    )
    stopwords: tuple[str, ...] = setting(
        (), "Words: a secret containing one (case-insensitive) is not reported."
    )
    disabled_rules: tuple[str, ...] = setting(
        (), "Rule ids that never report (see `br security rules`)."
    )

    # --- SQL injection and gap analysis (issue 4) ---
    sql: bool = setting(
        True,
        "Run the SQL-injection analyzer on Python and JS/TS files (`--no-sql` turns it off "
        "for one run).",
    )
    gap_checks: tuple[str, ...] = setting(
        ("env-files", "private-keys", "ci-credentials", "history", "hook", "baseline"),
        "Checks `br gaps analyze` runs (env-files, private-keys, ci-credentials, history, "
        "hook, baseline).",
        check=_known_gap_checks,
    )


# --- quality gate (issue 4) -------------------------------------------------------------


def _known_gates(value: tuple[str, ...]) -> str | None:
    known = ("security", "coverage", "tests", "lint")
    unknown = [gate for gate in value if gate not in known]
    return f"unknown gate {unknown[0]!r}; choose from {', '.join(known)}" if unknown else None


@dataclass(frozen=True)
class QualityConfig:
    """The quality gate (`br quality check`): which gates run and what they require."""

    gates: tuple[str, ...] = setting(
        ("security", "coverage", "tests", "lint"),
        "Gates `br quality check` runs (security, coverage, tests, lint); tests and lint are "
        "skipped while no command is configured.",
        check=_known_gates,
    )
    coverage_threshold: float = setting(
        85.0,
        "Minimum total coverage in percent (lines, plus branches if measured).",
        check=between(0, 100),
    )
    coverage_file: str = setting(
        "",
        "Coverage data to read, relative to the project root: a Cobertura coverage.xml, a "
        "coverage.py .coverage file or an LCOV lcov.info. Empty: the first of coverage.xml, "
        ".coverage, coverage/lcov.info, lcov.info.",
    )
    tests_command: str = setting(
        "", "Command that runs the tests and must exit 0 (split like a shell, not run by one)."
    )
    lint_commands: tuple[str, ...] = setting(
        (), "Commands that must each exit 0 (linters, type checkers, formatters in check mode)."
    )
    command_timeout: Duration = setting(
        1800.0,
        "How long a tests or lint command may run before the gate fails.",
        check=at_least(1),
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration; one attribute per section."""

    core: CoreConfig = setting(factory=CoreConfig)
    security: SecurityConfig = setting(factory=SecurityConfig)
    quality: QualityConfig = setting(factory=QualityConfig)


ENV_ALIASES: dict[str, str] = {}
"""Short environment names for configuration keys (``BR_TELEMETRY`` -> ``telemetry.enabled``)."""
