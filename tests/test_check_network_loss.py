"""torch_ref.check.check_network and check_loss on hand-written code written for
these tests: a CS229-style network (examples as columns, backward(Y) from its
own loss), a Chapter-15-style one (X @ W functions), a multiclass network with
one-hot targets, and the common shapes of loss code."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from torch_ref.check import check_loss, check_network

DTYPES = ["float64", "float32"]
TWO_LAYER = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ColumnsNet:
    """CS229-style: X (in, m), W (out, in), b (out, 1); tanh hidden, sigmoid output, BCE."""

    def __init__(self, n_in, n_hidden, rng, one_over_m_in_dz=False):
        self.W1 = rng.standard_normal((n_hidden, n_in)) * 0.5
        self.b1 = rng.standard_normal((n_hidden, 1)) * 0.1
        self.W2 = rng.standard_normal((1, n_hidden)) * 0.5
        self.b2 = np.zeros((1, 1))
        self.bug = one_over_m_in_dz

    def forward(self, X):
        self.X = X
        self.A1 = np.tanh(self.W1 @ X + self.b1)
        self.A2 = sigmoid(self.W2 @ self.A1 + self.b2)
        return self.A2

    def cost(self, Y):
        return -np.mean(Y * np.log(self.A2) + (1 - Y) * np.log(1 - self.A2))

    def backward(self, Y):
        m = Y.shape[1]
        dZ2 = self.A2 - Y
        dW2 = dZ2 @ self.A1.T / m
        db2 = dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = self.W2.T @ dZ2 * (1 - self.A1 ** 2)
        dW1 = dZ1 @ self.X.T / (m if not self.bug else 1)   # the bug: the 1/m forgotten in layer 1 only
        db1 = dZ1.sum(axis=1, keepdims=True) / m
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def rows_forward(X, W1, b1, W2, b2):
    """Chapter-15-style: X (m, in), W (in, out), b (1, out); ReLU hidden, identity output."""
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    return A1 @ W2 + b2, (X, Z1, A1, W2)


def rows_backward(dout, cache):
    X, Z1, A1, W2 = cache
    dW2, db2 = A1.T @ dout, dout.sum(axis=0, keepdims=True)
    dZ1 = dout @ W2.T * (Z1 > 0)
    return dW1_of(X, dZ1), dZ1.sum(axis=0, keepdims=True), dW2, db2


def dW1_of(X, dZ1):
    return X.T @ dZ1


# ----------------------------------------------------------------------------- networks
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_cs229_style_network_passes(dtype):
    net = ColumnsNet(3, 5, np.random.default_rng(0))
    ref = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1), nn.Sigmoid())
    r = check_network(net, ref, params=TWO_LAYER, loss=nn.BCELoss(), layout="cs229", cost=net.cost, dtype=dtype)
    assert r.ok, r
    assert [row.name for row in r.rows] == ["output", "loss", "dW2", "db2", "dW1", "db1"]
    assert max(row.max_rel for row in r.rows) < (1e-13 if dtype == "float64" else 1e-6)


def test_the_first_wrong_tensor_going_backward():
    net = ColumnsNet(3, 5, np.random.default_rng(0), one_over_m_in_dz=True)
    ref = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1), nn.Sigmoid())
    r = check_network(net, ref, params=TWO_LAYER, loss=nn.BCELoss(), layout="cs229")
    assert [row.name for row in r.failures] == ["dW1"]
    assert r.first_failure.name == "dW1" and "8 = batch size m" in r.first_failure.diagnosis
    assert "is the 1/m missing?" in r.first_failure.diagnosis


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_chapter15_style_network_of_functions_passes_with_an_upstream_gradient(dtype):
    ref = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    r = check_network(rows_forward, rows_backward, ref, params=TWO_LAYER, layout="x@w", dtype=dtype)
    assert r.ok, r
    assert r["dW1"].shape_mine == (4, 6) and r["db1"].shape_mine == (1, 6)


def test_the_lecture_layout_declared_wrong_is_refused_with_the_right_one_suggested():
    ref = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    values = {"W1": np.zeros((4, 6)), "b1": np.zeros((1, 6)), "W2": np.zeros((6, 2)), "b2": np.zeros((1, 2))}
    with pytest.raises(ValueError, match=r"'W1' has shape \(4, 6\).*'in out'"):
        check_network(rows_forward, rows_backward, ref, params=TWO_LAYER, layout="torch", values=values)


def test_one_hot_targets_for_cross_entropy():
    class Softmax2:
        def __init__(self, rng):
            self.W1, self.b1 = rng.standard_normal((5, 4)), np.zeros(5)
            self.W2, self.b2 = rng.standard_normal((3, 5)), np.zeros(3)

        def forward(self, X):
            self.X, self.Z1 = X, X @ self.W1.T + self.b1
            self.A1 = np.maximum(self.Z1, 0)
            return self.A1 @ self.W2.T + self.b2

        def backward(self, Y):       # Y one-hot (m, 3)
            logits = self.A1 @ self.W2.T + self.b2
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            dZ2 = (p - Y) / len(Y)
            dZ1 = dZ2 @ self.W2 * (self.Z1 > 0)
            return {"dW2": dZ2.T @ self.A1, "db2": dZ2.sum(0), "dW1": dZ1.T @ self.X, "db1": dZ1.sum(0)}

    ref = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    r = check_network(Softmax2(np.random.default_rng(1)), ref, params=TWO_LAYER, loss=nn.CrossEntropyLoss(),
                      one_hot=True)
    assert r.ok, r


def test_network_misuse():
    ref = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 2))
    with pytest.raises(ValueError, match="dropout"):
        check_network(rows_forward, rows_backward, ref, params={"W1": "0.weight", "b1": "0.bias", "W2": "3.weight",
                                                                "b2": "3.bias"}, layout="x@w")
    ref = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    with pytest.raises(ValueError, match="no parameter '1.weight'"):
        check_network(rows_forward, rows_backward, ref, params={**TWO_LAYER, "W2": "1.weight"}, layout="x@w")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        check_network(rows_forward, rows_backward, np.tanh, params=TWO_LAYER)
    with pytest.raises(ValueError, match="target"):
        check_network(rows_forward, lambda y, c: rows_backward(y, c), ref, params=TWO_LAYER, layout="x@w",
                      loss=nn.MSELoss(), target=np.zeros((8, 5)))
    with pytest.raises(TypeError, match="loss module"):
        check_network(rows_forward, rows_backward, ref, params=TWO_LAYER, layout="x@w", loss=np.mean)


# ----------------------------------------------------------------------------- losses
def mse_pair(pred, y):
    return np.mean((pred - y) ** 2), 2 * (pred - y) / pred.size


def softmax_loss(x, y):          # CS231n's softmax_loss: (loss, dx) for class indices y
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(x)
    dx = np.exp(log_p)
    dx[np.arange(n), y] -= 1
    return -log_p[np.arange(n), y].mean(), dx / n


class BCE:
    def forward(self, p, y):
        self.p, self.y = p, y
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def backward(self):
        return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("user,backward,ref", [
    (mse_pair, None, nn.MSELoss()),
    (softmax_loss, None, nn.CrossEntropyLoss()),
    (BCE(), None, nn.BCELoss()),
    (lambda p, y: np.mean(np.abs(p - y)), lambda p, y: np.sign(p - y) / p.size, nn.L1Loss()),
    (lambda lp, y: -lp[np.arange(len(y)), y].mean(),
     lambda lp, y: -np.eye(lp.shape[1])[y] / len(y), nn.NLLLoss()),
], ids=["MSE (J, dpred)", "CS231n softmax_loss", "BCE object", "L1 + backward(pred, target)", "NLL"])
def test_losses_pass(user, backward, ref, dtype):
    r = check_loss(user, backward, ref, dtype=dtype) if backward is not None else \
        (check_loss(user, ref, dtype=dtype) if hasattr(user, "forward") else check_loss(user, None, ref, dtype=dtype))
    assert r.ok, r
    assert [row.name for row in r.rows] == ["loss", "dpred"]


def test_loss_bugs_are_named():
    r = check_loss(lambda p, y: (np.sum((p - y) ** 2) / len(p), 2 * (p - y) / len(p)), None, nn.MSELoss())
    assert r.first_failure.name == "loss" and "over the m examples only" in r.first_failure.diagnosis
    r = check_loss(lambda x, y: softmax_loss(np.exp(x) / np.exp(x).sum(1, keepdims=True), y), None,
                   nn.CrossEntropyLoss())
    assert r.first_failure.name == "loss" and "softmax" in r.first_failure.diagnosis
    # a loss check changes the loss, never a network (there is none): the loss variant speaks
    assert "CrossEntropyLoss of softmax(output) reproduces yours" in r.first_failure.diagnosis
    r = check_loss(lambda p, y: (np.sum((p - y) ** 2), 2 * (p - y)), None, nn.MSELoss())
    assert "1/m" in r.first_failure.diagnosis or "24 = m·n" in r.first_failure.diagnosis


def test_one_hot_and_columns_layout_for_a_loss():
    def cs229_ce(A, Y):          # A (classes, m) logits, Y one-hot (classes, m)
        e = np.exp(A - A.max(axis=0))
        P = e / e.sum(axis=0)
        m = A.shape[1]
        return -np.sum(Y * np.log(P)) / m, (P - Y) / m

    r = check_loss(cs229_ce, None, nn.CrossEntropyLoss(), layout={"output": "out m", "target": "out m"}, one_hot=True)
    assert r.ok, r
    assert r["dpred"].shape_mine == (3, 8)


def test_loss_misuse():
    with pytest.raises(TypeError, match="torch loss module"):
        check_loss(mse_pair, None, np.mean)
    with pytest.raises(TypeError, match=r"\(J, dpred\)"):
        check_loss(lambda p, y: 1.0, None, nn.MSELoss())
    with pytest.raises(ValueError, match="layout"):
        check_loss(mse_pair, None, nn.MSELoss(), inputs=np.zeros((2, 3, 4)))
    # a shape that does not fit the prediction's layout: refused in the check's words
    with pytest.raises(ValueError, match=r"your prediction shape has 1 dimension\(s\) \(shape \(8,\)\), but its "
                                         r"declared layout 'm out' has 2"):
        check_loss(mse_pair, None, nn.MSELoss(), inputs=(8,))
    with pytest.raises(ValueError, match="your prediction has size 3 where its layout 'm 1 out' has an axis of size 1"):
        check_loss(mse_pair, None, nn.MSELoss(), inputs=np.zeros((8, 3, 2)), layout={"output": "m 1 out"})
