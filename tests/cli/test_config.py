from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from buildrunner.core.paths import ProjectPaths
from tests.conftest import BrResult


def test_show_text_names_sources(
    project: ProjectPaths, br: Callable[..., BrResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    project.config_dir.mkdir()
    project.config_file.write_text('[core]\nlog_level = "info"\n', encoding="utf-8")
    monkeypatch.setenv("BR_CORE_COLOR", "never")
    result = br("config", "show")
    assert result.exit_code == 0
    # keys are padded to the longest key, whatever the sections in the schema
    pairs = (line.split(" = ", 1) for line in result.stdout.splitlines())
    lines = {key.strip(): value for key, value in pairs}
    assert lines["core.log_level"] == f'"info"  # {project.config_file}'
    assert any(
        line.endswith("# environment BR_CORE_COLOR") and line.startswith("core.color")
        for line in result.stdout.splitlines()
    )
    assert any(
        line.startswith("core.db_timeout") and line.endswith("# default")
        for line in result.stdout.splitlines()
    )


def test_show_json(project: ProjectPaths, br: Callable[..., BrResult]) -> None:
    result = br("config", "show", "--format", "json")
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert {"key": "core.db_timeout", "value": 30.0, "source": "default"} in data["settings"]


def test_show_one_section(project: ProjectPaths, br: Callable[..., BrResult]) -> None:
    result = br("config", "show", "core", "--format", "json")
    assert {item["key"] for item in json.loads(result.stdout)["settings"]} == {
        "core.log_level",
        "core.db_timeout",
        "core.color",
    }


def test_show_unknown_key_is_a_usage_error(
    project: ProjectPaths, br: Callable[..., BrResult]
) -> None:
    result = br("config", "show", "core.nope")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "br: error: unknown configuration key or section 'core.nope' (see br config show)\n"
    )
