"""Chapter 15 experiments, in quick mode: each runs on both backends, the backends
agree to float64 rounding, and the key results and audit verdicts are the ones
worked out by hand here."""

from __future__ import annotations

import fnmatch
import json

import numpy as np
import pytest

from experiments import audit
from experiments.cli import run
from experiments.report import write_report

MAX_REPORT_LINE = 1500  # as in test_experiments_framework: a row with a long note, never a padded one

FLOAT64_GAP = 1e-10
CH15 = "002_9091aa63c327fb13.txt"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ch15")


@pytest.fixture(scope="module")
def results(quick_run, out_dir):
    """This lecture's experiments from the session's quick run, and their own report in ``out_dir``."""
    entries = [e for n, e in quick_run[1].items() if fnmatch.fnmatchcase(n, "ch15_*")]
    write_report(out_dir, entries, 0.0)
    return {e.experiment.name: e.result for e in entries}


def test_the_report_is_readable_on_github(results, out_dir):
    """No padded rows: the longest line is a table row with a long note, and the report stays small."""
    report = (out_dir / "REPORT.md").read_text()
    assert max(len(line) for line in report.splitlines()) < MAX_REPORT_LINE
    assert len(report.encode()) < 60_000


def claims_of(res) -> dict[str, dict]:
    return {c["quantity"]: c for c in res.claims}


def test_every_chapter15_experiment_ran_and_the_backends_agree(results):
    assert {"ch15_single_neuron", "ch15_activations", "ch15_softmax", "ch15_forward_2_3_1", "ch15_backward_2_2_1",
            "ch15_xor", "ch15_optimizers", "ch15_mistake_deep_sigmoid", "ch15_mistake_unscaled_inputs",
            "ch15_mistake_softmax_reading", "ch15_mistake_mse_vs_ce", "ch15_perceptron_gates"} <= set(results)
    for name, res in results.items():
        assert res.backend_gap, name
        assert max(res.backend_gap.values()) < FLOAT64_GAP, (name, res.backend_gap)
        for rec in res.claims:
            audit.validate(rec)
            assert rec["source"] == CH15
        json.dumps(audit.jsonable(res.numbers))


def test_single_neuron_activation_table_and_softmax_reproduce_every_printed_value(results):
    for name in ("ch15_single_neuron", "ch15_activations", "ch15_softmax", "ch15_mistake_softmax_reading"):
        assert audit.counts(results[name].claims)["differs"] == 0, name
    n = results["ch15_single_neuron"].numbers
    assert n["scratchnet"]["z"] == n["torch"]["z"] == 0.2 * 1 + 0.8 * 2 - 0.5 * 3 + 2.0
    acts = results["ch15_activations"].numbers
    for b in ("scratchnet", "torch"):  # derivatives at the kink z = 0 follow the lecture's `z > 0`
        assert acts[b]["ReLU'"][2] == 0.0 and acts[b]["Leaky'"][2] == pytest.approx(0.01)
        assert acts[b]["Sigmoid'"][2] == 0.25
    s = np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum()
    for b in ("scratchnet", "torch"):
        np.testing.assert_allclose(results["ch15_softmax"].numbers[b]["softmax"], s, rtol=1e-15)


def test_forward_pass_finds_the_listings_arithmetic_slips(results):
    c = claims_of(results["ch15_forward_2_3_1"])
    # z1 = [0.5·0.1 + 0.8·0.4 + 0.1, 0.5·0.3 − 0.8·0.5 − 0.1, −0.5·0.2 + 0.8·0.6 + 0.2]
    z1 = [0.47, -0.35, 0.58]
    z2 = 0.47 * 0.7 + 0.58 * 0.5 + 0.1
    np.testing.assert_allclose(np.ravel(c["z1"]["scratchnet"]), z1, rtol=1e-14)
    assert np.ravel(c["z2"]["torch"])[0] == pytest.approx(z2, rel=1e-14)
    assert np.ravel(c["output"]["scratchnet"])[0] == pytest.approx(1 / (1 + np.exp(-z2)), rel=1e-14)
    assert [c[q]["verdict"] for q in ("z1", "a1", "z2", "output")] == ["differs", "reproduced", "differs", "differs"]


def test_backward_pass_numbers_and_the_two_misprints(results):
    c = claims_of(results["ch15_backward_2_2_1"])
    a2 = 1 / (1 + np.exp(-(0.65 * 0.6 + 0.5 * -0.4 + 0.2)))
    dz2 = a2 - 1.0
    assert np.ravel(c["a2"]["scratchnet"])[0] == pytest.approx(a2, rel=1e-14)
    assert c["loss (BCE)"]["torch"] == pytest.approx(-np.log(a2), rel=1e-14)
    np.testing.assert_allclose(c["dW1"]["scratchnet"], np.outer([1.0, 0.5], dz2 * np.array([0.6, -0.4])), rtol=1e-14)
    np.testing.assert_allclose(c["W1 after the step"]["torch"],
                               np.array([[0.3, 0.7], [0.5, -0.2]]) - 0.1 * np.outer([1.0, 0.5], dz2 * np.array([0.6, -0.4])),
                               rtol=1e-14)
    differs = sorted(q for q, r in c.items() if r["verdict"] == "differs")
    assert differs == ["W1 after the step", "loss (BCE)"]


