"""Dependencies between tasks: a task becomes ready when everything it depends on succeeded.

With merge-back, "succeeded" means *merged* (the dependent then starts from the session branch
that holds its dependencies' work); without it, *done*. A task whose dependency ended any other
way is skipped, and so, in turn, are the tasks that depend on it.
"""

from __future__ import annotations

import sqlite3

from buildrunner.core.store import Store
from buildrunner.parallel.sessions import journal
from buildrunner.parallel.states import FINAL_TASK_STATES, TaskState


def promote(store: Store, session_id: str, *, merging: bool, now: float) -> tuple[int, int]:
    """Make pending tasks ready once every dependency succeeded; skip those whose dependency
    did not. Returns (promoted, skipped)."""
    succeeded = {TaskState.MERGED.value} | ({TaskState.DONE.value} if not merging else set())
    with store.transaction() as conn:
        states = {
            r["task_id"]: r["state"]
            for r in conn.execute(
                "SELECT task_id, state FROM parallel_tasks WHERE session_id = ?", (session_id,)
            )
        }
        deps: dict[str, list[str]] = {}
        for r in conn.execute(
            "SELECT task_id, depends_on FROM parallel_task_deps WHERE session_id = ?",
            (session_id,),
        ):
            deps.setdefault(r["task_id"], []).append(r["depends_on"])
        promoted = skipped = 0
        for task_id, state in states.items():
            if state != TaskState.PENDING.value:
                continue
            needs = deps.get(task_id, [])
            failed = [
                d for d in needs if _is_settled(states[d], merging) and states[d] not in succeeded
            ]
            if failed:
                _skip(conn, session_id, task_id, failed[0], states[failed[0]], now)
                states[task_id] = TaskState.SKIPPED.value
                skipped += 1
            elif all(states[d] in succeeded for d in needs):
                conn.execute(
                    "UPDATE parallel_tasks SET state = 'ready', updated_at = ?, progress = NULL "
                    "WHERE session_id = ? AND task_id = ? AND state = 'pending'",
                    (now, session_id, task_id),
                )
                promoted += 1
    return promoted, skipped


def _is_settled(state: str, merging: bool) -> bool:
    return TaskState(state) in FINAL_TASK_STATES or (state == "done" and not merging)


def _skip(
    conn: sqlite3.Connection, session_id: str, task_id: str, dep: str, dep_state: str, now: float
) -> None:
    reason = f"dependency {dep} ended {dep_state}"
    conn.execute(
        "UPDATE parallel_tasks SET state = 'skipped', outcome = 'skipped', error = ?, "
        "finished_at = ?, updated_at = ? WHERE session_id = ? AND task_id = ?",
        (reason, now, now, session_id, task_id),
    )
    journal(conn, session_id, f"skipped: {reason}", now=now, level="warning", task_id=task_id)


def is_settled(state: str, *, merging: bool) -> bool:
    """Whether a task in `state` needs nothing more from the session."""
    return _is_settled(state, merging)
