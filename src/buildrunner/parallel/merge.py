"""Merge-back: finished tasks land on the session branch through the gate, in a fixed order.

For every task in state ``done`` (taken in dependency order, then priority, then plan order):

1. the security gate scans the diff ``start..head`` of the task branch; findings block the
   task with the masked report;
2. ``git merge-tree --write-tree`` merges the task branch into the current tip of the session
   branch in memory; conflicts mark the task ``conflict`` with the conflicted paths and the
   already merged tasks that touched them; nothing is ever resolved silently;
3. a clean result becomes a merge commit (``commit-tree``) and the session branch moves to it
   only if nobody moved it meanwhile (``update-ref`` compare-and-swap).

The task's path claims are released when it leaves ``done``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrunner.core.clock import Clock
from buildrunner.core.errors import BuildRunnerError
from buildrunner.core.store import Store
from buildrunner.parallel import claims, gitops
from buildrunner.parallel.integrations import EventSink, MergeGate, NullEventSink
from buildrunner.parallel.layout import Layout
from buildrunner.parallel.liveness import FileMutex
from buildrunner.parallel.plan import Plan, topological_order
from buildrunner.parallel.records import SessionInfo
from buildrunner.parallel.sessions import journal
from buildrunner.parallel.states import TaskState


@dataclass(frozen=True)
class MergeOutcome:
    """What happened to one task at merge-back."""

    task_id: str
    state: TaskState
    commit: str | None = None
    files: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    conflicts_with: tuple[str, ...] = ()
    report: str = ""
    findings: tuple[Mapping[str, Any], ...] = ()
    """The gate's findings (masked JSON objects) when it blocked the task."""

    def detail(self) -> str:
        data: dict[str, Any] = {
            "commit": self.commit,
            "files": list(self.files),
            "conflicts": list(self.conflicts),
            "conflicts_with": list(self.conflicts_with),
            "report": self.report,
        }
        if self.findings:
            data["findings"] = [dict(f) for f in self.findings]
        return json.dumps(data, sort_keys=True)


