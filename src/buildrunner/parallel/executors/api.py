"""The `api` executor: one model call through the routing subsystem, answer written to a file."""

from __future__ import annotations

from buildrunner.core.project import write_atomic
from buildrunner.parallel.executors.base import (
    ExecutionControl,
    ExecutionRequest,
    ExecutionResult,
    Outcome,
    StopReason,
)
from buildrunner.parallel.integrations import ApiCaller, ApiCallError


class ApiExecutor:
    """Asks the model the task's prompt and writes the answer to ``output`` in the worktree."""

    name = "api"

    def __init__(self, caller: ApiCaller | None) -> None:
        self.caller = caller

    def run(self, request: ExecutionRequest, control: ExecutionControl) -> ExecutionResult:
        if self.caller is None:
            return ExecutionResult(
                Outcome.UNAVAILABLE,
                error="the api executor needs the routing subsystem, which is not installed",
            )
        if control.stop_reason() in (StopReason.CANCEL, StopReason.LOST):
            return ExecutionResult(Outcome.CANCELLED, error="stopped before the call")
        spec = request.spec
        control.report_progress(f"calling {request.model or 'the router'}")
        try:
            answer = self.caller.answer(
                spec.prompt or "",
                model=request.model,
                budget_usd=spec.budget_usd,
                task=spec,
                session_id=request.session_id,
            )
        except ApiCallError as exc:
            try:
                outcome = Outcome(exc.outcome)
            except ValueError:
                outcome = Outcome.UNKNOWN_ERROR
            return ExecutionResult(outcome, error=str(exc))
        target = request.cwd / (spec.output or f"{spec.id}.md")
        text = answer.text if answer.text.endswith("\n") else answer.text + "\n"
        write_atomic(target, text)
        request.log_path.parent.mkdir(parents=True, exist_ok=True)
        with request.log_path.open("a", encoding="utf-8") as log:
            log.write(
                f"api call: model={answer.model} cost_usd={answer.cost_usd:.6f} "
                f"input_tokens={answer.input_tokens} output_tokens={answer.output_tokens}\n"
                f"answer written to {spec.output}\n"
            )
        return ExecutionResult(
            Outcome.OK,
            result_text=answer.text[:2000],
            cost_usd=answer.cost_usd,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            turns=1,
            model=answer.model,
            usage=dict(answer.usage),
        )
