"""The scan pipeline: inputs -> sources -> analyzers -> suppression -> baseline -> report.

Every input mode (paths, stdin, the index, history, a branch range) turns its input into
:class:`~buildrunner.security.analyzers.Source` objects and runs them through one
:class:`Engine`, so suppression, allowlists, line mapping and fingerprints work the same for
every kind of finding. Large path scans run in worker processes (``--jobs``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildrunner.core.errors import BuildRunnerError
from buildrunner.security.analyzers import Analyzer, Source, SourceSkippedError, select_analyzers
from buildrunner.security.catalog import RuleInfo
from buildrunner.security.files import (
    FileTarget,
    PathFilter,
    discover,
    is_binary_name,
    read_target,
)
from buildrunner.security.findings import Finding, fingerprint
from buildrunner.security.gitdiff import (
    FileChange,
    history_changes,
    range_changes,
    read_blobs,
    staged_changes,
)
from buildrunner.security.options import ScanOptions
from buildrunner.security.report import (
    SKIP_BINARY,
    SKIP_EXCLUDED,
    SKIP_TOO_LARGE,
    ScanReport,
    ScanStats,
    SkippedFile,
)
from buildrunner.security.suppression import is_suppressed

if TYPE_CHECKING:
    from buildrunner.security.baseline import Baseline

Clock = Callable[[], float]


class ScanError(BuildRunnerError):
    """A scan could not complete (a worker process died)."""


logger = logging.getLogger("buildrunner.security")

PARALLEL_MIN_BYTES = 4 * 1024 * 1024
"""Below this much text a scan stays in one process (starting workers costs more)."""
PARALLEL_MIN_FILES = 64
BATCHES_PER_WORKER = 4


@dataclass
class Partial:
    """What scanning some sources produced (merged across workers)."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    suppressed: int = 0

    def merge(self, other: Partial) -> None:
        self.findings.extend(other.findings)
        self.skipped.extend(other.skipped)
        self.files += other.files
        self.bytes += other.bytes
        self.suppressed += other.suppressed


class Engine:
    """The selected analyzers with the scan's options: turns a source into findings."""

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self.analyzers: list[Analyzer] = [
            spec.load(options) for spec in select_analyzers(options.analyzers)
        ]
        self.path_filter = PathFilter(
            options.exclude_paths, default_excludes=options.default_excludes
        )
        self._disabled = frozenset(options.disabled_rules)

    @property
    def needs_full_text(self) -> bool:
        return any(a.needs_full_text for a in self.analyzers)

    def wants_full_text(self, partial: Source) -> bool:
        """Whether an analyzer needs the whole file behind `partial` (the added lines).

        An analyzer may answer no for a file it does not read or whose added lines cannot
        hold a finding (optional method ``wants_full_text(partial)``); then the blob is not
        read from git at all.
        """
        for analyzer in self.analyzers:
            if not analyzer.needs_full_text or not analyzer.applies_to(partial.key_path):
                continue
            wants = getattr(analyzer, "wants_full_text", None)
            if wants is None or wants(partial):
                return True
        return False

    def rules(self) -> dict[str, RuleInfo]:
        return {info.id: info for a in self.analyzers for info in a.rules()}

    def analyze(
        self, source: Source, skipped: list[SkippedFile] | None = None
    ) -> tuple[list[Finding], int]:
        """Findings of every analyzer on `source` (mapped, filtered) and how many were
        suppressed inline. An analyzer that cannot read the source adds it to `skipped`."""
        kept: list[Finding] = []
        suppressed = 0
        for analyzer in self.analyzers:
            if not analyzer.applies_to(source.key_path):
                continue
            target = source
            if analyzer.needs_full_text and source.is_partial:
                if source.full is None:
                    continue
                target = source.full
            try:
                found = analyzer.analyze(target)
            except SourceSkippedError as exc:
                if skipped is not None:
                    skipped.append(SkippedFile(source.path, exc.reason))
                continue
            for finding in found:
                if finding.rule_id in self._disabled:
                    continue
                markers = analyzer.suppression_markers
                if is_suppressed(target.line_text, finding.line, finding.end_line, markers):
                    suppressed += 1
                    continue
                line = target.file_line(finding.line)
                end_line = target.file_line(finding.end_line)
                changed = target.changed_lines
                if changed is not None and not any(n in changed for n in range(line, end_line + 1)):
                    continue
                if finding.related_line:
                    finding = replace(finding, related_line=target.file_line(finding.related_line))
                kept.append(_finalize(finding, source, line, end_line))
        return kept, suppressed

    def scan_source(self, source: Source) -> Partial:
        skipped: list[SkippedFile] = []
        findings, suppressed = self.analyze(source, skipped)
        return Partial(findings, skipped, 1, len(source.data), suppressed)


def _finalize(finding: Finding, source: Source, line: int, end_line: int) -> Finding:
    content = finding.content_hash or finding.masked
    return replace(
        finding,
        path=source.path,
        key_path=source.key_path,
        line=line,
        end_line=max(end_line, line),
        commit=source.commit,
        fingerprint=finding.fingerprint or fingerprint(finding.rule_id, source.key_path, content),
    )


