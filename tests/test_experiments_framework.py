"""The experiments framework: the audit's verdicts, the lecture initialization,
the shared trainer and its hooks, the runner (--jobs), the template, and the CLI's
files (claims.json schema, report, determinism)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from experiments import audit
from experiments.base import LECTURES, REGISTRY, Context, Result, Table, experiment
from experiments.cli import main, run
from experiments.common import (epoch_losses, gradient_descent, lecture_init, make_models, pair_gap, predict,
                                save_fig, state_dict, step_losses, train, weights_gap)

CTX = Context(("scratchnet", "torch"), "cpu", None, quick=True)

# --------------------------------------------------------------------------- the audit


def test_claim_is_reproduced_when_it_prints_the_same():
    # 0.59626 prints as 0.5963 at 4 decimals; 0.59624 prints as 0.5962.
    assert audit.claim("s", "w", "q", 0.5963, 0.59626, 0.596304)["verdict"] == "reproduced"
    assert audit.claim("s", "w", "q", 0.5963, 0.59624, 0.5963)["verdict"] == "differs"
    # Both backends must reproduce it.
    assert audit.claim("s", "w", "q", 0.5963, 0.5963, 0.6)["verdict"] == "differs"


def test_claim_precision_is_read_from_the_printed_number_or_given():
    assert audit.decimals_of(0.5963) == 4
    assert audit.decimals_of(13.6) == 1
    assert audit.decimals_of(3) == 0
    assert audit.decimals_of(3.3e-05) == 6
    assert audit.decimals_of([0.1, 0.25]) == 2
    # "2.3000" is a float 2.3: decimals=4 makes 2.30004 a match and 2.3001 not.
    assert audit.claim("s", "w", "q", 2.3, 2.30004, None, decimals=4)["verdict"] == "reproduced"
    assert audit.claim("s", "w", "q", 2.3, 2.3001, None, decimals=4)["verdict"] == "differs"
    # -0.0 printed and 0.0 computed are the same number.
    assert audit.claim("s", "w", "q", -0.0, 0.0, 0.0, decimals=1)["verdict"] == "reproduced"


def test_claim_lists_and_formulas():
    rec = audit.claim("s", "w", "q", [0.659, 0.2424], np.array([0.65900, 0.24243]),
                      torch.tensor([0.659, 0.2424]), decimals=4)
    assert rec["verdict"] == "reproduced"
    assert rec["torch"] == pytest.approx([0.659, 0.2424])
    assert audit.claim("s", "w", "q", [1, 2], [1, 2, 3], None)["verdict"] == "differs"
    # Formulas: relative tolerance instead of printed precision.
    assert audit.claim("s", "w", "f", 1.0, 1.0 + 1e-12, 1.0, rtol=1e-9)["verdict"] == "reproduced"
    assert audit.claim("s", "w", "f", 1.0, 1.1, 1.1, rtol=1e-9)["verdict"] == "differs"


def test_claim_needs_a_value_and_validate_checks_the_schema():
    with pytest.raises(ValueError, match="no backend value"):
        audit.claim("s", "w", "q", 1.0, None, None)
    rec = audit.claim("s", "w", "q", 1.0, 1.0, None, note="n")
    audit.validate(rec)
    assert set(audit.KEYS) <= set(rec)
    with pytest.raises(ValueError, match="verdict"):
        audit.validate(dict(rec, verdict="maybe"))
    with pytest.raises(ValueError, match="lacks"):
        audit.validate({k: v for k, v in rec.items() if k != "note"})


# ------------------------------------------------------------------- models and trainer


def test_lecture_init_loads_the_lectures_own_draws_into_both_backends():
    """Chapter 15's XOR init, np.random.seed(42); randn(2, 4) * 0.5; randn(4, 1) * 0.5,
    stored (in, out): the models must compute the lecture's z2 = σ(X W1) W2."""
    models = make_models(CTX, [2, 4, 1], "sigmoid", None)
    model, twin = models["scratchnet"], models["torch"]
    lecture_init(models, [((2, 4), 0.5), ((4, 1), 0.5)], seed=42, layout="in_out")
    rng = np.random.RandomState(42)
    W1, W2 = rng.randn(2, 4) * 0.5, rng.randn(4, 1) * 0.5
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    expected = 1 / (1 + np.exp(-(X @ W1))) @ W2
    np.testing.assert_allclose(predict(model, X), expected, rtol=1e-14)
    np.testing.assert_allclose(predict(twin, X), expected, rtol=1e-14)
    assert np.all(model[0].bias.data == 0)
    # CS229's layout (out, in) needs no transpose; a shape mismatch is refused.
    lecture_init([model], [((4, 2), 1.0), ((1, 4), 1.0)], seed=0, layout="out_in")
    np.testing.assert_array_equal(model[0].weight.data, np.random.RandomState(0).randn(4, 2))
    with pytest.raises(ValueError, match="weight is"):
        lecture_init([model], [((4, 2), 1.0), ((1, 4), 1.0)], seed=0, layout="in_out")


