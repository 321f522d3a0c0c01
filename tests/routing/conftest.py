"""Fixtures of the routing tests: a real local Anthropic stand-in and a router wired to it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from buildrunner.core.sections import RoutingConfig
from buildrunner.core.store import Store
from buildrunner.routing.events import ListRecorder
from buildrunner.routing.router import Router
from buildrunner.testing.clock import FakeClock
from buildrunner.testing.fake_anthropic import FakeAnthropic


@pytest.fixture
def server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@dataclass
class Rig:
    router: Router
    clock: FakeClock
    recorder: ListRecorder
    server: FakeAnthropic
    store: Store


@pytest.fixture
def rig(tmp_path: Path, server: FakeAnthropic) -> Callable[..., Rig]:
    def make(**settings: Any) -> Rig:
        config = RoutingConfig(base_url=server.url, **settings)
        clock = FakeClock()
        recorder = ListRecorder()
        store = Store(tmp_path / "br.db")
        router = Router(config, store, clock=clock, rng=random.Random(7), recorder=recorder,
                        env={"ANTHROPIC_API_KEY": "sk-ant-test"})  # fmt: skip
        return Rig(router, clock, recorder, server, store)

    return make
