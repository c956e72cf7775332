"""scikit-learn's own test file for its MLP, run on scratchnet's and torch_ref's estimators.

``sklearn/neural_network/tests/test_mlp.py`` ships inside the installed
scikit-learn (1.9.1, pinned by ``constraints.txt``; BSD-3-Clause, "The
scikit-learn developers"). It is read from there, not copied: its one line
``from sklearn.neural_network import MLPClassifier, MLPRegressor`` is replaced
by the same import from ``scratchnet.sklearn`` (then from
``torch_ref.sklearn``), and the result is executed as a module of its own, so
every test body — and every ``parametrize`` list that names the estimators —
runs untouched on our classes. Tracebacks point at the installed file's lines.

Each backend's tests are the static methods of one class here
(``TestScratchnet``, ``TestTorch``). Every test of the file runs except those in
:data:`EXCLUDED`, each with its reason (the README lists them too); a test that
scikit-learn adds later and that is in neither list fails
``test_every_test_of_the_file_is_run_or_excluded``, so none can be dropped
silently.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
import types

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._testing import assert_almost_equal, ignore_warnings

SOURCE = pathlib.Path(importlib.util.find_spec("sklearn.neural_network.tests.test_mlp").origin)
IMPORT_LINE = "from sklearn.neural_network import MLPClassifier, MLPRegressor\n"

#: The tests that reach into scikit-learn's private internals, which a
#: re-implementation does not have. Each has a counterpart below (or in the
#: file named) that checks the same thing through our estimators.
EXCLUDED = {
    "test_fit": "assigns coefs_, intercepts_ and the solver's private state (_coef_velocity, ...) before "
                "partial_fit; ours are read-only views of model_ (counterpart: test_fit_worked_example, "
                "which loads the same weights into model_)",
    "test_gradient": "calls scikit-learn's private MLPClassifier._loss_grad_lbfgs with its buffers "
                     "(counterpart: test_gradient_matches_central_differences in tests/test_sklearn_lbfgs.py)",
    "test_learning_rate_warmstart": "reads the private _optimizer.learning_rate of scikit-learn's own "
                                    "SGDOptimizer (counterpart: test_learning_rate_warmstart_counterpart)",
    "test_adaptive_learning_rate": "reads the private _optimizer.learning_rate of scikit-learn's own "
                                   "SGDOptimizer (counterpart: test_adaptive_learning_rate_counterpart)",
}

def _load(backend: str) -> types.ModuleType:
    """The installed test_mlp.py with its estimators imported from ``backend``."""
    source = SOURCE.read_text(encoding="utf-8")
    assert source.count(IMPORT_LINE) == 1, f"{SOURCE} no longer imports the estimators in one line"
    source = source.replace(IMPORT_LINE, f"from {backend} import MLPClassifier, MLPRegressor\n")
    name = f"sklearn_test_mlp_on_{backend.split('.')[0]}"
    module = types.ModuleType(name)
    module.__file__ = str(SOURCE)
    sys.modules[name] = module  # joblib and pickle look classes and functions up by module
    exec(compile(source, str(SOURCE), "exec"), module.__dict__)
    return module


def _tests(module: types.ModuleType) -> dict:
    return {name: obj for name, obj in vars(module).items() if name.startswith("test_") and callable(obj)}


def _suite_class(backend: str) -> type:
    tests = _tests(_load(backend))
    return type(f"Suite[{backend}]", (), {name: staticmethod(f) for name, f in tests.items() if name not in EXCLUDED})


def _seeds() -> list[int]:
    """scikit-learn's ``global_random_seed`` (its conftest): 42, or the seeds named
    by SKLEARN_TESTS_GLOBAL_RANDOM_SEED ('all', 'a-b' or one number in [0, 99])."""
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        return [42]
    if value == "all":
        return list(range(100))
    if "-" in value:
        start, stop = value.split("-")
        return list(range(int(start), int(stop) + 1))
    return [int(value)]


@pytest.fixture(params=_seeds())
def global_random_seed(request):
    return request.param


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One BLAS thread and one torch thread: these networks' matrices are at most
    200 × 100, where a second thread only waits. On a loaded 2-core machine it
    waits long: a 100 × 64 @ 64 × 100 product measured 4–15 ms with OpenBLAS's two
    threads against 0.08 ms with one (scikit-learn's own run of this file
    suffers the same)."""
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


