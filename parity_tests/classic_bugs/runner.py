"""Planting each bug into a temporary copy of the repository and running the
parity tests that can catch it; and checking the hand-written variants with
``torch_ref.check``.

The suite side, per bug: copy what the parity suite needs (``COPIED``: the
packages, ``pyproject.toml`` for the suite's pytest settings, and the pytest
plugin module ``pytest_torch_ref.py``) into a temporary folder, apply the bug's edits there (refused loudly if an old text
is missing), and run the bug's parity tests on that copy with ``-x``, in a
process of its own with one thread (BLAS and torch). The first failing test is
the one that catches it; a bug none of its tests catches is reported as
*not caught*. A baseline run of every test the catalogue names, on an
unplanted copy, must pass first — otherwise "caught" would mean nothing.

Speed: the worker processes are forked from a *forkserver* that has
imported torch, NumPy, pytest and hypothesis but run nothing (fork-safe:
no thread pool exists yet), so a plant costs its tests plus re-importing
the project's own pure-Python modules from the copy — not a fresh
interpreter and torch import each time; each worker freezes the inherited
heap (``gc.freeze``) so that pytest's garbage collections skip it. Where forkserver is unavailable
(Windows) plain ``spawn`` is used, slower but the same.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import pathlib
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

from .edits import Edit, PlantError, apply_edits

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: What a copy of the repository needs for the parity suite to run on it.
COPIED = ("scratchnet", "torch_ref", "parity_tests", "pyproject.toml", "pytest_torch_ref.py")
#: The project's own modules: dropped from sys.modules in a worker, re-imported from the copy.
PROJECT = ("scratchnet", "torch_ref", "parity_tests", "experiments", "pytest_torch_ref")
#: Loaded by the forkserver before any worker is forked (imported, never run: fork-safe; none
#: of them starts a thread on import). torch._dynamo is what torch.optim imports on its first
#: step (1.2 s of CPU), so it is paid once here instead of once per optimizer plant.
PRELOAD = ["numpy", "torch", "torch.optim", "torch._dynamo", "pytest", "hypothesis", "tabulate"]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class SuiteResult:
    """What the parity suite said about one plant (or the baseline)."""

    bug: str
    caught: bool
    test: str | None = None        # the first failing test
    message: str = ""              # its assertion / error, one line
    passed: int = 0                # tests that passed before it
    error: str | None = None       # the plant could not be run (e.g. an old text missing)
    cpu: float = 0.0               # the worker's CPU seconds (cli.run sums them)
    failed: list = field(default_factory=list)


def copy_tree(dest: pathlib.Path, root: pathlib.Path = ROOT) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / name)


class _Collector:
    """A pytest plugin recording what failed (and setting torch's threads after the conftests ran)."""

    def __init__(self):
        self.failed, self.passed = [], 0

    def pytest_collection_finish(self, session):
        import torch

        torch.set_num_threads(1)  # parity_tests/conftest.py sets 2; workers run side by side

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed.append((report.nodeid or "collection", _one_line(report)))

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.append((report.nodeid, _one_line(report)))
        elif report.passed and report.when == "call":
            self.passed += 1


def _one_line(report) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    text = " ".join(text.split())
    return text[:300]


def _purge_project_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in PROJECT:
            del sys.modules[name]


def run_plant(bug: str, edits: list[Edit], tests: list[str], root: str = str(ROOT), exitfirst: bool = True) -> SuiteResult:
    """In this (worker) process: plant ``edits`` into a copy of ``root`` and run ``tests`` there."""
    import gc

    import pytest

    # pytest collects garbage several times per session; the heap inherited from the
    # forkserver (torch's) is never garbage, and walking it cost 0.3 s per plant.
    gc.freeze()
    cpu = time.process_time()
    result = SuiteResult(bug, caught=False)
    cwd, path = os.getcwd(), list(sys.path)
    with tempfile.TemporaryDirectory(prefix=f"classic-bug-{bug}-") as tmp:
        tmp_path = pathlib.Path(tmp)
        try:
            copy_tree(tmp_path, pathlib.Path(root))
            apply_edits(tmp_path, edits)
        except PlantError as exc:
            result.error = f"PlantError: {exc}"
            return result
        _purge_project_modules()
        sys.path.insert(0, tmp)
        os.chdir(tmp)
        try:
            import scratchnet

            if not pathlib.Path(scratchnet.__file__).resolve().is_relative_to(tmp_path.resolve()):
                result.error = f"scratchnet was imported from {scratchnet.__file__}, not from the planted copy"
                return result
            collector = _Collector()
            args = [*tests, "-q", "-p", "no:cacheprovider", "--rootdir", tmp, "-c", str(tmp_path / "pyproject.toml"),
                    "-o", "addopts=--strict-markers"]
            if exitfirst:
                args.append("-x")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = pytest.main(args, plugins=[collector])
            result.passed = collector.passed
            result.failed = collector.failed
            if collector.failed:
                result.caught = True
                result.test, result.message = collector.failed[0]
            elif int(code) not in (0, 1):
                result.error = f"pytest exited with {int(code)} (no tests ran? usage error?)"
        finally:
            os.chdir(cwd)
            sys.path[:] = path
            _purge_project_modules()
    result.cpu = time.process_time() - cpu
    return result


def _job(args) -> dict:
    """A worker's task. Returns a plain dict: the worker re-imports the project's modules
    from the copy, so its classes are not the parent's (pickling them back would fail)."""
    try:
        return asdict(run_plant(*args))
    except Exception as exc:  # noqa: BLE001 - reported, never hidden
        return asdict(SuiteResult(args[0], caught=False, error=f"{type(exc).__name__}: {exc}"))


def _context():
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def default_jobs() -> int:
    """Plants run at a time unless told: two (each worker has one thread), or one on one core."""
    return min(2, os.cpu_count() or 1)


def run_suite(bugs, *, jobs: int | None = None, baseline: bool = True) -> tuple[SuiteResult | None, list[SuiteResult]]:
    """Plant every bug of ``bugs`` and run its tests, ``jobs`` at a time (default
    :func:`default_jobs`); with ``baseline``, first run every test they name on an
    unplanted copy. Returns (baseline result, results in ``bugs``' order)."""
    bugs = list(bugs)
    jobs = jobs or default_jobs()
    saved = {v: os.environ.get(v) for v in THREAD_VARIABLES}
    os.environ.update({v: "1" for v in THREAD_VARIABLES})  # inherited by the forkserver and every worker
    try:
        ctx = _context()
        tasks = []
        if baseline:
            union = sorted({t for bug in bugs for t in bug.tests})
            tasks.append(("(baseline: no plant)", [], union, str(ROOT), False))
        tasks += [(bug.id, list(bug.plant), list(bug.tests), str(ROOT), True) for bug in bugs]
        with ctx.Pool(processes=jobs, maxtasksperchild=1) as pool:
            results = [SuiteResult(**r) for r in pool.map(_job, tasks, chunksize=1)]
    finally:
        for v, value in saved.items():
            if value is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = value
    if baseline:
        return results[0], results[1:]
    return None, results


@dataclass
class HarnessResult:
    """What torch_ref.check said about one hand-written variant."""

    bug: str
    ok: bool                 # flagged on the expected tensor, with every expected word
    tensor: str | None       # the first failing row
    diagnosis: str
    report: object = None


def run_harness(bug) -> HarnessResult:
    from . import harness

    report = harness.run(bug.scenario, bug.hand, **bug.scenario_kwargs)
    first = report.first_failure
    diagnosis = (first.diagnosis or "") if first is not None else ""
    ok = first is not None and first.name == bug.tensor and all(w in diagnosis for w in bug.says)
    return HarnessResult(bug.id, ok, first.name if first else None, diagnosis, report)
