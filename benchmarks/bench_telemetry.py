"""Telemetry: record() next to an OpenTelemetry SDK span, sustained events/s, summary over 1M.

Targets (issue 5): record() at least 5x cheaper than an OTel SDK span with a batch processor;
at least 100,000 events/s sustained into SQLite; `summary` over 1,000,000 events under 1 s.
The OTel span runs in `.bench-venv` (opentelemetry-sdk, never a project dependency) in the
same run, alternating with br's record(). When Chromium is installed the HTML report of the
1M-event store is rendered headless and saved as benchmarks/results/telemetry-report.png.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import BENCH_VENV, COMPARISON_PACKAGES, RESULTS_DIR, br_command, table

TITLE = "Telemetry: record() cost, sustained ingestion, summary over 1M events"
N_RECORD = 50_000
ROUNDS = 5

BR_RECORD = """
import sys, tempfile, time
from pathlib import Path
from decimal import Decimal
from buildrunner.core.store import Store
from buildrunner.telemetry import Collector, ModelCallEvent
n = int(sys.argv[1])
collector = Collector(Store(Path(tempfile.mkdtemp()) / "b.db"), flush_interval=3600,
                      batch_size=10**9, max_buffer=10**9)
attrs = {"gen_ai.response.id": "msg_1", "gen_ai.request.max_tokens": 1024, "k3": 1.5,
         "k4": True, "k5": "value"}
cost = Decimal("0.0123")
start = time.perf_counter()
for i in range(n):
    collector.record(ModelCallEvent(model="claude-sonnet-4-6", input_tokens=i, output_tokens=10,
                                    cost_usd=cost, latency_ms=1000.0, attributes=attrs))
elapsed = time.perf_counter() - start
print(elapsed / n * 1e6)
collector._buffer.clear()
"""

OTEL_SPAN = """
import sys, time
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
class Null(SpanExporter):
    def export(self, spans): return SpanExportResult.SUCCESS
    def shutdown(self): pass
n = int(sys.argv[1])
provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(Null()))
tracer = provider.get_tracer("bench")
attrs = {"gen_ai.response.id": "msg_1", "gen_ai.request.max_tokens": 1024, "k3": 1.5,
         "k4": True, "k5": "value"}
start = time.perf_counter()
for i in range(n):
    span = tracer.start_span("chat claude-sonnet-4-6", attributes=attrs)
    span.end()
