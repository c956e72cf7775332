"""The command line: ``python -m experiments [list | [run] [NAME...] [options]]``.

    python -m experiments                      # everything, both backends -> out/
    python -m experiments --out DIR --quick    # everything, with run's options (``run`` may be left out)
    python -m experiments list
    python -m experiments run NAME... [--backend scratchnet|torch|both]
                                      [--device auto|cpu|cuda] [--out DIR] [--quick]
                                      [--seed N] [--no-plots] [--jobs N]
    python -m experiments benchmark [--quick] [--out DIR] [--threads N] ...

NAME may be a shell pattern (``'ch15_*'``). ``--jobs N`` runs N experiments at
a time in worker processes (default: one per core; ``--jobs 1`` runs them in
this process, one after another); every experiment gets one thread, so the
results are the same whatever N (:mod:`experiments.runner`). Each experiment's
tables are printed as it finishes and the progress bar counts the finished
ones; ``OUT/REPORT.md``, ``OUT/claims.json`` and ``OUT/summary.json`` are
written at the end, in registry order. The exit status is 1 if any
experiment failed (the others still run and are reported).

``benchmark`` times one epoch of MLP training in scratchnet, PyTorch and
scikit-learn (:mod:`experiments.benchmark`; its options are passed on) and
writes ``OUT/benchmark.json``, ``OUT/benchmark.md`` and a plot; the report
includes ``benchmark.md`` when it is there. It is not part of the main job.
"""

from __future__ import annotations

import argparse
import fnmatch
import pathlib
import sys
import time

from tqdm import tqdm

from .base import BACKENDS
from .registry import load
from .report import Entry, write_report
from .runner import Settings, default_jobs, run_all, start_workers_early


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m experiments",
                                description="The lectures' results on scratchnet and PyTorch, with an audit.")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("list", help="list the experiments")
    run = sub.add_parser("run", help="run experiments (all when no NAME is given)")
    run.add_argument("names", nargs="*", metavar="NAME", help="experiment names or shell patterns")
    run.add_argument("--backend", choices=["scratchnet", "torch", "both"], default="both")
    run.add_argument("--device", default="auto", help="auto (default), cpu or cuda: where torch runs")
    run.add_argument("--out", default="out", type=pathlib.Path, help="output folder (default: out/)")
    run.add_argument("--quick", action="store_true", help="seconds in total (for tests)")
    run.add_argument("--seed", type=int, default=0, help="seed of what the lectures leave unseeded")
    run.add_argument("--no-plots", dest="plots", action="store_false", help="skip drawing the PNG figures")
    run.add_argument("--jobs", type=_positive, default=None, metavar="N",
                     help=f"experiments run at a time, in worker processes (default: the cores, {default_jobs()})")
    sub.add_parser("benchmark", add_help=False,
                   help="time scratchnet, PyTorch and scikit-learn training (python -m experiments benchmark --help)")
    p.run_parser = run  # for run's usage errors (see _check_device)
    p.epilog = "Without a command, the arguments are run's: `python -m experiments --quick` runs everything quickly."
    return p


COMMANDS = ("list", "run", "benchmark")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value}")
    return value


def _check_device(parser: argparse.ArgumentParser, device: str) -> None:
    """A clean usage error (exit 2) for a device torch cannot use here, naming those it can."""
    from torch_ref.device import available_devices, resolve_device

    try:
        resolve_device(device)
    except (RuntimeError, ValueError) as exc:
        reason = "no CUDA GPU is available here" if "CUDA" in str(exc) else "not a device"
        parser.error(f"argument --device: {device!r}: {reason}; available: auto, {', '.join(available_devices())}")


def select(registry, names: list[str]) -> list:
    """The experiments named (patterns allowed), in registry order."""
    if not names:
        return list(registry.values())
    chosen = []
    for name in names:
        hits = [n for n in registry if fnmatch.fnmatchcase(n, name)]
        if not hits:
            raise SystemExit(f"unknown experiment {name!r}; `python -m experiments list` shows them all")
        chosen += [h for h in hits if h not in chosen]
    return [e for n, e in registry.items() if n in chosen]


def run(names: list[str], backend: str = "both", device: str = "auto", out: pathlib.Path = pathlib.Path("out"),
        quick: bool = False, seed: int = 0, progress: bool = True, plots: bool = True,
        jobs: int | None = None) -> list[Entry]:
    """Run the experiments (``jobs`` at a time, default one per core), print their
    tables, write every file; return the entries, in registry order."""
    jobs = default_jobs() if jobs is None else jobs
    start = time.perf_counter()
    if not names or len(names) > 1 or any(c in n for n in names for c in "*?["):
        start_workers_early(jobs)   # several experiments: the workers' imports overlap this process's
    from torch_ref.device import resolve_device

    registry = load()
    chosen = select(registry, names)
    backends = BACKENDS if backend == "both" else (backend,)
    settings = Settings(backends=backends, device=resolve_device(device).type, quick=quick, seed=seed, plots=plots)
    out = pathlib.Path(out)
    entries = run_all(chosen, settings, out, jobs=jobs, progress=progress)
    total = time.perf_counter() - start
    paths = write_report(out, entries, total)
    tqdm.write(f"\n{len(entries)} experiments in {total:.1f} s ({min(jobs, len(entries))} at a time); "
               f"report: {paths['report']}")
    return entries


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["benchmark"]:  # its own options, parsed by its own parser
        from .benchmark import main as benchmark_main

        return benchmark_main(argv[1:])
    if not argv or argv[0] not in COMMANDS + ("-h", "--help"):
        argv = ["run", *argv]  # the main job: `python -m experiments [NAME...] [options]` is `run`
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        registry = load()
        width = max((len(n) for n in registry), default=0)
        for name, exp in registry.items():
            print(f"{name:<{width}}  {exp.lecture}: {exp.title}")
        return 0
    _check_device(parser.run_parser, args.device)
    entries = run(args.names, args.backend, args.device, args.out, args.quick, args.seed, plots=args.plots,
                  jobs=args.jobs)
    return 1 if any(e.result is None for e in entries) else 0
