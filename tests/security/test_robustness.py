"""Property-based tests: arbitrary input never crashes the scanner or the masker."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.core.redact import mask_secret
from buildrunner.security import mask_text, scan_bytes, scan_paths
from buildrunner.security.secrets.rules import BUILTIN_RULES

KEYWORDS = sorted({k for rule in BUILTIN_RULES for k in rule.keywords})
FRAGMENTS = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from([kw.upper() for kw in KEYWORDS]),
    st.sampled_from(["=", ":", '"', "'", "`", "\n", "\r\n", " ", "\\n", "-----", "@", "://"]),
    st.text(alphabet="ABCDEFabcdef0123456789+/_-.=", min_size=1, max_size=60),
    st.text(max_size=20),
)
CRAFTED = st.lists(FRAGMENTS, max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    report = scan_bytes(data)
    assert report.stats.files_scanned + report.stats.files_skipped == 1
    for finding in report.findings:
        assert finding.line >= 1
        assert finding.column >= 1
        assert finding.end_line >= finding.line


@settings(max_examples=300, deadline=None)
@given(CRAFTED)
def test_keyword_soup_never_crashes_and_masking_hides_what_is_found(text: str) -> None:
    report = scan_bytes(text.encode("utf-8", "surrogatepass"))
    masked = mask_text(text)
    assert isinstance(masked, str)
    assert len(report.findings) <= text.count("\n") + len(text)
    assert mask_text(masked) == masked  # a masked secret is not found again


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2048), st.text(alphabet="abc-_. ", min_size=1, max_size=12))
def test_arbitrary_files_never_crash_a_path_scan(tmp_path: Path, data: bytes, name: str) -> None:
    target = tmp_path / f"f{abs(hash((data, name))) % 10_000}{name.strip() or 'x'}"
    target.write_bytes(data)
    report = scan_paths([target], root=tmp_path, cwd=tmp_path)
    assert report.stats.files_scanned + report.stats.files_skipped == 1


def test_mask_secret_used_for_every_finding() -> None:
    assert mask_secret("x" * 40) == "xxxx…xxxx"
