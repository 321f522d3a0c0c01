"""The quality gate: security, coverage, tests and lint, each a row that passes or fails.

:func:`check_quality` runs the configured gates in order and returns a :class:`QualityReport`;
it never prints. A gate whose input is missing fails with a message saying how to produce it;
a gate that is not configured (no tests command, no lint commands) is skipped. The command
line (`br quality check`) exits 1 when any gate fails.

Commands run as argument lists (``shlex`` splitting, no shell) in the project root, with a
timeout; their output is kept only to show the last lines of a failure.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from buildrunner.core.errors import BuildRunnerError, UsageError

GATES = ("security", "coverage", "tests", "lint")
"""Every gate, in the order they run."""

Status = Literal["pass", "fail", "skip"]
TAIL_LINES = 5


@dataclass(frozen=True, slots=True)
class GateResult:
    """The outcome of one gate: status, a one-line detail and, on failure, what to do."""

    gate: str
    status: Status
    detail: str
    value: float | None = None
    threshold: float | None = None
    hint: str = ""
    output: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "status": self.status,
            "detail": self.detail,
            "value": self.value,
            "threshold": self.threshold,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Every gate's result; the gate passes when none failed."""

    gates: tuple[GateResult, ...]
    duration_ms: int = 0

    @property
    def passed(self) -> bool:
        return all(g.status != "fail" for g in self.gates)

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.status == "fail")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "passed": self.passed,
            "gates": [g.to_json() for g in self.gates],
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True, slots=True)
class SecurityOutcome:
    """What the security gate needs from a scan: new findings and how many were accepted."""

    new_findings: int
    baselined: int = 0
    suppressed: int = 0
    summary: str = ""


@dataclass(frozen=True)
class QualitySettings:
    """The gate's inputs (from the ``[quality]`` configuration section and options)."""

    gates: tuple[str, ...] = GATES
    coverage_threshold: float = 85.0
    coverage_file: str = ""
    tests_command: str = ""
    lint_commands: tuple[str, ...] = ()
    command_timeout: float = 1800.0
    env: dict[str, str] = field(default_factory=dict)


CommandRunner = Callable[[Sequence[str], Path, float], "tuple[int, str]"]
SecurityCheck = Callable[[], SecurityOutcome]


