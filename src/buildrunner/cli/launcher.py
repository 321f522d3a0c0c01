"""Console-script entry point of `br`: the pre-commit fast path, then the full command line.

`br security check` runs on every commit, so it skips Click (about a third of its start-up
time) and goes straight to :mod:`buildrunner.cli.precommit`, which handles errors the way
:func:`buildrunner.cli.main.main` does. Any other argument list gets the full CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

FAST_PATHS: dict[tuple[str, ...], str] = {
    ("security", "check"): "buildrunner.cli.precommit:main",
}
"""Exact argument lists served without Click -> ``module:function(argv) -> exit code``."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run `br` with `argv` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = FAST_PATHS.get(tuple(args))
    if target is not None:
        from importlib import import_module

        module_name, attribute = target.split(":")
        code: int = getattr(import_module(module_name), attribute)(args)
        return code
    from buildrunner.cli.main import main as full_main

    return full_main(args)


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
