"""Setting a project up for `br`: the ``.buildrunner/`` directory, its config and ignore rules."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from buildrunner.core.errors import ProjectError
from buildrunner.core.paths import STATE_DIR_NAME, ProjectPaths

GITIGNORE_RULES: tuple[str, ...] = (
    f"{STATE_DIR_NAME}/*.db*",
    f"{STATE_DIR_NAME}/logs/",
    f"{STATE_DIR_NAME}/reports/",
    f"{STATE_DIR_NAME}/worktrees/",
    f"{STATE_DIR_NAME}/run/",
)
GITIGNORE_HEADER = "# BuildRunner (br): local database, logs, reports, task worktrees"


@dataclass(frozen=True)
class InitResult:
    """What `init_project` did; `created` and `updated` are empty on a second run."""

    paths: ProjectPaths
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def init_project(paths: ProjectPaths) -> InitResult:
    """Create ``.buildrunner/`` with a commented ``config.toml`` and add the ignore rules.

    Idempotent: existing files are left as they are (missing ignore rules are appended).
    Outside git it still works and says so in `warnings`.
    """
    created: list[Path] = []
    updated: list[Path] = []
    warnings: list[str] = []
    if not paths.in_git:
        warnings.append(
            f"{paths.root} is not inside a git repository: secret scanning of the index and "
            "history, hooks and parallel sessions need git (run `git init` first)"
        )
    config_dir = paths.config_dir
    try:
        if not config_dir.is_dir():
            config_dir.mkdir(parents=True)
            created.append(config_dir)
        if not paths.config_file.exists():
            write_atomic(paths.config_file, config_template())
            created.append(paths.config_file)
        gitignore = paths.root / ".gitignore"
        existed = gitignore.exists()
        if ensure_gitignore_rules(gitignore, GITIGNORE_RULES):
            (updated if existed else created).append(gitignore)
    except OSError as exc:
        raise ProjectError(
            f"cannot initialise {config_dir}: {exc.strerror or exc}",
            hint="check that the directory is writable",
        ) from exc
    return InitResult(paths=paths, created=created, updated=updated, warnings=warnings)


def ensure_gitignore_rules(gitignore: Path, rules: tuple[str, ...]) -> bool:
    """Append the rules missing from `gitignore` (created if needed). True if it changed."""
    try:
        text = gitignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    present = {line.strip() for line in text.splitlines()}
    missing = [rule for rule in rules if rule not in present]
    if not missing:
        return False
    prefix = "" if not text or text.endswith("\n") else "\n"
    if text:
        prefix += "\n"
    block = prefix + "\n".join([GITIGNORE_HEADER, *missing]) + "\n"
    write_atomic(gitignore, text + block)
    return True


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so a crash leaves either the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def config_template() -> str:
    """The commented ``config.toml`` written by ``br init``, generated from the schema."""
    from buildrunner.core.config import schema_leaves, section_docs, toml_value
    from buildrunner.core.sections import Config

    lines = [
        "# BuildRunner (br) project configuration.",
        "#",
        "# Precedence, lowest first: defaults, [tool.buildrunner] in pyproject.toml, this file,",
        "# environment variables BR_<SECTION>_<KEY> (e.g. BR_CORE_LOG_LEVEL=debug), then",
        "# command-line options. `br config show` prints the effective values and their source.",
        "# Every key below is commented out and shows its default.",
    ]
    docs = dict(section_docs(Config))
    leaves = schema_leaves(Config)
    current = None
    for leaf in leaves:
        section = leaf.key.rsplit(".", 1)[0]
        if section != current:
            current = section
            lines += ["", f"# {docs.get(section, '')}".rstrip(), f"[{section}]"]
        name = leaf.key.rsplit(".", 1)[1]
        if leaf.help:
            lines.append(f"# {leaf.help}")
        lines.append(f"# {name} = {toml_value(leaf.default)}")
    return "\n".join(lines) + "\n"
