"""The lectures' hand-worked examples, reproduced by scratchnet (no torch).

Chapter 15 (seed 002) prints every number of a 2-2-1 backward pass and a 2-3-1
forward pass; the numbers below were worked by hand from the lecture's
weights (the arithmetic is in the comments) and are checked at the printed
precision and, where the hand computation is exact, to 1e-12.
"""

from __future__ import annotations

import numpy as np

import scratchnet as sn


def load_linear(layer, W_in_out, b):
    """The lecture stores W as (inputs, outputs) and computes X @ W + b;
    scratchnet (like torch) stores Wᵀ: (outputs, inputs)."""
    layer.load_state_dict({"weight": np.asarray(W_in_out).T, "bias": np.asarray(b)})


def test_chapter15_single_neuron():
    # z = 1.0·0.2 + 2.0·0.8 + 3.0·(−0.5) + 2.0 = 0.2 + 1.6 − 1.5 + 2.0 = 2.3
    neuron = sn.nn.Linear(3, 1, dtype=np.float64)
    load_linear(neuron, [[0.2], [0.8], [-0.5]], [2.0])
    z = neuron(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(z, [[2.3]], rtol=1e-15)
    # σ(2.3) = 0.9089, ReLU(2.3) = 2.3, tanh(2.3) = 0.9801; at z = −2: 0.1192, 0, −0.9640
    assert round(float(sn.nn.Sigmoid()(z)[0, 0]), 4) == 0.9089
    assert float(sn.nn.ReLU()(z)[0, 0]) == 2.3
    assert round(float(sn.nn.Tanh()(z)[0, 0]), 4) == 0.9801
    zn = np.array([-2.0])
    assert round(float(sn.nn.Sigmoid()(zn)[0]), 4) == 0.1192
    assert float(sn.nn.ReLU()(zn)[0]) == 0.0
    assert round(float(sn.nn.Tanh()(zn)[0]), 4) == -0.9640


def test_chapter15_forward_2_3_1():
    # z1 = [0.5·0.1 + 0.8·0.4 + 0.1, 0.5·0.3 − 0.8·0.5 − 0.1, −0.5·0.2 + 0.8·0.6 + 0.2]
    #    = [0.05 + 0.32 + 0.1, 0.15 − 0.4 − 0.1, −0.1 + 0.48 + 0.2] = [0.47, −0.35, 0.58]
    # (the lecture prints −0.25 for the middle entry; ReLU zeroes it either way)
    # a1 = ReLU(z1) = [0.47, 0, 0.58]
    # z2 = 0.47·0.7 + 0·(−0.3) + 0.58·0.5 + 0.1 = 0.329 + 0.29 + 0.1 = 0.719
    net = sn.models.mlp([2, 3, 1], "relu", "sigmoid", dtype=np.float64)
    load_linear(net[0], [[0.1, 0.3, -0.2], [0.4, -0.5, 0.6]], [0.1, -0.1, 0.2])
    load_linear(net[2], [[0.7], [-0.3], [0.5]], [0.1])
    x = np.array([[0.5, 0.8]])
    z1 = net[0](x)
    np.testing.assert_allclose(z1, [[0.47, -0.35, 0.58]], atol=1e-15)
    a1 = net[1](z1)
    np.testing.assert_allclose(a1, [[0.47, 0.0, 0.58]], atol=1e-15)
    z2 = net[2](a1)
    # The lecture prints z2 = 0.619 and sigmoid(z2) = 0.6498; its own weights give
    # 0.719 and σ(0.719) = 0.6724 (the audit in experiments reports this).
    np.testing.assert_allclose(z2, [[0.719]], atol=1e-15)
    assert round(float(net[3](z2)[0, 0]), 4) == 0.6724


def test_chapter15_backward_2_2_1_step_by_step():
    """The lecture's "Backpropagation: Computing Gradients Step by Step"."""
    W1, b1 = np.array([[0.3, 0.7], [0.5, -0.2]]), np.array([0.1, -0.1])
    W2, b2 = np.array([[0.6], [-0.4]]), np.array([0.2])
    net = sn.models.mlp([2, 2, 1], "relu", "sigmoid", dtype=np.float64)
    load_linear(net[0], W1, b1)
    load_linear(net[2], W2, b2)
    X, y = np.array([[1.0, 0.5]]), np.array([[1.0]])
    loss_fn = sn.nn.BCELoss()

    # Forward: z1 = [1·0.3 + 0.5·0.5 + 0.1, 1·0.7 − 0.5·0.2 − 0.1] = [0.65, 0.5]
    a2 = net(X)
    np.testing.assert_allclose(net[0]._x, X)
    np.testing.assert_allclose(net[1]._a, [[0.65, 0.5]], atol=1e-15)
    # z2 = 0.65·0.6 − 0.5·0.4 + 0.2 = 0.39; a2 = σ(0.39) = 1/(1 + e^−0.39) = 0.5963
    assert round(float(a2[0, 0]), 4) == 0.5963
    # J = −log σ(0.39) = log(1 + e^−0.39) = log(1.677057) = 0.517040. The lecture
    # prints 0.5173; its own code gives 0.5170 (flagged in the experiments' audit).
    loss = loss_fn(a2, y)
    assert round(float(loss), 4) == 0.5170

    # Backward. The lecture forms dz2 = a2 − y directly; scratchnet goes through
    # dJ/da2 = −1/a2 and σ' = a2(1 − a2), whose product is the same a2 − y.
    da2 = loss_fn.backward()
    dz2 = net[3].backward(da2)
    np.testing.assert_allclose(dz2, a2 - y, rtol=1e-12)
    assert round(float(dz2[0, 0]), 4) == -0.4037
    da1 = net[2].backward(dz2)
    # dW2 = a1ᵀ dz2 = [0.65, 0.5]·(−0.4037) = [−0.2624, −0.2019]; db2 = −0.4037
    # scratchnet's weight is W2ᵀ, so its gradient is dW2ᵀ.
    np.testing.assert_allclose(net[2].weight.grad, (np.array([[0.65], [0.5]]) @ dz2).T, rtol=1e-12)
    np.testing.assert_array_equal(np.round(net[2].weight.grad.T, 4), [[-0.2624], [-0.2019]])
    np.testing.assert_array_equal(np.round(net[2].bias.grad, 4), [-0.4037])
    # da1 = dz2 W2ᵀ = −0.4037·[0.6, −0.4] = [−0.2422, 0.1615]; ReLU passes both (z1 > 0)
    np.testing.assert_array_equal(np.round(da1, 4), [[-0.2422, 0.1615]])
    dz1 = net[1].backward(da1)
    np.testing.assert_array_equal(dz1, da1)
    net[0].backward(dz1)
    # dW1 = Xᵀ dz1 = [[1], [0.5]]·[−0.2422, 0.1615] = [[−0.2422, 0.1615], [−0.1211, 0.0807]]
    dW1 = net[0].weight.grad.T
    np.testing.assert_allclose(dW1, X.T @ dz1, rtol=1e-12)
    np.testing.assert_array_equal(np.round(dW1, 4), [[-0.2422, 0.1615], [-0.1211, 0.0807]])
    np.testing.assert_array_equal(np.round(net[0].bias.grad, 4), [-0.2422, 0.1615])

    # Update with lr = 0.1: W2 → [0.6262, −0.3798]; W1 → [[0.3242, 0.6839], [0.5121, −0.2081]]
    # (W1[0,1] = 0.7 − 0.1·0.161487 = 0.683851: the lecture prints 0.6838)
    for p in net.parameters():
        p.data -= 0.1 * p.grad
    np.testing.assert_array_equal(np.round(net[2].weight.data.ravel(), 4), [0.6262, -0.3798])
    np.testing.assert_array_equal(np.round(net[0].weight.data.T, 4), [[0.3242, 0.6839], [0.5121, -0.2081]])


def test_chapter15_activation_table_and_softmax():
    F = sn.nn.functional
    z = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    np.testing.assert_array_equal(np.round(F.sigmoid(z), 4), [0.0474, 0.2689, 0.5, 0.7311, 0.9526])
    np.testing.assert_array_equal(np.round(F.sigmoid_derivative(z), 4), [0.0452, 0.1966, 0.25, 0.1966, 0.0452])
    np.testing.assert_array_equal(F.relu_derivative(z), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(F.leaky_relu(z), [-0.03, -0.01, 0, 1, 3])
    np.testing.assert_array_equal(F.leaky_relu_derivative(z), [0.01, 0.01, 0.01, 1, 1])
    p = F.softmax(np.array([2.0, 1.0, 0.1]), dim=0)
    np.testing.assert_array_equal(np.round(p, 4), [0.6590, 0.2424, 0.0986])
    assert abs(p.sum() - 1) < 1e-15


def test_cs229_parameter_counts():
    """Count trick: parameters = edges + neurons (one bias each)."""
    count = sn.models.count_parameters
    assert count(sn.models.mlp([64 * 64 * 3, 1])) == 12_289
    assert count(sn.models.mlp([64 * 64 * 3, 3])) == 36_867
    for n in (1, 5, 12288):
        net = sn.models.mlp([n, 3, 2, 1], "sigmoid", "sigmoid")
        assert count(net) == 3 * n + 14
        assert [count(m) for m in net if isinstance(m, sn.nn.Linear)] == [3 * n + 3, 8, 3]
