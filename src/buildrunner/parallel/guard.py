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
_SEPARATORS = frozenset({";", "&&", "||", "|", "&"})
_WRITERS_ALL = frozenset({"tee", "rm", "touch", "mkdir", "rmdir", "unlink", "shred"})
_WRITERS_LAST = frozenset({"mv", "cp", "install", "ln", "truncate", "dd"})


def bash_targets(command: str) -> list[str]:
    """Best-effort list of the paths a shell command writes (redirections, tee, rm, mv, cp,
    sed -i, ...). A command that cannot be parsed yields nothing: the merge-back conflict check
    remains the safety net for Bash writes."""
    import shlex

    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return []
    targets: list[str] = []
    segment: list[str] = []
    for index, token in enumerate(tokens):
        if token in (">", ">>", ">|") and index + 1 < len(tokens):
            targets.append(tokens[index + 1])
            continue
        if token in _SEPARATORS:
            targets += _segment_targets(segment)
            segment = []
            continue
        if index > 0 and tokens[index - 1] in (">", ">>", ">|"):
            continue
        segment.append(token)
    targets += _segment_targets(segment)
    return [t for t in dict.fromkeys(targets) if t and not t.startswith("&") and t != "/dev/null"]


def _segment_targets(words: list[str]) -> list[str]:
    while words and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # VAR=value prefixes
    if not words:
        return []
    program = words[0].rsplit("/", 1)[-1]
    args = [w for w in words[1:] if not w.startswith("-")]
    if program in _WRITERS_ALL:
        return args
    if program in _WRITERS_LAST and args:
        return [args[-1]]
    if program in ("sed", "perl") and any(w.startswith("-i") or w == "--in-place" for w in words):
        return args[1:] if program == "sed" else args[-1:]
    return []


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
    if event.get("tool_name") == "Bash" and isinstance(tool_input.get("command"), str):
        targets = bash_targets(tool_input["command"])
    else:
        found = next((tool_input[k] for k in PATH_KEYS if isinstance(tool_input.get(k), str)), None)
        targets = [found] if found else []
    if not targets:
        return GuardVerdict(ALLOW)
    cwd = Path(str(event.get("cwd") or env.get("BR_PARALLEL_WORKTREE") or ".")).absolute()
    store, tree_top, strict = open_store(cwd)
    session_id = env.get("BR_PARALLEL_SESSION") or None
    task_id = env.get("BR_PARALLEL_TASK") or None
    for target in targets:
        relative = relative_to_repo(target, cwd=cwd, repo_root=tree_top)
        if relative is None:
            if strict and task_id:
                return GuardVerdict(BLOCK, f"{target} is outside the task's worktree {tree_top}")
            continue
        decision = check_edit(
            store, path=relative, session_id=session_id, task_id=task_id, now=now, strict=strict
        )
        if not decision.allowed:
            return GuardVerdict(BLOCK, f"br: edit blocked: {decision.reason}")
    return GuardVerdict(ALLOW)
