"""The routing part of the `br` exception tree.

Failures of the Messages API are translated at the SDK boundary (`client.py`) into
:class:`ProviderError`, which carries the classified failure kind, the HTTP status, the
server's request id and any retry hint. Nothing above the boundary sees an SDK exception.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from buildrunner.core.errors import BuildRunnerError, ExitCode

if TYPE_CHECKING:
    from buildrunner.routing.failures import FailureKind


class RoutingError(BuildRunnerError):
    """Base class of routing failures (exit 3 unless stated)."""


class UnknownModelError(RoutingError):
    """A tier or model id that the catalog does not know (exit 2)."""

    exit_code = ExitCode.USAGE


class PriceUnavailableError(RoutingError):
    """A model has no price row: br never calls a model it cannot price."""


class ContextTooLargeError(RoutingError):
    """No model of the catalog has a context window large enough for the prompt."""


class NoModelAvailableError(RoutingError):
    """Every candidate model is cooling down behind an open circuit breaker."""

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class BudgetExceededError(RoutingError):
    """A call would exceed a budget or the per-task cost limit (exit 1: threshold breached)."""

    exit_code = ExitCode.FINDINGS

    def __init__(
        self,
        message: str,
        *,
        scope: str,
        limit: Decimal,
        committed: Decimal,
        needed: Decimal,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.scope = scope
        self.limit = limit
        self.committed = committed
        self.needed = needed


class MissingApiKeyError(RoutingError):
    """The API key environment variable is not set."""


class DeadlineExceededError(RoutingError):
    """The overall deadline of a call passed before any model answered."""


class ProviderError(RoutingError):
    """A classified failure of the Messages API (after retries and fallback, when raised)."""

    def __init__(
        self,
        message: str,
        *,
        kind: FailureKind,
        model: str,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.model = model
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