def check_quality(
    root: Path,
    settings: QualitySettings,
    *,
    security_check: SecurityCheck | None = None,
    run_command: CommandRunner | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> QualityReport:
    """Run the gates named in `settings` in their fixed order and collect their results."""
    unknown = [g for g in settings.gates if g not in GATES]
    if unknown:
        raise UsageError(f"unknown quality gate '{unknown[0]}'", hint=f"choose from {GATES}")
    runner = run_command or run_subprocess
    started = clock()
    results: list[GateResult] = []
    for gate in GATES:
        if gate not in settings.gates:
            continue
        if gate == "security":
            results.append(security_gate(security_check))
        elif gate == "coverage":
            results.append(coverage_gate(root, settings))
        elif gate == "tests":
            results.append(tests_gate(root, settings, runner))
        else:
            results.append(lint_gate(root, settings, runner))
    return QualityReport(tuple(results), int((clock() - started) * 1000))


def security_gate(security_check: SecurityCheck | None) -> GateResult:
    """Pass when the scan finds nothing beyond the baseline and inline suppressions."""
    if security_check is None:
        return GateResult("security", "skip", "no security scanner available")
    try:
        outcome = security_check()
    except BuildRunnerError as exc:
        return GateResult("security", "fail", f"scan failed: {exc.message}", hint=exc.hint or "")
    accepted = f"{outcome.baselined} baselined, {outcome.suppressed} suppressed"
    if outcome.new_findings:
        noun = "finding" if outcome.new_findings == 1 else "findings"
        return GateResult(
            "security",
            "fail",
            f"{outcome.new_findings} new {noun} ({accepted})",
            value=float(outcome.new_findings),
            threshold=0.0,
            hint="run `br security scan` to see them; fix them, mark intended ones with "
            "`br:allow`, or accept them with `br security baseline update`",
        )
    return GateResult("security", "pass", f"no new findings ({accepted})", value=0.0, threshold=0.0)


def coverage_gate(root: Path, settings: QualitySettings) -> GateResult:
    """Pass when total coverage (lines, plus branches if measured) reaches the threshold."""
    from buildrunner.security.coverage_data import find_coverage_file, read_coverage

    threshold = settings.coverage_threshold
    try:
        path = find_coverage_file(root, settings.coverage_file)
        total = read_coverage(path)
    except BuildRunnerError as exc:
        return GateResult("coverage", "fail", exc.message, threshold=threshold, hint=exc.hint or "")
    shown = _relative(total.source, root)
    percent = round(total.percent, 2)
    verdict: Status = "pass" if percent >= threshold else "fail"
    comparison = ">=" if verdict == "pass" else "<"
    hint = "" if verdict == "pass" else "add tests for the uncovered code or lower "
    if hint:
        hint += "quality.coverage_threshold"
    return GateResult(
        "coverage",
        verdict,
        f"{percent:.1f}% {comparison} {threshold:g}% ({shown})",
        value=percent,
        threshold=threshold,
        hint=hint,
    )


def tests_gate(root: Path, settings: QualitySettings, runner: CommandRunner) -> GateResult:
    """Pass when the configured tests command exits 0; skipped when none is configured."""
    if not settings.tests_command.strip():
        return GateResult("tests", "skip", "no tests command configured (quality.tests_command)")
    return _command_gate("tests", settings.tests_command, root, settings, runner)


def lint_gate(root: Path, settings: QualitySettings, runner: CommandRunner) -> GateResult:
    """Pass when every configured lint command exits 0; skipped when none is configured."""
    commands = [c for c in settings.lint_commands if c.strip()]
    if not commands:
        return GateResult("lint", "skip", "no lint commands configured (quality.lint_commands)")
    failures: list[GateResult] = []
    for command in commands:
        result = _command_gate("lint", command, root, settings, runner)
        if result.status == "fail":
            failures.append(result)
    if not failures:
        return GateResult("lint", "pass", f"{len(commands)} of {len(commands)} commands passed")
    first = failures[0]
    return GateResult(
        "lint",
        "fail",
        f"{len(failures)} of {len(commands)} commands failed; {first.detail}",
        value=float(len(failures)),
        hint=first.hint,
        output=first.output,
    )


def _command_gate(
    gate: str, command: str, root: Path, settings: QualitySettings, runner: CommandRunner
) -> GateResult:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return GateResult(gate, "fail", f"cannot parse command {command!r}: {exc}")
    if not argv:
        return GateResult(gate, "skip", "empty command")
    try:
        code, output = runner(argv, root, settings.command_timeout)
    except FileNotFoundError:
        return GateResult(
            gate,
            "fail",
            f"command not found: {argv[0]}",
            hint=f"install {argv[0]} or change the command in quality.{_key(gate)}",
        )
    except subprocess.TimeoutExpired:
        return GateResult(
            gate,
            "fail",
            f"`{command}` timed out after {settings.command_timeout:g}s",
            hint="raise quality.command_timeout or speed the command up",
        )
    if code == 0:
        return GateResult(gate, "pass", f"`{command}` exited 0", value=0.0)
    tail = "\n".join(output.strip().splitlines()[-TAIL_LINES:])
    return GateResult(
        gate,
        "fail",
        f"`{command}` exited {code}",
        value=float(code),
        hint=f"run `{command}` to see the failures",
        output=tail,
    )


def run_subprocess(argv: Sequence[str], cwd: Path, timeout: float) -> tuple[int, str]:
    """Run `argv` in `cwd`; returns the exit code and the combined output (decoded)."""
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, timeout=timeout, check=False)
    output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
    return proc.returncode, output


def _key(gate: str) -> str:
    return "tests_command" if gate == "tests" else "lint_commands"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
