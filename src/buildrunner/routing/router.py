"""The router: estimate, select, reserve budget, call, retry, fall back, settle, record.

``Router.complete(...)`` is the one retry layer between br and the Messages API:

- attempts per model: up to ``max_attempts`` for retryable failures (429, 5xx, timeouts,
  connection errors), ``overload_attempts`` for 529, then the next model of the fallback
  chain; caller errors, authentication and the spend cap fail at once;
- waits: the server's ``retry-after-ms`` / ``retry-after`` exactly when given, else
  ``min(cap, base * 2^(n-1)) * U(0.75, 1)``; a wait that would cross the overall deadline is
  not taken (the router falls back or fails instead);
- fallback: overload-type failures follow ``[routing.fallback]``; context overflow goes to the
  cheapest model with a larger window; a model is never tried twice in one call, at most
  ``max_fallbacks`` hops, and a budget that cannot hold the next model vetoes it;
- circuit breakers (shared through SQLite) skip cooling models; budgets reserve the worst case
  before each model and settle the actual cost after;
- every attempt, retry, hop, breaker transition and budget step is stored and recorded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.core.store import Store
from buildrunner.routing import events
from buildrunner.routing.breaker import CircuitBreakers
from buildrunner.routing.budget import Budgets, Reservation
from buildrunner.routing.catalog import TIERS, Catalog
from buildrunner.routing.client import (
    AnthropicMessages,
    AttemptError,
    Message,
    MessagesClient,
    Reply,
)
from buildrunner.routing.complexity import Estimate, estimate_complexity
from buildrunner.routing.errors import (
    BudgetExceededError,
    DeadlineExceededError,
    MissingApiKeyError,
    NoModelAvailableError,
    ProviderError,
)
from buildrunner.routing.events import Recorder, RoutingEvent, default_recorder
from buildrunner.routing.failures import HINTS, Action, Failure, FailureKind
from buildrunner.routing.ledger import CostLedger, UsageEntry
from buildrunner.routing.pricing import Cost, Usage, format_usd, price_usage, worst_case_cost
from buildrunner.routing.selection import Selection, select_model

if TYPE_CHECKING:
    from buildrunner.core.sections import RoutingConfig

CHARS_PER_TOKEN_WORST = 3.0
"""Prompt tokens for budget reservations: characters / 3 (pessimistic for English and code)."""


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a call."""

    seq: int
    model: str
    outcome: str
    status: int | None = None
    wait: float | None = None
    request_id: str | None = None
    duration: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "model": self.model,
            "outcome": self.outcome,
            "status": self.status,
            "wait_s": self.wait,
            "request_id": self.request_id,
            "duration_s": self.duration,
        }


@dataclass(frozen=True)
class Hop:
    """A move from one model to another (or past one) within a call."""

    from_model: str
    to_model: str | None
    reason: str


@dataclass(frozen=True)
class Completion:
    """The answer of a call and everything it cost."""

    call_id: str
    text: str
    model: str
    usage: Usage
    cost: Cost
    selection: Selection
    attempts: tuple[Attempt, ...]
    hops: tuple[Hop, ...] = ()
    stop_reason: str | None = None
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "model": self.model,
            "text": self.text,
            "stop_reason": self.stop_reason,
            "usage": self.usage.as_dict(),
            "cost": self.cost.as_dict(),
            "selection": self.selection.as_dict(),
            "attempts": [a.as_dict() for a in self.attempts],
            "fallbacks": [
                {"from": h.from_model, "to": h.to_model, "reason": h.reason} for h in self.hops
            ],
            "warnings": list(self.warnings),
        }


@dataclass
class _CallState:
    """Mutable bookkeeping of one call (internal)."""

    call_id: str
    deadline: float
    messages: Sequence[Message]
    system: str | None
    max_tokens: int
    prompt_tokens: int
    session_id: str | None
    task_id: str | None
    task_type: str | None
    attempts: list[Attempt] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    last_failure: Failure | None = None
    budget_error: BudgetExceededError | None = None
    reserved: Decimal = Decimal(0)


