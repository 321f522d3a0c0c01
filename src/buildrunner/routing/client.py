"""The boundary to the Messages API: the official `anthropic` SDK, imported lazily (~1 s).

Clients are built with ``max_retries=0``: the router owns the one retry layer (retries in
the SDK would multiply attempts and retry the spend-cap 429). Every SDK exception is
translated here into :class:`AttemptError` carrying a classified
:class:`~buildrunner.routing.failures.Failure`; nothing above this module sees the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from buildrunner.core.clock import SYSTEM_CLOCK, Clock
from buildrunner.routing.failures import Failure, classify_failure
from buildrunner.routing.pricing import Usage

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Reply:
    """A successful answer."""

    text: str
    model: str
    usage: Usage
    stop_reason: str | None = None
    request_id: str | None = None
    message_id: str | None = None


class AttemptError(Exception):
    """One attempt failed; `failure` says how (internal to routing)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


class MessagesClient(Protocol):
    """What the router needs from a Messages API client."""

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        max_tokens: int,
        system: str | None,
        timeout: float,
    ) -> Reply: ...


class AnthropicMessages:
    """A :class:`MessagesClient` over ``anthropic.Anthropic(max_retries=0)``."""

    def __init__(
        self, *, api_key: str, base_url: str | None = None, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        import anthropic  # lazy: about a second of imports

        self._sdk = anthropic
        self.clock = clock
        self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url or None, max_retries=0)

    @property
    def max_retries(self) -> int:
        return int(self.client.max_retries)

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        max_tokens: int,
        system: str | None,
        timeout: float,
    ) -> Reply:
        sdk = self._sdk
        extra: dict[str, Any] = {"system": system} if system else {}
        try:
            message = self.client.with_options(timeout=timeout).messages.create(
                model=model,
                max_tokens=max_tokens,
                messages=list(messages),  # type: ignore[arg-type]  # plain dicts in the API's shape
                **extra,
            )
        except sdk.APITimeoutError:
            raise AttemptError(
                classify_failure(
                    status=None, timeout=True, message=f"no answer within {timeout:g}s"
                )
            ) from None
        except sdk.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise AttemptError(
                classify_failure(status=None, connection=True, message=_short(str(cause)))
            ) from None
        except sdk.APIStatusError as exc:
            raise AttemptError(_status_failure(exc, self.clock.now())) from None
        text = "".join(getattr(block, "text", "") for block in message.content)
        return Reply(
            text=text,
            model=str(message.model),
            usage=Usage.from_anthropic(message.usage),
            stop_reason=message.stop_reason,
            request_id=getattr(message, "_request_id", None),
            message_id=message.id,
        )


def _status_failure(exc: Any, now: float) -> Failure:
    body: Mapping[str, Any] = exc.body if isinstance(exc.body, Mapping) else {}
    raw_error = body.get("error")
    error: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
    raw_details = error.get("details")
    details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
    code = getattr(exc, "error_code", None) or details.get("error_code")
    message = error.get("message") or getattr(exc, "message", "") or str(exc)
    return classify_failure(
        status=int(exc.status_code),
        error_type=error.get("type"),
        error_code=code if isinstance(code, str) else None,
        message=_short(str(message)),
        headers=dict(exc.response.headers),
        now=now,
    )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
