"""Classifying Messages API failures, and reading the server's retry hints.

Classification branches on the HTTP status, the body's ``error.type`` and
``error.details.error_code`` and, where the API offers nothing stable (context overflow, the
workspace usage limit), on the message text: never on SDK exception classes, which differ
between SDK lines (shared/reference/anthropic-api.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum


class FailureKind(StrEnum):
    """What went wrong with one attempt."""

    RATE_LIMITED = "rate_limited"
    SPEND_CAP = "spend_cap"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CONFLICT = "conflict"
    CONTEXT_OVERFLOW = "context_overflow"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    BILLING = "billing"
    INVALID_REQUEST = "invalid_request"
    REQUEST_TOO_LARGE = "request_too_large"
    MODEL_NOT_FOUND = "model_not_found"


class Action(StrEnum):
    """What the router does about a failure."""

    RETRY = "retry"
    """Retry the same model after a backoff (then fall back when attempts run out)."""
    FALLBACK = "fallback"
    """Do not retry this model; try the next one in the chain."""
    FAIL = "fail"
    """Stop at once: retrying or another model cannot help (or would cost money wrongly)."""


ACTIONS: Mapping[FailureKind, Action] = {
    FailureKind.RATE_LIMITED: Action.RETRY,
    FailureKind.SPEND_CAP: Action.FAIL,
    FailureKind.OVERLOADED: Action.RETRY,
    FailureKind.SERVER_ERROR: Action.RETRY,
    FailureKind.TIMEOUT: Action.RETRY,
    FailureKind.CONNECTION: Action.RETRY,
    FailureKind.CONFLICT: Action.RETRY,
    FailureKind.CONTEXT_OVERFLOW: Action.FALLBACK,
    FailureKind.AUTHENTICATION: Action.FAIL,
    FailureKind.PERMISSION: Action.FAIL,
    FailureKind.BILLING: Action.FAIL,
    FailureKind.INVALID_REQUEST: Action.FAIL,
    FailureKind.REQUEST_TOO_LARGE: Action.FAIL,
    FailureKind.MODEL_NOT_FOUND: Action.FALLBACK,
}
"""The default action per kind (the table in docs/routing.md)."""

COUNTABLE: frozenset[FailureKind] = frozenset(
    {
        FailureKind.RATE_LIMITED,
        FailureKind.OVERLOADED,
        FailureKind.SERVER_ERROR,
        FailureKind.TIMEOUT,
        FailureKind.CONNECTION,
    }
)
"""Failures that count toward opening a model's circuit breaker (caller errors never do)."""

HINTS: Mapping[FailureKind, str] = {
    FailureKind.SPEND_CAP: "the organisation's spend limit is reached; raise it in the console",
    FailureKind.AUTHENTICATION: "check the API key in the environment",
    FailureKind.PERMISSION: "the API key may not use this model or feature",
    FailureKind.BILLING: "check the billing settings of the organisation",
    FailureKind.CONTEXT_OVERFLOW: "shorten the prompt or use a model with a larger window",
    FailureKind.MODEL_NOT_FOUND: "check the model ids of [routing] (br routing models)",
    FailureKind.INVALID_REQUEST: "the request was rejected as invalid",
    FailureKind.REQUEST_TOO_LARGE: "the request body is too large",
}

_CONTEXT = re.compile(
    r"prompt is too long|exceeds? (?:the )?(?:model'?s? )?context|context (?:limit|window|length)"
    r"|input length and `?max_tokens`? exceed|too many (?:input )?tokens",
    re.I,
)
_USAGE_LIMIT = re.compile(
    r"reached your specified (?:workspace )?api usage limits|spend limit", re.I
)


@dataclass(frozen=True)
class Failure:
    """One classified failure of one attempt."""

    kind: FailureKind
    action: Action
    message: str
    status: int | None = None
    request_id: str | None = None
    retry_after: float | None = None

    @property
    def countable(self) -> bool:
        return self.kind in COUNTABLE

    def describe(self) -> str:
        status = f"HTTP {self.status} " if self.status else ""
        return f"{status}{self.kind.value}: {self.message}"


def classify_failure(
    *,
    status: int | None,
    error_type: str | None = None,
    error_code: str | None = None,
    message: str = "",
    headers: Mapping[str, str] | None = None,
    timeout: bool = False,
    connection: bool = False,
    now: float | None = None,
) -> Failure:
    """Classify a failed attempt from what the transport and the server said."""
    head = {k.lower(): v for k, v in (headers or {}).items()}
    kind = _kind(status, error_type, error_code, message, timeout=timeout, connection=connection)
    action = ACTIONS[kind]
    if action is Action.RETRY and head.get("x-should-retry", "").lower() == "false":
        action = Action.FALLBACK
    return Failure(
        kind=kind,
        action=action,
        message=message or (error_type or kind.value),
        status=status,
        request_id=head.get("request-id"),
        retry_after=parse_retry_after(head, now=now),
    )


def _kind(
    status: int | None,
    error_type: str | None,
    error_code: str | None,
    message: str,
    *,
    timeout: bool,
    connection: bool,
) -> FailureKind:
    if timeout:
        return FailureKind.TIMEOUT
    if connection or status is None:
        return FailureKind.CONNECTION
    if error_code == "enforced_spend_limit_reached" or (
        status in (400, 429) and _USAGE_LIMIT.search(message)
    ):
        return FailureKind.SPEND_CAP
    if status == 529 or error_type == "overloaded_error":
        return FailureKind.OVERLOADED
    if status == 429 or error_type == "rate_limit_error":
        return FailureKind.RATE_LIMITED
    if status in (400, 413) and _CONTEXT.search(message):
        return FailureKind.CONTEXT_OVERFLOW
    simple = {
        401: FailureKind.AUTHENTICATION,
        402: FailureKind.BILLING,
        403: FailureKind.PERMISSION,
        404: FailureKind.MODEL_NOT_FOUND,
        408: FailureKind.TIMEOUT,
        409: FailureKind.CONFLICT,
        413: FailureKind.REQUEST_TOO_LARGE,
    }
    if status in simple:
        return simple[status]
    if status >= 500:
        return FailureKind.SERVER_ERROR
    return FailureKind.INVALID_REQUEST


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms`` wins over ``retry-after``.

    ``retry-after`` is seconds (integer or float) or an HTTP date (needs `now`, epoch seconds).
    Unparsable or negative values are ignored.
    """
    head = {k.lower(): v for k, v in headers.items()}
    millis = head.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
            if value >= 0:
                return value
        except ValueError:
            pass
    text = head.get("retry-after")
    if text is None:
        return None
    try:
        value = float(text)
        return value if value >= 0 else None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if now is None:
        return None
    return max(0.0, when.timestamp() - now)