TestScratchnet = _suite_class("scratchnet.sklearn")
TestTorch = _suite_class("torch_ref.sklearn")


def test_every_test_of_the_file_is_run_or_excluded():
    names = set(_tests(_load("scratchnet.sklearn")))
    assert set(EXCLUDED) <= names, f"excluded tests no longer in {SOURCE.name}: {set(EXCLUDED) - names}"
    for suite in (TestScratchnet, TestTorch):
        run = {name for name in vars(suite) if name.startswith("test_")}
        assert run == names - set(EXCLUDED)
        assert len(run) == 39  # scikit-learn 1.9.1's file: 43 tests, 4 excluded


# ====================================================== counterparts of the excluded tests
BACKENDS = ["scratchnet.sklearn", "torch_ref.sklearn"]


def _estimators(backend):
    return importlib.import_module(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_worked_example(backend):
    """scikit-learn's test_fit — one SGD step of a 3-2-1 logistic network on one
    example, worked out by hand in its comments — with its weights loaded into
    ``model_`` (W[l] = coefs_[l-1]ᵀ) instead of assigned to ``coefs_``, and its
    expected values and tolerance (decimal=3)."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    mlp = _estimators(backend).MLPClassifier(solver="sgd", learning_rate_init=0.1, alpha=0.1, activation="logistic",
                                             random_state=1, max_iter=1, hidden_layer_sizes=2, momentum=0,
                                             warm_start=True)
    with pytest.warns(ConvergenceWarning):
        mlp.fit(X, y)  # builds the network; its weights are replaced next
    coefs = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]]), np.array([[0.1], [0.2]])]
    intercepts = [np.array([0.1, 0.1]), np.array([1.0])]
    mlp._backend.set_state(mlp.model_, {"0.weight": coefs[0].T.copy(), "0.bias": intercepts[0],
                                        "2.weight": coefs[1].T.copy(), "2.bias": intercepts[1]})
    with pytest.warns(ConvergenceWarning):
        mlp.fit(X, y)  # warm start: one step from those weights (scikit-learn's test: one partial_fit)
    assert_almost_equal(mlp.coefs_[0], np.array([[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]]),
                        decimal=3)
    assert_almost_equal(mlp.coefs_[1], np.array([[0.04706], [0.154089]]), decimal=3)
    assert_almost_equal(mlp.intercepts_[0], np.array([0.098333, 0.09626]), decimal=3)
    assert_almost_equal(mlp.intercepts_[1], np.array(0.9235), decimal=3)
    assert_almost_equal(mlp.predict_proba(X)[0, 1], 0.739, decimal=3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_learning_rate_warmstart_counterpart(backend):
    """scikit-learn's test_learning_rate_warmstart, reading the step size from our
    optimizer (a torch-style ``param_groups[0]["lr"]``) instead of scikit-learn's
    SGDOptimizer: 'constant' keeps it, 'invscaling' gives lr_init/(t + 1)^power_t
    after 2 warm-started fits of 4 samples (t = 8)."""
    X = [[3, 2], [1, 6], [5, 6], [-2, -4]]
    y = [1, 1, 1, 0]
    for learning_rate in ["invscaling", "constant"]:
        mlp = _estimators(backend).MLPClassifier(solver="sgd", hidden_layer_sizes=4, learning_rate=learning_rate,
                                                 max_iter=1, power_t=0.25, warm_start=True)
        with ignore_warnings(category=ConvergenceWarning):
            mlp.fit(X, y)
            prev_eta = mlp._optimizer.param_groups[0]["lr"]
            mlp.fit(X, y)
            post_eta = mlp._optimizer.param_groups[0]["lr"]
        if learning_rate == "constant":
            assert prev_eta == post_eta == mlp.learning_rate_init
        else:
            assert mlp.learning_rate_init / pow(8 + 1, mlp.power_t) == post_eta


@pytest.mark.parametrize("backend", BACKENDS)
def test_adaptive_learning_rate_counterpart(backend):
    """scikit-learn's test_adaptive_learning_rate: 'adaptive' divides the step by 5
    until it is below 1e-6, then stops before max_iter (read from our optimizer)."""
    clf = _estimators(backend).MLPClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive")
    clf.fit([[3, 2], [1, 6]], [1, 0])
    assert clf.max_iter > clf.n_iter_
    assert 1e-6 > clf._optimizer.param_groups[0]["lr"]
