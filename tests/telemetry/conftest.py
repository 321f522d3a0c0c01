"""Fixtures of the telemetry tests: a real store in tmp_path and a collector without a thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.telemetry import Collector
from buildrunner.testing.telemetry import regex_masker


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "buildrunner.db")


@pytest.fixture
def collector(store: Store) -> Iterator[Collector]:
    """Writes only on flush(): tests decide when events reach the database."""
    c = Collector(store, masker=regex_masker, background=False)
    yield c
    c.close()
