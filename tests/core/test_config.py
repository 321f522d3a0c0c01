from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from buildrunner.core.config import (
    CLI_SOURCE,
    DEFAULT_SOURCE,
    convert,
    load_config,
    parse_duration,
    parse_size,
    schema_leaves,
)
from buildrunner.core.errors import ConfigError, ExitCode
from buildrunner.core.paths import ProjectPaths
from buildrunner.core.project import config_template
from buildrunner.core.sections import Config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_file(project: ProjectPaths) -> None:
    loaded = load_config(project, env={})
    assert loaded.config.core.log_level == "warning"
    assert loaded.config.core.db_timeout == 30.0
    assert set(loaded.sources.values()) == {DEFAULT_SOURCE}


def test_precedence_pyproject_then_file_then_env_then_cli(project: ProjectPaths) -> None:
    write(
        project.pyproject_file,
        '[tool.buildrunner.core]\nlog_level = "info"\ncolor = "never"\ndb_timeout = 5\n',
    )
    write(project.config_file, '[core]\nlog_level = "error"\ndb_timeout = "1m"\n')
    env = {"BR_CORE_DB_TIMEOUT": "90s"}
    loaded = load_config(project, env=env, overrides={"core.log_level": "debug"})
    core = loaded.config.core
    assert (core.log_level, core.color, core.db_timeout) == ("debug", "never", 90.0)
    assert loaded.source_of("core.log_level") == CLI_SOURCE
    assert loaded.source_of("core.color") == f"{project.pyproject_file} [tool.buildrunner]"
    assert loaded.source_of("core.db_timeout") == "environment BR_CORE_DB_TIMEOUT"

    without_env = load_config(project, env={})
    assert without_env.config.core.db_timeout == 60.0
    assert without_env.source_of("core.db_timeout") == str(project.config_file)
    assert without_env.config.core.log_level == "error"


def test_bad_toml_names_the_file(project: ProjectPaths) -> None:
    write(project.config_file, "[core\nlog_level = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(project, env={})
    message = str(info.value)
    assert message.startswith(f"{project.config_file}: invalid TOML: ")
    assert "line 1" in message
    assert info.value.exit_code == ExitCode.OPERATIONAL == 3


def test_unknown_key_suggests_the_close_one(project: ProjectPaths) -> None:
    write(project.config_file, '[core]\nlog_levl = "info"\n')
    with pytest.raises(ConfigError) as info:
        load_config(project, env={})
    assert str(info.value) == (
        f"{project.config_file}: core.log_levl: unknown key; did you mean 'log_level'? "
        "(known keys: log_level, db_timeout, color)"
    )


def test_unknown_section(project: ProjectPaths) -> None:
    write(project.config_file, "[nosuch]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"config\.toml: nosuch: unknown key"):
        load_config(project, env={})


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        (
            'log_level = "loud"',
            "core.log_level",
            "expected one of 'debug', 'info', 'warning', 'error', got \"loud\"",
        ),
        ("log_level = 3", "core.log_level", "expected one of"),
        ('db_timeout = "soon"', "core.db_timeout", 'expected a duration such as 30, "30s"'),
        ("db_timeout = true", "core.db_timeout", "got true"),
        ("db_timeout = 0.01", "core.db_timeout", "must be at least 0.1"),
        ("db_timeout = -5", "core.db_timeout", "must not be negative"),
        ("color = []", "core.color", "got []"),
    ],
)
def test_wrong_type_names_key_and_expectation(
    project: ProjectPaths, toml: str, key: str, expected: str
) -> None:
    write(project.config_file, f"[core]\n{toml}\n")
    with pytest.raises(ConfigError) as info:
        load_config(project, env={})
    assert str(info.value).startswith(f"{project.config_file}: {key}: ")
    assert expected in str(info.value)


def test_section_must_be_a_table(project: ProjectPaths) -> None:
    write(project.config_file, 'core = "yes"\n')
    with pytest.raises(ConfigError, match=r"core: expected a table, got \"yes\""):
        load_config(project, env={})


def test_pyproject_errors_name_pyproject(project: ProjectPaths) -> None:
    write(project.pyproject_file, "[tool.buildrunner.core]\ncolor = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(project, env={})
    assert str(info.value).startswith(
        f"{project.pyproject_file} [tool.buildrunner]: core.color: expected one of"
    )


def test_non_utf8_config_is_a_clear_error(project: ProjectPaths) -> None:
    project.config_dir.mkdir(parents=True)
    project.config_file.write_bytes(b"[core]\nlog_level = '\xff'\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(project, env={})


def test_environment_value_errors_name_the_variable(project: ProjectPaths) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(project, env={"BR_CORE_LOG_LEVEL": "chatty"})
    assert str(info.value).startswith(
        "environment BR_CORE_LOG_LEVEL: core.log_level: expected one of"
    )


def test_unrelated_environment_is_ignored(project: ProjectPaths) -> None:
    loaded = load_config(project, env={"BR_UNKNOWN_THING": "1", "BR_HOME": "/x"})
    assert set(loaded.sources.values()) == {DEFAULT_SOURCE}


def test_cli_override_of_unknown_key(project: ProjectPaths) -> None:
    with pytest.raises(ConfigError, match=r"command line: core\.nope: unknown configuration key"):
        load_config(project, env={}, overrides={"core.nope": 1})


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("5242880", 5242880),
        ("5MB", 5 * 1024**2),
        ("512kb", 512 * 1024),
        ("1GiB", 1024**3),
        ("1.5K", 1536),
        ("0", 0),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30", 30.0),
        ("30s", 30.0),
        ("1500ms", 1.5),
        ("10m", 600.0),
        ("24h", 86400.0),
        ("7d", 604800.0),
        ("2w", 1209600.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "MB", "5 XB", "-1", "1e3"])
def test_bad_sizes_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=rf"^{re.escape(text)}$"):
        parse_size(text)


@pytest.mark.parametrize("text", ["", "s", "5 years", "-1s"])
def test_bad_durations_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=rf"^{re.escape(text)}$"):
        parse_duration(text)


def test_bool_from_text_and_strict_from_toml() -> None:
    assert convert("on", bool, "k", from_text=True) is True
    assert convert("No", bool, "k", from_text=True) is False
    with pytest.raises(Exception, match="expected true or false"):
        convert("yes", bool, "k")  # TOML has real booleans; a string is a mistake there


def test_template_is_valid_toml_and_documents_every_key() -> None:
    template = config_template()
    assert tomllib.loads(template).get("core") == {}
    uncommented = re.sub(r"^# (\w+ = .*)$", r"\1", template, flags=re.MULTILINE)
    data = tomllib.loads(uncommented)
    for leaf in schema_leaves(Config):
        section, name = leaf.key.rsplit(".", 1)
        node = data
        for part in section.split("."):
            node = node[part]
        assert name in node, f"{leaf.key} missing from the template"


def test_template_defaults_load_back_to_defaults(project: ProjectPaths) -> None:
    uncommented = re.sub(r"^# (\w+ = .*)$", r"\1", config_template(), flags=re.MULTILINE)
    write(project.config_file, uncommented)
    loaded = load_config(project, env={})
    assert loaded.config == Config()
