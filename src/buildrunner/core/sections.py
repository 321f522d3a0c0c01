"""The schema of `br`'s configuration: one frozen dataclass per section.

Each subsystem owns one section (``[security]``, ``[routing]``, ...). A key is declared with
:func:`buildrunner.core.config.setting`: default, help text (shown by ``br config show`` and in
the commented ``config.toml`` that ``br init`` writes) and an optional check. The environment
name of a key is ``BR_<SECTION>_<KEY>`` (``BR_CORE_LOG_LEVEL``); :data:`ENV_ALIASES` adds a few
short names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from buildrunner.core.config import Check, Duration, Size, at_least, between, setting


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


# --------------------------------------------------------------------------- [routing]


def _positive_amount(value: Decimal) -> str | None:
    return None if value > 0 else "must be greater than 0"


_LEVELS = ("simple", "moderate", "complex", "critical")
_PRICE_KEYS = (
    "input", "output", "cache_write_5m", "cache_write_1h", "cache_read",
    "long_context_threshold", "long_context_input", "long_context_output",
    "long_context_cache_write_5m", "long_context_cache_write_1h", "long_context_cache_read",
)  # fmt: skip


def _known_keys(allowed: tuple[str, ...], *, nested: bool = False) -> Check:
    def check(value: Mapping[str, object]) -> str | None:
        tables = value.values() if nested else [value]
        for table in tables:
            unknown = sorted(set(table) - set(allowed))  # type: ignore[call-overload]  # a mapping
            if unknown:
                return f"unknown key '{unknown[0]}' (known: {', '.join(allowed)})"
        return None

    return check


@dataclass(frozen=True)
class RoutingConfig:
    """Model routing: tiers, complexity, fallback, retries, circuit breaker, budgets, prices."""

    haiku_model: str = setting("claude-haiku-5-5", "Model id of the haiku tier (cheapest).")
    sonnet_model: str = setting("claude-sonnet-5-5", "Model id of the sonnet tier.")
    opus_model: str = setting("claude-opus-5-5", "Model id of the opus tier (strongest).")
    level_tiers: Mapping[str, str] = setting(
        factory=lambda: MappingProxyType(
            {"simple": "haiku", "moderate": "sonnet", "complex": "opus", "critical": "opus"}
        ),
        help="Tier (or model id) chosen for each complexity level.",
        check=_known_keys(_LEVELS),
    )
    default_level: Literal["simple", "moderate", "complex", "critical"] = setting(
        "moderate", "Level given to a task whose text carries no signal at all."
    )
    fallback: Mapping[str, tuple[str, ...]] = setting(
        factory=lambda: MappingProxyType(
            {"opus": ("sonnet", "haiku"), "sonnet": ("haiku",), "haiku": ("sonnet",)}
        ),
        help="Overload fallback chain per tier (529, open breaker, retries exhausted).",
    )
    base_url: str = setting(
        "", "Messages API base URL; empty: ANTHROPIC_BASE_URL or the SDK default."
    )
    api_key_env: str = setting(
        "ANTHROPIC_API_KEY", "Environment variable that holds the API key (never stored)."
    )
    max_tokens: int = setting(4096, "Default max_tokens of a call.", check=at_least(1))
    timeout: Duration = setting(
        120.0, "Timeout of one HTTP attempt (capped by the deadline).", check=at_least(0.01)
    )
    deadline: Duration = setting(
        300.0,
        "Overall deadline of one call, retries and fallbacks included.",
        check=at_least(0.01),
    )
    max_attempts: int = setting(
        3, "Attempts per model for retryable failures (429, 5xx, timeouts).", check=at_least(1)
    )
    overload_attempts: int = setting(
        2, "Attempts per model on 529 overloaded before falling back.", check=at_least(1)
    )
    max_fallbacks: int = setting(
        2, "Most fallback hops of one call (each model is tried once).", check=at_least(0)
    )
    backoff_base: Duration = setting(0.5, "First backoff wait; doubles per attempt.")
    backoff_cap: Duration = setting(8.0, "Longest backoff wait without a server hint.")
    breaker_failures: int = setting(
        3, "Failures within breaker_window that open a model's circuit.", check=at_least(1)
    )
    breaker_window: Duration = setting(60.0, "Window in which breaker failures are counted.")
    breaker_cooldown: Duration = setting(
        30.0, "How long an open circuit skips its model before a half-open probe."
    )
    breaker_max_cooldown: Duration = setting(
        600.0, "Longest cooldown after repeated failed probes (the cooldown doubles)."
    )
    daily_budget: Decimal | None = setting(
        None,
        "USD per UTC day (empty: no limit); `br routing budget set` overrides.",
        check=_positive_amount,
    )
    monthly_budget: Decimal | None = setting(
        None, "USD per UTC calendar month (empty: no limit).", check=_positive_amount
    )
    session_budget: Decimal | None = setting(
        None, "USD per session id (empty: no limit).", check=_positive_amount
    )
    max_cost_per_task: Decimal | None = setting(
        None,
        "Most USD one call may cost in the worst case (empty: no limit).",
        check=_positive_amount,
    )
    on_budget_exceeded: Literal["downgrade", "refuse"] = setting(
        "downgrade", "When a call would exceed a budget: move to a cheaper tier, or refuse."
    )
    budget_warn_at: float = setting(
        0.8, "Fraction of a budget at which br warns.", check=between(0.0, 1.0)
    )
    reservation_ttl: Duration = setting(
        900.0, "A reservation not settled within this time is released (crashed caller)."
    )
    prices: Mapping[str, Mapping[str, Decimal]] = setting(
        factory=lambda: MappingProxyType({}),
        help="Price overrides per model id, USD per million tokens: input, output, "
        "cache_write_5m, cache_write_1h, cache_read (and long_context_threshold, "
        "long_context_input, long_context_output).",
        check=_known_keys(_PRICE_KEYS, nested=True),
    )
    models: Mapping[str, Mapping[str, int]] = setting(
        factory=lambda: MappingProxyType({}),
        help="Catalog overrides or additions per model id: context_window, max_output.",
        check=_known_keys(("context_window", "max_output"), nested=True),
    )


def _not_negative_decimal(value: Any) -> str | None:
    return None if value >= 0 else "must not be negative"


# --------------------------------------------------------------------------- telemetry

ALERT_METRICS = (
    "success_rate",
    "error_rate",
    "latency_p50",
    "latency_p90",
    "latency_p95",
    "latency_p99",
    "cost_usd",
    "events",
    "security_violations",
)
"""Metric names an alert rule can watch (see docs/telemetry.md)."""


def _one_of(names: tuple[str, ...]) -> Any:
    def check(value: Any) -> str | None:
        return None if value in names else "must be one of " + ", ".join(names)

    return check


@dataclass(frozen=True)
class AlertRuleConfig:
    """One alert rule ([[telemetry.alerts.rules]]): a custom rule, or a built-in replaced by id."""

    id: str = setting("", "Rule id; reusing a built-in id replaces that rule.")
    metric: str = setting(
        "success_rate", "What to watch: " + ", ".join(ALERT_METRICS), check=_one_of(ALERT_METRICS)
    )
    op: Literal["<", "<=", ">", ">="] = setting(">", "Comparison with the threshold.")
    threshold: float = setting(0.0, "Threshold (rates are fractions, latencies milliseconds).")
    window: Duration = setting(3600.0, "Look-back window the metric is computed over.")
    pending_for: Duration = setting(
        0.0, "How long the condition must hold before firing (Prometheus `for`)."
    )
    keep_firing_for: Duration = setting(
        0.0, "Keep firing this long after the condition clears (against flapping)."
    )
    level: Literal["info", "warning", "error", "critical"] = setting("warning", "Alert level.")
    types: tuple[str, ...] = setting((), "Event types the metric counts (empty: the default).")
    group_by: Literal["", "model", "task_type", "session"] = setting(
        "", "One alert instance per model, task type or session."
    )
    min_samples: int = setting(0, "Minimum samples (0: telemetry.alerts.min_samples).")
    summary: str = setting("", "One-line description shown with the alert.")


@dataclass(frozen=True)
class AlertsConfig:
    """Threshold alerts: the seven built-in rules, custom rules and notifications."""

    min_samples: int = setting(
        10,
        "No rate or latency alert fires on fewer samples than this (empty project: no alert).",
        check=at_least(1),
    )
    window: Duration = setting(3600.0, "Look-back window of the built-in rate and latency rules.")
    pending_for: Duration = setting(0.0, "`for` duration of the built-in rules.")
    success_rate_warning: float = setting(
        0.80, "Task success rate below this: warning.", check=between(0, 1)
    )
    success_rate_critical: float = setting(
        0.50, "Task success rate below this: critical.", check=between(0, 1)
    )
    error_rate_warning: float = setting(
        0.10, "Model-call error rate above this: warning.", check=between(0, 1)
    )
    error_rate_critical: float = setting(
        0.25, "Model-call error rate above this: critical.", check=between(0, 1)
    )
    p95_latency: Duration = setting(30.0, "p95 model-call latency above this (per model): warning.")
    daily_budget_usd: Decimal = setting(
        Decimal("50.00"),
        "Cost of the current UTC day above this: error.",
        check=_not_negative_decimal,
    )
    disabled: tuple[str, ...] = setting((), "Ids of built-in rules to switch off.")
    rules: tuple[AlertRuleConfig, ...] = setting((), "Custom rules.", factory=tuple)
    notify: Mapping[str, str] = setting(
        factory=dict,
        help="Command run when an alert of a level fires or resolves, e.g. "
        '{ critical = "notify-send br" }; gets the alert as JSON on stdin.',
    )
    repeat_interval: Duration = setting(
        14400.0, "Notify again about an alert still firing after this long."
    )


@dataclass(frozen=True)
class TelemetryConfig:
    """Telemetry: local event store, buffering, alerts, exporters."""

    enabled: bool = setting(True, "Record events (BR_TELEMETRY=off turns telemetry off).")
    batch_size: int = setting(
        512,
        "Events buffered in memory before the background flusher writes them.",
        check=at_least(1),
    )
    flush_interval: Duration = setting(
        1.0, "Longest time an event waits in memory before it is written.", check=at_least(0.01)
    )
    max_buffer: int = setting(
        100_000,
        "Events kept in memory while the database is unavailable; older ones are then dropped "
        "(and counted in a system.dropped event).",
        check=at_least(1),
    )
    otlp_endpoint: str = setting(
        "",
        "OTLP/HTTP base URL (e.g. http://localhost:4318) to export every stored event to; "
        "empty: nothing leaves the machine. Needs buildrunner3[otel].",
    )
    alerts: AlertsConfig = setting(factory=AlertsConfig)


@dataclass(frozen=True)
class ParallelConfig:
    """Parallel orchestration: workers, leases, worktrees and the Claude Code executor."""

    workers: int = setting(
        0,
        "Worker processes per session; 0 picks one per CPU core (at most 8).",
        check=between(0, 256),
    )
    lease_ttl: Duration = setting(
        90.0,
        "How long a task's lease and path claims live without a heartbeat before another "
        "worker may take them over.",
        check=at_least(1.0),
    )
    heartbeat_interval: Duration = setting(
        10.0,
        "How often a worker renews its lease (keep it well under lease_ttl, about a third).",
        check=at_least(0.05),
    )
    poll_interval: Duration = setting(
        0.2, "How often idle workers and the supervisor look for work.", check=at_least(0.01)
    )
    worktree_dir: str = setting("", "Where task worktrees live; empty means <data dir>/worktrees.")
    base: str = setting("HEAD", "Default base ref of a session (overridden by the plan or --base).")
    task_timeout: Duration = setting(
        3600.0, "Default time limit of one task attempt.", check=at_least(1.0)
    )
    setup_timeout: Duration = setting(
        300.0, "Time limit of each setup or teardown command.", check=at_least(1.0)
    )
    kill_grace: Duration = setting(
        5.0,
        "After SIGTERM, how long a task's process group gets before SIGKILL.",
        check=at_least(0.0),
    )
    retries: int = setting(
        1, "Default retries of a failed task (plans can override per task).", check=at_least(0)
    )
    retry_backoff: Duration = setting(
        5.0,
        "First delay before retrying a task that hit an API overload or rate limit (doubles).",
        check=at_least(0.0),
    )
    merge_gate: Literal["auto", "security", "none"] = setting(
        "auto",
        "Scan each finished task's diff before merging: security (required), auto (when the "
        "security subsystem is installed) or none.",
    )
    claude_binary: str = setting("claude", "The Claude Code executable (a name on PATH or a path).")
    permission_mode: Literal["default", "acceptEdits", "plan", "dontAsk", "bypassPermissions"] = (
        setting("acceptEdits", "Claude Code --permission-mode for claude tasks.")
    )
    allowed_tools: tuple[str, ...] = setting(
        factory=lambda: ("Read", "Edit", "Write", "MultiEdit", "Glob", "Grep", "Bash(git diff:*)"),
        help="Claude Code --allowedTools for claude tasks (plans can override per task).",
    )
    max_turns: int = setting(30, "Default --max-turns of a claude task.", check=at_least(1))
    max_budget_usd: float = setting(
        5.0, "Default --max-budget-usd of a claude task.", check=at_least(0.0)
    )
    default_model: str = setting(
        "sonnet",
        'Model used for model = "auto" while the routing subsystem is not installed.',
    )
    guard_hook: bool = setting(
        True,
        "Install `br parallel guard` as a PreToolUse hook in claude tasks, so an edit to a "
        "path another task has claimed is blocked.",
    )
    guard_strict: bool = setting(
        False, "The guard also blocks edits outside the task's own claims (when it has some)."
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration; one attribute per section."""

    core: CoreConfig = setting(factory=CoreConfig)
    security: SecurityConfig = setting(factory=SecurityConfig)
    quality: QualityConfig = setting(factory=QualityConfig)
    routing: RoutingConfig = setting(factory=RoutingConfig)
    telemetry: TelemetryConfig = setting(factory=TelemetryConfig)
    parallel: ParallelConfig = setting(factory=ParallelConfig)


ENV_ALIASES: dict[str, str] = {
    "BR_TELEMETRY": "telemetry.enabled",
}
"""Short environment names for configuration keys (``BR_TELEMETRY`` -> ``telemetry.enabled``)."""
