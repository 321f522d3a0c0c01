"""Seams to the other subsystems: events, costs, model choice, API calls and the merge gate.

Orchestration needs four things it does not own: telemetry (lifecycle events), routing
(choosing a model for ``model = "auto"``, one API call for the ``api`` executor, recording
cost), and security (scanning a task's diff before it merges). Each is a small Protocol here
with a default that works without the other subsystem, and :func:`default_integrations`
picks the real implementation when that subsystem is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from buildrunner.core.errors import BuildRunnerError
from buildrunner.core.store import Store
from buildrunner.parallel.plan import TaskSpec

log = logging.getLogger("buildrunner.parallel")


# --------------------------------------------------------------------------- events


class EventSink(Protocol):
    """Where task, session and worker lifecycle events go (telemetry)."""

    def emit(self, name: str, attributes: Mapping[str, Any]) -> None: ...


class NullEventSink:
    """Drops events (telemetry not installed or disabled)."""

    def emit(self, name: str, attributes: Mapping[str, Any]) -> None:
        return None


class RecordingEventSink:
    """Keeps events in memory (tests and embedding)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def emit(self, name: str, attributes: Mapping[str, Any]) -> None:
        self.events.append((name, dict(attributes)))


# --------------------------------------------------------------------------- costs


class BudgetRefusedError(BuildRunnerError):
    """The budgets (day, month, session) cannot cover a task's reservation."""


class CostSink(Protocol):
    """Budget reservation and cost accounting of claude sessions (the routing cost tracker)."""

    def reserve(
        self, *, session_id: str, task_id: str, executor: str, amount_usd: float
    ) -> object | None:
        """Hold `amount_usd` before the attempt; raises :class:`BudgetRefusedError`."""
        ...

    def settle(
        self,
        reservation: object | None,
        *,
        session_id: str,
        task_id: str,
        outcome: str,
        raw_result: Mapping[str, Any] | None,
    ) -> None:
        """Record what the attempt cost (from Claude Code's ``result``) and free the rest."""
        ...


class NullCostSink:
    """Costs stay in the parallel tables only (no routing subsystem)."""

    def reserve(self, **_: Any) -> object | None:
        return None

    def settle(self, reservation: object | None, **_: Any) -> None:
        return None


# --------------------------------------------------------------------------- models


class ModelResolver(Protocol):
    """Turns a task's ``model`` (``auto``, a tier, an id) into what the executor passes on."""

    def resolve(self, spec: TaskSpec) -> str | None: ...


@dataclass(frozen=True)
class StaticModelResolver:
    """``auto`` becomes `default_model`; tiers and ids pass through unchanged."""

    default_model: str = "sonnet"

    def resolve(self, spec: TaskSpec) -> str | None:
        model = spec.model.strip()
        if model == "auto":
            return self.default_model or None
        return model  # tiers (haiku, sonnet, opus) and ids pass through


# --------------------------------------------------------------------------- API calls


@dataclass(frozen=True)
class ApiAnswer:
    """The answer to one API call and what it cost."""

    text: str
    model: str
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    usage: Mapping[str, Any] = field(default_factory=dict)


class ApiCallError(BuildRunnerError):
    """An API call failed; `outcome` is one of the executor taxonomy values."""

    def __init__(self, message: str, *, outcome: str = "unknown_error") -> None:
        super().__init__(message)
        self.outcome = outcome


class ApiCaller(Protocol):
    """Makes one model call for the ``api`` executor (the routing subsystem's router)."""

    def answer(
        self,
        prompt: str,
        *,
        model: str | None,
        budget_usd: float | None,
        task: TaskSpec,
        session_id: str | None = None,
    ) -> ApiAnswer: ...


# --------------------------------------------------------------------------- merge gate


@dataclass(frozen=True)
class GateResult:
    """What the gate found in a task's diff; `report` and `details` are already masked.

    `details` holds one JSON object per finding in the security subsystem's shape
    (``rule_id``, ``kind``, ``path``, ``line``, ``severity``, ``masked``, ``fingerprint``);
    `files_scanned` counts the files of the diff the gate read.
    """

    passed: bool
    findings: int = 0
    report: str = ""
    gate: str = "none"
    details: tuple[Mapping[str, Any], ...] = ()
    files_scanned: int = 0


class MergeGate(Protocol):
    """Checks the diff of a finished task before it is merged (the security scan)."""

    name: str

    def check(self, repo: Path, base: str, head: str) -> GateResult: ...


