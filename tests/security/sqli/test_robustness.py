"""Arbitrary source text never crashes the analysers: it is analysed or reported as skipped."""

from __future__ import annotations

import keyword

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.security.sqli import SQLI_RULES, SqlAnalysis, analyze_source

RULE_IDS = {rule.id for rule in SQLI_RULES}

# Fragments that steer generated text towards code the analysers actually walk.
PY_TOKENS = [
    *keyword.kwlist,
    "cur.execute(", "f'SELECT {x}'", '"SELECT * FROM t WHERE a = " + ', "text(", "sql.SQL(",
    "def f(x):\n    ", "\n", "    ", "(", ")", "[", "]", "{", "}", ":", "=", "+=", "%", ".format(",
    ".join(", "x", "y", "'", '"', "#", "\\", "lambda", "async def g():\n    await ", ",",
]  # fmt: skip
JS_TOKENS = [
    "pool.query(", "`SELECT ${x}`", "'SELECT * FROM t WHERE a = ' + ", "knex.raw(", "sql`",
    "function f(x) {", "}", "{", "(", ")", "=>", "const ", "let ", "+=", "`", "'", '"', ";",
    "\n", "x", "y", "${", "if (x) ", "else ", "for (const a of b) ", "prisma.$queryRawUnsafe(",
    "<div>", "</div>", "as string", ": number", "?.", "!", ",", "/*", "*/", "//",
]  # fmt: skip


def _check(analysis: SqlAnalysis) -> None:
    assert isinstance(analysis, SqlAnalysis)
    assert analysis.skipped is None or analysis.findings == ()
    for finding in analysis.findings:
        assert finding.rule_id in RULE_IDS
        assert finding.line >= 1
        assert finding.end_line >= finding.line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_python(source: str) -> None:
    _check(analyze_source(source, "fuzz.py"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PY_TOKENS), max_size=60).map("".join))
def test_code_like_text_python(source: str) -> None:
    _check(analyze_source(source, "fuzz.py"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.sampled_from(["fuzz.js", "fuzz.ts", "fuzz.tsx"]))
def test_arbitrary_text_javascript(source: str, path: str) -> None:
    _check(analyze_source(source, path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(JS_TOKENS), max_size=60).map("".join),
    st.sampled_from(["fuzz.js", "fuzz.ts", "fuzz.tsx"]),
)
def test_code_like_text_javascript(source: str, path: str) -> None:
    _check(analyze_source(source, path))


def test_deeply_nested_javascript_is_skipped_not_a_crash() -> None:
    source = "const x = " + "[" * 3000 + "1" + "]" * 3000 + ";\ndb.query(x);\n"
    analysis = analyze_source(source, "deep.js")
    assert analysis.findings == ()
    assert analysis.skipped == "nesting too deep to analyse"


def test_valid_code_from_tokens_still_finds_injection() -> None:
    analysis = analyze_source("def f(cur, x):\n    cur.execute(f'SELECT {x}')\n", "ok.py")
    assert [(f.rule_id, f.line) for f in analysis.findings] == [("py-sqli-execute", 2)]
