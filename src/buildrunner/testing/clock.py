"""A clock that moves only when a test says so."""

from __future__ import annotations

import threading


class FakeClock:
    """Implements :class:`buildrunner.core.clock.Clock`; `sleep` advances time instantly.

    Every call to :meth:`sleep` is recorded in :attr:`sleeps`, so tests can assert the exact
    waits of a retry policy without waiting.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._mono = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by `seconds`."""
        with self._lock:
            self._advance(seconds)

    def _advance(self, seconds: float) -> None:
        if seconds > 0:
            self._now += seconds
            self._mono += seconds
