"""Plan files: what a parallel session runs, read from TOML or YAML and validated strictly.

A plan has an optional ``[plan]`` table (name, base ref, workers, isolation, setup and teardown
commands run in every worktree), optional ``[defaults]`` applied to every task, and a list of
``[[tasks]]``. Every problem is reported with the file, the task (index and id) and the field::

    plan.toml: tasks[2] (id "build"): priority: expected an integer, got "high"

Validation is complete before anything runs: unknown keys (with a suggestion), duplicate ids,
unknown or circular dependencies, bad claim globs, missing prompt or command.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from buildrunner.parallel import planfields as f
from buildrunner.parallel.planfields import PlanError as PlanError  # re-exported

EXECUTORS = ("shell", "claude", "api")
ISOLATIONS = ("worktree", "none")
MODEL_TIERS = ("haiku", "sonnet", "opus")
MAX_PLAN_BYTES = 4 * 1024 * 1024

Executor = Literal["shell", "claude", "api"]
Isolation = Literal["worktree", "none"]

_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class TaskSpec:
    """One task of a plan, validated and with the plan's defaults applied."""

    id: str
    title: str
    executor: Executor
    prompt: str | None = None
    command: str | tuple[str, ...] | None = None
    claims: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    priority: int = 0
    model: str = "auto"
    budget_usd: float | None = None
    timeout: float | None = None
    retries: int | None = None
    max_turns: int | None = None
    allowed_tools: tuple[str, ...] | None = None
    permission_mode: str | None = None
    output: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["env"] = dict(self.env)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaskSpec:
        data = json.loads(text)
        for key in ("claims", "depends_on"):
            data[key] = tuple(data.get(key) or ())
        if isinstance(data.get("command"), list):
            data["command"] = tuple(data["command"])
        if data.get("allowed_tools") is not None:
            data["allowed_tools"] = tuple(data["allowed_tools"])
        data["env"] = dict(data.get("env") or {})
        return cls(**data)


@dataclass(frozen=True)
class Plan:
    """A validated plan."""

    name: str
    tasks: tuple[TaskSpec, ...]
    source: str = "<plan>"
    base: str | None = None
    workers: int | None = None
    isolation: Isolation = "worktree"
    setup: tuple[str, ...] = ()
    teardown: tuple[str, ...] = ()
    merge: bool = True

    def task(self, task_id: str) -> TaskSpec:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "source": self.source,
                "base": self.base,
                "workers": self.workers,
                "isolation": self.isolation,
                "setup": list(self.setup),
                "teardown": list(self.teardown),
                "merge": self.merge,
                "tasks": [json.loads(t.to_json()) for t in self.tasks],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        data = json.loads(text)
        tasks = tuple(TaskSpec.from_json(json.dumps(t)) for t in data.pop("tasks"))
        data["setup"] = tuple(data.get("setup") or ())
        data["teardown"] = tuple(data.get("teardown") or ())
        return cls(tasks=tasks, **data)


# --------------------------------------------------------------------------- loading


