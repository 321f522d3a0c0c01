from __future__ import annotations

import pytest

from buildrunner.routing.failures import Action, FailureKind, classify_failure, parse_retry_after

K = FailureKind
A = Action


@pytest.mark.parametrize(
    ("status", "error_type", "error_code", "message", "kind", "action", "countable"),
    [
        (429, "rate_limit_error", None, "slow down", K.RATE_LIMITED, A.RETRY, True),
        (429, "rate_limit_error", "enforced_spend_limit_reached", "limit", K.SPEND_CAP, A.FAIL,
         False),
        (400, "invalid_request_error", None,
         "You have reached your specified workspace API usage limits", K.SPEND_CAP, A.FAIL, False),
        (529, "overloaded_error", None, "Overloaded", K.OVERLOADED, A.RETRY, True),
        (500, "overloaded_error", None, "Overloaded", K.OVERLOADED, A.RETRY, True),
        (500, "api_error", None, "Internal", K.SERVER_ERROR, A.RETRY, True),
        (502, None, None, "", K.SERVER_ERROR, A.RETRY, True),
        (503, "api_error", None, "", K.SERVER_ERROR, A.RETRY, True),
        (504, None, None, "", K.SERVER_ERROR, A.RETRY, True),
        (408, None, None, "", K.TIMEOUT, A.RETRY, True),
        (409, None, None, "", K.CONFLICT, A.RETRY, False),
        (400, "invalid_request_error", None, "prompt is too long: 250000 tokens > 200000 maximum",
         K.CONTEXT_OVERFLOW, A.FALLBACK, False),
        (400, "invalid_request_error", None,
         "input length and `max_tokens` exceed context limit: 190000 + 20000 > 200000",
         K.CONTEXT_OVERFLOW, A.FALLBACK, False),
        (400, "invalid_request_error", None, "messages: field required", K.INVALID_REQUEST,
         A.FAIL, False),
        (401, "authentication_error", None, "invalid x-api-key", K.AUTHENTICATION, A.FAIL, False),
        (402, "billing_error", None, "", K.BILLING, A.FAIL, False),
        (403, "permission_error", None, "", K.PERMISSION, A.FAIL, False),
        (404, "not_found_error", None, "model: claude-x", K.MODEL_NOT_FOUND, A.FALLBACK, False),
        (413, "request_too_large", None, "Request exceeds the maximum size", K.REQUEST_TOO_LARGE,
         A.FAIL, False),
        (422, None, None, "", K.INVALID_REQUEST, A.FAIL, False),
    ],
)  # fmt: skip
def test_classification(
    status: int,
    error_type: str | None,
    error_code: str | None,
    message: str,
    kind: FailureKind,
    action: Action,
    countable: bool,
) -> None:
    failure = classify_failure(
        status=status, error_type=error_type, error_code=error_code, message=message
    )
    assert (failure.kind, failure.action, failure.countable) == (kind, action, countable)


def test_transport_failures() -> None:
    timeout = classify_failure(status=None, timeout=True, message="no answer")
    dropped = classify_failure(status=None, connection=True, message="reset")
    assert (timeout.kind, timeout.action, timeout.countable) == (K.TIMEOUT, A.RETRY, True)
    assert (dropped.kind, dropped.action, dropped.countable) == (K.CONNECTION, A.RETRY, True)


def test_server_says_do_not_retry() -> None:
    failure = classify_failure(status=500, headers={"X-Should-Retry": "false"})
    assert failure.action is Action.FALLBACK


def test_request_id_and_hint_are_kept() -> None:
    failure = classify_failure(
        status=429, headers={"request-id": "req_1", "retry-after": "7"}, message="x"
    )
    assert (failure.request_id, failure.retry_after) == ("req_1", 7.0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "20", "retry-after": "9"}, 0.02),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT"}, 30.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-3"}, None),
        ({"retry-after-ms": "x", "retry-after": "4"}, 4.0),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    now = 1792567680.0  # Wed, 21 Oct 2026 07:28:00 GMT
    assert parse_retry_after(headers, now=now) == expected
