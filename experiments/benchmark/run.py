"""The benchmark run: what is measured, in which order, and the command line.

    python -m experiments.benchmark [--quick] [--out DIR] [--threads N] [--rounds R] [--no-plots]
    python -m experiments benchmark ...           (the same, from the experiments CLI)

writes ``DIR/benchmark.json`` (everything), ``DIR/benchmark.md`` (the tables,
included in ``DIR/REPORT.md`` by the next ``python -m experiments`` run) and
``DIR/benchmark_scaling.png``. ``--quick`` shrinks every size so that the
whole run takes seconds (for the test suite); its numbers mean nothing.

What it runs: the reference workload in float32 and float64 (scratchnet with
Adam's fast path, the default, and with its readable one, ``foreach=False``;
torch; scikit-learn; torch on CUDA when there is a GPU), the width and batch
scans, and the lectures' tiny networks one training step at a time against
the lecture-style raw NumPy loop and torch, on one thread (:mod:`.tiny`).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from . import measure
from .output import write_outputs
from . import tiny
from .workload import LIBRARIES, REFERENCE_LIBRARIES, Workload, make_data, sklearn_dtype, timed_epoch

DTYPES = ("float32", "float64")

#: The issues' targets: scratchnet's epoch time as a fraction of the others'.
TARGETS = {("float32", "torch"): 0.9, ("float64", "torch"): 1.0,
           ("float32", "sklearn"): 0.5, ("float64", "sklearn"): 0.5}
#: The readable optimizer path's epoch against the fast one's, on the reference workload.
READABLE_TARGET = 1.5
#: A tiny network's training step against the raw NumPy loop's and torch's.
TINY_TARGETS = {"raw": 2.0, "torch": 0.4}


@dataclass(frozen=True)
class Config:
    """Sizes of one benchmark run (``FULL`` or ``QUICK``)."""

    workload: Workload
    rounds: int          # timed rounds of the reference workload (after one warm-up round)
    gemm_n: int          # the roofline's n×n×n product
    widths: tuple        # first hidden width w of the width scan (hidden layers w, w/2)
    width_samples: int
    batches: tuple       # batch sizes of the batch scan (reference widths)
    batch_samples: int
    scan_rounds: int
    memory_dtypes: tuple
    tiny_steps: int = 1000  # training steps per round of each tiny network
    tiny_rounds: int = 7
    quick: bool = False


FULL = Config(Workload(), rounds=7, gemm_n=2048, widths=(64, 128, 256, 512, 1024, 2048), width_samples=4096,
              batches=(1, 4, 16, 64, 256, 1024), batch_samples=4096, scan_rounds=3, memory_dtypes=DTYPES)
QUICK = Config(Workload(sizes=(32, 16, 8, 4), batch_size=32, n_samples=256), rounds=2, gemm_n=128,
               widths=(8, 16), width_samples=128, batches=(1, 32), batch_samples=64, scan_rounds=1,
               memory_dtypes=("float32",), tiny_steps=20, tiny_rounds=2, quick=True)


def libraries(cuda: bool) -> list[str]:
    return list(REFERENCE_LIBRARIES) + (["torch_cuda"] if cuda else [])


def reference(cfg: Config, dtype: str, libs: list[str], n_threads: int, memory: bool, log) -> dict:
    """The reference workload in one dtype: interleaved epochs, the roofline,
    the ratios and (in subprocesses) the peak memory."""
    wl = cfg.workload
    X, y = make_data(wl, dtype)
    log(f"{dtype}: matrix-multiply rate ({cfg.gemm_n}³)")
    gemm = measure.gemm_gflops(dtype, cfg.gemm_n)
    rate = max(gemm.values())
    roofline = wl.flops / (rate * 1e9)
    log(f"{dtype}: {cfg.rounds} rounds of {', '.join(libs)} (after a warm-up round)")
    res = measure.interleaved(libs, lambda lib: timed_epoch(lib, wl, X, y), cfg.rounds)
    for lib in libs:  # the CPU's rate: meaningless for the GPU's row
        res[lib]["roofline_fraction"] = None if lib == "torch_cuda" else roofline / res[lib]["median"]
    out = {"gemm_gflops": gemm, "roofline_seconds": roofline, "libraries": res,
           "ratios": {**{f"scratchnet/{lib}": measure.ratio(res, "scratchnet", lib) for lib in libs
                         if lib not in ("scratchnet", "scratchnet_readable")},
                      "scratchnet_readable/scratchnet": measure.ratio(res, "scratchnet_readable", "scratchnet")},
           "sklearn_dtype": sklearn_dtype(wl, X, y)}
    if memory and dtype in cfg.memory_dtypes:
        log(f"{dtype}: peak memory, one fresh process per library")
        out["memory"] = {lib: measure.memory_in_subprocess(lib, wl, dtype, n_threads) for lib in LIBRARIES}
    return out


def scan(cfg: Config, kind: str, libs: list[str], log) -> list[dict]:
    """Time per sample against the width (hidden layers w, w/2; batch as the
    reference) or against the batch size (reference widths), float32."""
    base = cfg.workload
    if kind == "width":
        points = [(w, replace(base, sizes=(base.sizes[0], w, max(1, w // 2), base.sizes[-1]),
                              n_samples=cfg.width_samples)) for w in cfg.widths]
    else:
        points = [(b, replace(base, batch_size=b, n_samples=max(cfg.batch_samples, b))) for b in cfg.batches]
    rows = []
    for value, wl in points:
        log(f"{kind} scan: {kind} {value}")
        X, y = make_data(wl, "float32")
        res = measure.interleaved(libs, lambda lib: timed_epoch(lib, wl, X, y), cfg.scan_rounds)
        rows.append({kind: value, "sizes": list(wl.sizes), "batch_size": wl.batch_size, "n_samples": wl.n_samples,
                     "parameters": wl.parameters,
                     "seconds": {lib: res[lib]["median"] for lib in libs},
                     "us_per_sample": {lib: 1e6 * res[lib]["median"] / wl.n_samples for lib in libs}})
    return rows


def targets(results: dict, tiny_results: dict | None = None) -> list[dict]:
    """Each target of the issues with the measured value and whether it is met (ratios:
    :func:`.measure.ratio`'s ``median_ratio``, the ratio of the two libraries' median
    wall-clock times over the rounds; the same of CPU times beside it)."""
    rows = []
    for (dtype, other), bound in TARGETS.items():
        if dtype in results:
            r = results[dtype]["ratios"][f"scratchnet/{other}"]
            rows.append({"target": f"scratchnet ÷ {other} epoch time, {dtype}", "bound": bound,
                         "value": r["median_ratio"], "cpu_value": r.get("median_ratio_cpu"),
                         "met": r["median_ratio"] <= bound})
    for dtype in DTYPES:
        if dtype in results:
            r = results[dtype]["ratios"]["scratchnet_readable/scratchnet"]
            rows.append({"target": f"readable ÷ fast optimizer path, epoch time, {dtype}", "bound": READABLE_TARGET,
                         "value": r["median_ratio"], "cpu_value": r["median_ratio_cpu"],
                         "met": r["median_ratio"] <= READABLE_TARGET})
    # The tiny networks run on one thread, where CPU time is the step's own work: on a
    # shared machine it does not count the time spent waiting for a core, which wall-clock
    # time does (the reference workload's rows, two threads, are judged by wall clock).
    for row in (tiny_results or {}).values():
        for other, bound in TINY_TARGETS.items():
            r = row["ratios"][f"scratchnet/{other}"]
            rows.append({"target": f"scratchnet ÷ {'raw NumPy' if other == 'raw' else other} training step, "
                                   f"{row['label']} (judged in CPU time)", "bound": bound, "value": r["median_ratio"],
                         "cpu_value": r["median_ratio_cpu"], "met": r["median_ratio_cpu"] <= bound})
    for dtype, r in results.items():
        if "memory" in r:
            mine, theirs = r["memory"]["scratchnet"]["peak_rss_mib"], r["memory"]["torch"]["peak_rss_mib"]
            rows.append({"target": f"scratchnet peak memory ≤ torch's, {dtype} (MiB)", "bound": theirs,
                         "value": mine, "met": mine <= theirs})
    return rows


PARTS = ("reference", "scaling", "tiny")


def benchmark(cfg: Config, n_threads: int, *, memory: bool = True, cuda: bool | None = None,
              log=print, parts=PARTS) -> dict:
    """Run ``parts`` (all by default) at ``n_threads`` threads (the tiny networks at one);
    return the JSON-able results."""
    import torch

    import torch_ref  # noqa: F401 - before threads(), which sets torch's thread count only once it is loaded

    cuda = torch.cuda.is_available() if cuda is None else cuda
    libs = libraries(cuda)
    start = time.perf_counter()
    with measure.threads(n_threads):
        info = measure.machine(n_threads)
        results = ({dtype: reference(cfg, dtype, libs, n_threads, memory, log) for dtype in DTYPES}
                   if "reference" in parts else {})
        scaling = ({kind: scan(cfg, kind, list(LIBRARIES), log) for kind in ("width", "batch")}
                   if "scaling" in parts else {})
    tiny_results = {}
    if "tiny" in parts:
        with measure.threads(1):  # the lectures' tiny networks: one thread each, as the issue measured them
            tiny_results = tiny.tiny(cfg.tiny_steps, cfg.tiny_rounds, log)
    info["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {"machine": info, "quick": cfg.quick, "workload": cfg.workload.to_json(), "results": results,
            "targets": targets(results, tiny_results), "scaling": scaling, "tiny": tiny_results,
            "seconds": time.perf_counter() - start}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m experiments.benchmark",
                                description="Time one epoch of MLP training in scratchnet, PyTorch (CPU, and "
                                            "CUDA when present) and scikit-learn.")
    p.add_argument("--out", default="out", type=pathlib.Path, help="output folder (default: out/)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, seconds in total (for tests)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads for every library's BLAS/OpenMP (default: all cores)")
    p.add_argument("--rounds", type=int, default=None, help="timed rounds of the reference workload")
    p.add_argument("--tiny-steps", type=int, default=None, help="training steps per round of each tiny network")
    p.add_argument("--no-memory", dest="memory", action="store_false", help="skip the peak-memory subprocesses")
    p.add_argument("--parts", default=",".join(PARTS),
                   help=f"comma-separated parts to run (default: all of {','.join(PARTS)})")
    p.add_argument("--no-plots", dest="plots", action="store_false", help="skip the PNG figure")
    p.add_argument("--memory-probe", help=argparse.SUPPRESS)  # internal: one library's peak memory
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.memory_probe:
        measure.run_memory_probe(args.memory_probe)
        return 0
    cfg = QUICK if args.quick else FULL
    if args.rounds is not None:
        cfg = replace(cfg, rounds=max(1, args.rounds))
    if args.tiny_steps is not None:
        cfg = replace(cfg, tiny_steps=max(1, args.tiny_steps))
    log = lambda msg: print(f"[benchmark] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        _parser().error(f"--parts takes a comma-separated subset of {','.join(PARTS)}, got {args.parts!r}")
    result = benchmark(cfg, max(1, args.threads), memory=args.memory, log=log, parts=parts)
    paths = write_outputs(result, args.out, plots=args.plots)
    print(paths["markdown"].read_text())
    print(f"written: {', '.join(str(p) for p in paths.values())}")
    return 0
