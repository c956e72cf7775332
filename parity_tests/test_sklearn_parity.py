"""``scratchnet.sklearn`` against its torch twin ``torch_ref.sklearn``.

Both estimators share every line of estimator logic (validation, labels,
epochs, early stopping); they differ in the network, the loss and the training
step — explicit backprop and ``scratchnet.optim`` against autograd and
``torch.optim``. Given the same ``random_state`` they start from the same
weights (drawn by scratchnet, copied into torch) and see the same batches and
the same early-stopping split, so everything they fit and predict must agree.

Tolerance: the float64 bound of the suite (``compare.FLOAT64_BOUND`` = 1e-10
relative). Each training step agrees to ~1e-16 (summation order only); a
rounding difference is carried into later steps and can grow, but at most by
the training map's expansion per step, which for these small, well-scaled
networks and 20–40 epochs stays far from 1e6: measured, the final weights agree
to ~1e-14. A wrong gradient, a missing L2 term or a different momentum rule
moves the weights by 1e-3 or more after the first step.

float32 is held to its own bound (1e-5) on a short run only: rounding at
u = 6e-8 per step, carried through a few dozen steps, stays ~1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification, make_regression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import scratchnet.sklearn as sn_sklearn
import torch_ref.sklearn as torch_sklearn
from parity_tests.compare import assert_parity

#: Short runs stop at max_iter on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Matrices of at most 32 × 64 here: a second thread costs more than it saves
    (on a loaded 2-core machine, several times more)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    Xb, yb = make_classification(200, 8, n_informative=5, random_state=0)
    Xm, Ym = make_multilabel_classification(200, 8, n_classes=3, random_state=0)
    Xr, yr = make_regression(200, 6, n_informative=4, noise=1.0, random_state=0)
    Xr3, Yr3 = make_regression(200, 6, n_informative=4, n_targets=3, noise=1.0, random_state=0)
    return {"multiclass": (X[:300] / 16, y[:300]), "binary": (Xb, yb), "multilabel": (Xm / Xm.max(), Ym),
            "regression": (Xr, yr / yr.std()), "regression K=3": (Xr3, Yr3 / Yr3.std())}


#: (id, estimator, problem, parameters): every solver and schedule, every target
#: kind, early stopping on both estimators.
CASES = [
    ("sgd", "MLPClassifier", "multiclass", dict(solver="sgd", momentum=0.0, learning_rate_init=0.1)),
    ("sgd-momentum", "MLPClassifier", "multiclass",
     dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.05)),
    ("sgd-nesterov-l2", "MLPClassifier", "multiclass",
     dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.05, alpha=0.1)),
    ("sgd-invscaling", "MLPClassifier", "binary",
     dict(solver="sgd", learning_rate="invscaling", power_t=0.25, learning_rate_init=0.1, activation="tanh")),
    ("sgd-adaptive", "MLPClassifier", "binary",
     dict(solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=2, learning_rate_init=0.1)),
    ("adam", "MLPClassifier", "multiclass", dict(solver="adam", learning_rate_init=0.01, alpha=0.01)),
    ("adam-multilabel", "MLPClassifier", "multilabel",
     dict(solver="adam", learning_rate_init=0.01, activation="logistic")),
    ("adam-early-stopping", "MLPClassifier", "multiclass",
     dict(solver="adam", learning_rate_init=0.01, early_stopping=True, n_iter_no_change=3, tol=0.01)),
    ("sgd-early-stopping", "MLPRegressor", "regression",
     dict(solver="sgd", learning_rate_init=0.01, early_stopping=True, n_iter_no_change=3, tol=1e-3)),
    ("sgd-nesterov", "MLPRegressor", "regression K=3", dict(solver="sgd", learning_rate_init=0.01, alpha=0.01)),
    ("adam", "MLPRegressor", "regression", dict(solver="adam", learning_rate_init=0.01, activation="tanh")),
]


def _pair(name: str, params: dict):
    params = dict(dict(hidden_layer_sizes=(16, 8), batch_size=32, max_iter=30, random_state=3), **params)
    return getattr(sn_sklearn, name)(**params), getattr(torch_sklearn, name)(**params)


@pytest.mark.parametrize("case, name, problem, params", CASES, ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_estimators_fit_and_predict_the_same(data, case, name, problem, params):
    X, y = data[problem]
    mine, theirs = _pair(name, params)
    mine.fit(X, y)
    theirs.fit(X, y)
    component = f"sklearn.{name} ({case})"
    assert mine.n_iter_ == theirs.n_iter_ and mine.t_ == theirs.t_
    assert_parity(mine.loss_curve_, theirs.loss_curve_, component=component, quantity="loss_curve_",
                  dtype=np.float64)
    for i, (a, b) in enumerate(zip(mine.coefs_, theirs.coefs_)):
        assert_parity(a, b, component=component, quantity=f"coefs_[{i}]", dtype=np.float64)
    for i, (a, b) in enumerate(zip(mine.intercepts_, theirs.intercepts_)):
        assert_parity(a, b, component=component, quantity=f"intercepts_[{i}]", dtype=np.float64)
    if params.get("early_stopping"):
        assert mine.n_iter_ < 30  # it did stop early, on both
        assert_parity(mine.validation_scores_, theirs.validation_scores_, component=component,
                      quantity="validation_scores_", dtype=np.float64)
        assert mine.best_validation_score_ == theirs.best_validation_score_
    else:
        assert mine.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-12)
    if name == "MLPClassifier":
        np.testing.assert_array_equal(mine.predict(X), theirs.predict(X))
        np.testing.assert_array_equal(mine.classes_, theirs.classes_)
        assert mine.out_activation_ == theirs.out_activation_
        assert_parity(mine.predict_proba(X), theirs.predict_proba(X), component=component,
                      quantity="predict_proba", dtype=np.float64)
    else:
        assert_parity(mine.predict(X), theirs.predict(X), component=component, quantity="predict",
                      dtype=np.float64)


def test_float32_short_run(data):
    """float32 networks on both sides, 5 epochs of Adam (50 steps): the float32 bound."""
    X, y = data["multiclass"]
    mine, theirs = _pair("MLPClassifier", dict(solver="adam", learning_rate_init=0.01, max_iter=5, dtype="float32"))
    mine.fit(X, y)
    theirs.fit(X, y)
    assert mine.coefs_[0].dtype == theirs.coefs_[0].dtype == np.float32
    for quantity, a, b in [("loss_curve_", mine.loss_curve_, theirs.loss_curve_),
                           ("coefs_[0]", mine.coefs_[0], theirs.coefs_[0]),
                           ("predict_proba", mine.predict_proba(X), theirs.predict_proba(X))]:
        assert_parity(a, b, component="sklearn.MLPClassifier (adam)", quantity=quantity, dtype=np.float32)


def test_partial_fit_parity(data):
    X, y = data["multiclass"]
    mine, theirs = _pair("MLPClassifier", dict(solver="sgd", learning_rate_init=0.05))
    for est in (mine, theirs):
        for start in range(0, 300, 100):
            est.partial_fit(X[start:start + 100], y[start:start + 100], classes=np.arange(10))
    assert_parity(mine.loss_curve_, theirs.loss_curve_, component="sklearn.MLPClassifier (partial_fit)",
                  quantity="loss_curve_", dtype=np.float64)
    assert_parity(mine.coefs_[-1], theirs.coefs_[-1], component="sklearn.MLPClassifier (partial_fit)",
                  quantity="coefs_[-1]", dtype=np.float64)


def test_torch_twin_in_grid_search_gives_the_same_search(data):
    """GridSearchCV over a Pipeline: the same folds, the same scores, the same pick."""
    X, y = data["multiclass"]
    grid = {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    searches = {}
    for module in (sn_sklearn, torch_sklearn):
        pipe = make_pipeline(StandardScaler(), module.MLPClassifier(solver="sgd", learning_rate_init=0.1,
                                                                    max_iter=20, random_state=0))
        searches[module.__name__] = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    a, b = searches.values()
    np.testing.assert_array_equal(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])
    assert a.best_params_ == b.best_params_ == {"mlpclassifier__hidden_layer_sizes": (16,)}
    assert a.best_score_ > 0.9
    assert type(clone(b.best_estimator_)[-1]) is torch_sklearn.MLPClassifier


def test_torch_model_is_a_torch_module(data):
    import torch

    X, y = data["binary"]
    est = torch_sklearn.MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(X, y)
    assert isinstance(est.model_, torch.nn.Sequential) and est.model_[0].weight.dtype == torch.float64
    np.testing.assert_array_equal(est.coefs_[0], est.model_[0].weight.detach().numpy().T)


#: The scikit-learn checks again, on the torch twins (the settings of
#: tests/test_sklearn_estimators.py; no check is expected to fail).
CHECK_SETTINGS = dict(hidden_layer_sizes=(10,), max_iter=30, learning_rate_init=0.05, random_state=0)


@parametrize_with_checks([torch_sklearn.MLPClassifier(**CHECK_SETTINGS), torch_sklearn.MLPRegressor(**CHECK_SETTINGS)])
def test_torch_twins_pass_sklearn_estimator_checks(estimator, check):
    check(estimator)
