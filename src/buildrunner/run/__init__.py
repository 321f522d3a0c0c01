"""`br run`: the main job end to end, one plan through every subsystem.

    from buildrunner.run import run_plan
    outcome = run_plan(paths, config, Path("plan.toml"), on_progress=print_frame)
    outcome.summary.total_cost, outcome.summary.baseline_cost, outcome.summary.findings

:func:`run_plan` drives the parallel orchestration engine (the same as ``br parallel start``)
and closes the run: telemetry flushed, alerts evaluated, an HTML report written, a
:class:`RunSummary` read back from the database (:func:`summarize_run` rebuilds it for any
session). Rendering lives in :mod:`buildrunner.run.render` (Rich, imported on demand).
"""

from __future__ import annotations

from buildrunner.run.engine import Frame, ProgressCallback, RunOutcome, run_plan
from buildrunner.run.summary import (
    FindingLine,
    Hop,
    ModelCost,
    RunSummary,
    TaskLine,
    Wait,
    summarize_run,
    task_levels,
)

__all__ = [
    "FindingLine",
    "Frame",
    "Hop",
    "ModelCost",
    "ProgressCallback",
    "RunOutcome",
    "RunSummary",
    "TaskLine",
    "Wait",
    "run_plan",
    "summarize_run",
    "task_levels",
]
