"""How the benchmark measures: threads, interleaved timing, the matrix-multiply
rate, peak memory, and what machine it ran on.

Timing rules (the numbers are only worth their comparisons):

* one process, ``time.perf_counter`` around the training call only;
* the same thread count for NumPy's BLAS, scikit-learn's OpenMP and torch
  (``threadpoolctl.threadpool_limits`` and ``torch.set_num_threads``);
* a warm-up round first (page faults, oneDNN's kernel caches, lazy imports),
  then the libraries **interleaved** — round r runs them in an order rotated by
  r (A B C, B C A, C A B, …) — so that a change of machine load during the
  run hits every library alike;
* medians over the rounds, and ratios of medians (plus, per round, the ratio
  of the two libraries' times in that round, whose spread shows the noise).

Peak memory is measured in a fresh subprocess per library (see :func:`memory_probe`).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from .workload import Workload, job, make_data


# ---------------------------------------------------------------------------------- threads
@contextlib.contextmanager
def threads(n: int):
    """Limit NumPy's BLAS, OpenMP (scikit-learn's) and torch to ``n`` threads;
    restore every setting on exit. torch is set only if it is already imported
    (a memory probe of scratchnet or scikit-learn never loads it)."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


# ----------------------------------------------------------------------------------- timing
def interleaved(libraries, epoch, rounds: int, warmup: int = 1) -> dict[str, dict]:
    """Run ``epoch(library) -> (seconds, loss[, cpu seconds])`` for every library,
    ``warmup`` rounds (discarded) then ``rounds`` rounds, rotating the order each round.

    Returns ``{library: {"times": [...], "median": s, "cpu_times": [...],
    "median_cpu": s, "loss": last loss}}``.
    """
    libraries = list(libraries)
    out = {lib: {"times": [], "cpu_times": [], "loss": None} for lib in libraries}
    for r in range(warmup + rounds):
        k = r % len(libraries)
        for lib in libraries[k:] + libraries[:k]:
            seconds, loss, *cpu = epoch(lib)
            if r >= warmup:
                out[lib]["times"].append(seconds)
                out[lib]["cpu_times"].append(cpu[0] if cpu else float("nan"))
                out[lib]["loss"] = loss
    for lib in libraries:
        out[lib]["median"] = float(np.median(out[lib]["times"]))
        out[lib]["median_cpu"] = float(np.median(out[lib]["cpu_times"]))
    return out


def ratio(results: dict, a: str, b: str) -> dict:
    """Ratio of medians a/b, and the per-round ratios (same round, so same load), of
    wall-clock and of CPU times."""
    per_round = [x / y for x, y in zip(results[a]["times"], results[b]["times"])]
    cpu = [x / y for x, y in zip(results[a]["cpu_times"], results[b]["cpu_times"])]
    return {"median_ratio": results[a]["median"] / results[b]["median"],
            "per_round": per_round, "per_round_min": min(per_round), "per_round_max": max(per_round),
            "median_ratio_cpu": results[a]["median_cpu"] / results[b]["median_cpu"], "per_round_cpu": cpu}


# ----------------------------------------------------------------------------- roofline
def gemm_gflops(dtype, n: int, repeats: int = 3) -> dict[str, float]:
    """The matrix-multiply rate, GFLOP/s, of an n×n×n product (2n³ FLOPs), best of
    ``repeats``, for NumPy (its BLAS) and torch (its BLAS) at the current thread
    settings. The roofline uses the faster of the two: the machine's rate."""
    import torch

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tc = torch.empty((n, n), dtype=ta.dtype)
    rates = {}
    for name, mm in (("numpy", lambda: np.matmul(a, b, out=c)), ("torch", lambda: torch.mm(ta, tb, out=tc))):
        mm()
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            mm()
            best = min(best, time.perf_counter() - t0)
        rates[name] = 2.0 * n ** 3 / best / 1e9
    return rates


