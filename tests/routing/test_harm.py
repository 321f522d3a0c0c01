"""The harm model: concepts that meet in one sentence, live and calm evidence, mood, masking."""

from __future__ import annotations

import pytest

from buildrunner.routing.complexity import clean_text
from buildrunner.routing.concepts import CONCEPTS
from buildrunner.routing.harm import HARM_RULES, assess_harm
from buildrunner.routing.mentions import mask_mentions


def assess(text: str) -> tuple[set[str], set[str], bool]:
    found = assess_harm(mask_mentions(clean_text(text)))
    events = {event.rule.id for event in found.events}
    hypothetical = {event.rule.id for event in found.hypothetical}
    return events, hypothetical, found.is_critical


@pytest.mark.parametrize(
    ("text", "events", "critical"),
    [
        # another party's data, said in any tone: critical on its own
        ("Tenant A sees tenant B's invoices on the dashboard.", {"harm.data_exposure"}, True),
        ("Hey, low priority, but I can see another company's invoices when I open the email "
         "link.", {"harm.data_exposure"}, True),
        ("The lab result was attached to the wrong patient.",
         {"harm.data_exposure", "harm.safety"}, True),
        # destruction needs live evidence: production, a count, a time
        ("The cleanup job deleted 4,000 rows from the orders table in production last night.",
         {"harm.data_loss"}, True),
        ("We committed the Stripe secret key to the public repository.",
         {"harm.credentials"}, True),
        ("Customers were charged twice since Tuesday's release.", {"harm.money"}, True),
        ("Any logged-in user can read other customers' invoices by changing the id.",
         {"harm.auth", "harm.data_exposure"}, True),
        ("The login page is down for everyone since 09:00.", {"harm.lockout"}, True),
        ("GDPR erasure requests haven't been processed since March; the regulator expects a "
         "reply within 14 days.", {"harm.legal"}, True),
        ("Nurses report that the dose shown on the chart is wrong since this morning's update.",
         {"harm.safety"}, True),
        ("The primary went read-only; writes are failing, and orders will be lost if the pods "
         "restart.", {"harm.outage"}, True),
        # an event without live evidence is a risk, not an emergency
        ("Refund totals are wrong for Swiss francs.", {"harm.money"}, False),
        # calm: planned or contained work
        ("SQL injection in the search endpoint; found by our scanner on staging only, no known "
         "exploitation.", {"harm.exploit"}, False),
        # mentions are not events
        ("Rename `delete_all_users()` to `archive_inactive_users()`.", set(), False),
        ('Fix the typo "data breach" in the glossary.', set(), False),
        ("Use the `--color-danger` token instead of the hard-coded #ff0000.", set(), False),
        ("The seed script truncates the local test database.", set(), False),
        ("Refunds are rounded to two decimals.", set(), False),
    ],
)  # fmt: skip
def test_events(text: str, events: set[str], critical: bool) -> None:
    found, _, is_critical = assess(text)
    assert (found, is_critical) == (events, critical)


@pytest.mark.parametrize(
    ("text", "hypothetical"),
    [
        ("Add a check so that users cannot view another org's projects.", set()),
        ("If the search cluster is unavailable, fall back to Postgres full-text search.",
         {"harm.outage"}),
        ("Make sure a retried webhook never charges a customer twice.", {"harm.money"}),
        ("We must prevent customers from being charged twice when the provider retries.",
         {"harm.money"}),
    ],
)  # fmt: skip
def test_requirements_and_conditions_are_not_events(text: str, hypothetical: set[str]) -> None:
    events, found, critical = assess(text)
    assert (events, found, critical) == (set(), hypothetical, False)


@pytest.mark.parametrize(
    "text",
    [
        "Users must never see another tenant's data.",
        "No customer data was exposed.",
        "Make sure API keys are never logged.",
        "The backups did not fail last night.",
    ],
)
def test_negation_cancels_damage(text: str) -> None:
    assert assess(text) == (set(), set(), False)


def test_a_negation_does_not_reach_into_the_next_sentence() -> None:
    found = assess_harm(mask_mentions("It accepts alg: none. Patch it immediately."))
    assert [hit.phrase for hit in found.live] == ["immediately"]


def test_a_condition_governs_its_own_clause_only() -> None:
    events, hypothetical, critical = assess(
        "The API is down for everyone since 10:00; if it stays down we would lose orders."
    )
    assert (events, hypothetical, critical) == (
        {"harm.lockout", "harm.outage"},
        {"harm.widespread"},  # "we would lose orders": a condition, kept apart
        True,
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Rename `delete_all_users()` now", "rename _code_ now"),
        ("call drop_production_db.sh and purge_all()", "call _name_ and _name_"),
        ('the banner says "Your data was leaked"', "the banner says _quote_"),
        ("the 'data breach response' page", "the _quote_ page"),
        ("print `DOCKERHUB_TOKEN` and stripe_api_key", "print secret and secret"),
        ("GET `/download?file=../../etc/passwd` works", "get attack payload works"),
        ("run `kubectl delete ns payments` in prod", "run kubectl delete ns payments in prod"),
        ("version 3.12 and e.g. this", "version 3.12 and e.g. this"),
    ],
)
def test_mentions_are_masked(text: str, masked: str) -> None:
    assert mask_mentions(text).strip() == masked


def test_concept_and_rule_ids_are_unique_and_namespaced() -> None:
    ids = [c.id for c in CONCEPTS]
    assert len(ids) == len(set(ids))
    assert all(c.id.split(".")[0] == c.kind for c in CONCEPTS)
    rules = [r.id for r in HARM_RULES]
    assert len(rules) == len(set(rules))
    assert all(r.startswith("harm.") for r in rules)
    known = set(ids)
    assert all(c in known for rule in HARM_RULES for options in rule.needs for c in options)
