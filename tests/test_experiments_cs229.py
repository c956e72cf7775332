"""The CS229 experiments (``experiments/cs229/``), each run once in quick mode on
both backends; the key results are asserted on the numbers they return.

Expected values come from the lecture (its architecture, its seed-42 draws,
its stated counts) or from arithmetic worked out here — never from the code
under test. Backends must agree to the float64 parity bound (1e-10 relative).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import audit
from parity_tests.compare import FLOAT64_BOUND

SOURCE = "000_cf38cdbe29059033.txt"


@pytest.fixture(scope="module")
def results(quick_run):
    """This lecture's experiments from the session's quick run (both backends)."""
    return {n: e.result for n, e in quick_run[1].items() if e.experiment.source == SOURCE}


def _claims(results, name):
    return results[name].claims


def test_every_cs229_module_is_registered(results):
    expected = {"cs229_parameter_counts", "cs229_activations", "cs229_xor", "cs229_circles",
                "cs229_digits_binary", "cs229_initialization", "cs229_gradient_check", "cs229_hidden_weights",
                "cs229_architecture_search", "cs229_grid_search"} | {f"cs229_ex{i:02d}_" for i in range(1, 11)}
    names = set(results)
    for e in expected:
        assert any(n == e or (e.endswith("_") and n.startswith(e)) for n in names), e


def test_backends_agree_to_the_float64_bound(results):
    for name, r in results.items():
        for quantity, gap in r.backend_gap.items():
            assert gap <= FLOAT64_BOUND, f"{name}: {quantity} differs by {gap:.2e} between the backends"


def test_claims_follow_the_schema(results):
    for name, r in results.items():
        for c in r.claims:
            audit.validate(c)
            assert c["source"] == SOURCE


def test_parameter_counts_are_the_lectures(results):
    n = results["cs229_parameter_counts"].numbers
    # 64·64·3 = 12,288 weights + 1 bias; three neurons: 3 × 12,289.
    assert n["logistic_regression"] == {"scratchnet": 12289, "torch": 12289}
    assert n["three_outputs"] == {"scratchnet": 36867, "torch": 36867}
    # 3n + 14 for the n-3-2-1 network.
    for size, totals in n["n_3_2_1_totals"].items():
        assert totals == {"scratchnet": 3 * int(size) + 14, "torch": 3 * int(size) + 14}
    verdicts = {c["quantity"]: c["verdict"] for c in _claims(results, "cs229_parameter_counts")}
    swapped = [q for q in verdicts if q.startswith("'Multi-class (sigmoid)'")]
    assert len(swapped) == 1 and verdicts[swapped[0]] == "differs"
    assert sum(v == "differs" for v in verdicts.values()) == 1


def test_activation_derivatives_at_the_kink_and_peak(results):
    n = results["cs229_activations"].numbers
    for key in ("scratchnet", "torch", "lecture code"):
        assert n["derivative_at_zero"]["relu"][key] == 0.0
        assert n["derivative_at_zero"]["leaky_relu"][key] == 0.01
        assert n["derivative_at_zero"]["sigmoid"][key] == 0.25
    assert all(c["verdict"] == "reproduced" for c in _claims(results, "cs229_activations"))


def test_xor_is_solved_and_matches_the_lecture_code(results):
    r = results["cs229_xor"]
    assert r.numbers["accuracy"] == {"scratchnet": 1.0, "torch": 1.0, "lecture code": 1.0}
    p = r.numbers["probabilities"]
    assert np.allclose(p["scratchnet"], p["lecture code"], rtol=1e-10, atol=0)
    assert r.backend_gap["scratchnet vs lecture code: final weights"] <= FLOAT64_BOUND


def test_circles_held_out_accuracy(results):
    n = results["cs229_circles"].numbers
    assert n["n_train"] == 210 and n["n_test"] == 90
    for b in ("scratchnet", "torch"):
        assert n["heldout_test_accuracy"][b] >= 0.95
    assert n["grid_points_classified_differently"] == 0


def test_digits_binary_accuracy_and_split(results):
    n = results["cs229_digits_binary"].numbers
    # 178 zeros + 182 ones; stratified 20 % test split.
    assert (n["n_train"], n["n_test"]) == (288, 72)
    for b in ("scratchnet", "torch", "lecture code"):
        assert n["test_accuracy"][b] >= 0.95


def test_initialization_zeros_never_learns(results):
    n = results["cs229_initialization"].numbers
    for b in ("scratchnet", "torch", "lecture code"):
        # Z1 = 0, ReLU'(0) = 0, A1 = 0, db2 = mean(σ(0) − y) = 0 on balanced classes: nothing moves.
        assert n["final_cost"]["zeros"]["lecture draw"][b] == pytest.approx(math.log(2), abs=1e-12)
    assert n["zeros_hidden_rows_identical"]
    verdicts = {c["where"]: c["verdict"] for c in _claims(results, "cs229_initialization")}
    assert verdicts["6.6 NeuralNetworkInit, init_method='xavier'"] == "differs"  # LeCun, not Glorot


def test_gradient_check_kink_and_every_entry(results):
    n = results["cs229_gradient_check"].numbers
    # On the kink (x = (0, 0), b1 = 0) the lecture's own check fails b1 and passes the rest.
    for key in ("scratchnet", "torch", "lecture code"):
        assert n["kink"][key]["b1"] > 1e-1
        assert n["kink"][key]["W2"] < 1e-5
        assert all(v < 1e-5 for v in n["off_kink"][key].values() if v is not None)
    assert n["off_kink"]["scratchnet.gradcheck passed"] and n["off_kink"]["torch.autograd.gradcheck passed"]
    assert n["digits_gradcheck_passed"]
    assert n["digits_torch_gradcheck_passed"] is None  # torch's gradcheck of the big net runs in full mode only


def test_vanishing_gradients_in_sigmoid_not_in_relu(results):
    n = results["cs229_ex06_vanishing_gradients"].numbers
    for b in ("scratchnet", "torch"):
        sig = n["norms_at_init"]["sigmoid, PyTorch default init"][b]
        relu = n["norms_at_init"]["ReLU, He (kaiming_normal_)"][b]
        assert sig[0] / sig[-1] < 1e-4          # first layer orders of magnitude below the last
        assert sig[0] < 1e-4 * relu[0]          # and below ReLU/He's first layer
        assert 0.1 < relu[0] / relu[-1] < 10    # ReLU/He: one order of magnitude at most


def test_batchnorm_lifts_the_first_layer_gradient(results):
    n = results["cs229_ex05_batchnorm"].numbers["first_over_last"]
    for b in ("scratchnet", "torch"):
        assert n["sigmoid + BatchNorm1d"][b] > 1e3 * n["sigmoid"][b]


def test_momentum_equivalence(results):
    gaps = results["cs229_ex03_momentum"].numbers["gap_to_exercise_form"]
    for b in ("scratchnet", "torch"):
        # SGD(lr=α(1−β), momentum=β) is the exercise's v = βv + (1−β)∇J exactly ...
        assert gaps["SGD(lr=α(1−β) = 0.01, momentum=0.9)"][b] <= FLOAT64_BOUND
        # ... dampening=β is not (PyTorch does not dampen the first step).
        assert gaps["SGD(lr=0.1, momentum=0.9, dampening=0.9)"][b] > 1e-6


def test_multiclass_and_tsne(results):
    n = results["cs229_ex09_multiclass"].numbers
    for b in ("scratchnet", "torch"):
        assert n["test_accuracy"][b] > 0.8
        assert np.array(n["confusion_matrix"][b]).sum() == 360
    assert n["confusion_matrix"]["scratchnet"] == n["confusion_matrix"]["torch"]
    assert results["cs229_ex10_tsne"].numbers["n_points"] > 0


def test_architecture_search_picks_by_validation(results):
    n = results["cs229_architecture_search"].numbers
    assert len(n["validation_accuracy"]) == 10
    for b in ("scratchnet", "torch"):
        best = max(v[b] for v in n["validation_accuracy"].values())
        assert n["validation_accuracy"][n["pick"][b]][b] == best


def test_grid_search_picks_by_cross_validation_and_three_libraries_agree(results):
    r = results["cs229_grid_search"]
    n = r.numbers
    assert (n["folds"], n["epochs"]) == (3, 5)  # quick mode
    g = n["grid"]["scratchnet"]
    assert len(g["mean"]) == len(g["std"]) == 10 and len(r.tables[0].rows) == 10
    # GridSearchCV's pick: the best mean accuracy over the folds (ties to the first listed)
    labels = [row[0] for row in r.tables[0].rows]
    assert g["best_score"] == max(g["mean"]) == g["mean"][labels.index(n["pick"])]
    assert g["mean"].index(max(g["mean"])) == labels.index(n["pick"])
    assert g["best_score"] >= 0.9 and g["test"] >= 0.9
    c = n["comparison"]
    assert set(c) == {"scratchnet", "torch", "scikit-learn"}
    # the comparison re-runs the search's folds and settings: the pick's CV accuracy again
    assert c["scratchnet"]["cv_mean"] == g["best_score"]
    # the backends agree to rounding, so their accuracies are identical; scikit-learn's MLP
    # (the same algorithm, another initialization) lands close by
    assert c["torch"]["cv_mean"] == c["scratchnet"]["cv_mean"] and c["torch"]["test"] == c["scratchnet"]["test"]
    for lib, v in c.items():
        assert v["cv_mean"] >= 0.9 and v["test"] >= 0.9, lib
        assert v["n_iter"] == 5 and r.timings["fit_times"][lib]["fit_time_mean"] > 0, lib
    assert abs(c["scikit-learn"]["cv_mean"] - c["scratchnet"]["cv_mean"]) < 0.05
    assert {"pick: CV accuracy", "pick on the training split: loss curve"} <= set(r.backend_gap)
