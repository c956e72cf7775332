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


def test_the_other_checks(parity):
    assert parity.loss(lambda p, y: (np.mean((p - y) ** 2), 2 * (p - y) / p.size), None, torch.nn.MSELoss()).ok

    def sgd(p, g, state, lr):
        p -= lr * g

    assert parity.optimizer(sgd, torch.optim.SGD, hyper={"lr": 0.1}).ok
    assert callable(parity.network)
'''


def test_the_plugin_is_registered_by_the_packages_entry_points():
    names = {e.name: e.value for e in entry_points(group="pytest11")}
    assert names.get("torch_ref") == "pytest_torch_ref"


def test_the_parity_fixture_passes_and_fails_with_the_report(pytester):
    """A student's test file, run by a fresh pytest (a subprocess: the plugin comes from the
    installed entry point, and torch is imported there, not into this process's modules)."""
    pytester.makepyfile(test_student=TEST_FILE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "test_my_wrong_layer" in text and "1/m applied twice" in text and "shape (mine)" in text


def test_loading_the_plugin_imports_neither_torch_nor_torch_ref():
    code = "import sys, pytest_torch_ref; sys.exit(1 if {'torch', 'torch_ref'} & set(sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
