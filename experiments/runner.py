"""Running experiments: in this process (``--jobs 1``) or in worker processes (``--jobs N``).

Every experiment runs with **one** BLAS/OpenMP thread and **one** torch thread,
wherever it runs. The lectures' matrices are tiny (at most 1797 × 64): threads
only add the cost of waking them — on a loaded 2-core machine a 288 × 64 @ 64 × 32
product took ~4 ms instead of ~0.05 ms, and torch's default threads slowed one
small-batch fit from 3.5 s to 78 s — and N workers with a default thread pool
each would oversubscribe the cores. The parallelism is across experiments: N
workers, each running one experiment at a time.

So the numbers do not depend on ``--jobs``: each experiment computes the same
result, bit for bit, in whichever process and in whatever order it runs (none
reads a random stream another one leaves behind — each seeds its own), and the
report lists the experiments in registry order, not in the order they finish.
Only the wall-clock timings differ.

Workers are started by ``multiprocessing``'s "forkserver" method where there is
one (Linux, macOS; "spawn" elsewhere): a server process imports the experiments
once and forks each worker from it, so the workers do not import them again and
none inherits a live thread pool or CUDA context from the main process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pathlib
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from tqdm import tqdm

from .base import Context, Experiment
from .report import Entry, console, write_result

#: Threads per experiment (BLAS, OpenMP and torch's intra-op pool): see the module docstring.
THREADS = 1


def default_jobs() -> int:
    """The cores this process may use (``os.sched_getaffinity`` where there is one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def limited_threads(threads: int = THREADS):
    """BLAS and OpenMP (threadpoolctl) and torch's intra-op pool limited to ``threads``;
    the caller's settings are restored afterwards."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class Settings:
    """What every experiment of one run shares (everything of :class:`Context` but ``out``)."""

    backends: tuple[str, ...]
    device: str
    quick: bool
    seed: int
    plots: bool

    def context(self, out, name: str) -> Context:
        ctx = Context(backends=self.backends, device=self.device, out=out / name, quick=self.quick, seed=self.seed,
                      plots=self.plots)
        ctx.out.mkdir(parents=True, exist_ok=True)
        return ctx


def run_one(exp: Experiment, settings: Settings, out) -> tuple[Entry, str | None]:
    """Run one experiment (:data:`THREADS` threads) and write its ``result.json``.

    Returns the entry and, if it failed, the traceback (the entry then holds the error:
    one failure must not hide the other results)."""
    from torch_ref.device import exact_float32_matmul

    exact_float32_matmul()
    ctx = settings.context(out, exp.name)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        with limited_threads():
            result = exp.run(ctx)
        result.figures = [f for f in result.figures if f is not None]
        entry = Entry(exp, ctx, result, time.perf_counter() - t0, cpu_seconds=time.process_time() - c0)
        write_result(entry)
        return entry, None
    except Exception as exc:  # noqa: BLE001 - reported with the others
        return Entry(exp, ctx, None, time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}",
                     cpu_seconds=time.process_time() - c0), traceback.format_exc()


# -- worker processes ---------------------------------------------------------------------------
_REGISTRY: dict = {}


def _start_worker() -> None:
    """A worker's set-up: the registry (every experiment module imported once)."""
    from .registry import load

    _REGISTRY.update(load())


def _work(name: str, settings: Settings, out):
    """Run ``name`` in a worker; what comes back must pickle: the result, not the Experiment."""
    entry, trace = run_one(_REGISTRY[name], settings, out)
    return name, entry.result, entry.seconds, entry.cpu_seconds, entry.error, trace


def _context():
    """forkserver (where there is one) with every experiment module preloaded: the server
    imports torch, scikit-learn, matplotlib and the experiments once (~3 s of CPU), and each
    worker forked from it starts with them imported; spawn elsewhere."""
    from .registry import MODULES

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["experiments.runner", "experiments.registry", *MODULES])
    return ctx


def start_workers_early(jobs: int) -> None:
    """Start the fork server now (with ``jobs`` > 1), so that it imports the experiments
    while this process imports them to select them: on two cores the two imports overlap
    instead of following each other (~3 s of the main job's wall time)."""
    if jobs > 1:
        ctx = _context()
        if ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()


def run_all(chosen: list[Experiment], settings: Settings, out, *, jobs: int, progress: bool = True) -> list[Entry]:
    """Run ``chosen`` with up to ``jobs`` worker processes (``jobs=1``: here, one after
    another), print each experiment's tables as it finishes, and return the entries in
    the order of ``chosen`` (whatever order they finished in)."""
    jobs = max(1, min(jobs, len(chosen)))
    bar = tqdm(total=len(chosen), desc="experiments", unit="exp", disable=not progress, file=sys.stderr)
    entries: dict[str, Entry] = {}

    def finished(entry: Entry, trace: str | None) -> None:
        entries[entry.experiment.name] = entry
        if trace:
            tqdm.write(trace, file=sys.stderr)
        tqdm.write(console(entry))
        bar.set_postfix_str(entry.experiment.name)
        bar.update(1)

    try:
        if jobs == 1:
            for exp in chosen:
                finished(*run_one(exp, settings, out))
        else:
            _run_in_workers(chosen, settings, out, jobs, finished)
    finally:
        bar.close()
    return [entries[e.name] for e in chosen]


def longest_first(chosen: list[Experiment], out) -> list[Experiment]:
    """The order to hand experiments to the workers: the longest first, so that no long one
    starts last while the other workers idle. "Longest" is what a previous run into ``out``
    recorded (``summary.json``), the larger of its wall and CPU seconds: an experiment whose
    work runs in subprocesses (check_lecture_code's planted bugs) shows almost no CPU time
    of its own, but its wall time. Without a previous run, and for an experiment the last
    run did not run, the experiments registered ``slow=True`` go first. Ties keep registry
    order. Only the wall time depends on this order: the results do not, and the report
    keeps registry order."""
    import json

    try:
        timings = json.loads((pathlib.Path(out) / "summary.json").read_text())["timings"]
        took = [timings.get("seconds") or {}, timings.get("cpu_seconds") or {}]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return sorted(chosen, key=lambda e: not e.slow)   # stable: registry order otherwise
    known = {}
    for seconds in took:
        for name, s in seconds.items():
            if isinstance(s, (int, float)):
                known[name] = max(known.get(name, 0.0), float(s))
    default = {True: float("inf"), False: 0.0}   # an unknown slow one first, an unknown other one last
    return sorted(chosen, key=lambda e: -known.get(e.name, default[e.slow]))  # stable


def _run_in_workers(chosen, settings, out, jobs, finished) -> None:
    """The experiments of the registry's modules in ``jobs`` workers; any other (one
    registered at run time, as the tests do, which a worker cannot import) here, meanwhile."""
    from .registry import MODULES

    by_name = {e.name: e for e in chosen}
    portable = [e for e in chosen if e.module in MODULES]
    if not portable:
        for exp in chosen:
            finished(*run_one(exp, settings, out))
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(portable)), mp_context=_context(),
                               initializer=_start_worker)
    try:
        futures = {pool.submit(_work, e.name, settings, out): e.name for e in longest_first(portable, out)}
        for exp in chosen:
            if exp.module not in MODULES:
                finished(*run_one(exp, settings, out))
        for future in as_completed(futures):
            name = futures[future]
            try:
                _, result, seconds, cpu, error, trace = future.result()
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory): the rest cannot run
                result, seconds, cpu, error, trace = None, 0.0, None, f"worker process died: {exc}", None
            ctx = settings.context(out, name)
            finished(Entry(by_name[name], ctx, result, seconds, error=error, cpu_seconds=cpu), trace)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
