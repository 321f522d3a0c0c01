"""The process-wide default collector, and building a collector from a project and config.

The default is created lazily on the first :func:`record`: the project containing the working
directory, its configuration and store. It is a :class:`NullCollector` (nothing written, one
method call per event) when telemetry is off (``BR_TELEMETRY=off``, ``telemetry.enabled =
false``) or when the project has no data directory yet (run ``br init``, or set ``BR_HOME``),
so a library call in a random directory never creates files.

Commands and tests choose explicitly: :func:`configure` builds the default from given paths,
store or configuration; :func:`set_collector` / :func:`use_collector` install any recorder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from buildrunner.telemetry.collector import Collector, NullCollector
from buildrunner.telemetry.events import Event
from buildrunner.telemetry.masking import Masker

if TYPE_CHECKING:
    from buildrunner.core.paths import ProjectPaths
    from buildrunner.core.sections import TelemetryConfig
    from buildrunner.core.store import Store

log = logging.getLogger("buildrunner.telemetry")

AnyCollector = Collector | NullCollector

_default: AnyCollector | None = None
_lock = threading.Lock()


def open_collector(
    store: Store,
    config: TelemetryConfig | None = None,
    *,
    masker: Masker | None = None,
    background: bool = True,
) -> AnyCollector:
    """A collector writing to `store`, set up from the ``[telemetry]`` section.

    Returns a :class:`NullCollector` when telemetry is disabled. When
    ``telemetry.otlp_endpoint`` is set, every stored batch is also exported over OTLP/HTTP.
    """
    if config is None:
        from buildrunner.core.sections import TelemetryConfig

        config = TelemetryConfig()
    if not config.enabled:
        return NullCollector()
    collector = Collector(
        store,
        masker=masker,
        batch_size=config.batch_size,
        flush_interval=config.flush_interval,
        max_buffer=config.max_buffer,
        background=background,
    )
    if config.otlp_endpoint:
        from buildrunner.telemetry.otlp import LiveOtlpExporter

        collector.add_exporter(LiveOtlpExporter(config.otlp_endpoint))
    return collector


def configure(
    *,
    paths: ProjectPaths | None = None,
    store: Store | None = None,
    config: Any = None,
    masker: Masker | None = None,
) -> AnyCollector:
    """Build the default collector for a project and install it; returns it.

    `config` is a loaded :class:`buildrunner.core.sections.Config` (or None to load the
    project's); `store` defaults to the project's store. The previous default is closed
    (its buffered events are written first).
    """
    from buildrunner.core.config import load_config
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store

    if config is None:
        paths = paths or resolve_paths()
        config = load_config(paths).config
    if store is None:
        paths = paths or resolve_paths()
        store = Store(paths.db_path, timeout=config.core.db_timeout)
    collector = open_collector(store, config.telemetry, masker=masker)
    previous = set_collector(collector)
    if previous is not None and previous is not collector:
        previous.close()
    return collector


def _open_default() -> AnyCollector:
    from buildrunner.core.config import load_config
    from buildrunner.core.errors import BuildRunnerError
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store

    try:
        paths = resolve_paths()
        config = load_config(paths).config
        if not config.telemetry.enabled or not paths.data_dir.is_dir():
            return NullCollector()
        store = Store(paths.db_path, timeout=config.core.db_timeout)
        return open_collector(store, config.telemetry)
    except BuildRunnerError as exc:
        log.warning("telemetry is off for this process: %s", exc)
        return NullCollector()


def get_collector() -> AnyCollector:
    """The process-wide default collector (created on first use)."""
    global _default
    current = _default
    if current is None:
        with _lock:
            if _default is None:
                _default = _open_default()
            current = _default
    return current


def set_collector(collector: AnyCollector | None) -> AnyCollector | None:
    """Install `collector` as the default (None: create it again on next use); returns the old."""
    global _default
    with _lock:
        previous, _default = _default, collector
    return previous


@contextmanager
def use_collector(collector: AnyCollector) -> Iterator[AnyCollector]:
    """Make `collector` the default inside a ``with`` block (tests, embedding)."""
    previous = set_collector(collector)
    try:
        yield collector
    finally:
        set_collector(previous)


def record(event: Event) -> None:
    """Record `event` with the default collector (a no-op when telemetry is off)."""
    (_default or get_collector()).record(event)


def flush() -> int:
    """Write the default collector's buffered events now; returns how many were stored."""
    return (_default or get_collector()).flush()
