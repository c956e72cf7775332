"""The benchmark's quick mode, end to end through the experiments CLI: the files,
the JSON's structure and sane values. Never its speed — speed is what the
benchmark measures, not something a timed test can assert on a shared machine."""

from __future__ import annotations

import json
import math

import pytest

from experiments.benchmark.workload import Workload
from experiments.cli import main
from experiments.report import write_report

LIBS = ("scratchnet", "torch", "sklearn")
REFERENCE_LIBS = ("scratchnet", "scratchnet_readable", "torch", "sklearn")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("benchmark")
    assert main(["benchmark", "--quick", "--threads", "1", "--out", str(out)]) == 0
    return out, json.loads((out / "benchmark.json").read_text())


def positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_files_are_written(quick):
    out, result = quick
    assert result["quick"] is True
    assert (out / "benchmark_scaling.png").stat().st_size > 0
    md = (out / "benchmark.md").read_text()
    assert "**Targets**" in md and "| float32 | scratchnet (NumPy)" in md and "benchmark_scaling.png" in md


def test_reference_results_are_sane(quick):
    _, result = quick
    assert result["machine"]["threads"] == 1 and result["machine"]["versions"]["numpy"]
    wl = result["workload"]
    assert wl["flops"] == Workload(tuple(wl["sizes"]), wl["batch_size"], wl["n_samples"], wl["lr"], wl["seed"]).flops
    for dtype in ("float32", "float64"):
        r = result["results"][dtype]
        assert set(REFERENCE_LIBS) <= set(r["libraries"])
        assert all(positive(g) for g in r["gemm_gflops"].values()) and positive(r["roofline_seconds"])
        for lib in REFERENCE_LIBS:
            v = r["libraries"][lib]
            assert len(v["times"]) == 2 and all(positive(t) for t in v["times"])
            assert min(v["times"]) <= v["median"] <= max(v["times"])
            assert len(v["cpu_times"]) == 2 and all(positive(t) for t in v["cpu_times"])
            # The roofline's share of the epoch: a ratio of two timings, so only its meaning is
            # asserted (the roofline time over the median epoch), never its size.
            assert positive(v["roofline_fraction"])
            assert v["roofline_fraction"] == pytest.approx(r["roofline_seconds"] / v["median"], rel=1e-12)
            assert math.isfinite(v["loss"])
        for key in ("scratchnet/torch", "scratchnet/sklearn", "scratchnet_readable/scratchnet"):
            ratio = r["ratios"][key]
            assert positive(ratio["median_ratio"]) and all(positive(x) for x in ratio["per_round"])
            assert positive(ratio["median_ratio_cpu"])
        # scikit-learn trains in the input's dtype (it preserves float32).
        assert r["sklearn_dtype"] == dtype
        # Same initial weights, same batches: scratchnet and torch did the same arithmetic.
        rtol = 1e-9 if dtype == "float64" else 1e-4
        assert r["libraries"]["scratchnet"]["loss"] == pytest.approx(r["libraries"]["torch"]["loss"], rel=rtol)
        # The readable optimizer path trains the same network to the same loss (Adam's two
        # paths differ by roundings per step, tests/test_optim_paths.py).
        assert r["libraries"]["scratchnet_readable"]["loss"] == pytest.approx(
            r["libraries"]["scratchnet"]["loss"], rel=rtol)


def test_flop_count_matches_torchs_flop_counter():
    """The roofline's work, counted independently: torch's FlopCounterMode over one
    training step of the twin (input without gradient, as in every library's epoch)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    wl = Workload(sizes=(20, 16, 8, 3), batch_size=4, n_samples=8)
    model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8),
                                torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x, y = torch.randn(wl.batch_size, 20), torch.tensor([0, 1, 2, 0])
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    assert counter.get_total_flops() * (wl.n_samples // wl.batch_size) == wl.flops


def test_memory_and_targets(quick):
    _, result = quick
    memory = result["results"]["float32"]["memory"]
    assert set(memory) == set(LIBS)
    for lib in LIBS:
        m = memory[lib]
        # The probe's raw readings (peak_rss_mib is their difference, floored at 0): a process
        # holding the data and an imported library has tens of MiB resident, and its peak
        # during the epoch cannot be below what it held before.
        assert m["rss_before_mib"] > 10 and m["peak_mib"] >= m["rss_before_mib"], (lib, m)
        assert m["peak_rss_mib"] == pytest.approx(m["peak_mib"] - m["rss_before_mib"])
    assert positive(memory["scratchnet"]["tracemalloc_peak_mib"]) and "tracemalloc_peak_mib" not in memory["torch"]
    names = [t["target"] for t in result["targets"]]
    # 4 epoch-time ratios, 2 readable-vs-fast, 2 tiny networks × (raw NumPy, torch), 1 memory.
    assert len(names) == 11 and all(isinstance(t["met"], bool) and positive(t["bound"]) for t in result["targets"])
    assert sum("readable ÷ fast" in n for n in names) == 2 and sum("training step" in n for n in names) == 4


def test_tiny_networks(quick):
    """The lectures' tiny networks: every library timed, the three computing the same
    training run (float64, same weights and batches: they differ only in the order of
    roundings, so after 200 steps the losses agree to a few ulp — 1e-12 leaves a margin
    of 10⁴), and the optimizer path scratchnet took named."""
    out, result = quick
    tiny = result["tiny"]
    assert set(tiny) == {"xor", "digits"}
    for row in tiny.values():
        assert set(row["libraries"]) == {"raw", "scratchnet", "scratchnet_readable", "torch"}
        for v in row["libraries"].values():
            assert len(v["wall_us"]) == 2 and all(positive(t) for t in v["wall_us"] + v["cpu_us"])
            assert math.isfinite(v["loss"])
        losses = {lib: v["loss"] for lib, v in row["libraries"].items()}
        assert max(losses.values()) == pytest.approx(min(losses.values()), rel=1e-12)
        assert row["agreement"]["raw_vs_scratchnet"] < 1e-12 and row["agreement"]["torch_vs_scratchnet"] < 1e-12
        assert "foreach=None): the fast path" in row["scratchnet_path"]
        assert "foreach=False): the readable path" in row["scratchnet_readable_path"]
    md = (out / "benchmark.md").read_text()
    assert "lecture-style raw NumPy" in md and "_multi_tensor_adam" in md


def test_scaling_rows(quick):
    _, result = quick
    for kind in ("width", "batch"):
        rows = result["scaling"][kind]
        assert len(rows) == 2
        for row in rows:
            assert all(positive(row["us_per_sample"][lib]) for lib in LIBS)


def test_the_report_includes_the_benchmark_when_present(quick, tmp_path):
    out, _ = quick
    (tmp_path / "benchmark.md").write_text((out / "benchmark.md").read_text())
    write_report(tmp_path, [], 0.0)
    report = (tmp_path / "REPORT.md").read_text()
    assert "## Performance" in report and "**Targets**" in report
    write_report(tmp_path / "none", [], 0.0)
    assert "## Performance" not in (tmp_path / "none" / "REPORT.md").read_text()
