#!/usr/bin/env python3
"""Run benchmark suites and write benchmarks/RESULTS.md.

    python benchmarks/run.py            # every suite
    python benchmarks/run.py cli        # only some (make bench SUITES="cli secrets")

Each suite is a module `benchmarks/bench_<name>.py` with `TITLE` and `run() -> (markdown, data)`.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import SUITE_ORDER, save_result


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    found = {p.stem.removeprefix("bench_") for p in here.glob("bench_*.py")}
    return [s for s in SUITE_ORDER if s in found] + sorted(found - set(SUITE_ORDER))


def main(argv: list[str]) -> int:
    suites = argv or available()
    unknown = [s for s in suites if s not in available()]
    if unknown:
        print(
            f"unknown suite(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    for suite in suites:
        module = importlib.import_module(f"bench_{suite}")
        print(f"== {suite}: {module.TITLE}", flush=True)
        start = time.perf_counter()
        markdown, data = module.run()
        path = save_result(suite, module.TITLE, markdown, data)
        print(markdown)
        print(f"({time.perf_counter() - start:.1f}s, stored in {path.name})\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
