"""The one replaceable terminal console (Rich), created lazily."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[bool, Console] = {}


def get_console(*, stderr: bool = False) -> Console:
    """The console for stdout (or stderr); honours NO_COLOR and BR_CORE_COLOR."""
    if stderr not in _consoles:
        from rich.console import Console

        mode = os.environ.get("BR_CORE_COLOR", "auto").lower()
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
