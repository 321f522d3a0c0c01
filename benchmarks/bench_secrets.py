"""Secret scanning next to gitleaks, kingfisher and detect-secrets: accuracy and tree speed.

1. Accuracy on the kit's synthetic labelled corpus (``make_secrets_corpus.py``) for several
   seeds, scored by the kit's ``score_secrets.py``. Target: recall >= 0.98, no false positives.
2. Wall time of a scan of the CPython standard library (``speed_tree.sh``), every tool run from
   inside the tree. Targets: br/gitleaks <= 1.0 and br at least 20x faster than detect-secrets.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import KIT, ROOT, br_command, ensure_tools, fmt_s, table, time_commands

TITLE = "Secrets: accuracy on the synthetic corpus and CPython tree scan speed"
SEEDS = tuple(int(s) for s in os.environ.get("BR_BENCH_SEEDS", "7 1 2 3 4").split())
TREE_RUNS = int(os.environ.get("BR_BENCH_TREE_RUNS", "3"))
BR_ENV = {"PYTHONDONTWRITEBYTECODE": ""}
"""br runs with its bytecode cache, as installed software does."""


def _version(path: Path, *args: str) -> str:
    proc = subprocess.run([str(path), *args], capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


def _score(corpus: Path, report: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(KIT / "score_secrets.py"), str(corpus), str(report), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _reports(corpus: Path, out: Path, tools: dict[str, Path], br: str) -> dict[str, Path]:
    reports: dict[str, Path] = {}
    env = {**os.environ, **BR_ENV}
    target = out / "br.json"
    subprocess.run(
        [br, "security", "scan", ".", "--format", "json", "--output", str(target)],
        cwd=corpus, env=env, capture_output=True, check=False,
    )  # fmt: skip
    reports["br"] = target
    if "gitleaks" in tools:
        target = out / "gitleaks.json"
        subprocess.run(
            [str(tools["gitleaks"]), "dir", ".", "-f", "json", "-r", str(target), "--no-banner",
             "--log-level", "error"],
            cwd=corpus, capture_output=True, check=False,
        )  # fmt: skip
        reports["gitleaks"] = target
    if "kingfisher" in tools:
        target = out / "kingfisher.json"
        subprocess.run(
            [str(tools["kingfisher"]), "scan", str(corpus), "--no-update-check", "--no-validate",
             "--no-dedup", "--format", "json", "-o", str(target)],
            capture_output=True, check=False,
        )  # fmt: skip
        reports["kingfisher"] = target
    if "detect-secrets" in tools:
        target = out / "detect-secrets.json"
        with target.open("wb") as handle:
            subprocess.run(
                [str(tools["detect-secrets"]), "scan", "--all-files", "."],
                cwd=corpus, stdout=handle, stderr=subprocess.DEVNULL, check=False,
            )  # fmt: skip
        reports["detect-secrets"] = target
    return {name: path for name, path in reports.items() if path.exists()}


def accuracy(work: Path, tools: dict[str, Path], br: str) -> tuple[str, dict[str, Any]]:
    scores: dict[str, list[dict[str, Any]]] = {}
    for seed in SEEDS:
        corpus = work / f"corpus-{seed}"
        subprocess.run(
            [sys.executable, str(KIT / "make_secrets_corpus.py"), str(corpus), "--seed", str(seed)],
            check=True, capture_output=True,
        )  # fmt: skip
        out = work / f"reports-{seed}"
        out.mkdir()
        for name, report in _reports(corpus, out, tools, br).items():
            scores.setdefault(name, []).append({"seed": seed, **_score(corpus, report)})
    rows = []
    data: dict[str, Any] = {}
    for name, runs in scores.items():
        recalls = [r["recall"] for r in runs]
        precisions = [r["precision"] for r in runs]
        fps = [r["false_positive_lines"] for r in runs]
        verdict = ""
        if name == "br":
            ok = min(recalls) >= 0.98 and max(fps) == 0
            verdict = "yes" if ok else "**no**"
        rows.append(
            [
                f"`{name}`",
                f"{min(recalls):.3f} to {max(recalls):.3f}",
                f"{statistics.mean(recalls):.3f}",
                f"{min(precisions):.3f} to {max(precisions):.3f}",
                " / ".join(str(n) for n in fps),
                " / ".join(f"{r['found']}/{r['positives']}" for r in runs),
                verdict,
            ]
        )
        data[name] = [
            {k: r[k] for k in ("seed", "recall", "precision", "false_positive_lines", "found")}
            for r in runs
        ]
        if name == "br":
            data["br_missed"] = [m for r in runs for m in r.get("missed", [])]
            data["br_false_positives"] = [f for r in runs for f in r.get("false_positives", [])]
    markdown = (
        "Synthetic labelled corpus (`make_secrets_corpus.py`), seeds "
        f"{', '.join(map(str, SEEDS))}; "
        "scored with the kit's `score_secrets.py`. Target for br: recall >= 0.98 on every seed "
        "and no false-positive line.\n\n"
        + table(
            [
                "tool",
                "recall (min to max)",
                "mean recall",
                "precision",
                "false-positive lines",
                "found per seed",
                "target met",
            ],
            rows,
            "lllllll",
        )
    )
    return markdown, data


def tree_speed(work: Path, tools: dict[str, Path], br: str) -> tuple[str, dict[str, Any]]:
    tree = work / "speed-tree"
    proc = subprocess.run(
        ["bash", str(KIT / "speed_tree.sh"), str(tree)], capture_output=True, text=True, check=True
    )
    wanted = ("source:", "size:", "files:", "digest:")
    facts = "; ".join(
        " ".join(line.split())
        for line in proc.stdout.splitlines()
        if line.strip().startswith(wanted)
    )
    fast = {"br": [br, "security", "scan", ".", "--format", "json"]}
    if "gitleaks" in tools:
        fast["gitleaks"] = [str(tools["gitleaks"]), "dir", "."]
    if "kingfisher" in tools:
        fast["kingfisher"] = [
            str(tools["kingfisher"]), "scan", ".", "--no-update-check", "--no-validate"
        ]  # fmt: skip
    timings = time_commands(fast, runs=TREE_RUNS, warmup=1, cwd=tree, env=BR_ENV)
    if "detect-secrets" in tools:
        slow = {"detect-secrets": [str(tools["detect-secrets"]), "scan", "--all-files", "."]}
        timings.update(time_commands(slow, runs=1, warmup=0, cwd=tree))
    base = timings["br"].median
    rows = []
    data: dict[str, Any] = {"tree": facts}
    for name, timing in timings.items():
        ratio = "" if name == "br" else f"{base / timing.median:.2f}"
        rows.append(
            [f"`{name}`", fmt_s(timing.median), fmt_s(timing.minimum), fmt_s(timing.maximum),
             len(timing.samples), timing.exit_code, ratio]
        )  # fmt: skip
        data[name] = {"median_s": timing.median, "samples": timing.samples}
    verdicts = []
    if "gitleaks" in timings:
        ratio = base / timings["gitleaks"].median
        verdicts.append(
            f"br/gitleaks = {ratio:.2f} (target <= 1.0: {'yes' if ratio <= 1 else 'no'})"
        )
    if "detect-secrets" in timings:
        speedup = timings["detect-secrets"].median / base
        met = "yes" if speedup >= 20 else "no"
        verdicts.append(f"detect-secrets/br = {speedup:.1f}x (target >= 20x: {met})")
    markdown = (
        f"CPython standard library tree ({facts}); every tool runs from inside the tree on `.`; "
        f"{TREE_RUNS} timed rounds after 1 warm-up, alternating (detect-secrets: 1 round, it "
        "takes minutes). Ratio is `br/other`.\n\n"
        + table(["tool", "median (s)", "min", "max", "runs", "exit", "br/other"], rows, "lrrrrrr")
        + "\n\n"
        + "; ".join(verdicts)
    )
    return markdown, data


def run() -> tuple[str, dict[str, Any]]:
    br = br_command()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=False)
    tools = ensure_tools("gitleaks", "kingfisher", "detect-secrets")
    versions = {name: _version(path, "--version") for name, path in tools.items()}
    if "gitleaks" in tools:
        versions["gitleaks"] = _version(tools["gitleaks"], "version")
    with tempfile.TemporaryDirectory(prefix="br-bench-secrets-") as tmp:
        work = Path(tmp)
        accuracy_md, accuracy_data = accuracy(work, tools, br)
        speed_md, speed_data = tree_speed(work, tools, br)
    header = "Tools: " + ", ".join(f"{name} {v}" for name, v in versions.items()) + "."
    markdown = f"{header}\n\n### Accuracy\n\n{accuracy_md}\n\n### Tree scan speed\n\n{speed_md}"
    return markdown, {"versions": versions, "accuracy": accuracy_data, "speed": speed_data}
