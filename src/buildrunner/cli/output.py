"""Shared pieces of command output: the `--format` option and JSON printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """The `--format` option every listing command takes."""
    values = choices or ("text", "json")
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(values),
        default=default,
        show_default=True,
        help="Output format.",
    )


def emit_json(data: Any) -> None:
    """Print `data` as indented, key-sorted-as-given JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def console(stderr: bool = False) -> Any:
    """The Rich console commands render text through (imported lazily: Rich costs ~30 ms)."""
    from buildrunner.core.console import get_console

    return get_console(stderr=stderr)
