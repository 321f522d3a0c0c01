"""Configuration loading: layered sources, strict validation, provenance of every value.

Precedence, lowest first:

1. defaults declared in :mod:`buildrunner.core.sections`;
2. ``[tool.buildrunner]`` in the project's ``pyproject.toml``;
3. ``.buildrunner/config.toml``;
4. environment variables ``BR_<SECTION>_<KEY>`` (and a few documented aliases);
5. command-line options.

The schema is a tree of frozen dataclasses. Each leaf declares its type (``bool``, ``int``,
``float``, ``str``, ``Decimal``, ``Literal[...]``, :data:`Size`, :data:`Duration`, tuples of
strings, string-keyed mappings, nested sections and tuples of sections) and a help text with
:func:`setting`. Validation errors name the file, the key and what is expected, and exit 3.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from buildrunner.core.errors import ConfigError
from buildrunner.core.paths import ProjectPaths

T = TypeVar("T")

SIZE = "size"
DURATION = "duration"
Size = Annotated[int, SIZE]
"""A byte count; accepts ``5242880``, ``"5MB"``, ``"512KiB"`` (units are powers of 1024)."""
Duration = Annotated[float, DURATION]
"""Seconds; accepts ``30``, ``"30s"``, ``"1500ms"``, ``"10m"``, ``"24h"``, ``"7d"``."""

DEFAULT_SOURCE = "default"
CLI_SOURCE = "command line"

Check = Callable[[Any], "str | None"]


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    factory: Callable[[], Any] | None = None,
    check: Check | None = None,
    env: bool = True,
) -> Any:
    """Declare one configuration key with its default, help text and optional extra check.

    `check` returns an error message ("must be at least 1") or None. `env=False` keeps a key
    out of the environment (tables and arrays of tables are never read from the environment).
    """
    metadata = {"help": help, "check": check, "env": env}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def at_least(minimum: float) -> Check:
    """A check that a number is >= `minimum`."""

    def check(value: Any) -> str | None:
        return None if value >= minimum else f"must be at least {minimum:g}"

    return check


def between(low: float, high: float) -> Check:
    """A check that a number lies in [low, high]."""

    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


@dataclass(frozen=True)
class LoadedConfig:
    """The effective configuration and where each value came from."""

    config: Any
    sources: Mapping[str, str]
    values: Mapping[str, Any]

    def source_of(self, key: str) -> str:
        return self.sources.get(key, DEFAULT_SOURCE)


@dataclass(frozen=True)
class Leaf:
    """One configuration key in the flattened schema."""

    key: str
    hint: Any
    default: Any
    help: str
    check: Check | None
    env: bool

    @property
    def env_name(self) -> str:
        return "BR_" + self.key.upper().replace(".", "_").replace("-", "_")


# --------------------------------------------------------------------------- schema walking


def schema_leaves(cls: type[Any], prefix: str = "") -> list[Leaf]:
    """Every key of a section tree in declaration order, nested sections flattened."""
    leaves: list[Leaf] = []
    hints = get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        hint = hints[f.name]
        if _is_section(hint):
            leaves.extend(schema_leaves(hint, key + "."))
            continue
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        leaves.append(
            Leaf(
                key=key,
                hint=hint,
                default=default,
                help=str(f.metadata.get("help", "")),
                check=f.metadata.get("check"),
                env=bool(f.metadata.get("env", True)) and _is_env_type(hint),
            )
        )
    return leaves


def section_docs(cls: type[Any], prefix: str = "") -> list[tuple[str, str]]:
    """(dotted section name, first docstring line) for every section under `cls`."""
    docs: list[tuple[str, str]] = []
    hints = get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if _is_section(hint):
            name = f"{prefix}{f.name}"
            doc = (hint.__doc__ or "").strip().splitlines()
            docs.append((name, doc[0] if doc else ""))
            docs.extend(section_docs(hint, name + "."))
    return docs


def _is_section(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _unwrap(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(hint) is Annotated:
        base, *meta = get_args(hint)
        return base, tuple(meta)
    return hint, ()


def _is_env_type(hint: Any) -> bool:
    base, _ = _unwrap(hint)
    if base in (bool, int, float, str, Decimal) or get_origin(base) is Literal:
        return True
    if _is_optional(base):
        return _is_env_type(_optional_inner(base))
    return get_origin(base) is tuple and get_args(base)[0] is str


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (types.UnionType,) and type(None) in get_args(hint)


def _optional_inner(hint: Any) -> Any:
    return next(a for a in get_args(hint) if a is not type(None))


# --------------------------------------------------------------------------- conversion


def describe(hint: Any) -> str:
    """What a value of this type looks like, for error messages and docs."""
    base, meta = _unwrap(hint)
    if SIZE in meta:
        return 'a size such as 5242880, "5MB" or "512KB"'
    if DURATION in meta:
        return 'a duration such as 30, "30s", "10m", "24h" or "7d"'
    if _is_optional(base):
        return describe(_optional_inner(base)) + " (or empty)"
    if base is bool:
        return "true or false"
    if base is int:
        return "an integer"
    if base is float:
        return "a number"
    if base is str:
        return "a string"
    if base is Decimal:
        return 'a decimal amount such as "12.50"'
    if get_origin(base) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(base))
    if get_origin(base) is tuple:
        inner = get_args(base)[0]
        if _is_section(inner):
            return "an array of tables"
        return f"a list of {_plural(describe(inner))}"
    if get_origin(base) in (Mapping, dict):
        return f"a table whose values are {_plural(describe(get_args(base)[1]))}"
    if _is_section(base):
        return "a table"
    return getattr(base, "__name__", str(base))


def _plural(text: str) -> str:
    for article in ("an ", "a "):
        if text.startswith(article):
            return text[len(article) :] + "s" if " " not in text[len(article) :] else text
    return text


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_size(text: str) -> int:
    """Parse ``"5MB"`` into bytes (powers of 1024); raises ValueError."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(text)
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def parse_duration(text: str) -> float:
    """Parse ``"10m"`` into seconds; raises ValueError."""
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "s").lower()]


