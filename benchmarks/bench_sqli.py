"""SQL injection: precision/recall on the labelled corpus next to bandit and njsscan, and speed.

Accuracy: the kit's hand-written corpus (`../shared/bench/sqli/`, 96 Python and 76 JS/TS
labelled sinks) scored by the kit's own `score_sqli.py`: br at window 0 (it reports the sink
line), bandit at window 0 and 6 (it reports where the string is built), njsscan at window 0.
Speed: files per second on a tree of 20 copies of the corpus, `br security scan --no-secrets`
next to `bandit -r` (Python files) and `njsscan` (JS files), alternating runs.
Comparison tools run from `.bench-venv` (installed by `benchlib.ensure_tools`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import BENCH_VENV, KIT, br_command, ensure_tools, fmt_s, table, time_commands

TITLE = "SQL injection: accuracy vs bandit and njsscan, and speed"
TARGET = 0.95
COPIES = 20


def run() -> tuple[str, dict[str, Any]]:
    corpus = KIT / "sqli"
    if not corpus.is_dir():
        raise SystemExit(f"the SQL-injection corpus is missing: {corpus}")
    tools = ensure_tools("bandit", "njsscan")
    env = {"PATH": f"{BENCH_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="br-bench-sqli-") as scratch:
        work = Path(scratch)
        target = work / "sqli"
        shutil.copytree(corpus, target)
        scores = _accuracy(work, target, tools, env)
        speed = _speed(work, corpus, tools, env)
    return _render(scores, speed), {"accuracy": scores, "speed": speed}


def _accuracy(
    work: Path, target: Path, tools: dict[str, Path], env: dict[str, str]
) -> dict[str, Any]:
    br_report = work / "br.json"
    subprocess.run(
        [br_command(), "security", "scan", "sqli", "--no-secrets", "--format", "json",
         "--output", str(br_report)],
        cwd=work, check=False, capture_output=True,
    )  # fmt: skip
    scores: dict[str, Any] = {
        "br": {
            "python": _score(target, br_report, "python", 0),
            "js": _score(target, br_report, "js", 0),
        }
    }
    if "bandit" in tools:
        report = work / "bandit.json"
        subprocess.run(
            [str(tools["bandit"]), "-q", "-r", "sqli/python", "-f", "json", "-o", str(report)],
            cwd=work, check=False, capture_output=True, env={**os.environ, **env},
        )  # fmt: skip
        scores["bandit (window 0)"] = {"python": _score(target, report, "python", 0)}
        scores["bandit (window 6)"] = {"python": _score(target, report, "python", 6)}
    if "njsscan" in tools:
        report = work / "njsscan.json"
        subprocess.run(
            [str(tools["njsscan"]), "--json", "-o", str(report), "sqli/js"],
            cwd=work, check=False, capture_output=True, env={**os.environ, **env},
        )  # fmt: skip
        scores["njsscan"] = {"js": _score(target, report, "js", 0)}
    return scores


def _score(corpus: Path, report: Path, language: str, window: int) -> dict[str, Any]:
    if not report.exists():
        return {"error": "no report"}
    proc = subprocess.run(
        [sys.executable, str(KIT / "score_sqli.py"), str(corpus), str(report), "--json",
         "--lang", language, "--window", str(window)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[:200]}
    (summary,) = json.loads(proc.stdout)["summaries"]
    keep = ("vulnerable", "true_positives", "flagged_safe", "unlabelled_finding_lines")
    out = {k: summary[k] for k in keep}
    out.update(recall=summary["recall"], precision=summary["precision"], f1=summary["f1"])
    out["missed"] = [f"{m['path']}:{m['line']}" for m in summary["missed"]]
    out["false_positives"] = [
        f"{m['path']}:{m['line']}"
        for m in summary["flagged_safe_lines"] + summary["unlabelled_lines"]
    ]
    return out


def _speed(work: Path, corpus: Path, tools: dict[str, Path], env: dict[str, str]) -> dict[str, Any]:
    tree = work / "tree"
    for index in range(COPIES):
        shutil.copytree(corpus, tree / f"copy{index:02d}")
    py_files = len(list(tree.rglob("*.py")))
    js_files = len([p for p in tree.rglob("*") if p.suffix in {".js", ".ts"}])
    commands: dict[str, list[str]] = {
        "br": [br_command(), "security", "scan", "tree", "--no-secrets", "--format", "json",
               "--output", str(work / "speed-br.json")],
    }  # fmt: skip
    files = {"br": py_files + js_files}
    if "bandit" in tools:
        commands["bandit"] = [str(tools["bandit"]), "-q", "-r", "tree", "-f", "json", "-o",
                              str(work / "speed-bandit.json")]  # fmt: skip
        files["bandit"] = py_files
    if "njsscan" in tools:
        commands["njsscan"] = [str(tools["njsscan"]), "--json", "-o",
                               str(work / "speed-njsscan.json"), "tree"]  # fmt: skip
        files["njsscan"] = len(list(tree.rglob("*.js")))
    timings = time_commands(commands, runs=3, warmup=1, cwd=work, env=env)
    return {
        label: {
            "files": files[label],
            "median_s": t.median,
            "files_per_s": files[label] / t.median if t.median else 0.0,
        }
        for label, t in timings.items()
    }


def _render(scores: dict[str, Any], speed: dict[str, Any]) -> str:
    rows = []
    for tool, by_language in scores.items():
        for language, s in by_language.items():
            if "error" in s:
                rows.append([tool, language, "error", "", "", s["error"]])
                continue
            verdict = ""
            if tool == "br":
                ok = s["precision"] >= TARGET and s["recall"] >= TARGET
                verdict = "yes" if ok else "**no**"
            rows.append(
                [
                    tool,
                    "Python" if language == "python" else "JS/TS",
                    f"{s['recall']:.3f} ({s['true_positives']}/{s['vulnerable']})",
                    f"{s['precision']:.3f}",
                    f"{s['f1']:.3f}",
                    verdict,
                ]
            )
    accuracy = table(
        ["tool", "language", "recall", "precision", "F1", f">= {TARGET} both"], rows, "llrrrl"
    )
    speed_rows = [
        [tool, s["files"], fmt_s(s["median_s"]), f"{s['files_per_s']:.0f}"]
        for tool, s in speed.items()
    ]
    speed_table = table(["tool", "files", "median (s)", "files/s"], speed_rows)
    br = scores["br"]
    misses = [m for s in br.values() for m in s.get("missed", [])]
    fps = [m for s in br.values() for m in s.get("false_positives", [])]
    notes = (
        f"br misses: {', '.join(misses) or 'none'}; br false positives: {', '.join(fps) or 'none'}."
    )
    return (
        "Labelled corpus `shared/bench/sqli/` scored by the kit's `score_sqli.py` "
        "(br at window 0: findings on the sink line). Target for br: precision and recall "
        f">= {TARGET} in both languages.\n\n"
        + accuracy
        + "\n\n"
        + notes
        + f"\n\nSpeed on {COPIES} copies of the corpus (median of 3 alternating runs after 1 "
        "warm-up; br runs only the SQL analysers, bandit reads the Python files, njsscan the "
        "JavaScript files):\n\n" + speed_table
    )
