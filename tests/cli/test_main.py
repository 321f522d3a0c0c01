from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from buildrunner import __version__
from buildrunner.cli.main import COMMANDS, cli
from buildrunner.core.paths import ProjectPaths
from tests.conftest import BrResult
from tests.helpers import run_br

SUBSYSTEMS = ("security", "routing", "telemetry", "parallel")


def test_version(br: Callable[..., BrResult]) -> None:
    result = br("--version")
    assert (result.exit_code, result.stdout) == (0, f"br {__version__}\n")


def test_help_lists_every_group_with_one_line(br: Callable[..., BrResult]) -> None:
    result = br("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:\n", 1)[1].splitlines()
    # a summary may wrap onto an indented continuation line when a group name is long
    listed = [line.split()[0] for line in commands if line.strip() and line[:3].strip()]
    assert listed == list(COMMANDS)
    for name, (_target, summary) in COMMANDS.items():
        assert f"{name}  " in result.stdout
        assert summary[:40] in result.stdout.replace("\n", " ")


def _imported_modules(code: str) -> set[str]:
    probe = (
        "import sys\n"
        "from buildrunner.cli.main import main\n"
        f"{code}\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('buildrunner'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_help_imports_no_command_module() -> None:
    modules = _imported_modules("main(['--help'])")
    loaded = {target.split(":")[0] for target, _ in COMMANDS.values()}
    assert not modules & loaded
    assert not any(m.startswith(tuple(f"buildrunner.{s}" for s in SUBSYSTEMS)) for m in modules)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_one_group_does_not_import_the_others(name: str) -> None:
    modules = _imported_modules(f"main([{name!r}, '--help'])")
    own = COMMANDS[name][0].split(":")[0]
    others = {target.split(":")[0] for key, (target, _) in COMMANDS.items() if key != name}
    assert own in modules
    assert not modules & others
    own_subsystem = f"buildrunner.{name}"
    foreign = [
        m
        for m in modules
        if m.startswith("buildrunner.")
        and m.split(".")[1] in SUBSYSTEMS
        and not m.startswith(own_subsystem)
    ]
    assert foreign == []


def test_usage_error_exits_2(br: Callable[..., BrResult]) -> None:
    result = br("no-such-command")
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.stderr


def test_config_error_through_the_real_entry_point(project: ProjectPaths) -> None:
    project.config_dir.mkdir()
    project.config_file.write_text("[core]\ncolor = 7\n", encoding="utf-8")
    proc = run_br("config", "show", cwd=project.root)
    assert proc.returncode == 3
    assert proc.stderr == (
        f"br: error: {project.config_file}: core.color: "
        "expected one of 'auto', 'always', 'never', got 7\n"
    )
    assert proc.stdout == ""


def test_entry_point_success_in_a_subprocess(project: ProjectPaths) -> None:
    proc = run_br("config", "show", "--format", "json", cwd=project.root)
    assert proc.returncode == 0, proc.stderr
    keys = [item["key"] for item in json.loads(proc.stdout)["settings"]]
    assert "core.log_level" in keys


@pytest.fixture
def crashing_command() -> Callable[[BaseException], None]:
    added: list[str] = []

    def install(exc: BaseException) -> None:
        @click.command("crash-test")
        def crash() -> None:
            raise exc

        cli.add_command(crash)
        added.append("crash-test")

    yield install
    for name in added:
        cli.commands.pop(name, None)


def test_unexpected_error_writes_traceback_and_exits_4(
    project: ProjectPaths,
    br: Callable[..., BrResult],
    crashing_command: Callable[[BaseException], None],
) -> None:
    crashing_command(ZeroDivisionError("the sky fell"))
    result = br("crash-test")
    assert result.exit_code == 4
    assert result.stderr == (
        "br: error: unexpected error: ZeroDivisionError: the sky fell; "
        f"traceback written to {project.log_file}\n"
    )
    log = project.log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log
    assert "ZeroDivisionError: the sky fell" in log


def test_keyboard_interrupt_exits_130(
    br: Callable[..., BrResult], crashing_command: Callable[[BaseException], None]
) -> None:
    crashing_command(KeyboardInterrupt())
    result = br("crash-test")
    assert (result.exit_code, result.stderr.strip()) == (130, "br: error: interrupted")


def test_directory_option(br: Callable[..., BrResult], git_repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text(
        '[core]\ncolor = "never"\n', encoding="utf-8"
    )
    result = br("-C", str(git_repo), "config", "show", "core.color")
    assert result.exit_code == 0
    assert result.stdout.startswith('core.color = "never"  # ')