elapsed = time.perf_counter() - start
print(elapsed / n * 1e6)
provider.shutdown()
"""


def _otel_python() -> tuple[str, str]:
    """A Python with opentelemetry-sdk: .bench-venv (installed on demand) or this one."""
    bench_python = BENCH_VENV / "bin" / "python"
    if not bench_python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=False)
    probe = [str(bench_python), "-c", "import opentelemetry.sdk.trace"]
    if bench_python.exists() and subprocess.run(probe, capture_output=True).returncode != 0:
        subprocess.run(
            [str(bench_python), "-m", "pip", "install", "--quiet",
             COMPARISON_PACKAGES["opentelemetry-sdk"]],
            check=False,
        )  # fmt: skip
    if bench_python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return str(bench_python), ".bench-venv"
    return sys.executable, "project venv (fallback)"


def _run_float(argv: list[str]) -> float:
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def record_vs_otel() -> dict[str, Any]:
    otel_python, where = _otel_python()
    br_samples, otel_samples = [], []
    for _ in range(ROUNDS):
        br_samples.append(_run_float([sys.executable, "-c", BR_RECORD, str(N_RECORD)]))
        otel_samples.append(_run_float([otel_python, "-c", OTEL_SPAN, str(N_RECORD)]))
    br_us, otel_us = statistics.median(br_samples), statistics.median(otel_samples)
    return {"br_us": br_us, "otel_us": otel_us, "ratio": otel_us / br_us, "otel_from": where}


def _mixed_events(n: int, start: float) -> list[Any]:
    import random
    from decimal import Decimal

    from buildrunner.telemetry import (
        ErrorEvent,
        EventType,
        ModelCallEvent,
        RoutingDecisionEvent,
        SessionEvent,
        TaskEvent,
    )

    rnd = random.Random(7)
    models = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-1"]
    events: list[Any] = []
    for i in range(n):
        ts = start + i * 2.6
        r = rnd.random()
        if r < 0.5:
            events.append(ModelCallEvent(
                timestamp=ts, model=models[i % 3], input_tokens=rnd.randint(100, 5000),
                output_tokens=rnd.randint(10, 2000), cache_read_tokens=rnd.randint(0, 4000),
                cost_usd=Decimal(rnd.randint(1, 100000)) / Decimal(10**7),
                latency_ms=rnd.lognormvariate(7, 0.6),
                error_type=None if rnd.random() > 0.05 else "overloaded",
                session_id=f"s{i // 500}", task_id=f"t{i // 50}",
                attributes={"gen_ai.response.id": f"msg_{i}"},
            ))  # fmt: skip
        elif r < 0.7:
            kind = rnd.choice([EventType.TASK_STARTED, EventType.TASK_COMPLETED,
                               EventType.TASK_FAILED])  # fmt: skip
            events.append(TaskEvent(type=kind.value, timestamp=ts, task_id=f"t{i // 50}",
                                    duration_ms=rnd.lognormvariate(11, 1)))  # fmt: skip
        elif r < 0.8:
            events.append(ErrorEvent(timestamp=ts, error_type="GitError", message="failed"))
        elif r < 0.9:
            events.append(RoutingDecisionEvent(timestamp=ts, model=models[i % 3],
                                               complexity="moderate"))  # fmt: skip
        else:
            events.append(SessionEvent(type=EventType.SESSION_COMPLETED.value, timestamp=ts,
                                       duration_ms=1000.0, cost_usd=Decimal("0.5")))  # fmt: skip
    return events


def sustained(workdir: Path, n: int = 300_000) -> dict[str, Any]:
    """Producer records n mixed events; the background flusher stores them (default masker)."""
    from buildrunner.core.store import Store
    from buildrunner.telemetry import Collector

    events = _mixed_events(n, 1_800_000_000.0)
    store = Store(workdir / "sustained.db")
    store.connection()
    collector = Collector(store, batch_size=2000, flush_interval=0.2, max_buffer=10**7)
    start = time.perf_counter()
    for event in events:
        collector.record(event)
    collector.close()
    elapsed = time.perf_counter() - start
    stored = store.execute("SELECT count(*) FROM telemetry_events")[0][0]
    assert stored == n, stored
    return {"events": n, "seconds": elapsed, "per_s": n / elapsed}


def summary_1m(workdir: Path, n: int = 1_000_000) -> dict[str, Any]:
    from buildrunner.core.store import Store
    from buildrunner.telemetry.codec import encode_row
    from buildrunner.telemetry.metrics import summarize
    from buildrunner.telemetry.storage import insert_rows

    project = workdir / "project"
    (project / ".buildrunner").mkdir(parents=True)
    db = project / ".buildrunner" / "buildrunner.db"
    store = Store(db)
    now = time.time()
    for offset in range(0, n, 100_000):
        chunk = _mixed_events(min(100_000, n - offset), now - 2.6 * (n - offset))
        with store.transaction() as conn:
            insert_rows(conn, [encode_row(e) for e in chunk])
    summarize(store)  # warm the page cache
    library = []
    for _ in range(5):
        start = time.perf_counter()
        summarize(store)
        library.append(time.perf_counter() - start)
    br = br_command()
    cli = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([br, "telemetry", "summary"], cwd=project, capture_output=True, check=True,
                       env={k: v for k, v in os.environ.items() if k != "BR_HOME"})  # fmt: skip
        cli.append(time.perf_counter() - start)
    grouped = []
    for _ in range(3):
        start = time.perf_counter()
        summarize(store, group_by="model")
        grouped.append(time.perf_counter() - start)
    return {
        "events": n,
        "library_s": statistics.median(library),
        "cli_s": statistics.median(cli),
        "grouped_by_model_s": statistics.median(grouped),
        "db": db,
    }


def screenshot(db: Path) -> str:
    from buildrunner.core.store import Store
    from buildrunner.telemetry.report import write_report

    html = db.parent / "report.html"
    write_report(Store(db), html)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return "Chromium not installed: no screenshot"
    target = RESULTS_DIR / "telemetry-report.png"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={target}", "--window-size=1100,1500", html.as_uri()],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    return f"screenshot: `benchmarks/results/{target.name}`" if target.exists() else "failed"


def run() -> tuple[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        record = record_vs_otel()
        flow = sustained(workdir)
        summary = summary_1m(workdir)
        shot = screenshot(summary.pop("db"))
    rows = [
        ["`record()` (event with 5 attributes)", f"{record['br_us']:.2f} µs", "", ""],
        [
            f"OTel SDK span + BatchSpanProcessor ({record['otel_from']})",
            f"{record['otel_us']:.2f} µs",
            "",
            "",
        ],
        [
            "ratio OTel / br",
            f"{record['ratio']:.1f}x",
            ">= 5x",
            "yes" if record["ratio"] >= 5 else "**no**",
        ],
        [
            "sustained ingestion (300k mixed events, background flusher, default masker)",
            f"{flow['per_s']:,.0f} events/s",
            ">= 100,000",
            "yes" if flow["per_s"] >= 100_000 else "**no**",
        ],
        [
            "`summarize()` over 1,000,000 events",
            f"{summary['library_s']:.3f} s",
            "< 1 s",
            "yes" if summary["library_s"] < 1 else "**no**",
        ],
        [
            "`br telemetry summary` (process, 1M events)",
            f"{summary['cli_s']:.3f} s",
            "< 1 s",
            "yes" if summary["cli_s"] < 1 else "**no**",
        ],
        ["`summarize(group_by=model)` over 1M", f"{summary['grouped_by_model_s']:.3f} s", "", ""],
    ]
    markdown = (
        f"Medians: record() of {N_RECORD:,} events x {ROUNDS} rounds alternating with the OTel "
        "span in its own process; summary 5 runs (library) and 3 runs (CLI) after one warm-up. "
        f"The default masker is `core.redact.redact_text` (the security detector when installed). "
        f"HTML report: {shot}.\n\n" + table(["measure", "value", "target", "met"], rows, "lrrl")
    )
    return markdown, {"record": record, "sustained": flow, "summary": summary}