def scan_targets(engine: Engine, targets: Iterable[FileTarget]) -> Partial:
    """Read and analyze files (in the current process)."""
    result = Partial()
    max_size = engine.options.max_file_size
    for target in targets:
        data = read_target(target, max_size)
        if isinstance(data, SkippedFile):
            result.skipped.append(data)
            continue
        result.merge(engine.scan_source(Source(data, path=target.display, key_path=target.key)))
    return result


_WORKER_ENGINE: Engine | None = None


def _init_worker(options: ScanOptions) -> None:
    global _WORKER_ENGINE
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER_ENGINE = Engine(options)


def _scan_batch(batch: list[FileTarget]) -> Partial:
    if _WORKER_ENGINE is None:  # pragma: no cover - the pool initializer always runs first
        raise RuntimeError("scan worker used before its initializer ran")
    return scan_targets(_WORKER_ENGINE, batch)


def _batches(targets: Sequence[FileTarget], count: int) -> list[list[FileTarget]]:
    """Split files into `count` batches of similar total size (largest first, greedy)."""
    batches: list[list[FileTarget]] = [[] for _ in range(count)]
    sizes = [0] * count
    for target in sorted(targets, key=lambda t: t.size, reverse=True):
        index = sizes.index(min(sizes))
        batches[index].append(target)
        sizes[index] += target.size
    return [batch for batch in batches if batch]


def _scan_parallel(engine: Engine, targets: Sequence[FileTarget], workers: int) -> Partial:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_all_start_methods, get_context

    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    result = Partial()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context(method),
        initializer=_init_worker,
        initargs=(engine.options,),
    )
    try:
        for part in pool.map(_scan_batch, _batches(targets, workers * BATCHES_PER_WORKER)):
            result.merge(part)
    except BrokenProcessPool as exc:
        pool.shutdown(wait=False, cancel_futures=True)
        raise ScanError(
            "a scan worker process stopped unexpectedly (killed or out of memory)",
            hint="run again, or with --jobs 1",
        ) from exc
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return result


def _report(
    engine: Engine,
    result: Partial,
    *,
    root: Path,
    mode: str,
    started: float,
    clock: Clock,
    baseline: Baseline | None,
) -> ScanReport:
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    baselined = 0
    if baseline is not None:
        findings, baselined = baseline.filter(findings)
    stats = ScanStats(
        files_scanned=result.files,
        files_skipped=len(result.skipped),
        bytes_scanned=result.bytes,
        duration_ms=round((clock() - started) * 1000),
    )
    for skipped in result.skipped:
        logger.debug("skipped %s: %s %s", skipped.path, skipped.reason, skipped.detail)
    for finding in findings:
        logger.debug(
            "finding %s %s:%d %s", finding.rule_id, finding.path, finding.line, finding.masked
        )
    logger.info(
        "%s scan: %d new findings, %d baselined, %d suppressed, %d files, %d skipped, %d ms",
        mode,
        len(findings),
        baselined,
        result.suppressed,
        stats.files_scanned,
        stats.files_skipped,
        stats.duration_ms,
    )
    return ScanReport(
        findings=tuple(findings),
        stats=stats,
        skipped=tuple(sorted(result.skipped, key=lambda s: s.path)),
        suppressed=result.suppressed,
        baselined=baselined,
        rules=engine.rules(),
        root=str(root),
        mode=mode,
    )


def _baseline(options: ScanOptions) -> Baseline | None:
    if options.baseline is None or not options.baseline.is_file():
        return None
    from buildrunner.security.baseline import load_baseline

    return load_baseline(options.baseline)


