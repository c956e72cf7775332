"""The check_lecture_code experiment (quick mode): what torch_ref.check finds in
the lectures' own code. Expected verdicts come from reading the lectures: the
CS229 notebook's backward is the exact gradient of its BCE cost (relu_derivative
is z > 0, torch's convention); Chapter 15's XOR backward starts from
dz2 = (a2 − y)·σ', the gradient of ½·MSE, while it prints the MSE; its momentum
is v = βv − αg (Sutskever's form); its Adam is the textbook's, which is torch's."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.base import Context
from experiments.chapter15 import lecture as ch15
from experiments.cs229 import lecture as cs229
from experiments.registry import load


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    exp = load()["check_lecture_code"]
    return exp.run(Context(("scratchnet", "torch"), "cpu", tmp_path_factory.mktemp("check"), quick=True))


def test_the_cs229_network_agrees_with_torch_as_written(result):
    for name in ("cs229_xor", "cs229_drawn", "cs229_trained"):
        assert result.numbers[name]["ok"], name
        assert result.numbers[name]["worst_max_rel_of_passing"] < 1e-14


def test_chapter15_xor_is_the_gradient_of_half_the_mse_it_prints(result):
    mse = result.numbers["ch15_mse"]
    assert not mse["ok"] and mse["first_failure"] == "dW2"
    assert "0.5 × torch's (½)" in mse["diagnosis"] and "2 of d(ŷ − y)²/dŷ" in mse["diagnosis"]
    assert result.numbers["ch15_half_mse"]["ok"]


def test_chapter15_momentum_is_sutskevers_and_its_adam_is_torchs(result):
    assert result.numbers["ch15_momentum"]["ok"]          # with the velocity mapped as −lr × torch's buffer
    sched = result.numbers["ch15_momentum_schedule"]
    assert not sched["ok"] and sched["first_failure"] == "step 3 · θ0" and "Sutskever" in sched["diagnosis"]
    assert result.numbers["ch15_adam"]["ok"]


def test_the_tables_and_the_quick_mode_skip(result):
    titles = [t.title for t in result.tables]
    assert any(t.startswith("CS229 NeuralNetwork, as written") and t.endswith("OK") for t in titles)
    assert any(t.startswith("Chapter 15 XOR code, as written") and t.endswith("FAIL") for t in titles)
    assert not any("classic bugs" in t for t in titles)    # full mode only (tests/test_classic_bugs.py proves it)
    assert result.numbers["classic_bugs"]["flagged"] is None


def test_the_lecture_code_runs_as_the_lectures_print_it():
    """The listing's own draws (np.random.seed(42), randn(2, 4) · 0.5, randn(4, 1) · 0.5) and the
    notebook's XOR run (5,000 iterations at lr 0.5; seeded here, the notebook leaves it unseeded): XOR
    is solved and the cost falls from ~0.7 (log 2 at chance) to below 0.01."""
    W1, b1, W2, b2 = ch15.xor_init()
    rng = np.random.RandomState(42)
    np.testing.assert_array_equal(W1, rng.randn(2, 4) * 0.5)
    np.testing.assert_array_equal(W2, rng.randn(4, 1) * 0.5)
    assert not b1.any() and not b2.any()
    state = np.random.get_state()
    try:
        np.random.seed(0)
        net = cs229.NeuralNetwork(input_size=2, hidden_size=4, learning_rate=0.5)
    finally:
        np.random.set_state(state)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    Y = np.array([[0, 1, 1, 0]])
    net.train(X, Y, num_iterations=5000)
    assert len(net.costs) == 5000 and net.costs[0] > 0.6 and net.costs[-1] < 0.01
    np.testing.assert_array_equal(net.predict(X), Y)