def test_xor_is_solved_and_follows_the_lectures_own_code(results):
    n = results["ch15_xor"].numbers
    assert n["solved"] == {"scratchnet": True, "torch": True}
    for b in ("scratchnet", "torch"):  # nn.MSELoss with lr 0.5 == the lecture's loop with lr 1.0
        assert n["gap_to_lecture_code"][b] < 1e-12
    epoch0 = claims_of(results["ch15_xor"])["loss (MSE) at epoch 0"]
    assert epoch0["verdict"] == "differs" and round(epoch0["scratchnet"], 6) == 0.255675


def test_one_neuron_learns_and_or_but_not_xor(results):
    n = results["ch15_perceptron_gates"].numbers
    for b in ("scratchnet", "torch"):
        assert n["AND"]["accuracy"][b] == n["OR"]["accuracy"][b] == 1.0
        assert n["XOR"]["accuracy"][b] < 1.0
        assert n["XOR"]["final_loss"][b] == pytest.approx(np.log(2), abs=1e-3)  # stuck at the all-0.5 output
    assert audit.counts(results["ch15_perceptron_gates"].claims) == {"reproduced": 3, "differs": 0}


def test_optimizers_follow_the_lecture_code_whose_printed_numbers_differ(results):
    n = results["ch15_optimizers"].numbers
    for b in ("scratchnet", "torch"):
        for name in ("SGD", "SGD+Momentum", "Adam"):
            np.testing.assert_allclose(n["losses"][b][name], n["lecture_code_losses"][name], rtol=1e-12)
        # One step of lr 0.1 from (4, 3): (3.2, 1.2), f = 14.56 (SGD and the first momentum step).
        assert n["losses"][b]["SGD"][1] == pytest.approx(3.2 ** 2 + 3 * 1.2 ** 2, rel=1e-14)
        assert n["losses"][b]["SGD+Momentum"][1] == pytest.approx(14.56, rel=1e-14)
        # Adam's first step moves each coordinate by lr: (3.9, 2.9).
        assert n["losses"][b]["Adam"][1] == pytest.approx(3.9 ** 2 + 3 * 2.9 ** 2, rel=1e-8)
    # Every printed number differs; only the stated Adam defaults (lr 0.001, betas 0.9, 0.999) hold.
    assert audit.counts(results["ch15_optimizers"].claims) == {"reproduced": 1, "differs": 18}


def test_common_mistakes(results):
    deep = results["ch15_mistake_deep_sigmoid"].numbers
    assert deep["ratio_first_to_last"]["sigmoid"] < 1e-9      # vanished
    assert deep["ratio_first_to_last"]["relu"] > 0.3          # flows
    # 0.25^10 as printed, the ReLU net's gradient flowing, the sigmoid net's early layers starved.
    assert audit.counts(results["ch15_mistake_deep_sigmoid"].claims) == {"reproduced": 3, "differs": 0}
    # Saturation and slower training hold; 'exploding gradients' does not: saturated tanh units pass back ~0.
    verdicts = {c["quantity"][:12]: c["verdict"] for c in results["ch15_mistake_unscaled_inputs"].claims}
    assert verdicts == {"'Large input": "reproduced", "'… and creat": "differs", "scaled input": "reproduced"}
    assert audit.counts(results["ch15_mistake_mse_vs_ce"].claims) == {"reproduced": 2, "differs": 0}
    unscaled = results["ch15_mistake_unscaled_inputs"].numbers["stats"]
    for b in ("scratchnet", "torch"):
        assert unscaled["raw"]["saturated"][b] > 0.9 > 0.1 > unscaled["StandardScaler"]["saturated"][b]
        assert unscaled["StandardScaler"]["final_loss"][b] < unscaled["raw"]["final_loss"][b]
    np.testing.assert_allclose(results["ch15_mistake_unscaled_inputs"].numbers["lecture_X_scaled"],
                               [[-1, -1, -1], [1, 1, 1]])
    ce = results["ch15_mistake_mse_vs_ce"].numbers
    for b in ("scratchnet", "torch"):
        loss_mse, d_mse, dz_mse = ce["wrong_prediction"][b]["mse"]
        loss_bce, d_bce, dz_bce = ce["wrong_prediction"][b]["bce"]
        assert dz_mse == pytest.approx(2 * (0.01 - 1) * 0.01 * 0.99, rel=1e-12)
        assert dz_bce == pytest.approx(0.01 - 1, rel=1e-12)
        assert loss_bce == pytest.approx(-np.log(0.01), rel=1e-12)
    assert ce["lecture_mse"] == pytest.approx(0.0375) and ce["lecture_bce"] == pytest.approx(0.19763, abs=1e-5)


def test_a_second_run_gives_the_same_numbers(results, tmp_path):
    again = run(["ch15_backward_2_2_1", "ch15_mistake_deep_sigmoid"], quick=True, out=tmp_path, progress=False,
                plots=False, jobs=1)
    for e in again:
        assert json.dumps(audit.jsonable(e.result.numbers)) == json.dumps(audit.jsonable(results[e.experiment.name].numbers))


def test_every_experiment_runs_on_one_backend_alone(tmp_path):
    entries = run(["ch15_*", "icdss_*"], backend="scratchnet", quick=True, out=tmp_path, progress=False, plots=False,
                  jobs=1)
    assert all(e.result is not None for e in entries), [e.error for e in entries]
    for e in entries:
        assert e.result.backend_gap == {}
        assert all(c["torch"] is None and c["scratchnet"] is not None for c in e.result.claims)
    assert "one backend run" in (tmp_path / "REPORT.md").read_text()
