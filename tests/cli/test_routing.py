from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from buildrunner.core.paths import ProjectPaths
from buildrunner.testing.fake_anthropic import FakeAnthropic, Fault
from tests.conftest import BrResult
from tests.helpers import run_br

Br = Callable[..., BrResult]


@pytest.fixture
def api(project: ProjectPaths, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    with FakeAnthropic(reply="The answer is 42.") as server:
        monkeypatch.setenv("BR_ROUTING_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
        yield server


def test_models_json_lists_tiers_with_prices(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "models", "--format", "json")
    assert result.exit_code == 0
    models = json.loads(result.stdout)["models"]
    assert [(m["id"], m["tiers"]) for m in models] == [
        ("claude-haiku-5-5", ["haiku"]),
        ("claude-sonnet-5-5", ["sonnet"]),
        ("claude-opus-5-5", ["opus"]),
    ]
    assert models[2]["prices_per_mtok"] == {"input": "4", "output": "20", "cache_write_5m": "5",
                                            "cache_write_1h": "8", "cache_read": "0.2"}  # fmt: skip
    assert models[0]["long_context"]["threshold"] == 100000
    assert models[0]["price_source"].startswith("genai-prices ")
    assert models[0]["checked_at"] == "2026-11-23"


def test_models_text_all(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "models", "--all")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["tier", "model", "context", "max", "out", "input", "output",
                                "cache", "w5m/w1h/read", "price", "source"]  # fmt: skip
    assert any(line.startswith("-") and "claude-opus-4-1 (retired)" in line for line in lines)


def test_estimate_text_shows_level_and_reasons(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "estimate", "Fix the typo in README.md")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "level:  simple (score 0/100)"
    assert 'why:    typo or wording fix (simple.typo: "typo")' in result.stdout


def test_estimate_json_with_files(project: ProjectPaths, br: Br) -> None:
    (project.root / "a.py").write_text("print(1)\n" * 40, encoding="utf-8")
    result = br("routing", "estimate", "Refactor this", "--file", "a.py", "--format", "json")
    data = json.loads(result.stdout)
    assert data["files"] == [{"path": "a.py", "language": "python", "lines": 40, "bytes": 360,
                              "tokens": 90, "note": None}]  # fmt: skip
    assert data["level"] == "moderate"
    assert data["tokens"] == 4 + 90


def test_estimate_batch(project: ProjectPaths, br: Br, tmp_path: Path) -> None:
    batch = tmp_path / "tasks.jsonl"
    batch.write_text(
        '{"id": "a", "text": "Fix typo in README"}\n\n'
        '{"id": "b", "text": "RCE in the upload endpoint, fix it now"}\n',
        encoding="utf-8",
    )
    result = br("routing", "estimate", "--batch", str(batch))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["level"]) for r in rows] == [("a", "simple"), ("b", "critical")]
    assert rows[1]["reasons"][0] == "harm.exploit: rce"


def test_estimate_bad_batch_line(project: ProjectPaths, br: Br, tmp_path: Path) -> None:
    batch = tmp_path / "tasks.jsonl"
    batch.write_text('{"id": "a", "text": "ok"}\n{"id": 2}\n', encoding="utf-8")
    result = br("routing", "estimate", "--batch", str(batch))
    assert result.exit_code == 3
    assert result.stderr == f'br: error: {batch}:2: expected an object with a "text" string\n'
    assert result.stdout == ""


def test_estimate_missing_file(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "estimate", "x", "--file", "nope.py")
    assert (result.exit_code, result.stderr) == (
        3,
        "br: error: nope.py: no such file (check the --file path)\n",
    )


