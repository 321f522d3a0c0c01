"""Per-invocation state shared by commands: the project, its configuration and store."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrunner.core.config import LoadedConfig, load_config
from buildrunner.core.paths import ProjectPaths, resolve_paths

if TYPE_CHECKING:
    from buildrunner.core.store import Store
    from buildrunner.telemetry import Event


class CliState:
    """Resolves the project, configuration and store lazily, once per command."""

    def __init__(self, *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd or Path(os.getcwd())
        self.env = os.environ if env is None else env
        self._paths: ProjectPaths | None = None
        self._config: LoadedConfig | None = None
        self._store: Store | None = None
        self._recorder: Any = None

    @property
    def paths(self) -> ProjectPaths:
        if self._paths is None:
            self._paths = resolve_paths(self.cwd, env=self.env)
        return self._paths

    def config(self, overrides: Mapping[str, Any] | None = None) -> LoadedConfig:
        """The effective configuration; `overrides` are command-line values by dotted key."""
        if overrides and any(v is not None for v in overrides.values()):
            return load_config(self.paths, env=self.env, overrides=overrides)
        if self._config is None:
            self._config = load_config(self.paths, env=self.env)
            self._apply(self._config)
        return self._config

    def _apply(self, loaded: LoadedConfig) -> None:
        """Settings that shape the whole run: the log file level and terminal colour."""
        from buildrunner.core.console import set_color_mode
        from buildrunner.core.logs import configure_logging

        core = loaded.config.core
        configure_logging(self.paths, core.log_level)
        set_color_mode(core.color)

    @property
    def store(self) -> Store:
        if self._store is None:
            from buildrunner.core.store import Store  # sqlite3: not on the pre-commit path

            timeout = self.config().config.core.db_timeout
            self._store = Store(self.paths.db_path, timeout=timeout)
        return self._store

    def record_telemetry(self, events: Iterable[Event]) -> int:
        """Store telemetry `events` in this project's database now; returns how many.

        Nothing is recorded when telemetry is off or the project has no data directory yet
        (``br init``), so a command run in a random directory never creates files. Never
        raises: a broken telemetry setup costs the events, not the command.
        """
        import logging

        try:
            recorder = self._telemetry_recorder()
            for event in events:
                recorder.record(event)
            return int(recorder.flush())
        except Exception:  # telemetry must never fail a command
            logging.getLogger("buildrunner.cli").warning("telemetry not recorded", exc_info=True)
            return 0

    def telemetry_active(self) -> bool:
        """Whether :meth:`record_telemetry` would store anything (cheap: no telemetry import).

        Lets a hot path skip building events it would throw away.
        """
        try:
            return self.config().config.telemetry.enabled and self.paths.data_dir.is_dir()
        except Exception:  # telemetry must never fail a command
            return False

    def _telemetry_recorder(self) -> Any:
        if self._recorder is None:
            config = self.config().config
            if not config.telemetry.enabled or not self.paths.data_dir.is_dir():
                self._recorder = _NullRecorder()  # decided before telemetry is even imported
            else:
                from buildrunner import telemetry

                self._recorder = telemetry.open_collector(
                    self.store, config.telemetry, background=False
                )
        return self._recorder


class _NullRecorder:
    """Records nothing (telemetry off, or no project data directory)."""

    def record(self, event: object) -> None:
        return None

    def flush(self) -> int:
        return 0
