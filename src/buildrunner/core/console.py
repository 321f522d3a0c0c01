"""The one replaceable terminal console (Rich), created lazily."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[bool, Console] = {}
_color_mode = "auto"


def set_color_mode(mode: str) -> None:
    """Apply ``core.color`` (auto, always, never) to consoles created from now on."""
    global _color_mode
    _color_mode = mode


def get_console(*, stderr: bool = False) -> Console:
    """The console for stdout (or stderr); honours ``core.color`` and NO_COLOR."""
    if stderr not in _consoles:
        from rich.console import Console

        mode = _color_mode
        no_color = "NO_COLOR" in os.environ or mode == "never"
        _consoles[stderr] = Console(
            stderr=stderr,
            no_color=no_color,
            force_terminal=True if mode == "always" else None,
            highlight=False,
            soft_wrap=False,
        )
    return _consoles[stderr]


def set_console(console: Console, *, stderr: bool = False) -> None:
    """Replace the console (tests render into ``Console(record=True, width=...)``)."""
    _consoles[stderr] = console
