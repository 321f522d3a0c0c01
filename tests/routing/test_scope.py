"""Scope from numbers: counts weighted by what is counted, major version jumps, enumerations."""

from __future__ import annotations

import pytest

from buildrunner.routing.scope import scope_reasons


def found(text: str) -> dict[str, tuple[str, float]]:
    return {f.signal: (f.matched, f.points) for f in scope_reasons(text.lower())}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # systems and teams weigh most
        ("Move 40 services from Jenkins to Argo CD.", {"scope.count": ("40 services", 2.5)}),
        ("Integrate the feeds of three hospital partners.",
         {"scope.count": ("three hospital partners", 2.0)}),
        # code units need more of them
        ("About 120 queries across 15 modules.", {"scope.count": ("15 modules", 1.5)}),
        ("Touches 4 files.", {}),
        # mechanical places need many
        ("Re-bless the ~30 UI test snapshots.", {}),
        ("RTL: ~900 occurrences of margin-left.", {"scope.count": ("900 occurrences", 1.5)}),
        ("Split the 2,800-line checkout.js.", {"scope.count": ("2,800-line", 1.0)}),
        # numbers that are not counts
        ("Costs $12 services fee; see v2.40 services.", {}),
    ],
)  # fmt: skip
def test_counts(text: str, expected: dict[str, tuple[str, float]]) -> None:
    assert {k: v for k, v in found(text).items() if k == "scope.count"} == expected


@pytest.mark.parametrize(
    ("text", "jump"),
    [
        ("Upgrade Django 3.2 -> 4.2 LTS.", "3.2 -> 4.2"),
        ("Postgres 11 -> 15 for the main cluster.", "11 -> 15"),
        ("Upgrade our Rails app from 6.1 to 7.1.", "6.1 to 7.1"),
        ("Bumps eslint-plugin-react from 7.33.1 to 7.33.2.", None),
        ("Bump react from 17.0.2 to 18.2.0.", None),  # a bump is a bump, whatever the jump
        ("Change the page size from 20 to 50.", None),
        ("Node 20.11 to 20.12 in .nvmrc.", None),
    ],
)
def test_major_version_jumps(text: str, jump: str | None) -> None:
    assert found(text).get("scope.major_version", (None, 0))[0] == jump


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Needs: late events, exactly-once sink, dual-run, backfill and schema evolution.", 5),
        ("Affects the API, the editor UI, search filtering and the export service.", 4),
        ("Validate each row, report errors per line, and apply valid rows.", None),
        ("Add a button: it copies the link.", None),
    ],
)
def test_enumerations(text: str, parts: int | None) -> None:
    matched = found(text).get("scope.requirements")
    assert (matched[0] if matched else None) == (f"{parts} parts" if parts else None)
