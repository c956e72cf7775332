"""The command line: ``python -m experiments [list | [run] [NAME...] [options]]``.

    python -m experiments                      # everything, both backends -> out/
    python -m experiments --out DIR --quick    # everything, with run's options (``run`` may be left out)
    python -m experiments list
    python -m experiments run NAME... [--backend scratchnet|torch|both]
                                      [--device auto|cpu|cuda] [--out DIR] [--quick]
                                      [--seed N] [--no-plots]
    python -m experiments benchmark [--quick] [--out DIR] [--threads N] ...

NAME may be a shell pattern (``'ch15_*'``). Each experiment's tables are
printed as it finishes; ``OUT/REPORT.md``, ``OUT/claims.json`` and
``OUT/summary.json`` are written at the end. The exit status is 1 if any
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
import traceback

from tqdm import tqdm

from .base import BACKENDS, Context
from .registry import load
from .report import Entry, console, write_report, write_result


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
    sub.add_parser("benchmark", add_help=False,
                   help="time scratchnet, PyTorch and scikit-learn training (python -m experiments benchmark --help)")
    p.run_parser = run  # for run's usage errors (see _check_device)
    p.epilog = "Without a command, the arguments are run's: `python -m experiments --quick` runs everything quickly."
    return p


COMMANDS = ("list", "run", "benchmark")


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
        quick: bool = False, seed: int = 0, progress: bool = True, plots: bool = True) -> list[Entry]:
    """Run the experiments, print their tables, write every file; return the entries."""
    import torch

    from .common import set_threads

    threads = torch.get_num_threads()
    set_threads()
    try:
        return _run(names, backend, device, out, quick, seed, progress, plots)
    finally:
        torch.set_num_threads(threads)  # leave the caller's setting (e.g. the test session's) as found


def _run(names, backend, device, out, quick, seed, progress, plots) -> list[Entry]:
    from torch_ref.device import exact_float32_matmul, resolve_device

    exact_float32_matmul()
    registry = load()
    chosen = select(registry, names)
    backends = BACKENDS if backend == "both" else (backend,)
    dev = resolve_device(device).type
    out = pathlib.Path(out)
    entries: list[Entry] = []
    start = time.perf_counter()
    bar = tqdm(chosen, desc="experiments", unit="exp", disable=not progress, file=sys.stderr)
    for exp in bar:
        bar.set_postfix_str(exp.name)
        ctx = Context(backends=backends, device=dev, out=out / exp.name, quick=quick, seed=seed, plots=plots)
        ctx.out.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        try:
            result = exp.run(ctx)
            result.figures = [f for f in result.figures if f is not None]
            entry = Entry(exp, ctx, result, time.perf_counter() - t0)
            write_result(entry)
        except Exception as exc:  # noqa: BLE001 - one failure must not hide the other results
            entry = Entry(exp, ctx, None, time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
        entries.append(entry)
        tqdm.write(console(entry))
    total = time.perf_counter() - start
    paths = write_report(out, entries, total)
    tqdm.write(f"\n{len(entries)} experiments in {total:.1f} s; report: {paths['report']}")
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
    entries = run(args.names, args.backend, args.device, args.out, args.quick, args.seed, plots=args.plots)
    return 1 if any(e.result is None for e in entries) else 0
