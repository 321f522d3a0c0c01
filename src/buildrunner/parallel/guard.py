"""`br parallel guard`: the Claude Code PreToolUse hook that enforces path claims.

Claude Code runs the hook with a JSON object on stdin (``tool_name``, ``tool_input`` with
``file_path`` or ``notebook_path``, ``cwd``). Exit 0 allows the edit; exit 2 blocks it and
stderr becomes the reason Claude sees. Any other exit code is a *non-blocking* error in
Claude Code, so the guard fails closed: whatever goes wrong inside, it exits 2.

The task the hook runs for is named by ``BR_PARALLEL_SESSION`` and ``BR_PARALLEL_TASK``,
which the worker sets in the executor's environment (hooks inherit it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from buildrunner.core.store import Store

ALLOW = 0
BLOCK = 2
PATH_KEYS = ("file_path", "notebook_path", "path")


@dataclass(frozen=True)
class GuardVerdict:
    exit_code: int
    message: str = ""


def evaluate_hook(
    stdin_text: str,
    *,
    env: Mapping[str, str],
    open_store: Callable[[Path], tuple[Store, Path, bool]],
    now: float,
) -> GuardVerdict:
    """Decide one PreToolUse call. Never raises: internal failures block (fail closed).

    `open_store(cwd)` returns the project store, the top of the working tree the edit happens
    in, and whether strict mode is on.
    """
    try:
        return _evaluate(stdin_text, env=env, open_store=open_store, now=now)
    except Exception as exc:  # fail closed: a broken guard must not silently allow edits
        return GuardVerdict(BLOCK, f"br parallel guard failed ({type(exc).__name__}: {exc})")


def _evaluate(
    stdin_text: str,
    *,
    env: Mapping[str, str],
    open_store: Callable[[Path], tuple[Store, Path, bool]],
    now: float,
) -> GuardVerdict:
    from buildrunner.parallel.claims import check_edit, relative_to_repo

    try:
        event = json.loads(stdin_text)
    except ValueError as exc:
        return GuardVerdict(BLOCK, f"br parallel guard: the hook input is not JSON ({exc})")
    if not isinstance(event, dict):
        return GuardVerdict(BLOCK, "br parallel guard: the hook input is not a JSON object")
    tool_input = event.get("tool_input")
    if not isinstance(tool_input, dict):
        return GuardVerdict(ALLOW)
    target = next((tool_input[k] for k in PATH_KEYS if isinstance(tool_input.get(k), str)), None)
    if not target:
        return GuardVerdict(ALLOW)
    cwd = Path(str(event.get("cwd") or env.get("BR_PARALLEL_WORKTREE") or ".")).absolute()
    store, tree_top, strict = open_store(cwd)
    relative = relative_to_repo(target, cwd=cwd, repo_root=tree_top)
    session_id = env.get("BR_PARALLEL_SESSION") or None
    task_id = env.get("BR_PARALLEL_TASK") or None
    if relative is None:
        if strict and task_id:
            return GuardVerdict(BLOCK, f"{target} is outside the task's worktree {tree_top}")
        return GuardVerdict(ALLOW)
    decision = check_edit(
        store, path=relative, session_id=session_id, task_id=task_id, now=now, strict=strict
    )
    if decision.allowed:
        return GuardVerdict(ALLOW)
    return GuardVerdict(BLOCK, f"br: edit blocked: {decision.reason}")
