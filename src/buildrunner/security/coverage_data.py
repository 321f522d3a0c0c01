"""Reading total coverage from the files test runs leave behind, through the `coverage` package.

Three inputs are understood: a Cobertura ``coverage.xml`` (``coverage xml``,
``pytest --cov-report=xml``, and most other languages' coverage tools), a coverage.py data
file (``.coverage``), and an LCOV trace (``lcov.info``, what istanbul/nyc, c8 and Jest write).
The `coverage` package is imported only when a ``.coverage`` file is read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from buildrunner.core.errors import InputError

DEFAULT_CANDIDATES = ("coverage.xml", ".coverage", "coverage/lcov.info", "lcov.info")
"""Looked for in the project root, in this order, when no coverage file is configured."""

HOW_TO_PRODUCE = (
    "run the tests under coverage first, e.g. `coverage run -m pytest && coverage xml` or "
    "`pytest --cov --cov-report=xml`, or set quality.coverage_file"
)


@dataclass(frozen=True, slots=True)
class CoverageTotal:
    """Total coverage of one report: percent covered and the counts behind it."""

    percent: float
    covered: int
    total: int
    source: Path
    kind: str  # "cobertura", "coverage.py" or "lcov"


class CoverageMissingError(InputError):
    """No coverage data where the quality gate looked."""


def find_coverage_file(root: Path, configured: str = "") -> Path:
    """The coverage file to read: `configured` (relative to `root`) or the first default."""
    if configured:
        path = Path(configured)
        path = path if path.is_absolute() else root / path
        if not path.exists():
            raise CoverageMissingError(f"coverage file {configured} not found", hint=HOW_TO_PRODUCE)
        return path
    for name in DEFAULT_CANDIDATES:
        if (root / name).is_file():
            return root / name
    raise CoverageMissingError(
        "no coverage data (looked for coverage.xml, .coverage and lcov.info)",
        hint=HOW_TO_PRODUCE,
    )


def read_coverage(path: Path) -> CoverageTotal:
    """Total coverage in `path`: Cobertura XML by content, otherwise a coverage.py data file."""
    try:
        head = path.read_bytes()[:512]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head.lstrip().startswith(b"<"):
        return _read_cobertura(path)
    if head.lstrip().startswith((b"TN:", b"SF:")):
        return _read_lcov(path)
    return _read_coverage_py(path)


def _read_lcov(path: Path) -> CoverageTotal:
    """Sum ``LF``/``LH`` (lines found/hit) and ``BRF``/``BRH`` (branches) over every record."""
    totals = {"LF": 0, "LH": 0, "BRF": 0, "BRH": 0}
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.strip().partition(":")
                if key in totals and value.isdigit():
                    totals[key] += int(value)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    covered = totals["LH"] + totals["BRH"]
    total = totals["LF"] + totals["BRF"]
    percent = 100.0 if total == 0 else covered * 100.0 / total
    return CoverageTotal(percent, covered, total, path, "lcov")


def _read_cobertura(path: Path) -> CoverageTotal:
    try:
        # The report is a local file written by the user's own test run.
        root = ElementTree.parse(path).getroot()  # noqa: S314
    except ElementTree.ParseError as exc:
        raise InputError(f"{path} is not a valid Cobertura XML report: {exc}") from exc
    if root.tag != "coverage":
        raise InputError(f"{path} is not a Cobertura report (root element <{root.tag}>)")
    lines_valid = _int(root.get("lines-valid"))
    lines_covered = _int(root.get("lines-covered"))
    branches_valid = _int(root.get("branches-valid"))
    branches_covered = _int(root.get("branches-covered"))
    if lines_valid is None or lines_covered is None:
        rate = _float(root.get("line-rate"))
        if rate is None:
            raise InputError(f"{path} has no line-rate or lines-valid attribute")
        return CoverageTotal(rate * 100.0, 0, 0, path, "cobertura")
    covered = lines_covered + (branches_covered or 0)
    total = lines_valid + (branches_valid or 0)
    percent = 100.0 if total == 0 else covered * 100.0 / total
    return CoverageTotal(percent, covered, total, path, "cobertura")


def _read_coverage_py(path: Path) -> CoverageTotal:
    import coverage
    from coverage.exceptions import CoverageException

    config_file: str | bool = False
    for candidate in (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml"):
        if (path.parent / candidate).is_file():
            config_file = str(path.parent / candidate)
            break
    try:
        cov = coverage.Coverage(data_file=str(path), config_file=config_file)
        cov.load()
        data = cov.get_data()
        if not data.measured_files():
            raise CoverageMissingError(f"{path} holds no measured files", hint=HOW_TO_PRODUCE)
        percent = cov.report(file=io.StringIO(), ignore_errors=True)
    except CoverageException as exc:
        raise InputError(f"cannot read coverage data {path}: {exc}") from exc
    except Exception as exc:  # sqlite3.DatabaseError and friends for a damaged file
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path} is not a coverage.py data file: {exc}") from exc
    return CoverageTotal(float(percent), 0, 0, path, "coverage.py")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
