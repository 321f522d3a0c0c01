"""`br config`: inspect the effective configuration."""

from __future__ import annotations

import click

from buildrunner.cli.output import emit_json, format_option
from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode, UsageError


@click.group("config")
def config_group() -> None:
    """Inspect the configuration: defaults, pyproject.toml, config.toml, environment.

    Example: br config show --format json
    """


@config_group.command("show")
@click.argument("key", required=False)
@format_option()
@click.pass_obj
def show_command(state: CliState, key: str | None, output_format: str) -> int:
    """Print every effective setting (or one KEY) and where its value came from.

    Example: br config show security.max_file_size
    """
    from buildrunner.core.config import to_plain, toml_value

    loaded = state.config()
    keys = list(loaded.values)
    if key is not None:
        selected = [k for k in keys if k == key or k.startswith(key + ".")]
        if not selected:
            raise UsageError(
                f"unknown configuration key or section '{key}'", hint="see br config show"
            )
        keys = selected
    rows = [(k, to_plain(loaded.values[k]), loaded.source_of(k)) for k in keys]
    if output_format == "json":
        emit_json(
            {"version": 1, "settings": [{"key": k, "value": v, "source": s} for k, v, s in rows]}
        )
        return ExitCode.OK
    width = max((len(k) for k, _, _ in rows), default=0)
    for k, value, source in rows:
        click.echo(f"{k.ljust(width)} = {toml_value(value)}  # {source}")
    return ExitCode.OK
