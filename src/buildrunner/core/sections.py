"""The schema of `br`'s configuration: one frozen dataclass per section.

Each subsystem owns one section (``[security]``, ``[routing]``, ...). A key is declared with
:func:`buildrunner.core.config.setting`: default, help text (shown by ``br config show`` and in
the commented ``config.toml`` that ``br init`` writes) and an optional check. The environment
name of a key is ``BR_<SECTION>_<KEY>`` (``BR_CORE_LOG_LEVEL``); :data:`ENV_ALIASES` adds a few
short names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from buildrunner.core.config import Duration, at_least, setting


@dataclass(frozen=True)
class CoreConfig:
    """General behaviour of every command."""

    log_level: Literal["debug", "info", "warning", "error"] = setting(
        "warning", "Lowest level written to the log file (.buildrunner/logs/br.log)."
    )
    db_timeout: Duration = setting(
        30.0,
        "How long to wait for a database lock held by another process before failing.",
        check=at_least(0.1),
    )
    color: Literal["auto", "always", "never"] = setting(
        "auto", "Colour in terminal output; NO_COLOR in the environment also turns it off."
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration; one attribute per section."""

    core: CoreConfig = setting(factory=CoreConfig)


ENV_ALIASES: dict[str, str] = {}
"""Short environment names for configuration keys (``BR_TELEMETRY`` -> ``telemetry.enabled``)."""
