from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.parallel.plan import Plan, PlanError, load_plan, topological_order, validate_plan

GOOD_TOML = """
[plan]
name = "refactor"
base = "main"
workers = 3
setup = ["cp ../.env .env"]
teardown = ["rm -f .env"]

[defaults]
executor = "claude"
model = "auto"
timeout = "20m"

[[tasks]]
id = "parse"
prompt = "Add validation to parse_config"
claims = ["src/config/**", "./tests//test_config.py"]
priority = 5
budget = 1.5

[[tasks]]
id = "lint"
executor = "shell"
command = ["ruff", "check", "."]
depends_on = ["parse"]
retries = 2
env = { RUFF_CACHE_DIR = "/tmp/ruff", LEVEL = 3 }
"""

GOOD_YAML = """
plan:
  name: docs
tasks:
  - id: readme
    executor: api
    prompt: Summarise the changes
    model: haiku
  - id: build
    command: make docs
    depends_on: [readme]
"""


def test_toml_plan_is_validated_with_defaults_applied(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    plan = load_plan(path)
    assert plan.name == "refactor"
    assert plan.base == "main"
    assert plan.workers == 3
    assert plan.setup == ("cp ../.env .env",)
    parse, lint = plan.tasks
    assert parse.executor == "claude"
    assert parse.timeout == 1200.0
    assert parse.claims == ("src/config/**", "tests/test_config.py")
    assert parse.budget_usd == 1.5
    assert parse.title == "Add validation to parse_config"
    assert lint.executor == "shell"
    assert lint.command == ("ruff", "check", ".")
    assert lint.depends_on == ("parse",)
    assert dict(lint.env) == {"RUFF_CACHE_DIR": "/tmp/ruff", "LEVEL": "3"}


def test_yaml_plan_gives_api_tasks_an_output_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD_YAML, encoding="utf-8")
    plan = load_plan(path)
    assert [t.id for t in plan.tasks] == ["readme", "build"]
    assert plan.tasks[0].output == "readme.md"
    assert plan.tasks[0].model == "haiku"
    assert plan.tasks[1].executor == "shell"


def test_plan_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    plan = load_plan(path)
    assert Plan.from_json(plan.to_json()) == plan


BAD_PLANS = [
    ("", "plan.toml: the plan is empty; it needs at least one [[tasks]] entry"),
    ("[plan]\nname='x'\n", "plan.toml: tasks: missing; a plan needs at least one [[tasks]] entry"),
    ("[[tasks]]\ncommand='x'\n", "plan.toml: tasks[0]: id: missing; every task needs an id"),
    (
        "[[tasks]]\nid='a'\ncommand='x'\npriority='high'\n",
        'plan.toml: tasks[0] (id "a"): priority: expected an integer, got "high"',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\n[[tasks]]\nid='b'\nexecutor='claude'\n",
        'plan.toml: tasks[1] (id "b"): prompt: missing; a claude task needs a prompt',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\ndepnds_on=['b']\n",
        'plan.toml: tasks[0] (id "a"): depnds_on: unknown field (did you mean "depends_on"?)',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\n[[tasks]]\nid='a'\ncommand='y'\n",
        'plan.toml: tasks[1] (id "a"): id: duplicate id; tasks[0] already uses it',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\ndepends_on=['bb']\n[[tasks]]\nid='b'\ncommand='y'\n",
        'plan.toml: tasks[0] (id "a"): depends_on: unknown task "bb" (did you mean "b"?)',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\ndepends_on=['b']\n"
        "[[tasks]]\nid='b'\ncommand='y'\ndepends_on=['a']\n",
        'plan.toml: tasks[0] (id "a"): depends_on: circular dependency: a -> b -> a',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\nclaims=['../outside']\n",
        "plan.toml: tasks[0] (id \"a\"): claims[0]: '../outside': a claim cannot point outside "
        "the repository ('..')",
    ),
    (
        "[[tasks]]\nid='a b'\ncommand='x'\n",
        'plan.toml: tasks[0] (id "a b"): id: "a b" is not a valid id '
        "(letters, digits, '.', '_' and '-', starting with a letter or digit, "
        "at most 64 characters)",
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\ntimeout='soon'\n",
        'plan.toml: tasks[0] (id "a"): timeout: expected a duration such as 90, "30s", "10m" or '
        '"2h", got "soon"',
    ),
    (
        "[[tasks]]\nid='a'\nexecutor='docker'\ncommand='x'\n",
        'plan.toml: tasks[0] (id "a"): executor: expected one of "shell", "claude", "api", '
        'got "docker"',
    ),
    (
        "[plan]\nisolation='container'\n[[tasks]]\nid='a'\ncommand='x'\n",
        'plan.toml: [plan]: isolation: expected one of "worktree", "none", got "container"',
    ),
    (
        "[[tasks]]\nid='a'\ncommand='x'\nbudget=-1\n",
        'plan.toml: tasks[0] (id "a"): budget: must not be negative, got -1',
    ),
    (
        "[[tasks]]\nid='a'\nexecutor='api'\nprompt='p'\noutput='/etc/passwd'\n",
        'plan.toml: tasks[0] (id "a"): output: "/etc/passwd" must be a relative path inside the '
        "worktree",
    ),
    ("tasks = 3\n", "plan.toml: tasks: expected a non-empty list of tables, got 3"),
]


@pytest.mark.parametrize(("text", "message"), BAD_PLANS)
def test_invalid_plans_name_the_task_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value) == message


def test_corrupt_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text("[[tasks]]\nid = 'a\ncommand = 'x'\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"^plan\.toml: invalid TOML: .*line 2"):
        load_plan(path)


def test_corrupt_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.yml"
    path.write_text("tasks:\n  - id: a\n    command: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"^plan\.yml: invalid YAML at line \d+, column \d+"):
        load_plan(path)


def test_binary_plan_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_bytes(b"\xff\xfe\x00garbage\x00")
    with pytest.raises(PlanError, match=r"^plan\.toml: not UTF-8 text \(byte 0\)"):
        load_plan(path)


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="does not exist"):
        load_plan(tmp_path / "nope.toml")


def test_yaml_top_level_list_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("- id: a\n", encoding="utf-8")
    with pytest.raises(PlanError, match="expected a table at the top level, got a list"):
        load_plan(path)


def test_topological_order_puts_dependencies_first_then_priority() -> None:
    plan = validate_plan(
        {
            "tasks": [
                {"id": "late", "command": "x", "depends_on": ["base"], "priority": 9},
                {"id": "low", "command": "x", "priority": 0},
                {"id": "base", "command": "x", "priority": 1},
                {"id": "high", "command": "x", "priority": 5},
            ]
        }
    )
    assert topological_order(plan.tasks) == ["high", "base", "late", "low"]