def test_train_gives_both_backends_the_same_steps():
    """Mini-batches of 4 from one shuffled order (10 samples: batches of 4, 4, 2): both backends
    see the same batches, so their losses agree to float64 rounding (the parity bound, 1e-10, is
    far above what 15 steps of a 3-4-1 net accumulate; measured ~1e-16)."""
    X = np.random.default_rng(0).normal(size=(10, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]])
    models = make_models(CTX, [3, 4, 1], "tanh", None, seed=1)
    histories = train(models, X, Y, loss="mse", lr=0.05, epochs=5, batch_size=4, seed=3)
    steps, epochs = step_losses(histories), epoch_losses(histories)
    assert steps["scratchnet"].shape == (15,) and epochs["scratchnet"].shape == (5,)
    np.testing.assert_allclose(steps["scratchnet"], steps["torch"], rtol=1e-12)
    # the epoch loss is the sample-weighted mean of its batches' losses
    assert epochs["torch"][0] == pytest.approx(np.dot(steps["torch"][:3], [4, 4, 2]) / 10, rel=1e-14)
    assert epochs["scratchnet"][-1] < epochs["scratchnet"][0]
    assert weights_gap(models) < 1e-12


def test_a_gap_with_one_backend_is_none_and_the_result_drops_it():
    """The one rule for backend gaps: pair_gap and weights_gap give None when only one
    backend ran, and Result keeps only the gaps that were measured (a gap of 0.0 stays)."""
    one = make_models(Context(("scratchnet",), "cpu", None, quick=True), [2, 3, 1], "tanh", None, seed=1)
    assert pair_gap({"scratchnet": np.ones(3)}) is None and weights_gap(one) is None
    assert pair_gap({"scratchnet": np.ones(3), "torch": np.ones(3), "lecture code": np.zeros(3)}) == 0.0
    assert pair_gap({"scratchnet": np.array([1.0, 2.0]), "torch": np.array([1.0, 2.5])}) == pytest.approx(0.2)
    res = Result("s", backend_gap={"curve": pair_gap({"torch": np.ones(2)}), "weights": 0.0, "out": 1e-16})
    assert res.backend_gap == {"weights": 0.0, "out": 1e-16}


def test_train_full_batch_is_the_lectures_gradient_descent():
    """One full-batch step on MSE equals θ ← θ − α ∇J worked out by hand, with torch's SGD
    and with the hand-written step (``gradient_descent``) on both backends."""
    X = np.array([[1.0], [2.0], [3.0]])
    Y = np.array([[2.0], [4.0], [7.0]])
    for step in (None, gradient_descent):
        models = make_models(CTX, [1, 1])
        w, b = float(models["scratchnet"][0].weight.data[0, 0]), float(models["scratchnet"][0].bias.data[0])
        train(models, X, Y, loss="mse", lr=0.1, epochs=1, step=step)
        r = (w * X + b) - Y
        w_new = w - 0.1 * 2 * np.mean(r * X)
        b_new = b - 0.1 * 2 * np.mean(r)
        assert models["scratchnet"][0].weight.data[0, 0] == pytest.approx(w_new, rel=1e-14)
        assert models["scratchnet"][0].bias.data[0] == pytest.approx(b_new, rel=1e-14)
        assert models["torch"][0].weight.item() == pytest.approx(w_new, rel=1e-14)


