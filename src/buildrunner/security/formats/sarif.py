"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers.

Rules come from the analyzers' metadata (CWE-798 for secrets, CWE-89 for SQL injection) with
``security-severity`` and ``precision``; results carry stable rule ids, a project-relative
location under ``%SRCROOT%``, ``partialFingerprints`` (so re-uploads do not duplicate alerts)
and masked snippets only.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from buildrunner import __version__
from buildrunner.security.catalog import (
    CWE_TITLES,
    PRECISION,
    SARIF_LEVEL,
    SECURITY_SEVERITY,
    RuleInfo,
)
from buildrunner.security.findings import Finding
from buildrunner.security.report import ScanReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/buildrunner/buildrunner3"
FINGERPRINT_KEY = "brFingerprint/v1"


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))


def _fallback_rule(finding: Finding) -> RuleInfo:
    from buildrunner.security.catalog import CWE_HARDCODED_CREDENTIALS, CWE_SQL_INJECTION

    cwe = CWE_HARDCODED_CREDENTIALS if finding.kind == "secret" else CWE_SQL_INJECTION
    return RuleInfo(
        id=finding.rule_id,
        kind=finding.kind,
        title=finding.rule_id,
        severity=finding.severity,
        cwe=cwe,
    )


def sarif_rule(info: RuleInfo) -> dict[str, Any]:
    """The ``reportingDescriptor`` of one rule."""
    cwe_title = CWE_TITLES.get(info.cwe, "")
    help_text = info.help or (
        f"{info.description or info.title} ({info.cwe}: {cwe_title}). "
        "Remove the value from the code, rotate it, and load it from the environment or a "
        "secret store. Accept a known value with `br security baseline update` or an inline "
        "`br:allow` comment."
        if info.kind == "secret"
        else f"{info.description or info.title} ({info.cwe}: {cwe_title})."
    )
    return {
        "id": info.id,
        "name": _rule_name(info.id),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description or info.title},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": SARIF_LEVEL[info.severity]},
        "properties": {
            "tags": info.tags,
            "precision": PRECISION[info.confidence],
            "security-severity": SECURITY_SEVERITY[info.severity],
            "problem.severity": "error" if info.severity in ("critical", "high") else "warning",
        },
    }


def _uri(finding: Finding) -> str:
    path = finding.key_path or finding.path
    if path.startswith("<") and path.endswith(">"):
        path = path.strip("<>")
    return quote(path, safe="/")


def sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    """The ``result`` of one finding: no secret, only its mask."""
    region: dict[str, Any] = {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
    }
    if finding.end_column:
        region["endColumn"] = max(finding.end_column, 1)
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    properties: dict[str, Any] = {
        "kind": finding.kind,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "masked": finding.masked,
    }
    if finding.commit:
        properties["commit"] = finding.commit
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL.get(finding.severity, "warning"),
        "message": {"text": f"{finding.message} ({finding.masked})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.related_line and finding.related_line != finding.line:
        result["relatedLocations"] = [
            {
                "id": 1,
                "message": {"text": "the SQL string is built here"},
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.related_line},
                },
            }
        ]
    return result


def sarif_log(report: ScanReport) -> dict[str, Any]:
    """The whole SARIF log as a JSON-ready dict."""
    used: dict[str, RuleInfo] = {}
    for finding in report.findings:
        if finding.rule_id not in used:
            used[finding.rule_id] = report.rules.get(finding.rule_id) or _fallback_rule(finding)
    ordered = sorted(used)
    index = {rule_id: i for i, rule_id in enumerate(ordered)}
    notifications = [
        {
            "level": "note",
            "message": {"text": f"skipped: {s.reason}" + (f" ({s.detail})" if s.detail else "")},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(s.path, safe="/")}}}
            ],
        }
        for s in report.skipped
        if s.reason not in ("binary", "excluded")
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "br",
                "fullName": "BuildRunner security scanner",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [sarif_rule(used[rule_id]) for rule_id in ordered],
            }
        },
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "results": [sarif_result(f, index[f.rule_id]) for f in report.findings],
        "properties": {
            "stats": report.stats.to_json(),
            "suppressed": report.suppressed,
            "baselined": report.baselined,
        },
    }
    if report.root:
        root_uri = "file://" + quote(report.root.rstrip("/") + "/", safe="/")
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root_uri}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: ScanReport) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
