"""The benchmark's files: ``benchmark.json`` for machines, ``benchmark.md``
(tables, included in ``REPORT.md``) and ``benchmark_scaling.png`` for people."""

from __future__ import annotations

import json
import pathlib

from tabulate import tabulate

LABELS = {"scratchnet": "scratchnet (NumPy)", "scratchnet_readable": "scratchnet, readable Adam (foreach=False)",
          "torch": "PyTorch, CPU", "torch_cuda": "PyTorch, CUDA", "sklearn": "scikit-learn MLPClassifier"}
TINY_LABELS = {"raw": "lecture-style raw NumPy", "scratchnet": "scratchnet (fast optimizer path, the default)",
               "scratchnet_readable": "scratchnet (readable optimizer path, foreach=False)",
               "torch": "PyTorch, 1 thread"}


def _f(x, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:.0f}"


def machine_line(m: dict) -> str:
    blas = ", ".join(f"{k['internal_api']} {k['version']} {k['architecture']} kernels (in {k['shipped_with']})"
                     for k in m["blas_kernels"])
    env = ", ".join(f"{k}={v}" for k, v in m["env"].items() if v is not None) or "none set"
    load, end = m.get("load_average"), m.get("load_average_end")
    return (f"{m['date']}, {m['cpu']} ({m['machine']}, {m['cores']} cores), {m['threads']} threads for every "
            f"library; Python {m['python']}, NumPy {m['versions']['numpy']}, torch {m['versions']['torch']} "
            f"({m['torch_blas']}), scikit-learn {m['versions']['sklearn']}; BLAS kernels loaded: {blas}; "
            f"OpenBLAS environment: {env}; GPU: {m['cuda'] or 'none'}; load average (1, 5, 15 min) at start "
            f"{', '.join(f'{x:.2f}' for x in load) if load else '—'}"
            + (f", at the end {', '.join(f'{x:.2f}' for x in end)}" if end else "") + ".")


def reference_table(result: dict) -> str:
    rows = []
    for dtype, r in result["results"].items():
        memory = r.get("memory", {})
        fast = r["libraries"]["scratchnet"]
        for lib, v in r["libraries"].items():
            ratio = fast["median"] / v["median"]
            mem = memory.get(lib, {})
            rows.append([dtype, LABELS[lib], f"{v['median']:.3f}", f"{min(v['times']):.3f}–{max(v['times']):.3f}",
                         _f(v.get("median_cpu")), "1" if lib == "scratchnet" else _f(ratio),
                         "—" if v["roofline_fraction"] is None else f"{v['roofline_fraction']:.2f}",
                         _f(mem.get("peak_rss_mib")), _f(mem.get("tracemalloc_peak_mib")), f"{v['loss']:.4f}"])
    return tabulate(rows, headers=["dtype", "library", "epoch (s, median)", "range (s)", "CPU (s, median)",
                                   "scratchnet ÷ it", "roofline fraction", "peak RSS (MiB)",
                                   "tracemalloc peak (MiB)", "loss after the epoch"],
                    tablefmt="github", disable_numparse=True)


def tiny_table(result: dict) -> str:
    """One training step of each tiny network, per library."""
    rows = []
    for row in result["tiny"].values():
        libs = row["libraries"]
        for lib, v in libs.items():
            rows.append([row["label"], TINY_LABELS[lib], f"{v['median_wall_us']:.0f}",
                         f"{min(v['wall_us']):.0f}–{max(v['wall_us']):.0f}", f"{v['median_cpu_us']:.0f}",
                         _f(v["median_wall_us"] / libs["raw"]["median_wall_us"]),
                         _f(libs["scratchnet"]["median_wall_us"] / v["median_wall_us"]), f"{v['loss']:.6f}"])
    return tabulate(rows, headers=["network", "library", "step (µs, median)", "range (µs)", "CPU (µs, median)",
                                   "it ÷ raw NumPy", "scratchnet ÷ it", "loss after the round"],
                    tablefmt="github", disable_numparse=True)


def phases_table(result: dict) -> str:
    """Where a tiny network's scratchnet step spends its CPU time, phase by phase."""
    rows = []
    for row in result["tiny"].values():
        ph = row["phases"]
        rows.append([row["label"]] + [f"{us:.1f}" for _, us in ph["scratchnet"]]
                    + [f"{ph['scratchnet_total']:.1f}", f"{ph['raw_total']:.1f}"])
    names = [name for name, _ in next(iter(result["tiny"].values()))["phases"]["scratchnet"]]
    return tabulate(rows, headers=["network"] + [f"{n} (µs)" for n in names] + ["scratchnet step (µs)",
                                                                                "raw NumPy step (µs)"],
                    tablefmt="github", disable_numparse=True)


def tiny_lines(result: dict) -> list[str]:
    lines = []
    for row in result["tiny"].values():
        a = row["agreement"]
        lines.append(f"- {row['label']}: scratchnet timed with {row['scratchnet_path']}; the readable row with "
                     f"{row['scratchnet_readable_path']}. Same initial weights and batches: over {a['steps']} steps "
                     f"the losses agree to {a['raw_vs_scratchnet']:.1e} (raw NumPy) and "
                     f"{a['torch_vs_scratchnet']:.1e} (torch), relative.")
    return lines


