"""Entry point of `br`: the lazy top-level group and the one place errors are handled.

Groups are listed in :data:`COMMANDS` with a one-line summary and imported only when run, so
``br --version``, ``br --help`` and the pre-commit path stay fast and running one group never
imports the modules of the others.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

import click

from buildrunner import __version__
from buildrunner.core.errors import BuildRunnerError, ExitCode

COMMANDS: Mapping[str, tuple[str, str]] = {
    "init": (
        "buildrunner.cli.init:init_command",
        "Create .buildrunner/ with a commented config and git ignore rules.",
    ),
    "config": (
        "buildrunner.cli.config:config_group",
        "Show the effective configuration and where each value comes from.",
    ),
    "run": (
        "buildrunner.cli.run:run_command",
        "Run a plan end to end: parallel tasks, routed models, gated merges, summary.",
    ),
    "security": (
        "buildrunner.cli.security:security_group",
        "Scan for leaked secrets; pre-commit hook and baselines.",
    ),
    "quality": (
        "buildrunner.cli.quality:quality_group",
        "Run the quality gate: security, coverage, tests and lint.",
    ),
    "gaps": (
        "buildrunner.cli.gaps:gaps_group",
        "Report security-posture gaps with their severity and fix.",
    ),
    "routing": (
        "buildrunner.cli.routing:routing_group",
        "Estimate tasks, call Claude models with fallback, track costs.",
    ),
    "telemetry": (
        "buildrunner.cli.telemetry:telemetry_group",
        "Query, alert on, report and export the events br records.",
    ),
    "parallel": (
        "buildrunner.cli.parallel:parallel_group",
        "Run many coding tasks at once, each in its own git worktree.",
    ),
}
"""name -> ("module:attribute", one-line summary). A group whose issue has not landed is absent."""


class LazyGroup(click.Group):
    """A Click group that imports a subcommand's module only when that subcommand runs."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            target, _summary = self.lazy[cmd_name]
            module_name, attribute = target.split(":")
            command = getattr(import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{target} is not a click command")
            self.commands[cmd_name] = command
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command with its summary without importing any of them."""
        rows = [(name, self.lazy[name][1]) for name in self.lazy]
        rows += [
            (name, cmd.get_short_help_str(limit=80))
            for name, cmd in self.commands.items()
            if name not in self.lazy and not cmd.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(
    __version__, "-V", "--version", prog_name="br", message="%(prog)s %(version)s"
)
@click.option(
    "-C",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if br was started in this directory.",
)
@click.pass_context
def cli(ctx: click.Context, directory: Path | None) -> None:
    """BuildRunner: keep AI-assisted development safe, cheap, observable and fast.

    Example: br init && br config show
    """
    from buildrunner.cli.state import CliState

    ctx.obj = CliState(cwd=directory.absolute() if directory else None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `br` with `argv` and return the exit code; every error is handled here, once."""
    args = list(sys.argv[1:] if argv is None else argv)
    state: Any = None
    try:
        ctx_result = cli.main(args=args, prog_name="br", standalone_mode=False)
        return int(ctx_result) if isinstance(ctx_result, int) else ExitCode.OK
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return ExitCode.OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        _error("interrupted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE if isinstance(exc, click.UsageError) else ExitCode.OPERATIONAL
    except BuildRunnerError as exc:
        _error(_redact(str(exc)))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OK
    except Exception as exc:
        state = click.get_current_context(silent=True)
        return _unexpected(exc, args, state)


def _unexpected(exc: Exception, args: list[str], ctx: click.Context | None) -> int:
    from buildrunner.core.logs import write_crash_log

    paths = None
    try:
        from buildrunner.core.paths import resolve_paths

        paths = resolve_paths()
    except Exception:  # noqa: S110 - the crash log must be written even then
        pass
    log = write_crash_log(exc, paths=paths, argv=args, redact=_redact)
    summary = _redact(f"{type(exc).__name__}: {exc}")
    _error(f"unexpected error: {summary}; traceback written to {log}")
    return ExitCode.UNEXPECTED


def _redact(text: str) -> str:
    """Mask any secret in an error message (see :mod:`buildrunner.core.redact`)."""
    from buildrunner.core.redact import redact_text

    return redact_text(text)


def _error(message: str) -> None:
    click.echo(f"br: error: {message}", err=True)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
