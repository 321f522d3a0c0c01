"""Reading the fields of a plan: typed readers that report the file, task and field of an error."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from buildrunner.core.config import parse_duration
from buildrunner.core.errors import InputError
from buildrunner.parallel.patterns import PatternError, normalize_pattern

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PlanError(InputError):
    """A plan file is unreadable or invalid; the message names the task and the field."""


class Where:
    """Builds the 'file: tasks[2] (id "x"): field' prefix of an error."""

    def __init__(self, source: str, scope: str) -> None:
        self.source = source
        self.scope = scope

    def error(self, key: str | None, problem: str) -> PlanError:
        parts = [self.source, self.scope] + ([key] if key else [])
        return PlanError(": ".join(p for p in parts if p) + f": {problem}")


def shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: Where) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            more = f' (did you mean "{hint[0]}"?)' if hint else ""
            raise where.error(str(key), f"unknown field{more}")


def opt_str(table: Mapping[str, Any], key: str, where: Where) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise where.error(key, f"expected a string, got {shown(value)}")
    return value


def opt_bool(table: Mapping[str, Any], key: str, where: Where, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise where.error(key, f"expected true or false, got {shown(value)}")
    return value


def opt_int(
    table: Mapping[str, Any], key: str, where: Where, *, minimum: int | None = None
) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, f"expected an integer, got {shown(value)}")
    if minimum is not None and value < minimum:
        raise where.error(key, f"must be at least {minimum}, got {value}")
    return value


def opt_number(table: Mapping[str, Any], key: str, where: Where) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(key, f"expected a number (US dollars), got {shown(value)}")
    if value < 0:
        raise where.error(key, f"must not be negative, got {value}")
    return float(value)


def opt_duration(table: Mapping[str, Any], key: str, where: Where) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    expected = f'expected a duration such as 90, "30s", "10m" or "2h", got {shown(value)}'
    if isinstance(value, bool):
        raise where.error(key, expected)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise where.error(key, expected) from None
    else:
        raise where.error(key, expected)
    if seconds <= 0:
        raise where.error(key, f"must be positive, got {shown(value)}")
    return seconds


def choice(
    table: Mapping[str, Any], key: str, choices: Sequence[str], where: Where, default: str | None
) -> Any:
    value = table.get(key, default)
    if value is None:
        return None
    if value not in choices:
        options = ", ".join(f'"{c}"' for c in choices)
        raise where.error(key, f"expected one of {options}, got {shown(value)}")
    return value


def str_list(table: Mapping[str, Any], key: str, where: Where) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise where.error(key, f"expected a list of strings, got {shown(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise where.error(f"{key}[{index}]", f"expected a non-empty string, got {shown(item)}")
    return tuple(value)


def command(table: Mapping[str, Any], where: Where) -> str | tuple[str, ...] | None:
    value = table.get("command")
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            raise where.error("command", "must not be empty")
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise where.error(
        "command", f"expected a string or a non-empty list of strings, got {shown(value)}"
    )


def claims(table: Mapping[str, Any], where: Where) -> tuple[str, ...]:
    patterns = str_list(table, "claims", where)
    out: list[str] = []
    for index, pattern in enumerate(patterns):
        try:
            normal = normalize_pattern(pattern)
        except PatternError as exc:
            raise where.error(f"claims[{index}]", str(exc)) from None
        if normal not in out:
            out.append(normal)
    return tuple(out)


def env(table: Mapping[str, Any], where: Where) -> dict[str, str]:
    value = table.get("env")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise where.error("env", f"expected a table of strings, got {shown(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not ENV_NAME.match(str(key)):
            raise where.error(f"env.{key}", "not a valid environment variable name")
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise where.error(f"env.{key}", f"expected a string, got {shown(item)}")
        out[str(key)] = str(item)
    return out


def check_relative_path(value: str, where: Where, key: str) -> None:
    path = Path(value)
    if not value.strip() or path.is_absolute() or ".." in path.parts:
        raise where.error(key, f"{shown(value)} must be a relative path inside the worktree")