class _Invalid(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def convert(value: Any, hint: Any, key: str, *, from_text: bool = False) -> Any:
    """Check `value` against `hint` and return it in its Python form.

    With `from_text`, strings are parsed the way the environment and command line write
    them (``"true"``, ``"5MB"``, ``"a,b,c"``). Raises ``_Invalid`` with the key path.
    """
    base, meta = _unwrap(hint)
    if SIZE in meta or DURATION in meta:
        return _convert_measure(value, hint, key, is_size=SIZE in meta)
    if _is_optional(base):
        if value is None or (isinstance(value, str) and value == ""):
            return None
        return convert(value, _optional_inner(base), key, from_text=from_text)
    if base is bool:
        return _convert_bool(value, hint, key, from_text=from_text)
    if base is int or base is float:
        return _convert_number(value, base, hint, key, from_text=from_text)
    if base is str:
        if not isinstance(value, str):
            raise _Invalid(key, _expected(hint, value))
        return value
    if base is Decimal:
        return _convert_decimal(value, hint, key)
    if get_origin(base) is Literal:
        if value not in get_args(base):
            raise _Invalid(key, _expected(hint, value))
        return value
    if get_origin(base) is tuple:
        return _convert_tuple(value, base, hint, key, from_text=from_text)
    if get_origin(base) in (Mapping, dict):
        return _convert_mapping(value, base, hint, key)
    if _is_section(base):
        return build_section(base, value, key + ".")
    raise TypeError(f"unsupported configuration type for {key}: {hint!r}")


def _expected(hint: Any, value: Any) -> str:
    shown = json.dumps(value, default=str) if not isinstance(value, dict) else "a table"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"expected {describe(hint)}, got {shown}"


def _convert_measure(value: Any, hint: Any, key: str, *, is_size: bool) -> Any:
    parse = parse_size if is_size else parse_duration
    if isinstance(value, bool):
        raise _Invalid(key, _expected(hint, value))
    try:
        if isinstance(value, int | float):
            number: float = float(value)
        elif isinstance(value, str):
            number = parse(value)
        else:
            raise _Invalid(key, _expected(hint, value))
    except ValueError:
        raise _Invalid(key, _expected(hint, value)) from None
    if number < 0:
        raise _Invalid(key, f"must not be negative, got {value!r}")
    return int(number) if is_size else number


def _convert_bool(value: Any, hint: Any, key: str, *, from_text: bool) -> bool:
    if isinstance(value, bool):
        return value
    if from_text and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise _Invalid(key, _expected(hint, value))


def _convert_number(value: Any, base: type, hint: Any, key: str, *, from_text: bool) -> Any:
    if from_text and isinstance(value, str):
        try:
            return base(value.strip())
        except ValueError:
            raise _Invalid(key, _expected(hint, value)) from None
    if isinstance(value, bool):
        raise _Invalid(key, _expected(hint, value))
    if base is int and isinstance(value, int):
        return value
    if base is float and isinstance(value, int | float):
        return float(value)
    raise _Invalid(key, _expected(hint, value))


def _convert_decimal(value: Any, hint: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Invalid(key, _expected(hint, value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Invalid(key, _expected(hint, value)) from None
    if not number.is_finite():
        raise _Invalid(key, _expected(hint, value))
    return number


def _convert_tuple(
    value: Any, base: Any, hint: Any, key: str, *, from_text: bool
) -> tuple[Any, ...]:
    inner = get_args(base)[0]
    if from_text and isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise _Invalid(key, _expected(hint, value))
    return tuple(
        convert(item, inner, f"{key}[{index}]", from_text=from_text)
        for index, item in enumerate(value)
    )


def _convert_mapping(value: Any, base: Any, hint: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(key, _expected(hint, value))
    inner = get_args(base)[1]
    return types.MappingProxyType(
        {str(k): convert(v, inner, f"{key}.{k}") for k, v in value.items()}
    )


def build_section(cls: type[T], table: Any, prefix: str = "") -> T:
    """Validate a TOML table against a section dataclass and construct it."""
    if not isinstance(table, dict):
        raise _Invalid(
            prefix.rstrip("."), f"expected a table, got {json.dumps(table, default=str)}"
        )
    hints = get_type_hints(cls, include_extras=True)
    names = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]  # cls is a dataclass type
    unknown = [k for k in table if k not in names]
    if unknown:
        raise _Invalid(prefix + unknown[0], _unknown_key_message(unknown[0], list(names)))
    kwargs: dict[str, Any] = {}
    for name, value in table.items():
        converted = convert(value, hints[name], prefix + name)
        _run_check(names[name], converted, prefix + name)
        kwargs[name] = converted
    return cls(**kwargs)


def _run_check(f: dataclasses.Field[Any], value: Any, key: str) -> None:
    check = f.metadata.get("check")
    if check is not None and value is not None:
        problem = check(value)
        if problem:
            raise _Invalid(key, problem)


def _unknown_key_message(key: str, known: list[str]) -> str:
    import difflib  # only on the error path

    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key{hint} (known keys: {', '.join(known)})"


# --------------------------------------------------------------------------- layers


def read_toml(path: Path, source: str) -> dict[str, Any]:
    """Read a TOML file; a missing file is an empty layer, a broken one a ConfigError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(source, None, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(source, None, "file is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, None, f"invalid TOML: {exc}") from None


def flatten_layer(schema: type[Any], table: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Validate one source's table against the schema; return dotted key -> value."""
    flat: dict[str, Any] = {}
    try:
        _flatten_into(schema, table, "", flat)
    except _Invalid as exc:
        raise ConfigError(source, exc.key, exc.problem) from None
    return flat


def _flatten_into(
    cls: type[Any], table: Mapping[str, Any], prefix: str, out: dict[str, Any]
) -> None:
    hints = get_type_hints(cls, include_extras=True)
    fields_by_name = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in table.items():
        key = prefix + name
        if name not in fields_by_name:
            raise _Invalid(key, _unknown_key_message(name, list(fields_by_name)))
        hint = hints[name]
        if _is_section(hint):
            if not isinstance(value, dict):
                raise _Invalid(key, _expected(hint, value))
            _flatten_into(hint, value, key + ".", out)
            continue
        converted = convert(value, hint, key)
        _run_check(fields_by_name[name], converted, key)
        out[key] = converted


def env_layer(
    schema: type[Any], env: Mapping[str, str], aliases: Mapping[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """One (source, values) layer per environment variable that names a configuration key."""
    by_key = {leaf.key: leaf for leaf in schema_leaves(schema)}
    names = {leaf.env_name: leaf for leaf in by_key.values() if leaf.env}
    names.update({alias: by_key[key] for alias, key in aliases.items() if key in by_key})
    layers: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(env):
        leaf = names.get(name)
        if leaf is None:
            continue
        source = f"environment {name}"
        try:
            value = convert(env[name], leaf.hint, leaf.key, from_text=True)
            if leaf.check is not None and value is not None and (problem := leaf.check(value)):
                raise _Invalid(leaf.key, problem)
        except _Invalid as exc:
            raise ConfigError(source, exc.key, exc.problem) from None
        layers.append((source, {leaf.key: value}))
    return layers


def override_layer(schema: type[Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Validate command-line overrides given as dotted key -> value (strings are parsed)."""
    by_key = {leaf.key: leaf for leaf in schema_leaves(schema)}
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        leaf = by_key.get(key)
        if leaf is None:
            raise ConfigError(CLI_SOURCE, key, "unknown configuration key")
        try:
            converted = convert(value, leaf.hint, key, from_text=isinstance(value, str))
            if (
                leaf.check is not None
                and converted is not None
                and (problem := leaf.check(converted))
            ):
                raise _Invalid(key, problem)
        except _Invalid as exc:
            raise ConfigError(CLI_SOURCE, exc.key, exc.problem) from None
        flat[key] = converted
    return flat


def merge_layers(schema: type[T], layers: list[tuple[str, dict[str, Any]]]) -> LoadedConfig:
    """Apply flat layers in order (later wins) and build the typed configuration."""
    values: dict[str, Any] = {leaf.key: leaf.default for leaf in schema_leaves(schema)}
    sources: dict[str, str] = dict.fromkeys(values, DEFAULT_SOURCE)
    for source, flat in layers:
        for key, value in flat.items():
            values[key] = value
            sources[key] = source
    config = _build_from_flat(schema, values, "")
    return LoadedConfig(
        config=config,
        sources=types.MappingProxyType(sources),
        values=types.MappingProxyType(values),
    )


def _build_from_flat(cls: type[T], values: Mapping[str, Any], prefix: str) -> T:
    hints = get_type_hints(cls, include_extras=True)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # cls is a dataclass type
        key = prefix + f.name
        hint = hints[f.name]
        kwargs[f.name] = (
            _build_from_flat(hint, values, key + ".") if _is_section(hint) else values[key]
        )
    return cls(**kwargs)


# --------------------------------------------------------------------------- rendering


def to_plain(value: Any) -> Any:
    """A JSON-friendly form of a configuration value."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def toml_value(value: Any) -> str:
    """Render a plain value as TOML (used for the commented `config.toml` template)."""
    value = to_plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return '""'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot render {value!r} as TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


# --------------------------------------------------------------------------- entry point


def load_config(
    paths: ProjectPaths,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedConfig:
    """Load the effective configuration of the project at `paths`.

    Raises :class:`ConfigError` (exit 3) naming the file, the key and what is expected.
    """
    import os

    from buildrunner.core.sections import ENV_ALIASES, Config

    environ = os.environ if env is None else env
    layers: list[tuple[str, dict[str, Any]]] = []
    pyproject = paths.pyproject_file
    pyproject_source = f"{pyproject} [tool.buildrunner]"
    tool = read_toml(pyproject, str(pyproject)).get("tool", {})
    if isinstance(tool, dict) and "buildrunner" in tool:
        layers.append(
            (pyproject_source, flatten_layer(Config, tool["buildrunner"] or {}, pyproject_source))
        )
    config_file = paths.config_file
    layers.append(
        (
            str(config_file),
            flatten_layer(Config, read_toml(config_file, str(config_file)), str(config_file)),
        )
    )
    layers.extend(env_layer(Config, environ, ENV_ALIASES))
    if overrides:
        layers.append((CLI_SOURCE, override_layer(Config, overrides)))
    return merge_layers(Config, layers)
