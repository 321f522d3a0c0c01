"""The merge gate with the security subsystem (active once that subsystem is installed)."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from buildrunner.core.store import Store
from buildrunner.parallel import control
from buildrunner.parallel.integrations import GateUnavailableError, OpenGate, merge_gate_for
from buildrunner.parallel.security_gate import security_available
from buildrunner.parallel.sessions import list_tasks
from buildrunner.parallel.settings import RunSettings
from tests.helpers import git


def test_gate_choice_follows_the_setting(git_repo: Path) -> None:
    assert isinstance(merge_gate_for("none", git_repo), OpenGate)
    if security_available():
        assert merge_gate_for("auto", git_repo).name == "security"
        assert merge_gate_for("security", git_repo).name == "security"
    else:
        assert isinstance(merge_gate_for("auto", git_repo), OpenGate)
        with pytest.raises(GateUnavailableError, match="security subsystem is not installed"):
            merge_gate_for("security", git_repo)


@pytest.mark.skipif(not security_available(), reason="the security subsystem is not installed")
def test_a_planted_credential_blocks_the_merge_and_is_never_stored_in_clear(
    git_repo: Path, store: Store, settings: RunSettings, write_plan: Callable[..., Path]
) -> None:
    rng = random.Random(1234)
    token = "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))
    # The plan holds the token in two halves, so only the task's output holds it whole: the
    # plan itself (stored as given) never carries the credential.
    head, tail = token[:10], token[10:]
    plan = write_plan(
        f"""
[[tasks]]
id = "leaky"
command = "printf 'GITHUB_TOKEN = \\"%s%s\\"\\\\n' {head} {tail} > settings.py"

[[tasks]]
id = "clean"
command = "echo 'print(1)' > app.py"
"""
    )
    gated = RunSettings(**{**settings.__dict__, "merge_gate": "security"})
    session = control.create_from_plan(store, gated, plan, workers=2)
    final = control.run_foreground(store, gated, session.id)
    tasks = {t.task_id: t for t in list_tasks(store, session.id)}
    assert final.state == "failed"
    assert (tasks["leaky"].state, tasks["clean"].state) == ("blocked", "merged")
    report = json.loads(tasks["leaky"].merge_detail or "{}")["report"]
    assert report
    assert token not in report
    assert "settings.py" not in git(git_repo, "ls-tree", "--name-only", final.session_branch or "")
    dump = "\n".join(str(tuple(r)) for r in store.execute("SELECT * FROM parallel_tasks"))
    dump += "\n".join(str(tuple(r)) for r in store.execute("SELECT * FROM parallel_journal"))
    assert token not in dump
    detail = json.loads(tasks["leaky"].merge_detail or "{}")
    assert [(f["rule_id"], f["path"], f["line"]) for f in detail["findings"]] == [
        ("github-personal-access-token", "settings.py", 1)
    ]
    assert detail["findings"][0]["masked"] == token[:4] + "…" + token[-4:]
    events = store.execute(
        "SELECT type, task_id, name, status, data FROM telemetry_events "
        "WHERE type IN ('gate.result', 'security.scan', 'security.finding') ORDER BY seq"
    )
    by_task = sorted((r["task_id"], r["type"], r["status"]) for r in events)
    assert by_task == [
        ("clean", "gate.result", "ok"),
        ("clean", "security.scan", "ok"),
        ("leaky", "gate.result", "error"),
        ("leaky", "security.finding", None),
        ("leaky", "security.scan", "error"),
    ]
    finding = next(r for r in events if r["type"] == "security.finding")
    assert finding["name"] == "github-personal-access-token"
    assert json.loads(finding["data"])["preview"] == token[:4] + "…" + token[-4:]
    everything = "\n".join(str(tuple(r)) for r in store.execute("SELECT * FROM telemetry_events"))
    assert token not in everything