def scan_paths(
    paths: Sequence[Path | str],
    *,
    root: Path,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    clock: Clock = time.perf_counter,
) -> ScanReport:
    """Scan files and directories (see :mod:`buildrunner.security.files` for what is read)."""
    started = clock()
    options = options or ScanOptions()
    cwd = cwd or Path(os.getcwd())
    engine = Engine(options)
    baseline = _baseline(options)
    targets, skipped = discover(
        paths or [cwd],
        root=root,
        cwd=cwd,
        max_size=options.max_file_size,
        path_filter=engine.path_filter,
    )
    workers = min(options.worker_count, max(1, len(targets) // 8))
    total = sum(t.size for t in targets)
    if workers > 1 and total >= PARALLEL_MIN_BYTES and len(targets) >= PARALLEL_MIN_FILES:
        result = _scan_parallel(engine, targets, workers)
    else:
        result = scan_targets(engine, targets)
    result.skipped.extend(skipped)
    return _report(
        engine, result, root=root, mode="paths", started=started, clock=clock, baseline=baseline
    )


def scan_bytes(
    data: bytes,
    *,
    path: str = "<stdin>",
    root: Path | None = None,
    options: ScanOptions | None = None,
    clock: Clock = time.perf_counter,
) -> ScanReport:
    """Scan one text given as bytes (standard input); `path` names it in the report."""
    from buildrunner.security.files import prepare_text

    started = clock()
    options = options or ScanOptions()
    engine = Engine(options)
    result = Partial()
    text = prepare_text(data[: options.max_file_size + 1])
    if len(data) > options.max_file_size:
        result.skipped.append(SkippedFile(path, SKIP_TOO_LARGE))
    elif text is None:
        result.skipped.append(SkippedFile(path, SKIP_BINARY))
    else:
        result.merge(engine.scan_source(Source(text, path=path, key_path=path)))
    return _report(
        engine,
        result,
        root=root or Path(os.getcwd()),
        mode="stdin",
        started=started,
        clock=clock,
        baseline=_baseline(options),
    )


def _change_sources(
    engine: Engine,
    repo: Path,
    cwd: Path,
    changes: Iterable[FileChange],
    *,
    blob_prefix: Callable[[FileChange], str] | None,
) -> Partial:
    """Scan the added lines of each change (and whole blobs for analyzers that need them)."""
    result = Partial()
    max_size = engine.options.max_file_size
    pending: list[tuple[FileChange, Source]] = []
    repo_abs = os.path.abspath(repo)
    cwd_abs = os.path.abspath(cwd)
    for change in changes:
        display = _display(repo_abs, cwd_abs, change.path)
        reason = engine.path_filter.reason(change.path)
        if reason is not None:
            result.skipped.append(SkippedFile(display, SKIP_EXCLUDED, reason))
            continue
        if change.binary or is_binary_name(change.path):
            result.skipped.append(SkippedFile(display, SKIP_BINARY))
            continue
        if not change.lines:
            continue
        if change.size > max_size:
            result.skipped.append(SkippedFile(display, SKIP_TOO_LARGE))
            continue
        source = Source(
            change.text(),
            path=display,
            key_path=change.path,
            line_map=change.numbers,
            commit=change.commit,
        )
        if engine.needs_full_text and blob_prefix is not None and engine.wants_full_text(source):
            pending.append((change, source))
        else:
            result.merge(engine.scan_source(source))
    if pending and blob_prefix is not None:
        specs = [f"{blob_prefix(change)}:{change.path}" for change, _ in pending]
        blobs = read_blobs(repo, specs)
        for (change, source), spec in zip(pending, specs, strict=True):
            blob = blobs.get(spec)
            if blob is not None and len(blob) <= max_size and b"\0" not in blob[:8192]:
                source.full = Source(
                    blob,
                    path=source.path,
                    key_path=source.key_path,
                    changed_lines=frozenset(change.numbers),
                    commit=change.commit,
                )
            result.merge(engine.scan_source(source))
    return result


def _display(repo: str, cwd: str, key: str) -> str:
    absolute = os.path.join(repo, key)
    if absolute.startswith(cwd + os.sep):
        return absolute[len(cwd) + 1 :].replace(os.sep, "/")
    return os.path.relpath(absolute, cwd).replace(os.sep, "/")


def scan_staged(
    repo: Path,
    *,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    clock: Clock = time.perf_counter,
) -> ScanReport:
    """Scan what the index adds: the lines a commit made now would add (reads git, never
    the working tree)."""
    started = clock()
    options = options or ScanOptions()
    engine = Engine(options)
    changes = staged_changes(repo)
    result = _change_sources(engine, repo, cwd or repo, changes, blob_prefix=lambda _c: "")
    return _report(
        engine,
        result,
        root=repo,
        mode="staged",
        started=started,
        clock=clock,
        baseline=_baseline(options),
    )


def scan_history(
    repo: Path,
    rev_range: str | None = None,
    *,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    clock: Clock = time.perf_counter,
) -> ScanReport:
    """Scan the lines each commit of `rev_range` added (default: HEAD's whole history);
    findings carry the commit id."""
    started = clock()
    options = options or ScanOptions()
    engine = Engine(options)
    changes = history_changes(repo, rev_range)
    result = _change_sources(
        engine, repo, cwd or repo, changes, blob_prefix=lambda c: c.commit or "HEAD"
    )
    return _report(
        engine,
        result,
        root=repo,
        mode="history",
        started=started,
        clock=clock,
        baseline=_baseline(options),
    )


def scan_diff(
    repo: Path,
    base: str,
    head: str = "HEAD",
    *,
    cwd: Path | None = None,
    options: ScanOptions | None = None,
    clock: Clock = time.perf_counter,
) -> ScanReport:
    """Scan what `head` added since it forked from `base` (``base...head``): the merge gate
    for a task branch."""
    started = clock()
    options = options or ScanOptions()
    engine = Engine(options)
    changes = range_changes(repo, base, head)
    result = _change_sources(engine, repo, cwd or repo, changes, blob_prefix=lambda _c: head)
    return _report(
        engine,
        result,
        root=repo,
        mode="diff",
        started=started,
        clock=clock,
        baseline=_baseline(options),
    )