# ------------------------------------------------------------------------------- memory
def _status_kib(field: str) -> int | None:
    """A ``/proc/self/status`` field in KiB (``VmRSS``, ``VmHWM``), or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_probe(library: str, wl: Workload, dtype: str, n_threads: int) -> dict:
    """Peak memory of one epoch of ``library``, in *this* process (run it in a fresh one).

    After the imports, the data and the model, optimizer and loader are in
    place, the peak-RSS mark is reset; the epoch runs; then

    * ``peak_rss_mib`` = peak RSS during the epoch − RSS before it: every byte
      the epoch touched, whatever allocated it (NumPy, torch's C++ allocator,
      BLAS/oneDNN workspaces, the Python objects). Where the mark cannot be
      reset, ``ru_maxrss`` minus the RSS before is used instead.
    * ``tracemalloc_peak_mib``: a second epoch under ``tracemalloc``, whose peak
      counts Python objects and NumPy arrays (NumPy reports its buffers to
      tracemalloc) but not torch's tensors — so it is given for the NumPy-based
      libraries only.
    """
    if library.startswith("torch"):
        import torch  # noqa: F401 - imported before threads() so that its thread count is set too
    X, y = make_data(wl, dtype)
    with threads(n_threads):
        _, train = job(library, wl, X, y)
        rss_before = _status_kib("VmRSS")
        reset = _reset_peak_rss()
        train()
        peak = _status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {"peak_rss_mib": max(0, peak - rss_before) / 1024, "method": "VmHWM" if reset else "ru_maxrss",
               "rss_before_mib": rss_before / 1024, "peak_mib": peak / 1024}
        if library != "torch":
            _, train = job(library, wl, X, y)
            tracemalloc.start()
            train()
            out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return out


def memory_in_subprocess(library: str, wl: Workload, dtype: str, n_threads: int) -> dict:
    """:func:`memory_probe` in a fresh interpreter (so no other library's memory
    is in the process), via ``python -m experiments.benchmark --memory-probe``."""
    spec = json.dumps({"library": library, "workload": {"sizes": list(wl.sizes), "batch_size": wl.batch_size,
                                                        "n_samples": wl.n_samples, "lr": wl.lr, "seed": wl.seed},
                       "dtype": dtype, "threads": n_threads})
    proc = subprocess.run([sys.executable, "-m", "experiments.benchmark", "--memory-probe", spec],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory probe for {library} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_memory_probe(spec_json: str) -> None:
    """Entry point of the subprocess: print the probe's result as one JSON line."""
    spec = json.loads(spec_json)
    w = spec["workload"]
    wl = Workload(tuple(w["sizes"]), w["batch_size"], w["n_samples"], w["lr"], w["seed"])
    print(json.dumps(memory_probe(spec["library"], wl, spec["dtype"], spec["threads"])))


# -------------------------------------------------------------------------------- machine
def cpu_model() -> str:
    """The CPU's model name (what ``lscpu`` prints), or the platform's guess."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(n_threads: int) -> dict:
    """Where and with what the benchmark ran: CPU, versions, thread count, the
    active BLAS kernels (threadpoolctl), the OpenBLAS environment, the load."""
    import sklearn
    import torch
    from threadpoolctl import threadpool_info

    blas = [dict({k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")},
                 shipped_with=os.path.basename(os.path.dirname(info.get("filepath", ""))))
            for info in threadpool_info() if info.get("user_api") == "blas"]
    try:
        numpy_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # NumPy < 1.25 has no mode="dicts"
        numpy_blas = {}
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "threads": n_threads,
        "versions": {"numpy": np.__version__, "torch": torch.__version__, "sklearn": sklearn.__version__},
        "numpy_blas": {k: numpy_blas.get(k) for k in ("name", "version")} if numpy_blas else None,
        "blas_kernels": blas,
        "torch_blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")},
        "cuda": cuda,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