def test_train_hooks_see_every_step_and_epoch_and_can_change_the_gradients():
    """on_step runs between backward and the update (zeroing the gradients there freezes the
    model), on_epoch after each epoch; step= replaces the optimizer and keeps its state."""
    X = np.random.default_rng(1).normal(size=(12, 2))
    Y = (X[:, :1] > 0).astype(float)
    models = make_models(CTX, [2, 3, 1], "tanh", "sigmoid")
    before = {b: state_dict(m) for b, m in models.items()}
    seen = []

    def freeze(backend, model, i):
        seen.append((backend, i))
        for p in model.parameters():
            p.grad *= 0

    epochs_seen = []
    train(models, X, Y, loss="bce", lr=0.5, epochs=3, batch_size=5, on_step=freeze,
          on_epoch=lambda backend, model, epoch: epochs_seen.append((backend, epoch)))
    # 12 samples in batches of 5: 3 steps per epoch, 9 per backend, counted over the run; torch first
    assert seen == [("torch", i) for i in range(9)] + [("scratchnet", i) for i in range(9)]
    assert epochs_seen == [("torch", e) for e in range(3)] + [("scratchnet", e) for e in range(3)]
    for b, m in models.items():
        assert all(np.array_equal(before[b][k], v) for k, v in state_dict(m).items())
    counts = {}

    def count_steps(params, state):                     # a hand-written rule with state of its own
        state["t"] = state.get("t", 0) + 1
        counts[id(params[0])] = (state["t"], state["lr"])

    train(models, X, Y, loss="bce", lr=0.25, epochs=2, step=count_steps)
    assert sorted(counts.values()) == [(2, 0.25), (2, 0.25)]  # one state per backend, 2 full-batch steps


def test_train_hands_torchs_dropout_masks_to_scratchnet_step_by_step():
    """With dropout on both backends torch draws each step's masks and scratchnet replays them:
    the same losses at every step (float64 rounding; bound as above), although every step's
    masks differ (the losses differ from a run without dropout), and no mask stays fixed after."""
    import scratchnet as sn

    X = np.random.default_rng(2).normal(size=(20, 4))
    y = np.random.default_rng(3).integers(0, 3, 20)
    models = make_models(CTX, [4, 16, 16, 3], "relu", dropout=0.5)
    plain = make_models(CTX, [4, 16, 16, 3], "relu")
    torch.manual_seed(0)
    losses = step_losses(train(models, X, y, loss="cross_entropy", lr=0.1, epochs=3, batch_size=8, seed=1))
    without = step_losses(train(plain, X, y, loss="cross_entropy", lr=0.1, epochs=3, batch_size=8, seed=1))
    np.testing.assert_allclose(losses["scratchnet"], losses["torch"], rtol=1e-12)
    assert weights_gap(models) < 1e-12
    assert not np.allclose(losses["torch"], without["torch"])
    assert all(m._fixed_mask is None for m in models["scratchnet"].modules() if isinstance(m, sn.nn.Dropout))


# ------------------------------------------------------------------------------- the CLI


@pytest.fixture
def dummy():
    """A tiny registered experiment, removed afterwards."""

    @experiment("zz_dummy", "Dummy", source="002_9091aa63c327fb13.txt", section="test")
    def _run(ctx: Context) -> Result:
        import matplotlib.pyplot as plt

        vals = {b: float(np.sum(np.arange(4.0) * (1 + ctx.seed))) for b in ctx.backends}
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [1, 0])
        return Result(summary="dummy", tables=[Table("t", ["a", "b"], [[1, 2.5]])], figures=[save_fig(fig, ctx, "line")],
                      numbers={"vals": vals}, backend_gap={"vals": 0.0},
                      claims=[audit.claim("002_9091aa63c327fb13.txt", "test", "sum", 6.0,
                                          vals.get("scratchnet"), vals.get("torch"))])

    yield "zz_dummy"
    REGISTRY.pop("zz_dummy", None)


