"""The `parity` fixture, from the pytest plugin the package registers by entry point."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

pytest_plugins = ["pytester"]

TEST_FILE = '''
import numpy as np
import torch


def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def wrong_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout / len(x), dout.sum(axis=0)


def test_my_layer(parity):
    parity.layer(affine_forward, affine_backward, torch.nn.Linear(4, 3),
                 params={"w": "weight", "b": "bias"}, layout={"w": "in out"}).assert_ok()


def test_my_wrong_layer(parity):
    parity.layer(affine_forward, wrong_backward, torch.nn.Linear(4, 3),
                 params={"w": "weight", "b": "bias"}, layout={"w": "in out"}).assert_ok()


def net_forward(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    return A1 @ W2 + b2, (X, Z1, A1, W2)


def net_backward(dout, cache):
    X, Z1, A1, W2 = cache
    dZ1 = dout @ W2.T * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0, keepdims=True), A1.T @ dout, dout.sum(axis=0, keepdims=True)


def unmasked_backward(dout, cache):  # the ReLU's mask forgotten: layer 1's gradients wrong
    X, Z1, A1, W2 = cache
    dZ1 = dout @ W2.T
    return X.T @ dZ1, dZ1.sum(axis=0, keepdims=True), A1.T @ dout, dout.sum(axis=0, keepdims=True)


NET = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}


def reference():
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))


def test_my_network(parity):
    parity.network(net_forward, net_backward, reference(), params=NET, layout="x@w").assert_ok()


def test_my_wrong_network(parity):
    parity.network(net_forward, unmasked_backward, reference(), params=NET, layout="x@w").assert_ok()


def test_the_other_checks(parity):
    assert parity.loss(lambda p, y: (np.mean((p - y) ** 2), 2 * (p - y) / p.size), None, torch.nn.MSELoss()).ok

    def sgd(p, g, state, lr):
        p -= lr * g

    assert parity.optimizer(sgd, torch.optim.SGD, hyper={"lr": 0.1}).ok
'''


def test_the_plugin_is_registered_by_the_packages_entry_points():
    names = {e.name: e.value for e in entry_points(group="pytest11")}
    assert names.get("torch_ref") == "pytest_torch_ref"


def test_the_parity_fixture_passes_and_fails_with_the_report(pytester):
    """A student's test file, run by a fresh pytest (a subprocess: the plugin comes from the
    installed entry point, and torch is imported there, not into this process's modules)."""
    pytester.makepyfile(test_student=TEST_FILE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    text = result.stdout.str()
    assert "test_my_wrong_layer" in text and "1/m applied twice" in text and "shape (mine)" in text
    assert "test_my_wrong_network" in text and "2 of 5 tensors differ; the first is dW1" in text
    assert text.count("FAILED test_student.py::") == 2


def test_loading_the_plugin_imports_neither_torch_nor_torch_ref():
    code = "import sys, pytest_torch_ref; sys.exit(1 if {'torch', 'torch_ref'} & set(sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