class Router:
    """Routes calls to Claude models under the ``[routing]`` configuration."""

    def __init__(
        self,
        config: RoutingConfig,
        store: Store,
        *,
        client: MessagesClient | None = None,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        recorder: Recorder | None = None,
        env: Mapping[str, str] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        import os

        self.config = config
        self.store = store
        self.clock = clock
        self.sleep = sleep or clock.sleep
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.recorder = recorder or default_recorder()
        self.env = os.environ if env is None else env
        self.catalog = catalog or Catalog.from_config(config)
        self.budgets = Budgets(
            store,
            limits={
                "day": config.daily_budget,
                "month": config.monthly_budget,
                "session": config.session_budget,
            },
            ttl=config.reservation_ttl,
            clock=clock,
        )
        self.ledger = CostLedger(store, clock=clock)
        self.breakers = CircuitBreakers(
            store,
            failures=config.breaker_failures,
            window=config.breaker_window,
            cooldown=config.breaker_cooldown,
            max_cooldown=config.breaker_max_cooldown,
            clock=clock,
        )
        self._client = client

    # ----------------------------------------------------------------- estimate / select

    def estimate(self, text: str, *, files: Sequence[str | Path] = ()) -> Estimate:
        return estimate_complexity(text, files=files, default_level=self.config.default_level)

    def select(
        self,
        estimate: Estimate,
        *,
        model: str = "auto",
        max_tokens: int | None = None,
        max_cost: Decimal | None = None,
        session_id: str | None = None,
    ) -> Selection:
        """Choose a model for `estimate` under the configured tiers, breakers and budgets."""
        open_breakers = {}
        for candidate in self.catalog.tiers.values():
            admission = self.breakers.peek(candidate)
            if not admission.allowed:
                open_breakers[candidate] = admission.retry_after or 0.0
        return select_model(
            estimate,
            catalog=self.catalog,
            requested=model,
            level_tiers=self.config.level_tiers,
            fallback=self.config.fallback,
            max_tokens=max_tokens or self.config.max_tokens,
            max_cost=_min(max_cost, self.config.max_cost_per_task),
            budget_remaining=self.budgets.remaining(session_id),
            on_exceed=self.config.on_budget_exceeded,
            open_breakers=open_breakers,
        )

    def decide(
        self,
        text: str,
        *,
        model: str = "auto",
        max_cost: Decimal | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        task_type: str | None = None,
    ) -> Selection:
        """Estimate `text` and choose a model for work this router does not call itself
        (a Claude Code session); records the ``routing.decision`` event like a call does."""
        estimate = self.estimate(text)
        selection = self.select(estimate, model=model, max_cost=max_cost, session_id=session_id)
        self._emit(
            events.DECISION,
            call_id=None,
            session_id=session_id,
            task_id=task_id,
            task_type=task_type,
            **selection.as_dict(),
        )
        return selection

    # ----------------------------------------------------------------- complete

    def complete(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] | None = None,
        system: str | None = None,
        model: str = "auto",
        max_tokens: int | None = None,
        max_cost: Decimal | None = None,
        session_id: str | None = None,
        task_id: str | None = None,
        task_type: str | None = None,
        files: Sequence[str | Path] = (),
        estimate: Estimate | None = None,
    ) -> Completion:
        """Make one call: choose, reserve, attempt, retry, fall back, settle, record."""
        if (prompt is None) == (messages is None):
            raise ValueError("pass exactly one of prompt and messages")
        messages = list(messages) if messages is not None else [{"role": "user", "content": prompt}]
        max_tokens = max_tokens or self.config.max_tokens
        request_text = _request_text(messages, system)
        prompt_tokens = math.ceil(len(request_text) / CHARS_PER_TOKEN_WORST)
        client = self._get_client()
        estimate = estimate or self.estimate(prompt or request_text, files=files)
        estimate = replace(estimate, tokens=max(prompt_tokens, estimate.tokens if not files else 0))
        selection = self.select(
            estimate, model=model, max_tokens=max_tokens, max_cost=max_cost, session_id=session_id
        )
        call_id = self.ledger.start_call(
            source="api",
            session_id=session_id,
            task_id=task_id,
            task_type=task_type,
            level=estimate.level,
            requested_model=model,
            selected_model=selection.model,
            reason=selection.reason,
        )
        state = _CallState(
            call_id=call_id,
            deadline=self.clock.monotonic() + self.config.deadline,
            messages=messages,
            system=system,
            max_tokens=max_tokens,
            prompt_tokens=estimate.tokens,
            session_id=session_id,
            task_id=task_id,
            task_type=task_type,
        )
        self._emit_call(state, events.DECISION, **selection.as_dict())
        try:
            completion = self._run_chain(client, state, selection, max_cost)
        except BaseException as exc:
            self._finish_failed(state, exc)
            raise
        return completion

    def _run_chain(
        self,
        client: MessagesClient,
        state: _CallState,
        selection: Selection,
        max_cost: Decimal | None,
    ) -> Completion:
        chain = [selection.model, *self._fallbacks(selection.model)]
        index = 0
        while index < len(chain):
            model = chain[index]
            index += 1
            if model in state.tried:
                continue
            if len(state.tried) > self.config.max_fallbacks:
                break
            outcome = self._use_model(client, state, model, selection, max_cost)
            if isinstance(outcome, Completion):
                return outcome
            if outcome is None:
                continue  # skipped (breaker, window, budget): the hop is already recorded
            if outcome.action is Action.FAIL:
                raise self._provider_error(state, outcome)
            if outcome.kind is FailureKind.CONTEXT_OVERFLOW:
                bigger = self._larger_window(model, state)
                if bigger is not None:
                    chain[index:index] = [bigger]
            nxt = next((m for m in chain[index:] if m not in state.tried), None)
            self._hop(state, model, nxt, outcome.kind.value)
        raise self._exhausted(state)

    def _use_model(
        self,
        client: MessagesClient,
        state: _CallState,
        model: str,
        selection: Selection,
        max_cost: Decimal | None,
    ) -> Completion | Failure | None:
        """Try one model: breaker, window and budget gates, then the attempts."""
        spec = self.catalog.spec(model)
        if state.prompt_tokens + state.max_tokens > spec.context_window and state.tried:
            self._skip(state, model, f"window {spec.context_window:,} too small")
            return None
        admission = self.breakers.admit(model)
        if admission.transition:
            self._emit_call(
                state,
                events.BREAKER,
                model=model,
                old=admission.transition[0],
                new=admission.transition[1],
            )
        if not admission.allowed:
            self._skip(state, model, f"circuit {admission.state}")
            return None
        prices = self.catalog.prices(model)
        worst = worst_case_cost(
            prices, prompt_tokens=state.prompt_tokens, max_tokens=state.max_tokens
        )
        reservation = self._reserve(state, model, worst, max_cost)
        if reservation is None:
            return None
        state.tried.append(model)
        try:
            result = self._attempts(client, state, model)
        except BaseException:
            self.budgets.release(reservation)
            raise
        if isinstance(result, Failure):
            self.budgets.release(reservation)
            state.last_failure = result
            return result
        return self._settle(state, model, result, reservation, selection)

    def _reserve(
        self, state: _CallState, model: str, worst: Decimal, max_cost: Decimal | None
    ) -> Reservation | None:
        limit = _min(max_cost, self.config.max_cost_per_task)
        first = not state.tried
        try:
            if limit is not None and worst > limit:
                raise BudgetExceededError(
                    f"{model} could cost up to {format_usd(worst)}, over the per-task maximum "
                    f"of {format_usd(limit)}",
                    scope="task",
                    limit=limit,
                    committed=Decimal(0),
                    needed=worst,
                )
            reservation = self.budgets.reserve(
                worst, model=model, session_id=state.session_id, call_id=state.call_id
            )
        except BudgetExceededError as exc:
            self._emit_call(
                state,
                events.BUDGET_REFUSED,
                model=model,
                scope=exc.scope,
                needed_usd=str(worst),
            )
            if first and self.config.on_budget_exceeded == "refuse":
                raise
            self._skip(state, model, f"budget: {exc.message}")
            state.budget_error = state.budget_error or exc
            return None
        state.reserved += worst
        self._emit_call(
            state,
            events.BUDGET_RESERVE,
            model=model,
            amount_usd=str(worst),
            reservation=reservation.id,
        )
        return reservation

    def _attempts(self, client: MessagesClient, state: _CallState, model: str) -> Reply | Failure:
        """Attempt one model until success, a non-retryable failure or attempts run out."""
        count = 0
        while True:
            remaining = state.deadline - self.clock.monotonic()
            if remaining <= 0:
                raise self._deadline_error(state)
            count += 1
            seq = len(state.attempts) + 1
            started = self.clock.monotonic()
            try:
                reply = client.create(
                    model=model,
                    messages=state.messages,
                    max_tokens=state.max_tokens,
                    system=state.system,
                    timeout=min(self.config.timeout, remaining),
                )
            except AttemptError as exc:
                failure = exc.failure
            else:
                self._attempt(
                    state,
                    Attempt(
                        seq,
                        model,
                        "ok",
                        200,
                        None,
                        reply.request_id,
                        self.clock.monotonic() - started,
                    ),
                )
                transition = self.breakers.record_success(model)
                if transition:
                    self._emit_call(
                        state, events.BREAKER, model=model, old=transition[0], new=transition[1]
                    )
                return reply
            duration = self.clock.monotonic() - started
            opened = False
            if failure.countable:
                transition = self.breakers.record_failure(model)
                if transition:
                    opened = transition[1] == "open"
                    self._emit_call(
                        state, events.BREAKER, model=model, old=transition[0], new=transition[1]
                    )
            wait = self._next_wait(state, failure, count, opened)
            self._attempt(
                state,
                Attempt(
                    seq,
                    model,
                    failure.kind.value,
                    failure.status,
                    wait,
                    failure.request_id,
                    duration,
                ),
            )
            if wait is None:
                return failure
            self._emit_call(
                state,
                events.RETRY,
                model=model,
                attempt=count,
                kind=failure.kind.value,
                wait_s=wait,
            )
            self.sleep(wait)

    def _next_wait(
        self, state: _CallState, failure: Failure, count: int, opened: bool
    ) -> float | None:
        """Seconds to wait before retrying the same model, or None to stop retrying it."""
        if failure.action is not Action.RETRY or opened:
            return None
        limit = (
            self.config.overload_attempts
            if failure.kind is FailureKind.OVERLOADED
            else self.config.max_attempts
        )
        if count >= limit:
            return None
        wait = self.backoff(count, failure.retry_after)
        if self.clock.monotonic() + wait > state.deadline:
            return None
        return wait

    def backoff(self, attempt: int, hint: float | None = None) -> float:
        """The wait after failed attempt number `attempt` (1-based): the hint, or jittered."""
        if hint is not None:
            return hint
        base = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempt - 1))
        return float(base * self.rng.uniform(0.75, 1.0))

    def _settle(
        self,
        state: _CallState,
        model: str,
        reply: Reply,
        reservation: Reservation,
        selection: Selection,
    ) -> Completion:
        cost = price_usage(reply.usage, self.catalog.prices(model))
        self.ledger.record_usage(
            state.call_id,
            [UsageEntry(model, reply.usage, cost)],
            session_id=state.session_id,
            task_type=state.task_type,
            reservation=reservation,
        )
        self._emit_call(
            state,
            events.BUDGET_SETTLE,
            model=model,
            reserved_usd=str(reservation.amount),
            cost_usd=str(cost.total),
        )
        warnings = self._budget_warnings(state.session_id)
        self.ledger.finish_call(
            state.call_id,
            outcome="ok",
            final_model=model,
            attempts=len(state.attempts),
            fallbacks=len(state.hops),
            reserved=state.reserved,
        )
        self._emit_call(
            state,
            events.CALL,
            outcome="ok",
            model=model,
            attempts=len(state.attempts),
            fallbacks=len(state.hops),
            cost_usd=str(cost.total),
            duration_s=state.attempts[-1].duration,
            request_id=reply.request_id,
            stop_reason=reply.stop_reason,
            **reply.usage.as_dict(),
        )
        return Completion(
            call_id=state.call_id,
            text=reply.text,
            model=model,
            usage=reply.usage,
            cost=cost,
            selection=selection,
            attempts=tuple(state.attempts),
            hops=tuple(state.hops),
            stop_reason=reply.stop_reason,
            warnings=warnings,
        )

    # ----------------------------------------------------------------- helpers

    def _get_client(self) -> MessagesClient:
        if self._client is None:
            name = self.config.api_key_env
            key = self.env.get(name, "").strip()
            if not key:
                raise MissingApiKeyError(
                    f"{name} is not set",
                    hint=f"export {name}=... (or point routing.api_key_env at another variable)",
                )
            base_url = self.config.base_url or self.env.get("ANTHROPIC_BASE_URL") or None
            self._client = AnthropicMessages(api_key=key, base_url=base_url, clock=self.clock)
        return self._client

    def _fallbacks(self, model: str) -> list[str]:
        tier = self.catalog.tier_of(model)
        names = self.config.fallback.get(tier or "", ()) if tier else ()
        return [self.catalog.canonical(name) for name in names]

    def _larger_window(self, model: str, state: _CallState) -> str | None:
        """The model to try after a context overflow: a larger window, at least as strong.

        Prefers the failed model's tier (or a stronger one), then the cheapest output price;
        a weaker tier is used only when no other model has the window.
        """
        window = self.catalog.spec(model).context_window
        need = state.prompt_tokens + state.max_tokens
        rank = _tier_rank(self.catalog.spec(model).family)
        options = []
        for entry in self.catalog.entries():
            spec = entry.spec
            if spec.id in state.tried or entry.prices is None or spec.status == "retired":
                continue
            if spec.context_window > window and spec.context_window >= need:
                weaker = _tier_rank(spec.family) < rank
                options.append((weaker, entry.prices.rates.output, spec.context_window, spec.id))
        return min(options)[3] if options else None

    def _attempt(self, state: _CallState, attempt: Attempt) -> None:
        state.attempts.append(attempt)
        self.ledger.record_attempt(
            state.call_id,
            seq=attempt.seq,
            model=attempt.model,
            started_at=self.clock.now(),
            duration=attempt.duration,
            outcome=attempt.outcome,
            status=attempt.status,
            request_id=attempt.request_id,
            wait=attempt.wait,
        )
        self._emit_call(state, events.ATTEMPT, **attempt.as_dict())

    def _skip(self, state: _CallState, model: str, reason: str) -> None:
        self._hop(state, model, None, reason)

    def _hop(self, state: _CallState, old: str, new: str | None, reason: str) -> None:
        state.hops.append(Hop(old, new, reason))
        self._emit_call(state, events.FALLBACK, from_model=old, to_model=new, reason=reason)

    def _provider_error(self, state: _CallState, failure: Failure) -> ProviderError:
        model = state.tried[-1] if state.tried else "?"
        attempts = len(state.attempts)
        return ProviderError(
            f"{model}: {failure.describe()} (after {attempts} attempt{'s' * (attempts != 1)})",
            kind=failure.kind,
            model=model,
            status=failure.status,
            request_id=failure.request_id,
            retry_after=failure.retry_after,
            hint=HINTS.get(failure.kind),
        )

    def _exhausted(self, state: _CallState) -> Exception:
        budget_error = state.budget_error
        if state.last_failure is not None:
            error = self._provider_error(state, state.last_failure)
            tried = ", ".join(state.tried)
            error.message = f"every model failed ({tried}); last: {error.message}"
            return error
        if isinstance(budget_error, BudgetExceededError):
            return budget_error
        reasons = "; ".join(f"{h.from_model}: {h.reason}" for h in state.hops)
        waits = [
            a.retry_after
            for m in self.catalog.tiers.values()
            if (a := self.breakers.peek(m)).retry_after is not None
        ]
        wait = min(waits) if waits else None
        return NoModelAvailableError(
            f"no model could take the call ({reasons})",
            retry_after=wait,
            hint=f"retry in {wait:.0f}s" if wait is not None else None,
        )

    def _deadline_error(self, state: _CallState) -> DeadlineExceededError:
        last = state.last_failure.describe() if state.last_failure else "no answer"
        return DeadlineExceededError(
            f"the call deadline of {self.config.deadline:g}s passed after "
            f"{len(state.attempts)} attempts ({last})",
            hint="raise routing.deadline or retry later",
        )

    def _finish_failed(self, state: _CallState, exc: BaseException) -> None:
        kind = getattr(exc, "kind", None)
        self.ledger.finish_call(
            state.call_id,
            outcome="failed",
            final_model=None,
            error_kind=str(kind.value) if kind else type(exc).__name__,
            error_message=str(exc)[:500],
            attempts=len(state.attempts),
            fallbacks=len(state.hops),
            reserved=state.reserved,
        )
        self._emit_call(
            state,
            events.CALL,
            outcome="failed",
            attempts=len(state.attempts),
            fallbacks=len(state.hops),
            error=type(exc).__name__,
        )

    def _budget_warnings(self, session_id: str | None) -> tuple[str, ...]:
        warnings = []
        for status in self.budgets.status(session_id):
            used = status.used_fraction
            if used is not None and used >= self.config.budget_warn_at:
                text = (
                    f"{status.scope} budget {int(used * 100)}% used "
                    f"({format_usd(status.committed)} of {format_usd(status.limit or Decimal(0))})"
                )
                warnings.append(text)
                self._emit(events.BUDGET_WARNING, scope=status.scope, used=round(used, 4))
        return tuple(warnings)

    def _emit(self, name: str, **attributes: Any) -> None:
        self.recorder.record(RoutingEvent(name, self.clock.now(), attributes))

    def _emit_call(self, state: _CallState, name: str, **attributes: Any) -> None:
        """An event of one call: carries the call, session, task and task type."""
        context = {
            "call_id": state.call_id,
            "session_id": state.session_id,
            "task_id": state.task_id,
            "task_type": state.task_type,
        }
        self._emit(name, **context, **attributes)


def _request_text(messages: Sequence[Message], system: str | None) -> str:
    parts = [system or ""]
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [b.get("text", "") for b in content if isinstance(b, Mapping)]
    return "\n".join(parts)


def _tier_rank(family: str) -> int:
    return TIERS.index(family) if family in TIERS else len(TIERS)


def _min(*values: Decimal | None) -> Decimal | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


__all__ = ["TIERS", "Attempt", "Completion", "Hop", "Router"]
