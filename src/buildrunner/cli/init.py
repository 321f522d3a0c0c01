"""`br init`."""

from __future__ import annotations

import click

from buildrunner.cli.state import CliState
from buildrunner.core.errors import ExitCode


@click.command("init")
@click.pass_obj
def init_command(state: CliState) -> int:
    """Create .buildrunner/ in the repository root with a commented config.toml.

    Also adds the local database, logs, reports and task worktrees to .gitignore. Safe to run
    again.

    Example: br init
    """
    from buildrunner.core.project import init_project

    result = init_project(state.paths)
    for warning in result.warnings:
        click.echo(f"br: warning: {warning}", err=True)
    state.store.connection()  # create the database and apply the migrations now
    root = result.paths.root
    for path in result.created:
        click.echo(f"created {_rel(path, root)}")
    for path in result.updated:
        click.echo(f"updated {_rel(path, root)}")
    if result.changed:
        click.echo(f"BuildRunner initialised in {result.paths.config_dir}")
    else:
        click.echo(f"BuildRunner already initialised in {result.paths.config_dir}; nothing to do")
    return ExitCode.OK


def _rel(path: object, root: object) -> str:
    from pathlib import Path

    p, r = Path(str(path)), Path(str(root))
    try:
        return str(p.relative_to(r)) or "."
    except ValueError:
        return str(p)