def roofline_lines(result: dict) -> list[str]:
    wl = result["workload"]
    lines = []
    for dtype, r in result["results"].items():
        g = r["gemm_gflops"]
        lines.append(f"- {dtype}: {wl['flops'] / 1e9:.1f} GFLOP (the matrix products of {wl['n_samples']:,} "
                     f"samples: forward, dW, and dX of every layer but the first) at {max(g.values()):.0f} GFLOP/s (best n×n product: NumPy "
                     f"{g['numpy']:.0f}, torch {g['torch']:.0f}) = {r['roofline_seconds'] * 1e3:.0f} ms; "
                     f"scikit-learn trained in {r['sklearn_dtype']}.")
    return lines


def targets_table(result: dict) -> str:
    rows = [[t["target"], _f(t["bound"]), _f(t["value"]), _f(t.get("cpu_value")), "✅ met" if t["met"] else "❌ not met"]
            for t in result["targets"]]
    return tabulate(rows, headers=["target", "bound", "measured (wall clock)", "in CPU time", ""],
                    tablefmt="github", disable_numparse=True)


def scaling_table(rows: list[dict], kind: str) -> str:
    libs = list(rows[0]["us_per_sample"]) if rows else []
    body = [[r[kind], "-".join(map(str, r["sizes"])), f"{r['parameters']:,}", r["batch_size"], r["n_samples"]]
            + [_f(r["us_per_sample"][lib]) for lib in libs]
            + [_f(r["seconds"]["scratchnet"] / r["seconds"]["torch"])] for r in rows]
    return tabulate(body, headers=[kind, "sizes", "parameters", "batch", "samples"]
                    + [f"{lib} µs/sample" for lib in libs] + ["scratchnet ÷ torch"],
                    tablefmt="github", disable_numparse=True)


def markdown(result: dict, figure: pathlib.Path | None) -> str:
    wl = result["workload"]
    md = []
    if result["results"]:
        md += [f"**Reference workload:** MLP {'-'.join(map(str, wl['sizes']))}, ReLU, cross-entropy, "
               f"Adam(lr={wl['lr']:g}), batch {wl['batch_size']}, {wl['n_samples']:,} synthetic samples, one epoch"
               + (" (**quick mode: tiny sizes, the numbers mean nothing**)" if result["quick"] else "") + ".", "",
               f"Measured {machine_line(result['machine'])} Medians of "
               f"{len(next(iter(result['results'].values()))['libraries']['scratchnet']['times'])} interleaved "
               "rounds after a warm-up round; only the training call is timed.", "",
               reference_table(result), "",
               "Roofline: the epoch's matrix-multiply work at the machine's measured matrix-multiply rate; a "
               "library's *roofline fraction* is that time divided by its epoch time.", ""]
        md += roofline_lines(result) + [""]
        md += ["Peak RSS: the most resident memory during the epoch above what the process held before it "
               "(data, model and optimizer already built), measured in a fresh process per library; tracemalloc "
               "peak: Python objects and NumPy arrays only (torch's allocator is invisible to it, hence no value).",
               ""]
    else:
        md += [f"Measured {machine_line(result['machine'])}"
               + (" (**quick mode: the numbers mean nothing**)" if result["quick"] else ""), ""]
    md += ["**Targets**", "", targets_table(result), "",
           "A ratio is the ratio of the two libraries' medians over the rounds (the per-round ratios, in "
           "`benchmark.json`, show the spread).", ""]
    if result.get("tiny"):
        first = next(iter(result["tiny"].values()))
        md += [f"**The lectures' tiny networks, one training step** (one thread each; medians of "
               f"{len(first['libraries']['raw']['wall_us'])} interleaved rounds of {first['steps_per_round']} steps "
               "after a warm-up round; the raw loop is the lectures' code, see `experiments/benchmark/tiny.py`)", "",
               tiny_table(result), ""] + tiny_lines(result) + [""]
        md += ["Where scratchnet's step spends its time (CPU µs per step, each phase the difference of the "
               "step cut short after it and before it; the raw loop's whole step beside it):", "",
               phases_table(result), ""]
    for kind, what in (("width", "hidden widths w and w/2, batch as the reference, float32"),
                       ("batch", "reference widths, float32")):
        if result["scaling"].get(kind):
            md += [f"**Time per sample against the {kind}** ({what}; medians of "
                   f"{'the' if result['quick'] else 'three'} interleaved rounds)", "",
                   scaling_table(result["scaling"][kind], kind), ""]
    if figure is not None:
        md += [f"![time per sample against width and batch size]({figure.name})", ""]
    return "\n".join(md)


def plot(result: dict, path: pathlib.Path) -> pathlib.Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, kind in zip(axes, ("width", "batch")):
        rows = result["scaling"][kind]
        for lib in rows[0]["us_per_sample"]:
            ax.plot([r[kind] for r in rows], [r["us_per_sample"][lib] for r in rows], marker="o", label=LABELS[lib])
        ax.set(xscale="log", yscale="log", xlabel="first hidden width w (hidden layers w, w/2)" if kind == "width"
               else "batch size", ylabel="µs per training sample", title=f"one epoch, float32, against the {kind}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_outputs(result: dict, out: pathlib.Path, plots: bool = True) -> dict[str, pathlib.Path]:
    """Write ``benchmark.json``, ``benchmark.md`` and (``plots``) ``benchmark_scaling.png`` under ``out``."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "benchmark.json", "markdown": out / "benchmark.md"}
    paths["json"].write_text(json.dumps(result, indent=1) + "\n")
    figure = plot(result, out / "benchmark_scaling.png") if plots and result["scaling"] else None
    if figure is not None:
        paths["figure"] = figure
    paths["markdown"].write_text(markdown(result, figure) + "\n")
    return paths