class Merger:
    """Merges the finished tasks of one session onto its session branch."""

    def __init__(
        self,
        store: Store,
        layout: Layout,
        session: SessionInfo,
        plan: Plan,
        gate: MergeGate,
        *,
        clock: Clock,
        events: EventSink | None = None,
    ) -> None:
        if not session.session_branch:
            raise ValueError(f"session {session.id} does not merge back")
        self.store = store
        self.layout = layout
        self.session = session
        self.branch = session.session_branch
        self.gate = gate
        self.clock = clock
        self.events = events or NullEventSink()
        self.rank = {task_id: i for i, task_id in enumerate(topological_order(plan.tasks))}

    @property
    def repo(self) -> Path:
        return self.layout.repo

    def merge_ready(self) -> list[MergeOutcome]:
        """Merge every task currently ``done``; returns what happened to each."""
        rows = self.store.execute(
            "SELECT task_id, start_commit, head_commit FROM parallel_tasks "
            "WHERE session_id = ? AND state = 'done'",
            (self.session.id,),
        )
        if not rows:
            return []
        ordered = sorted(rows, key=lambda r: self.rank.get(r["task_id"], len(self.rank)))
        outcomes = []
        with FileMutex(self.layout.merge_lock(self.session.id)):
            for row in ordered:
                outcome = self._merge_one(row["task_id"], row["start_commit"], row["head_commit"])
                if self._record(outcome):
                    outcomes.append(outcome)
        return outcomes

    def _merge_one(self, task_id: str, start: str | None, head: str | None) -> MergeOutcome:
        if not head or not start or head == start:
            return MergeOutcome(task_id, TaskState.MERGED, report="no changes")
        try:
            files = tuple(gitops.changed_files(self.repo, start, head))
            checked = self.clock.monotonic()
            verdict = self.gate.check(self.repo, start, head)
            self.events.emit(
                "gate.result",
                {
                    "session": self.session.id,
                    "task": task_id,
                    "gate": verdict.gate,
                    "passed": verdict.passed,
                    "findings": verdict.findings,
                    "detail": verdict.report[:2000],
                    "duration_ms": round((self.clock.monotonic() - checked) * 1000, 3),
                    "files_scanned": verdict.files_scanned,
                    "findings_detail": [dict(f) for f in verdict.details],
                },
            )
            if not verdict.passed:
                return MergeOutcome(
                    task_id,
                    TaskState.BLOCKED,
                    files=files,
                    report=verdict.report
                    or f"{verdict.findings} finding(s) from the {verdict.gate} gate",
                    findings=verdict.details,
                )
            return self._land(task_id, head, files)
        except BuildRunnerError as exc:
            return MergeOutcome(task_id, TaskState.CONFLICT, report=f"merge failed: {exc}")

    def _land(self, task_id: str, head: str, files: tuple[str, ...]) -> MergeOutcome:
        for _ in range(5):
            tip = gitops.branch_commit(self.repo, self.branch) or self.session.base_commit
            result = gitops.merge_tree(self.repo, tip, head)
            if not result.clean:
                return MergeOutcome(
                    task_id,
                    TaskState.CONFLICT,
                    files=files,
                    conflicts=result.conflicts,
                    conflicts_with=tuple(self._touched_by_merged(result.conflicts)),
                    report=_first_lines(result.messages, 20),
                )
            message = (
                f"br: merge {task_id} into {self.branch}\n\nParallel session {self.session.id}."
            )
            commit = gitops.commit_tree(self.repo, result.tree, [tip, head], message)
            if gitops.move_branch(self.repo, self.branch, commit, tip):
                return MergeOutcome(task_id, TaskState.MERGED, commit=commit, files=files)
        return MergeOutcome(
            task_id, TaskState.CONFLICT, files=files, report="the session branch kept moving"
        )

    def _touched_by_merged(self, paths: Sequence[str]) -> list[str]:
        wanted = set(paths)
        found = []
        for row in self.store.execute(
            "SELECT task_id, merge_detail FROM parallel_tasks WHERE session_id = ? AND "
            "state = 'merged' ORDER BY finished_at",
            (self.session.id,),
        ):
            try:
                files = set(json.loads(row["merge_detail"] or "{}").get("files", []))
            except ValueError:
                continue
            if files & wanted:
                found.append(row["task_id"])
        return found

    def _record(self, outcome: MergeOutcome) -> bool:
        now = self.clock.now()
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "UPDATE parallel_tasks SET state = ?, merge_detail = ?, updated_at = ?, "
                "progress = ? WHERE session_id = ? AND task_id = ? AND state = 'done'",
                (
                    outcome.state.value,
                    outcome.detail(),
                    now,
                    _progress(outcome),
                    self.session.id,
                    outcome.task_id,
                ),
            )
            if cursor.rowcount == 0:
                return False
            claims.release(conn, session_id=self.session.id, task_id=outcome.task_id, now=now)
            level = "info" if outcome.state == TaskState.MERGED else "error"
            journal(
                conn,
                self.session.id,
                _progress(outcome),
                now=now,
                level=level,
                task_id=outcome.task_id,
            )
        self.events.emit(
            "task.merge",
            {
                "session": self.session.id,
                "task": outcome.task_id,
                "state": outcome.state.value,
                "files": len(outcome.files),
                "conflicts": list(outcome.conflicts),
            },
        )
        return True


def _progress(outcome: MergeOutcome) -> str:
    if outcome.state == TaskState.MERGED:
        if outcome.commit:
            return f"merged ({len(outcome.files)} files) as {outcome.commit[:10]}"
        return f"merged: {outcome.report or 'no changes'}"
    if outcome.state == TaskState.BLOCKED:
        return "blocked by the merge gate: " + outcome.report.splitlines()[0][:150]
    paths = ", ".join(outcome.conflicts[:5]) or outcome.report
    others = f" (with {', '.join(outcome.conflicts_with)})" if outcome.conflicts_with else ""
    return f"conflict in {paths}{others}"


def _first_lines(text: str, count: int) -> str:
    return "\n".join(text.splitlines()[:count])
