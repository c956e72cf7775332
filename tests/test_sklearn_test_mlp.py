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

import pytest

SOURCE = pathlib.Path(importlib.util.find_spec("sklearn.neural_network.tests.test_mlp").origin)
IMPORT_LINE = "from sklearn.neural_network import MLPClassifier, MLPRegressor\n"

#: The tests that reach into scikit-learn's private internals, which a
#: re-implementation does not have. Each has a public-API counterpart in
#: tests/test_sklearn_estimators.py (named in the reason).
EXCLUDED = {
    "test_fit": "assigns coefs_, intercepts_ and the solver's private state (_coef_velocity, ...) "
                "before partial_fit; ours are read-only views of model_ "
                "(counterpart: test_sklearns_worked_example_by_hand)",
    "test_gradient": "calls the private MLPClassifier._loss_grad_lbfgs with scikit-learn's buffers "
                     "(counterpart: test_lbfgs_objective_gradient_matches_finite_differences)",
    "test_learning_rate_warmstart": "reads the private _optimizer.learning_rate of scikit-learn's "
                                    "SGDOptimizer (counterpart: test_learning_rate_warmstart_public)",
    "test_adaptive_learning_rate": "reads the private _optimizer.learning_rate of scikit-learn's "
                                   "SGDOptimizer (counterpart: test_adaptive_learning_rate_public)",
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