def load_plan(path: Path) -> Plan:
    """Read and validate the plan at `path` (``.toml``, ``.yaml`` or ``.yml``)."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanError(f"plan file {path} does not exist") from None
    except IsADirectoryError:
        raise PlanError(f"plan file {path} is a directory, not a file") from None
    except OSError as exc:
        raise PlanError(f"cannot read plan file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(f"{name}: the plan is larger than {MAX_PLAN_BYTES // 1024 // 1024} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{name}: not UTF-8 text (byte {exc.start}); a plan is a TOML or YAML file"
        ) from None
    data = parse_plan_text(text, name=name, fmt=_format_of(path, text))
    return validate_plan(data, source=name, default_name=path.stem)


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".toml":
        return "toml"
    if suffix == ".json":
        return "yaml"  # JSON is YAML
    stripped = text.lstrip()
    return (
        "toml" if stripped.startswith(("[", "#")) or "=" in stripped.split("\n", 1)[0] else "yaml"
    )


def parse_plan_text(text: str, *, name: str, fmt: str) -> Any:
    """Parse TOML or YAML text; syntax errors name the line."""
    if "\x00" in text:
        raise PlanError(f"{name}: contains NUL bytes; a plan is a TOML or YAML text file")
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PlanError(f"{name}: invalid TOML: {exc}") from None
    return _parse_yaml(text, name)


def _parse_yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanError(f"{name}: invalid YAML{where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise PlanError(f"{name}: invalid YAML: {exc}") from None


# --------------------------------------------------------------------------- validation

_PLAN_KEYS = ("name", "base", "workers", "isolation", "setup", "teardown", "merge")
_TASK_KEYS = (
    "id",
    "title",
    "executor",
    "prompt",
    "command",
    "claims",
    "depends_on",
    "priority",
    "model",
    "budget",
    "timeout",
    "retries",
    "max_turns",
    "allowed_tools",
    "permission_mode",
    "output",
    "env",
)
_DEFAULT_KEYS = (
    "executor",
    "model",
    "budget",
    "timeout",
    "retries",
    "max_turns",
    "allowed_tools",
    "permission_mode",
    "priority",
    "env",
)
_PERMISSION_MODES = ("default", "acceptEdits", "plan", "dontAsk", "bypassPermissions")


def validate_plan(data: Any, *, source: str = "<plan>", default_name: str = "plan") -> Plan:
    """Check parsed plan data and build a :class:`Plan`; raise :class:`PlanError` on the first
    problem found."""
    top = f.Where(source, "")
    if data is None or data == {}:
        raise top.error(None, "the plan is empty; it needs at least one [[tasks]] entry")
    if not isinstance(data, dict):
        raise top.error(None, f"expected a table at the top level, got {f.shown(data)}")
    f.check_keys(data, ("plan", "defaults", "tasks"), top)
    header = data.get("plan", {})
    if not isinstance(header, dict):
        raise top.error("plan", f"expected a table, got {f.shown(header)}")
    where = f.Where(source, "[plan]")
    f.check_keys(header, _PLAN_KEYS, where)
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise top.error("defaults", f"expected a table, got {f.shown(defaults)}")
    f.check_keys(defaults, _DEFAULT_KEYS, f.Where(source, "[defaults]"))
    raw_tasks = data.get("tasks")
    if raw_tasks is None:
        raise top.error("tasks", "missing; a plan needs at least one [[tasks]] entry")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise top.error("tasks", f"expected a non-empty list of tables, got {f.shown(raw_tasks)}")
    tasks: list[TaskSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_tasks):
        task = _validate_task(raw, index, defaults, source)
        if task.id in seen:
            raise f.Where(source, f'tasks[{index}] (id "{task.id}")').error(
                "id", f"duplicate id; tasks[{seen[task.id]}] already uses it"
            )
        seen[task.id] = index
        tasks.append(task)
    _check_dependencies(tasks, source)
    return Plan(
        name=f.opt_str(header, "name", where) or default_name,
        tasks=tuple(tasks),
        source=source,
        base=f.opt_str(header, "base", where),
        workers=f.opt_int(header, "workers", where, minimum=1),
        isolation=f.choice(header, "isolation", ISOLATIONS, where, "worktree"),
        setup=f.str_list(header, "setup", where),
        teardown=f.str_list(header, "teardown", where),
        merge=f.opt_bool(header, "merge", where, True),
    )


def _validate_task(raw: Any, index: int, defaults: dict[str, Any], source: str) -> TaskSpec:
    label = f"tasks[{index}]"
    if not isinstance(raw, dict):
        raise f.Where(source, label).error(None, f"expected a table, got {f.shown(raw)}")
    task_id = raw.get("id")
    if isinstance(task_id, str) and task_id:
        label += f' (id "{task_id}")'
    where = f.Where(source, label)
    f.check_keys(raw, _TASK_KEYS, where)
    if task_id is None:
        raise where.error("id", "missing; every task needs an id")
    if not isinstance(task_id, str) or not _TASK_ID.match(task_id) or task_id.endswith(".lock"):
        raise where.error(
            "id",
            f"{f.shown(task_id)} is not a valid id (letters, digits, '.', '_' and '-', starting "
            "with a letter or digit, at most 64 characters)",
        )
    if ".." in task_id:
        raise where.error("id", f"{f.shown(task_id)} must not contain '..'")
    merged = {**defaults, **raw}
    executor = f.choice(merged, "executor", EXECUTORS, where, "shell")
    prompt = f.opt_str(merged, "prompt", where)
    command = f.command(merged, where)
    if executor == "shell":
        if command is None:
            raise where.error("command", "missing; a shell task needs a command")
        if prompt is not None:
            raise where.error("prompt", "a shell task runs `command`; remove `prompt`")
    else:
        if prompt is None or not prompt.strip():
            raise where.error("prompt", f"missing; a {executor} task needs a prompt")
        if command is not None:
            raise where.error("command", f"a {executor} task runs `prompt`; remove `command`")
    model = f.opt_str(merged, "model", where) or "auto"
    if not model.strip() or any(ch.isspace() for ch in model):
        raise where.error("model", f'{f.shown(model)} is not a model ("auto", a tier or an id)')
    output = f.opt_str(merged, "output", where)
    if output is not None:
        f.check_relative_path(output, where, "output")
    elif executor == "api":
        output = f"{task_id}.md"
    title = f.opt_str(merged, "title", where) or _default_title(task_id, prompt, command)
    return TaskSpec(
        id=task_id,
        title=title,
        executor=executor,
        prompt=prompt,
        command=command,
        claims=f.claims(merged, where),
        depends_on=f.str_list(merged, "depends_on", where),
        priority=f.opt_int(merged, "priority", where) or 0,
        model=model,
        budget_usd=f.opt_number(merged, "budget", where),
        timeout=f.opt_duration(merged, "timeout", where),
        retries=f.opt_int(merged, "retries", where, minimum=0),
        max_turns=f.opt_int(merged, "max_turns", where, minimum=1),
        allowed_tools=f.str_list(merged, "allowed_tools", where)
        if "allowed_tools" in merged
        else None,
        permission_mode=f.choice(merged, "permission_mode", _PERMISSION_MODES, where, None),
        output=output,
        env=f.env(merged, where),
    )


def _default_title(task_id: str, prompt: str | None, command: Any) -> str:
    text = prompt if prompt else (command if isinstance(command, str) else " ".join(command or ()))
    first = (text or task_id).strip().splitlines()[0] if (text or "").strip() else task_id
    return first if len(first) <= 72 else first[:71] + "…"


def _check_dependencies(tasks: Sequence[TaskSpec], source: str) -> None:
    ids = {t.id for t in tasks}
    for index, task in enumerate(tasks):
        where = f.Where(source, f'tasks[{index}] (id "{task.id}")')
        for dep in task.depends_on:
            if dep == task.id:
                raise where.error("depends_on", "a task cannot depend on itself")
            if dep not in ids:
                hint = difflib.get_close_matches(dep, sorted(ids), n=1)
                more = f' (did you mean "{hint[0]}"?)' if hint else ""
                raise where.error("depends_on", f'unknown task "{dep}"{more}')
    cycle = _find_cycle({t.id: t.depends_on for t in tasks})
    if cycle:
        index = next(i for i, t in enumerate(tasks) if t.id == cycle[0])
        raise f.Where(source, f'tasks[{index}] (id "{cycle[0]}")').error(
            "depends_on", "circular dependency: " + " -> ".join(cycle)
        )


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str]:
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        color[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if color.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if color.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = 2
        return []

    for node in graph:
        if color.get(node) is None:
            found = visit(node)
            if found:
                return found
    return []


def topological_order(tasks: Sequence[TaskSpec]) -> list[str]:
    """Task ids with dependencies first; ties broken by priority (high first), then plan order."""
    order: list[str] = []
    done: set[str] = set()
    remaining = list(enumerate(tasks))
    while remaining:
        ready = [(i, t) for i, t in remaining if all(d in done for d in t.depends_on)]
        if not ready:  # a cycle; validation prevents it
            ready = remaining
        ready.sort(key=lambda item: (-item[1].priority, item[0]))
        index, task = ready[0]
        order.append(task.id)
        done.add(task.id)
        remaining.remove((index, task))
    return order


# --------------------------------------------------------------------------- field helpers
