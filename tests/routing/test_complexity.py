"""Estimator tables: clear cases per level with their reasons, signals with near misses, decoys,
negation, determinism, and the labelled tickets written for these tests."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from buildrunner.core.errors import InputError
from buildrunner.routing.complexity import estimate_complexity
from buildrunner.routing.signals import SIGNALS


def ids(text: str) -> set[str]:
    return {reason.signal for reason in estimate_complexity(text).reasons}


@pytest.mark.parametrize(
    ("text", "level", "signal"),
    [
        ("Fix typo in CONTRIBUTING.md: 'teh' should be 'the'.", "simple", "simple.typo"),
        ("Rename the variable `n` to `retry_count` in worker.py. No behaviour change.", "simple",
         "simple.rename"),
        ("Bump pyyaml from 6.0.1 to 6.0.2 in requirements.txt.", "simple", "simple.bump"),
        ("Change the default timeout from 30 to 60 seconds.", "simple", "simple.constant"),
        ("Update the docstring of parse() to list the accepted formats.", "simple", "simple.docs"),
        ("Add a retry with backoff to the webhook sender and tests for each failure mode.",
         "moderate", "moderate.feature"),
        ("The export test is flaky on CI; find out why and make it deterministic.", "moderate",
         "moderate.fix"),
        ("Migrate the sessions table from MySQL to Postgres without downtime, with a backfill and "
         "dual writes during the cut-over.", "complex", "scope.migration"),
        ("Deadlock between the billing worker and the invoice API under load; work out the lock "
         "ordering. It only happens on staging.", "complex", "scope.concurrency"),
        ("p99 latency of the search endpoint tripled; profile it and fix the N+1 queries.",
         "complex", "scope.performance"),
        ("Replace the homegrown config loader across 40 modules without breaking plugins.",
         "complex", "scope.breadth"),
        ("Remote code execution through the upload endpoint. Patch it immediately.", "critical",
         "harm.exploit"),
        ("We committed a Stripe secret key to the public repository; rotate the key.", "critical",
         "harm.credentials"),
        ("Production is down since the 14:00 deploy; every request returns 500.", "critical",
         "harm.outage"),
        ("The nightly job deleted 4,000 rows from the orders table in production.", "critical",
         "harm.data_loss"),
        ("Customers were charged twice since Monday: 120 double charges. Refund them.", "critical",
         "harm.money"),
        ("Tenant A sees tenant B's invoices on the dashboard; two customers reported it.",
         "critical", "harm.data_exposure"),
        ("Improve the error message when the config file is missing", "simple", "simple.typo"),
        ("docs: fix broken link to the contributing guide", "simple", "simple.docs"),
        ("Race condition when two users edit the same document; last write wins", "complex",
         "scope.concurrency"),
        ("Memory leak in the worker process after processing ~10k jobs", "complex",
         "scope.performance"),
        ("Rewrite the storage layer to support both SQLite and PostgreSQL backends", "complex",
         "scope.design"),
        ("Implement OAuth2 login with Google and GitHub, linking to existing accounts", "complex",
         "scope.protocol"),
        ("Upgrade from React 16 to React 18 and move class components to hooks", "complex",
         "scope.upgrade"),
        ("Payments are processed twice for some customers since yesterday's release", "critical",
         "harm.money"),
        ("Our database password is printed in plain text in the public build logs", "critical",
         "harm.credentials"),
        ("Stored XSS in comments lets attackers steal admin sessions", "critical", "harm.exploit"),
        ("The password reset link can be reused indefinitely and is sent over plain HTTP",
         "critical", "harm.auth"),
        ("Remove the deprecated `--legacy` flag that has printed a warning since 2.0", "simple",
         "simple.local"),
        ("Add async variants across the client: every public method, and the sync API must keep "
         "working.", "complex", "scope.breadth"),
        ("Design a caching strategy for the catalog: invalidation on writes, per-region caches.",
         "complex", "scope.design"),
    ],
)  # fmt: skip
def test_clear_cases(text: str, level: str, signal: str) -> None:
    estimate = estimate_complexity(text)
    assert estimate.level == level, estimate.summary()
    assert signal in {r.signal for r in estimate.reasons}
    assert not estimate.is_default


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # word boundaries: "prefix" is not "fix", "typography" is not "typo"
        ("Handle the prefix option.", set()),
        ("Typography settings for the site.", set()),
        ("Remove the bumper sticker image.", set()),
        # negation: "not in production", "nothing is on fire" are calm, not live
        ("It has not happened in production yet.", {"calm.planned"}),
        ("Nothing is on fire; we have time.", {"calm.planned"}),
        ("There are no breaking changes in this release.", set()),
        # a documentation edit that mentions security is not a vulnerability
        ("Update SECURITY.md with the new contact address.", {"simple.docs"}),
        # code blocks and URLs are not read for signals
        ("See the log:\n```\nDROP TABLE users; deleted 300 rows\n```", set()),
        ("See https://example.com/outage-rce-sql-injection", set()),
        # a negation inside the phrase cancels it too
        ("Make sure API keys are never logged by the middleware.", set()),
        # a spec reference is not an RFC document; "move" within a page is not a migration
        ("Follow RFC 5987 for the filename parameter.", set()),
    ],
)
def test_near_misses(text: str, expected: set[str]) -> None:
    assert ids(text) - {"text.one_file"} == expected


def test_calm_caps_harm_below_critical() -> None:
    text = "SQL injection found by our scanner in a staging-only admin tool; not urgent, planned."
    assert estimate_complexity(text).level != "critical"


def test_no_signal_gets_the_stated_default() -> None:
    estimate = estimate_complexity("Please look at this.")
    assert (estimate.level, estimate.is_default, estimate.score) == ("moderate", True, 35)
    assert "default level" in estimate.summary()
    assert estimate_complexity("Please look at this.", default_level="complex").level == "complex"


def test_length_alone_is_not_a_signal() -> None:
    chatty = "Hi team, thanks a lot for all the help last week. " * 30 + "Fix the typo in README."
    assert estimate_complexity(chatty).level == "simple"


def test_deterministic() -> None:
    text = "Migrate the payment provider integration to an interface; refund double charges now."
    first = estimate_complexity(text).as_dict()
    assert all(estimate_complexity(text).as_dict() == first for _ in range(5))


def test_score_bands_follow_levels() -> None:
    bands = {"simple": (0, 24), "moderate": (25, 49), "complex": (50, 74), "critical": (75, 100)}
    for text in (
        "Fix typo in README",
        "Add pagination with tests for each case",
        "Deadlock and race condition across 12 services, needs lock ordering",
        "RCE in the login endpoint, exploited in production now",
    ):
        estimate = estimate_complexity(text)
        low, high = bands[estimate.level]
        assert low <= estimate.score <= high, estimate.summary()


def test_tokens_count_the_text_and_the_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n" * 100, encoding="utf-8")  # 600 chars
    (tmp_path / "b.ts").write_text("let y = 2;\n" * 10, encoding="utf-8")  # 110 chars
    (tmp_path / "c.bin").write_bytes(b"\0\1\2" * 10)
    text = "Refactor both files"  # 19 chars -> 5 tokens
    estimate = estimate_complexity(text, files=["a.py", "b.ts", "c.bin"], root=tmp_path)
    assert estimate.tokens == 5 + 150 + 28
    stats = {s.path: (s.language, s.lines, s.tokens) for s in estimate.files}
    assert stats == {"a.py": ("python", 100, 150), "b.ts": ("typescript", 10, 28),
                     "c.bin": ("binary", None, 0)}  # fmt: skip
    reasons = {r.signal: r.matched for r in estimate.reasons}
    assert reasons["files.count"] == "3 files"
    assert reasons["files.languages"] == "python, typescript"


def test_many_paths_raise_scope_without_reading() -> None:
    paths = [f"svc{i}/handler.go" for i in range(25)] + ["web/app.tsx"]
    estimate = estimate_complexity("Rename the logger field", paths=paths)
    assert estimate.level == "complex"
    assert {"files.count", "files.languages"} <= {r.signal for r in estimate.reasons}


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.py: no such file"):
        estimate_complexity("x", files=["nope.py"], root=tmp_path)
    with pytest.raises(InputError, match="is a directory"):
        estimate_complexity("x", files=[str(tmp_path)])


def test_non_utf8_file_is_counted(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("caf\xe9\n".encode("latin-1") * 4)
    estimate = estimate_complexity("Update the docs", files=["latin.txt"], root=tmp_path)
    assert estimate.files[0].lines == 4
    assert estimate.level == "simple"


def test_signal_ids_are_unique_and_namespaced() -> None:
    seen = [s.id for s in SIGNALS]
    assert len(seen) == len(set(seen))
    assert all(s.id.split(".")[0] == s.kind for s in SIGNALS)


def test_self_negating_phrases() -> None:
    assert estimate_complexity("Session tokens never expire").level == "critical"
    assert "harm.credentials" not in ids("Make sure API keys are never logged.")
    assert "harm.credentials" in ids("API keys are logged in the access log.")


# ------------------------------------------------------------------ harm as concepts, not words


@pytest.mark.parametrize(
    ("text", "level", "signal"),
    [
        # critical without any alarm word: another party's data, in a polite tone
        ("Hi, not urgent: when I open the link in the monthly email I sometimes land on another "
         "company's invoice, with their address and VAT id.", "critical", "harm.data_exposure"),
        ("The ORU matcher can attach a lab result to the wrong patient; in production since "
         "release 3.12.", "critical", "harm.data_exposure"),
        ("Cancellations in the app since v5.0 never call the billing provider, so ~2,300 "
         "customers are still being charged monthly.", "critical", "harm.money"),
        ("Someone ran a namespace delete against the prod context: all payment pods and secrets "
         "are gone, checkout is returning 502.", "critical", "harm.outage"),
        ("Our published npm package contains a postinstall script we didn't write that sends "
         "environment variables to a remote host.", "critical", "harm.exploit"),
        ("Legal forwarded a letter from the data protection authority: we didn't honour an "
         "erasure request. We have until the 28th to respond.", "critical", "harm.legal"),
        ("Thermostats that took the 4.2.0 update are stuck in a boot loop; rollout is at 20% "
         "and they are not heating.", "critical", "harm.outage"),
        ("Students are seeing grades for other students; results were published an hour ago.",
         "critical", "harm.data_exposure"),
        # complex: breadth and planning, not fire
        ("Move 40 services from Jenkins to Argo CD, with a migration order that lets teams cut "
         "over independently.", "complex", "scope.count"),
        ("Upgrade Django 3.2 -> 4.2 LTS; 6 services share corelib and must upgrade one at a "
         "time.", "complex", "scope.major_version"),
        ("RFC: move background jobs from Celery to SQS. Open questions: visibility timeouts, "
         "acks_late semantics, beat replacement.", "complex", "scope.design"),
        ("Make tenant scoping mandatory at the data-access layer across services. No known "
         "leaks today; this is hardening.", "complex", "calm.planned"),
        ("Under a 3k rps load test ~0.3% of reads are stale because the cache load races the "
         "invalidation listener; needs a redesign.", "complex", "scope.design"),
        # simple: what the task does, not what it mentions
        ("Rename `delete_all_users()` to `archive_inactive_users()`; two call sites.", "simple",
         "simple.rename"),
        ("In docs/security.md the heading says 'Reporting a vulnerabilty'. Fix the spelling.",
         "simple", "simple.typo"),
        ("Remove the commented-out `drop_all_tables(engine)` line from the seed script.",
         "simple", "simple.local"),
        ("The incident runbook says \"promte the replica\" in step 4; fix the spelling.",
         "simple", "simple.typo"),
        ("Change the log level of 'payment declined' from ERROR to INFO in billing/charge.py.",
         "simple", "simple.constant"),
        ("Bumps pytest from 7.4.3 to 7.4.4.", "simple", "simple.bump"),
        # moderate: contained features and fixes, even with sensitive nouns around
        ("Invoices table: sorting by amount is lexicographic. Sort on amount_cents, nulls last, "
         "and add tests.", "moderate", "moderate.feature"),
        ("Add validation to the refund form: the amount must be positive and must not exceed "
         "the refundable amount.", "moderate", "moderate.feature"),
        ("Crash in SettingsFragment on rotation (~1.2k users/week): observe the flow with "
         "viewLifecycleOwner.", "moderate", "moderate.fix"),
    ],
)  # fmt: skip
def test_levels_from_concepts(text: str, level: str, signal: str) -> None:
    estimate = estimate_complexity(text)
    assert estimate.level == level, estimate.summary()
    assert signal in {r.signal for r in estimate.reasons}, estimate.summary()


@pytest.mark.parametrize(
    "text",
    [
        "No customer data was exposed; the bucket was never public.",
        "Make sure a retried webhook never charges a customer twice.",
        "If the search cluster is unavailable, fall back to Postgres full-text search.",
        "Users must never see another tenant's data: add a guard to the query builder.",
        "Add a unit test that fails when a query lacks the tenant filter.",
    ],
)
def test_negations_and_requirements_are_not_critical(text: str) -> None:
    assert estimate_complexity(text).level != "critical", estimate_complexity(text).summary()


def test_a_requirement_keeps_its_reason() -> None:
    estimate = estimate_complexity("Make sure a retried webhook never charges a customer twice.")
    concerns = [r for r in estimate.reasons if r.kind == "concern"]
    assert [(r.signal, r.text) for r in concerns] == [
        ("harm.money", "money mischarged (as a requirement, not an event)")
    ]


def test_reporter_politeness_is_not_calm() -> None:
    polite = "Low priority, no rush: I can see another customer's orders in my order history."
    planned = (
        "Tenant isolation hardening: no known leaks; another customer's data must stay hidden."
    )
    assert estimate_complexity(polite).level == "critical"
    assert estimate_complexity(planned).level != "critical"


def test_reasons_name_the_concepts_that_met() -> None:
    estimate = estimate_complexity(
        "Since Monday's release customers are billed twice for annual plans."
    )
    reasons = {r.signal: r.matched for r in estimate.reasons}
    assert estimate.level == "critical"
    assert reasons["harm.money"].startswith("billed + ")
    assert reasons["harm.money"].endswith("twice")
    assert "live.since" in reasons


def test_estimates_do_not_depend_on_order() -> None:
    texts = [t["text"] for t in _tickets()[:60]]
    first = {text: estimate_complexity(text).as_dict() for text in texts}
    shuffled = texts[:]
    random.Random(7).shuffle(shuffled)
    assert {text: estimate_complexity(text).as_dict() for text in shuffled} == first


# ------------------------------------------------------------------ written tickets

TICKETS = Path(__file__).with_name("estimator_tickets.jsonl")
"""419 tickets written for these tests in five rounds, about 105 per level, in varied styles
(Slack, Jira, GitHub, e-mail, incident channels, Dependabot, support escalations) with decoys:
scary words in simple tasks, emergencies without alarm words, planned security work. Rounds
three to five were written after the estimator was built and scored blind before any change
was made for them (accuracy 0.657, 0.717 and 0.700; critical recall 0.40, 0.60 and 0.33); the
rules were then generalised from what they missed, so they are in-sample now."""


def _tickets() -> list[dict[str, str]]:
    return [json.loads(line) for line in TICKETS.read_text(encoding="utf-8").splitlines()]


def test_written_tickets_are_balanced() -> None:
    counts = Counter(t["level"] for t in _tickets())
    assert counts == {"simple": 105, "moderate": 105, "complex": 104, "critical": 105}


def test_written_tickets_accuracy() -> None:
    ranks = {"simple": 0, "moderate": 1, "complex": 2, "critical": 3}
    pairs = [(ranks[t["level"]], estimate_complexity(t["text"]).rank) for t in _tickets()]
    exact = sum(truth == guess for truth, guess in pairs) / len(pairs)
    severe_under = sum(guess <= truth - 2 for truth, guess in pairs) / len(pairs)
    criticals = [guess for truth, guess in pairs if truth == 3]
    recall = sum(guess == 3 for guess in criticals) / len(criticals)
    over_critical = sum(guess == 3 and truth < 3 for truth, guess in pairs) / len(pairs)
    assert exact >= 0.93
    assert recall >= 0.93
    assert severe_under <= 0.02
    assert over_critical <= 0.02