def test_cli_list_shows_every_experiment(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "ch15_xor" in out


def test_cli_run_writes_result_claims_report_and_is_deterministic(tmp_path, dummy, capsys):
    assert main(["run", dummy, "--quick", "--out", str(tmp_path / "a")]) == 0
    run([dummy], quick=True, out=tmp_path / "b", progress=False, plots=False)
    # The figure is drawn, written and linked from the report; --no-plots skips it.
    assert (tmp_path / "a" / dummy / "line.png").stat().st_size > 0
    assert f"]({dummy}/line.png)" in (tmp_path / "a" / "REPORT.md").read_text()
    assert not (tmp_path / "b" / dummy / "line.png").exists()
    for sub in ("a", "b"):
        out = tmp_path / sub
        claims = json.loads((out / "claims.json").read_text())
        assert len(claims) == 1
        for rec in claims:
            audit.validate(rec)
        assert claims[0]["verdict"] == "reproduced" and claims[0]["experiment"] == dummy
        assert "## Parity summary" in (out / "REPORT.md").read_text()
        summary = json.loads((out / "summary.json").read_text())
        assert summary["audit"] == {"reproduced": 1, "differs": 0}
    a = json.loads((tmp_path / "a" / dummy / "result.json").read_text())
    b = json.loads((tmp_path / "b" / dummy / "result.json").read_text())
    assert a.pop("figures") == ["line.png"] and b.pop("figures") == []
    assert a == b
    assert a["numbers"]["vals"] == {"scratchnet": 6.0, "torch": 6.0}


def test_cli_one_backend_and_unknown_names(tmp_path, dummy):
    entries = run([dummy], backend="torch", quick=True, out=tmp_path, progress=False)
    assert entries[0].ctx.backends == ("torch",)
    assert entries[0].result.claims[0]["scratchnet"] is None
    with pytest.raises(SystemExit, match="unknown experiment"):
        run(["no_such_experiment"], out=tmp_path, progress=False)


def test_a_failing_experiment_is_reported_and_the_exit_status_is_1(tmp_path):
    @experiment("zz_broken", "Broken", source="002_9091aa63c327fb13.txt", section="test")
    def _run(ctx):
        raise ValueError("boom")

    try:
        assert main(["run", "zz_broken", "--quick", "--out", str(tmp_path)]) == 1
        assert "boom" in (tmp_path / "REPORT.md").read_text()
    finally:
        REGISTRY.pop("zz_broken", None)


def test_the_report_includes_the_parity_table_when_present(tmp_path, dummy):
    (tmp_path / "parity_table.md").write_text("## Parity summary\n\n| component | max rel |\n|---|---|\n| Linear | 1e-16 |\n\n"
                                             "## Every component and quantity\n\n| Linear | forward | 3e-17 |\n")
    run([dummy], quick=True, out=tmp_path, progress=False, plots=False)
    report = (tmp_path / "REPORT.md").read_text()
    assert "[`parity_table.md`](parity_table.md)" in report and "| Linear | 1e-16 |" in report
    assert "| Linear | forward | 3e-17 |" not in report  # the detail stays in the linked file


def test_cli_takes_runs_options_without_the_run_word(tmp_path, dummy, monkeypatch):
    """`python -m experiments [options]` is `run` with those options (the main job)."""
    assert main([dummy, "--quick", "--no-plots", "--seed", "1", "--backend", "torch", "--device", "cpu",
                 "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / dummy / "result.json").read_text())
    assert result["backends"] == ["torch"] and result["quick"] and result["figures"] == []
    assert result["numbers"]["vals"] == {"torch": 12.0}  # seed 1 doubles the dummy's sum
    calls = []
    monkeypatch.setattr("experiments.cli.run", lambda *a, **k: calls.append((a, k)) or [])
    assert main(["--out", str(tmp_path / "o"), "--quick"]) == 0
    assert main([]) == 0
    (names, backend, device, out, quick, seed), kw = calls[0]
    assert (names, backend, device, out, quick, seed) == ([], "both", "auto", tmp_path / "o", True, 0)
    assert calls[1][0][0] == [] and calls[1][0][3].name == "out" and calls[1][0][4] is False


@pytest.mark.parametrize("device, reason", [("bogus", "not a device"), ("cuda", "no CUDA GPU"),
                                            ("cuda:0", "no CUDA GPU")])
def test_cli_rejects_an_unusable_device_with_a_usage_error(device, reason, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the same answer on a GPU machine
    for argv in (["--device", device], ["run", "--device", device, "--quick"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert reason in err and "available: auto, cpu" in err and "Traceback" not in err


#: The longest line REPORT.md may have: a table row with a long note, not a padded row of a 61-value array.
MAX_REPORT_LINE = 1500


def report_line_lengths(report: str) -> list[int]:
    return [len(line) for line in report.splitlines()]


def test_the_report_shortens_long_values_and_does_not_pad(tmp_path):
    """Long claimed/computed lists are cut to their first entries and their count
    (claims.json keeps them whole); tables are unpadded pipe tables."""
    source = "001_606f2352aff19854.txt"

    @experiment("zz_long", "Long values", source=source, section="test")
    def _run(ctx):
        z = np.linspace(-6, 6, 121)
        return Result(summary="long", tables=[Table("t", ["a", "b"], [["x" * 400, 1.0], ["y", 2.0]])],
                      claims=[audit.claim(source, "w", "definition: g(z) = z", z, z, z, rtol=1e-12),
                              audit.claim(source, "w", "short", [1.0, 2.0], [1.0, 2.0], None)])

    try:
        run(["zz_long"], quick=True, out=tmp_path, progress=False, plots=False)
    finally:
        REGISTRY.pop("zz_long", None)
    report = (tmp_path / "REPORT.md").read_text()
    assert max(report_line_lengths(report)) < MAX_REPORT_LINE
    assert "[-6, -5.9, -5.8, -5.7, … 121 values]" in report and "[1, 2]" in report
    assert "### ICDSS Lecture 4\n" in report and "001_606f2352aff19854" not in report
    assert "| y | 2 |" in report  # no padding to the 400-character cell above
    assert len(json.loads((tmp_path / "claims.json").read_text())[0]["claimed"]) == 121


def test_a_failed_parity_suite_is_said_at_the_top_of_the_report(tmp_path, dummy):
    """run.sh runs the experiments even when the parity suite failed; the report then opens with it."""
    (tmp_path / "parity_table.json").write_text(json.dumps({
        "status": {"passed": False, "exit_code": 1, "text": "the parity suite FAILED: 1 test failed"},
        "failures": [{"test": "parity_tests/test_x.py::test_y", "message": "AssertionError"}], "rows": []}))
    (tmp_path / "parity_table.md").write_text("## Parity summary\n\n**Outcome:** the parity suite FAILED\n\n"
                                             "| FAILED parity_tests/test_x.py::test_y | NO |\n")
    run([dummy], quick=True, out=tmp_path, progress=False, plots=False)
    report = (tmp_path / "REPORT.md").read_text()
    head = report.split("## Contents")[0]
    assert "⚠️ The parity suite FAILED: 1 test failed" in head and "`parity_tests/test_x.py::test_y`" in head
    assert "| FAILED parity_tests/test_x.py::test_y | NO |" in report
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["parity"] == {"passed": False, "text": "the parity suite FAILED: 1 test failed",
                                 "failures": ["parity_tests/test_x.py::test_y"]}


def test_a_passed_parity_suite_adds_no_warning(tmp_path, dummy):
    (tmp_path / "parity_table.json").write_text(json.dumps({
        "status": {"passed": True, "exit_code": 0, "text": "the parity suite passed"}, "failures": [], "rows": []}))
    run([dummy], quick=True, out=tmp_path, progress=False, plots=False)
    assert "⚠️" not in (tmp_path / "REPORT.md").read_text().split("## Contents")[0]
    assert json.loads((tmp_path / "summary.json").read_text())["parity"]["passed"] is True


def test_jobs_must_be_a_positive_number(capsys):
    for bad in ("0", "-2", "two"):
        with pytest.raises(SystemExit) as exc:
            main(["run", "--jobs", bad, "--quick"])
        assert exc.value.code == 2
        assert "--jobs" in capsys.readouterr().err


def test_a_failing_experiment_in_a_worker_comes_back_with_its_traceback(tmp_path, monkeypatch):
    """What a worker returns for an experiment that raises: no result, the error and the traceback
    (the runner prints it and reports the failure; the other experiments still run)."""
    from experiments import runner

    @experiment("zz_broken_worker", "Broken", source="002_9091aa63c327fb13.txt", section="test")
    def _run(ctx):
        raise RuntimeError("no luck")

    try:
        monkeypatch.setitem(runner._REGISTRY, "zz_broken_worker", REGISTRY["zz_broken_worker"])
        settings = runner.Settings(backends=("scratchnet",), device="cpu", quick=True, seed=0, plots=False)
        name, result, seconds, cpu, error, trace = runner._work("zz_broken_worker", settings, tmp_path)
    finally:
        REGISTRY.pop("zz_broken_worker", None)
    assert (name, result, error) == ("zz_broken_worker", None, "RuntimeError: no luck")
    assert "raise RuntimeError" in trace and seconds >= 0 and cpu >= 0


def test_the_runner_limits_threads_and_restores_them():
    from threadpoolctl import threadpool_info

    from experiments.runner import limited_threads

    before = torch.get_num_threads()
    with limited_threads(1):
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == before


def test_the_template_is_a_whole_experiment_under_40_lines(tmp_path):
    """experiments/template.py, the shape README's walk-through copies: it runs as it is, on both
    backends, and its audit record, figure, tables and backend gaps come out."""
    import pathlib

    import experiments.template as template

    assert len(pathlib.Path(template.__file__).read_text().splitlines()) < 40
    try:
        entries = run(["template_and_gate"], quick=True, out=tmp_path, progress=False, jobs=1)
    finally:
        REGISTRY.pop("template_and_gate", None)
    res = entries[0].result
    assert res is not None, entries[0].error
    assert res.numbers["learned"] == {"scratchnet": 1, "torch": 1}    # AND is linearly separable
    assert [c["verdict"] for c in res.claims] == ["reproduced"]
    assert res.claims[0]["source"] in LECTURES
    assert res.figures and res.figures[0].stat().st_size > 1000
    assert set(res.backend_gap) == {"loss curve", "outputs"} and max(res.backend_gap.values()) < 1e-12
    assert (tmp_path / "template_and_gate" / "result.json").exists()


def test_workers_get_the_longest_experiments_first_by_the_last_run(tmp_path):
    """The submission order uses the CPU seconds the last run into the same folder recorded
    (longest first, unknown ones after in registry order); without one, registry order."""
    from experiments.registry import load
    from experiments.runner import longest_first

    registry = load()
    exps = [registry[n] for n in ("ch15_xor", "cs229_xor", "ch15_softmax", "icdss_linear_regression")]
    assert longest_first(exps, tmp_path) == exps
    (tmp_path / "summary.json").write_text(json.dumps(
        {"timings": {"cpu_seconds": {"ch15_xor": 1.0, "cs229_xor": 3.0, "ch15_softmax": None}}}))
    assert [e.name for e in longest_first(exps, tmp_path)] == ["cs229_xor", "ch15_xor", "ch15_softmax",
                                                              "icdss_linear_regression"]
    (tmp_path / "summary.json").write_text("not json")
    assert longest_first(exps, tmp_path) == exps


def test_without_a_last_run_the_slow_experiments_go_first_and_wall_time_counts(tmp_path):
    """A fresh clone has no timings: the experiments registered slow=True are handed out
    first (registry order otherwise); with timings, an experiment whose work runs in
    subprocesses is ranked by its wall time, not by its own process's CPU time."""
    from experiments.registry import load
    from experiments.runner import longest_first

    registry = load()
    slow = [n for n, e in registry.items() if e.slow]
    assert set(slow) == {"check_lecture_code", "cs229_grid_search", "ch15_xor"}
    exps = [registry[n] for n in ("cs229_xor", "ch15_softmax", "cs229_grid_search", "check_lecture_code")]
    assert [e.name for e in longest_first(exps, tmp_path)] == ["cs229_grid_search", "check_lecture_code",
                                                              "cs229_xor", "ch15_softmax"]
    (tmp_path / "summary.json").write_text(json.dumps({"timings": {
        "seconds": {"cs229_xor": 3.0, "ch15_softmax": 0.1, "cs229_grid_search": 18.0, "check_lecture_code": 23.0},
        "cpu_seconds": {"cs229_xor": 3.0, "ch15_softmax": 0.1, "cs229_grid_search": 18.0, "check_lecture_code": 0.8}}}))
    assert [e.name for e in longest_first(exps, tmp_path)] == ["check_lecture_code", "cs229_grid_search",
                                                              "cs229_xor", "ch15_softmax"]
    (tmp_path / "summary.json").write_text(json.dumps({"timings": {"seconds": {"cs229_xor": 3.0},
                                                                   "cpu_seconds": {"cs229_xor": 3.0}}}))
    assert [e.name for e in longest_first(exps, tmp_path)] == ["cs229_grid_search", "check_lecture_code",
                                                              "cs229_xor", "ch15_softmax"]


def test_the_readme_names_the_lectures_by_title_not_by_file():
    """A user's clone has no seed files: the README names each lecture by its title."""
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    prose = " ".join(readme.replace("**", "").split())     # the titles as they read, across line breaks
    for title in LECTURES.values():
        assert title in prose, title
    for key in LECTURES:
        assert key not in readme and key.split("_")[1] not in readme
    assert "shared/seeds" not in readme and "seeds/" not in readme