def test_estimate_needs_text(
    project: ProjectPaths, br: Br, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    result = br("routing", "estimate")
    assert result.exit_code == 2
    assert result.stderr == "br: error: no task text on stdin\n"


def test_select_json(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "select", "RCE in the upload endpoint, fix it now", "--max-cost",
                "0.05", "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["model"] == "claude-sonnet-5-5"
    assert data["level"] == "critical"
    assert "over the per-task maximum" in data["reason"]
    assert {a["model"] for a in data["alternatives"]} == {"claude-opus-5-5", "claude-haiku-5-5"}


def test_select_refused_exits_1(project: ProjectPaths, br: Br) -> None:
    result = br("routing", "select", "Fix typo", "--model", "opus", "--max-cost", "0.0001")
    assert result.exit_code == 1
    assert result.stderr.startswith("br: error: claude-opus-5-5 could cost up to $0.08")


def test_select_bad_amount_and_model(project: ProjectPaths, br: Br) -> None:
    assert br("routing", "select", "x", "--max-cost", "cheap").exit_code == 2
    unknown = br("routing", "select", "x", "--model", "gpt-5")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("br: error: unknown model or tier 'gpt-5'")


def test_ask_prints_answer_and_accounting(api: FakeAnthropic, br: Br) -> None:
    result = br("routing", "ask", "Fix typo in README.md", "--model", "haiku")
    assert result.exit_code == 0
    assert result.stdout == "The answer is 42.\n"
    # 6 input at 0.1 + 5 output at 0.5 = 3.1 per million
    assert result.stderr == "[claude-haiku-5-5: 6 in, 5 out, $0.000003]\n"
    assert api.models_requested() == ["claude-haiku-5-5"]
    from buildrunner.core.paths import resolve_paths
    from buildrunner.core.store import Store
    from buildrunner.telemetry.query import query_events

    stored = query_events(Store(resolve_paths().db_path))
    assert [e.type for e in stored] == ["routing.decision", "model.call"]
    assert stored[1].cost_usd == Decimal("0.0000031")  # type: ignore[attr-defined]


def test_ask_reports_a_retry(api: FakeAnthropic, br: Br) -> None:
    api.enqueue(Fault(529, headers={"retry-after-ms": "1"}))
    result = br("routing", "ask", "hello", "--model", "sonnet", "--format", "json")
    data = json.loads(result.stdout)
    assert [a["outcome"] for a in data["attempts"]] == ["overloaded", "ok"]
    assert data["cost"]["total_usd"] == "0.000054"  # 2*2 + 5*10 per million


def test_ask_fail_fast_is_one_line(api: FakeAnthropic, br: Br) -> None:
    api.enqueue(Fault(401, message="invalid x-api-key"))
    result = br("routing", "ask", "hello")
    assert result.exit_code == 3
    assert result.stderr == (
        "br: error: claude-sonnet-5-5: HTTP 401 authentication: invalid x-api-key (after 1 "
        "attempt) (check the API key in the environment)\n"
    )


def test_ask_without_key_is_one_line(project: ProjectPaths) -> None:
    proc = run_br("routing", "ask", "hello", cwd=project.root)
    assert proc.returncode == 3
    assert proc.stderr == (
        "br: error: ANTHROPIC_API_KEY is not set (export ANTHROPIC_API_KEY=... "
        "(or point routing.api_key_env at another variable))\n"
    )


def test_costs_after_calls(api: FakeAnthropic, br: Br) -> None:
    br("routing", "ask", "Fix typo in README.md", "--model", "haiku")
    br("routing", "ask", "hello", "--model", "sonnet")
    data = json.loads(br("routing", "costs", "--period", "all", "--format", "json").stdout)
    assert [(r["key"], r["calls"], r["cost_usd"]) for r in data["rows"]] == [
        ("claude-sonnet-5-5", 1, "0.000054"),
        ("claude-haiku-5-5", 1, "0.0000031"),
    ]
    assert data["total_usd"] == "0.0000571"
    rows = list(csv.reader(io.StringIO(br("routing", "costs", "--by", "task-type",
                                          "--format", "csv").stdout)))  # fmt: skip
    assert rows == [["task-type", "calls", "input_tokens", "output_tokens", "cache_write_tokens",
                     "cache_read_tokens", "cost_usd"], ["ask", "2", "8", "10", "0", "0",
                     "0.0000571"]]  # fmt: skip


def test_costs_empty(project: ProjectPaths, br: Br) -> None:
    assert br("routing", "costs", "--period", "day").stdout == "no model calls recorded this day\n"


def test_budget_set_show_and_refuse(api: FakeAnthropic, br: Br) -> None:
    assert br("routing", "budget", "set", "--daily", "0.00001", "--monthly", "none").stdout == (
        "day: $0.00\nmonth: no limit\n"
    )
    data = json.loads(br("routing", "budget", "show", "--format", "json").stdout)
    assert data["budgets"][0] == {"scope": "day", "limit_usd": "0.00001", "source": "database",
                                  "spent_usd": "0", "reserved_usd": "0",
                                  "remaining_usd": "0.00001", "used": 0.0}  # fmt: skip
    refused = br("routing", "ask", "hello", "--model", "opus")
    assert refused.exit_code == 1
    assert "remaining budget" in refused.stderr
    assert api.models_requested() == []
    assert br("routing", "budget", "set").exit_code == 2
    assert br("routing", "budget", "set", "--reset", "day").stdout == "day: stored limit removed\n"


def test_config_price_override_and_bad_key(project: ProjectPaths, br: Br) -> None:
    project.config_dir.mkdir(exist_ok=True)
    project.config_file.write_text(
        '[routing]\nopus_model = "claude-opus-4-8"\n'
        '[routing.prices.claude-opus-4-8]\noutput = "24"\n',
        encoding="utf-8",
    )
    models = json.loads(br("routing", "models", "--format", "json").stdout)["models"]
    assert (models[2]["id"], models[2]["prices_per_mtok"]["output"], models[2]["price_source"]) == (
        "claude-opus-4-8",
        "24",
        "config",
    )
    project.config_file.write_text('[routing.prices.claude-opus-4-8]\ninptu = "1"\n', "utf-8")
    result = br("routing", "models")
    assert result.exit_code == 3
    assert result.stderr == (
        f"br: error: {project.config_file}: routing.prices: unknown key 'inptu' (known: input, "
        "output, cache_write_5m, cache_write_1h, cache_read, long_context_threshold, "
        "long_context_input, long_context_output, long_context_cache_write_5m, "
        "long_context_cache_write_1h, long_context_cache_read)\n"
    )
