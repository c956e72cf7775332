"""The experiments framework: the audit's verdicts, the lecture initialization,
the shared trainer, and the CLI's files (claims.json schema, report, determinism)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from experiments import audit
from experiments.base import REGISTRY, Context, Result, Table, experiment
from experiments.cli import main, run
from experiments.common import build_pair, lecture_init, predict, save_fig, train_pair, weights_gap

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
    model, twin = build_pair([2, 4, 1], "sigmoid", None)
    lecture_init([model, twin], [((2, 4), 0.5), ((4, 1), 0.5)], seed=42, layout="in_out")
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


def test_train_pair_gives_both_backends_the_same_steps():
    X = np.random.default_rng(0).normal(size=(10, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]])
    model, twin = build_pair([3, 4, 1], "tanh", None, seed=1)
    # Mini-batches of 4 from one shuffled order: both backends see the same batches.
    curves = train_pair(model, twin, X, Y, loss="mse", lr=0.05, epochs=5, batch_size=4, seed=3)
    np.testing.assert_allclose(curves["scratchnet"], curves["torch"], rtol=1e-12)
    assert curves["scratchnet"][-1] < curves["scratchnet"][0]
    assert weights_gap(model, twin) < 1e-12


def test_train_pair_full_batch_is_the_lectures_gradient_descent():
    """One full-batch step on MSE equals θ ← θ − α ∇J worked out by hand."""
    X = np.array([[1.0], [2.0], [3.0]])
    Y = np.array([[2.0], [4.0], [7.0]])
    model, twin = build_pair([1, 1], dtype=np.float64)
    w, b = float(model[0].weight.data[0, 0]), float(model[0].bias.data[0])
    train_pair(model, twin, X, Y, loss="mse", lr=0.1, epochs=1)
    r = (w * X + b) - Y
    w_new = w - 0.1 * 2 * np.mean(r * X)
    b_new = b - 0.1 * 2 * np.mean(r)
    assert model[0].weight.data[0, 0] == pytest.approx(w_new, rel=1e-14)
    assert model[0].bias.data[0] == pytest.approx(b_new, rel=1e-14)
    assert twin[0].weight.item() == pytest.approx(w_new, rel=1e-14)


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
    assert "### ICDSS Lecture 4 (`001_606f2352aff19854.txt`)" in report
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
