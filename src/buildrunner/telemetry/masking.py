"""Masking events before they are stored: no secret is ever persisted.

Two rules, applied by the collector at flush time (off the caller's hot path) to the encoded
row of each event:

1. every text column and the JSON of every other field (``attributes`` included) pass
   through the *masker*, by default :func:`buildrunner.core.redact.redact_text` (the security
   detector finds each secret and replaces it with ``mask_secret(secret)``);
2. a value whose key names a credential (``password``, ``api_key``, ``token``,
   ``authorization`` ...) is replaced by ``mask_secret(value)`` whatever it looks like,
   because a bare value carries no context a detector could recognise.

The masker runs once per distinct string in a batch (text columns repeat: models, statuses,
session ids) and once per event on its JSON, so a batch costs a few dictionary look-ups per
event when nothing is secret. When the masker changes the JSON, the stored JSON is the masked
text if it is still valid JSON, otherwise every string is masked one by one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from buildrunner.core.redact import mask_secret
from buildrunner.telemetry.codec import INDEX, TEXT_SLICE, dumps

Masker = Callable[[str], str]

MIN_MASKED_LENGTH = 8
"""Text columns shorter than this cannot hold a secret a detector recognises: not masked."""

_KEYS = (
    r"password|passwd|pwd|passphrase|secret|secret[_\-]?key|client[_\-]?secret|"
    r"token|access[_\-]?token|refresh[_\-]?token|auth[_\-]?token|api[_\-]?key|apikey|"
    r"access[_\-]?key|private[_\-]?key|authorization|credentials?|cookie"
)
SENSITIVE_KEY = re.compile(rf"(?:^|[._\-])(?:{_KEYS})$", re.IGNORECASE)
"""Keys whose values are credentials, matched on the last segment of the key."""

_DATA = INDEX["data"]
_sensitive: dict[str, bool] = {}


def is_sensitive_key(key: str) -> bool:
    """Whether a key names a credential (cached: keys repeat)."""
    known = _sensitive.get(key)
    if known is None:
        known = SENSITIVE_KEY.search(key) is not None
        if len(_sensitive) < 10_000:
            _sensitive[key] = known
    return known


def default_masker() -> Masker:
    """The production masker: the security detector behind ``core.redact.redact_text``."""
    from buildrunner.core.redact import redact_text

    return redact_text


class BatchMasker:
    """Masks the rows of one batch, calling the masker once per distinct string."""

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._memo: dict[str, str] = {}
        self._columns: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def screen(self, rows: list[tuple[list[Any], dict[str, Any]]]) -> list[str | None]:
        """Screen a whole batch with ONE masker call; returns each row's JSON text.

        The candidate strings of the batch (text columns and the JSON of each event) are
        joined by newlines and masked together. When that finds nothing, every candidate is
        remembered as clean, so :meth:`row` calls the masker no more for this batch. When it
        finds anything, nothing is remembered and :meth:`row` masks value by value as before:
        the joined call is only a fast "is anything secret here?" check. Strings holding a
        newline are never joined (they are masked on their own).
        """
        raws: list[str | None] = [dumps(data) if data else None for _row, data in rows]
        pending: dict[str, None] = {}
        for (row, _data), raw in zip(rows, raws, strict=True):
            for value in row[TEXT_SLICE]:
                if value.__class__ is str and len(value) >= MIN_MASKED_LENGTH:
                    pending[value] = None
            if raw is not None:
                pending[raw] = None
        candidates = [v for v in pending if v not in self._memo and "\n" not in v]
        if candidates:
            joined = "\n".join(candidates)
            if self._masker(joined) == joined:
                for value in candidates:
                    self._memo[value] = value
        return raws

    def text(self, value: str) -> str:
        """`value` through the masker (memoised; the same object when unchanged)."""
        masked = self._memo.get(value)
        if masked is None:
            masked = self._masker(value)
            if masked == value:
                masked = value
            self._memo[value] = masked
        return masked

    def row(self, row: list[Any], data: dict[str, Any], raw: str | None = None) -> list[Any]:
        """Mask an encoded row in place, serialise its ``data`` into it, and return it.

        `raw` is ``dumps(data)`` when the caller already has it (see :meth:`screen`).
        """
        texts = tuple(row[TEXT_SLICE])
        masked = self._columns.get(texts)
        if masked is None:
            masked = tuple(self._column(value) for value in texts)
            self._columns[texts] = masked
        if masked != texts:
            row[TEXT_SLICE] = masked
        if data:
            row[_DATA] = self.json(data, raw)
        return row

    def _column(self, value: Any) -> Any:
        if value is None:
            return None
        if value.__class__ is not str:
            value = str(value)
        if len(value) < MIN_MASKED_LENGTH:
            return value
        return self.text(value)

    def json(self, data: dict[str, Any], raw: str | None = None) -> str:
        """The masked JSON text of `data` (an event's non-column fields)."""
        if raw is None:
            raw = dumps(data)
        masked = self.text(raw)
        sensitive = _has_sensitive_key(data)
        if masked == raw:
            return dumps(self._mapping(data, strings=False)) if sensitive else raw
        try:
            parsed = json.loads(masked)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return dumps(self._mapping(parsed, strings=False)) if sensitive else masked
        # the masker's replacement broke the JSON: mask string by string instead
        structured = self._mapping(data, strings=True)
        text = dumps(structured)
        if text == raw:  # it found nothing string by string: hide every string, to be safe
            text = dumps(_mask_all_strings(data))
        return text

    def _value(self, value: Any, strings: bool) -> Any:
        if isinstance(value, str):
            return self.text(value) if strings and len(value) >= MIN_MASKED_LENGTH else value
        if isinstance(value, dict):
            return self._mapping(value, strings=strings)
        if isinstance(value, list | tuple):
            return [self._value(v, strings) for v in value]
        return value

    def _mapping(self, mapping: dict[Any, Any], *, strings: bool) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, item in mapping.items():
            if (
                isinstance(key, str)
                and is_sensitive_key(key)
                and item is not None
                and not isinstance(item, bool | dict | list | tuple)
            ):
                out[key] = mask_secret(str(item))
            else:
                out[key] = self._value(item, strings)
        return out


def _has_sensitive_key(data: dict[str, Any]) -> bool:
    """Whether a credential-named key occurs anywhere below the top level of `data`."""
    for item in data.values():
        if item and isinstance(item, dict | list | tuple) and _nested_sensitive(item):
            return True
    return False


def _nested_sensitive(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.__class__ is str and is_sensitive_key(key):
                return True
            if item and isinstance(item, dict | list | tuple) and _nested_sensitive(item):
                return True
        return False
    return any(
        item and isinstance(item, dict | list | tuple) and _nested_sensitive(item) for item in value
    )


def _mask_all_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secret(value) if len(value) >= MIN_MASKED_LENGTH else value
    if isinstance(value, dict):
        return {k: _mask_all_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_all_strings(v) for v in value]
    return value