class OpenGate:
    """Lets everything through (no security subsystem, or ``parallel.merge_gate = "none"``)."""

    name = "none"

    def check(self, repo: Path, base: str, head: str) -> GateResult:
        return GateResult(True, gate=self.name)


class GateUnavailableError(BuildRunnerError):
    """``parallel.merge_gate = "security"`` but the security subsystem is not installed."""


# --------------------------------------------------------------------------- bundle


@dataclass(frozen=True)
class Integrations:
    """The implementations a session uses."""

    events: EventSink = field(default_factory=NullEventSink)
    costs: CostSink = field(default_factory=NullCostSink)
    models: ModelResolver = field(default_factory=StaticModelResolver)
    api: ApiCaller | None = None
    gate: MergeGate = field(default_factory=OpenGate)


def default_integrations(
    *,
    default_model: str = "sonnet",
    merge_gate: str = "auto",
    project_root: Path | None = None,
    store: Store | None = None,
    session_id: str | None = None,
) -> Integrations:
    """The best available implementation of every seam.

    Events go to telemetry (the project's ``[telemetry]`` configuration decides whether and
    where) when a `store` is given; `session_id` tags the routing decisions made for ``auto``
    models. Routing and security plug in here as they land; until
    then the defaults above apply (``auto`` -> `default_model`, no API caller, no gate).
    """
    gate = merge_gate_for(merge_gate, project_root)
    events: EventSink = NullEventSink()
    if store is None or project_root is None:
        return Integrations(models=StaticModelResolver(default_model), gate=gate)
    events = telemetry_events(store, project_root)
    routed = routing_integrations(
        store, project_root, default_model=default_model, session_id=session_id
    )
    if routed is None:
        return Integrations(events=events, models=StaticModelResolver(default_model), gate=gate)
    models, api, costs = routed
    return Integrations(events=events, costs=costs, models=models, api=api, gate=gate)


def merge_gate_for(setting: str, project_root: Path | None) -> MergeGate:
    """The gate ``parallel.merge_gate`` asks for: security (required), auto or none."""
    from buildrunner.parallel.security_gate import SecurityGate, security_available

    if setting == "none":
        return OpenGate()
    if not security_available():
        if setting == "security":
            raise GateUnavailableError(
                "parallel.merge_gate is 'security' but the security subsystem is not installed",
                hint="set parallel.merge_gate to 'auto' or 'none'",
            )
        return OpenGate()
    config = None
    if project_root is not None:
        from buildrunner.core.config import load_config
        from buildrunner.core.paths import resolve_paths

        sections = load_config(resolve_paths(project_root)).config
        config = getattr(sections, "security", None)
    return SecurityGate(config)


def routing_integrations(
    store: Store, project_root: Path, *, default_model: str, session_id: str | None = None
) -> tuple[ModelResolver, ApiCaller, CostSink] | None:
    """The routing subsystem's model choice, API caller and cost sink (None if unavailable)."""
    try:
        from buildrunner.parallel.routing_seams import (
            RouterApiCaller,
            RoutingCostSink,
            RoutingModelResolver,
        )
        from buildrunner.routing import CostAccount, Router
    except ImportError:  # a build without the routing subsystem
        return None
    from buildrunner.core.config import load_config
    from buildrunner.core.paths import resolve_paths

    try:
        config = load_config(resolve_paths(project_root)).config.routing
    except BuildRunnerError as exc:
        log.warning("routing is off for this session: %s", exc)
        return None
    router = Router(config, store)
    return (
        RoutingModelResolver(router, default_model=default_model, session_id=session_id),
        RouterApiCaller(router),
        RoutingCostSink(CostAccount(config, store)),
    )


def telemetry_events(store: Store, project_root: Path) -> EventSink:
    """An event sink writing to telemetry with the project's ``[telemetry]`` settings."""
    from buildrunner import telemetry
    from buildrunner.core.config import load_config
    from buildrunner.core.paths import resolve_paths
    from buildrunner.parallel.telemetry_sink import TelemetrySink

    try:
        config = load_config(resolve_paths(project_root)).config.telemetry
    except BuildRunnerError as exc:
        log.warning("telemetry is off for this session: %s", exc)
        return NullEventSink()
    return TelemetrySink(telemetry.open_collector(store, config))


def close_integrations(integrations: Integrations) -> None:
    """Write what the event sink still buffers (call when a supervisor or worker ends)."""
    closer = getattr(integrations.events, "close", None)
    if callable(closer):
        closer()
