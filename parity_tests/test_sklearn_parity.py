"""``scratchnet.sklearn`` against its torch twin ``torch_ref.sklearn``.

Both estimators share every line of estimator logic (validation, labels,
sample weights, epochs, early stopping, the L-BFGS driver); they differ in the
network, the loss and the gradient — explicit backprop and ``scratchnet.optim``
against autograd and ``torch.optim``. Given the same ``random_state`` they
start from the same weights (drawn by scratchnet, copied into torch) and see
the same batches and the same early-stopping split, so everything they fit and
predict must agree: every solver ('sgd', 'adam', 'lbfgs'), every target kind,
both regression losses, sample weights, sparse X, float32 input.

Tolerance: the float64 bound of the suite (``compare.FLOAT64_BOUND`` = 1e-10
relative). Each training step agrees to ~1e-16 (summation order only); a
rounding difference is carried into later steps and can grow, but at most by
the training map's expansion per step, which for these small, well-scaled
networks and 20–40 epochs stays far from 1e6: measured, the final weights agree
to ~1e-14. A wrong gradient, a missing L2 term or a different momentum rule
moves the weights by 1e-3 or more after the first step.

L-BFGS amplifies more: each iteration's direction comes from the history of
gradients, and measured on these networks the gap between two runs whose
(J, ∇J) differ by rounding grows ~1.4× per iteration (tests/test_sklearn_lbfgs.py:
2e-15 after 10 iterations, 6e-12 after 30, visibly different paths after 100).
lbfgs cases therefore run 15 iterations (measured gaps 9e-15 to 4e-13: a margin
of 250× or more to the bound). The objective and gradient at one point, where nothing is
carried, are held to the same bound and measured at ~1e-16.

float32 is held to its own bound (1e-5) on a short run only: rounding at
u = 6e-8 per step, carried through a few dozen steps, stays ~1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification, make_regression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import scratchnet.sklearn as sn_sklearn
import torch_ref.sklearn as torch_sklearn
from parity_tests.compare import assert_parity

#: Short runs stop at max_iter on purpose. Matrices of at most 32 × 64 here: torch on one
#: thread (``one_torch_thread``, parity_tests/conftest.py; a second costs more than it saves).
pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.usefixtures("one_torch_thread")]


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    Xb, yb = make_classification(200, 8, n_informative=5, random_state=0)
    Xm, Ym = make_multilabel_classification(200, 8, n_classes=3, random_state=0)
    Xr, yr = make_regression(200, 6, n_informative=4, noise=1.0, random_state=0)
    Xr3, Yr3 = make_regression(200, 6, n_informative=4, n_targets=3, noise=1.0, random_state=0)
    rng = np.random.default_rng(0)
    Xp = rng.normal(size=(200, 6))
    yp = rng.poisson(np.exp(0.4 * Xp[:, 0] - 0.3 * Xp[:, 1] + 0.5)).astype(float)
    return {"multiclass": (X[:300] / 16, y[:300]), "binary": (Xb, yb), "multilabel": (Xm / Xm.max(), Ym),
            "regression": (Xr, yr / yr.std()), "regression K=3": (Xr3, Yr3 / Yr3.std()), "counts": (Xp, yp),
            "weights": rng.integers(0, 4, size=300) + rng.random(300)}


#: (id, estimator, problem, parameters, options): every solver and schedule, every
#: target kind and loss, early stopping on both estimators; options: "weighted"
#: (sample weights), "sparse" (X as a CSR matrix).
CASES = [
    ("sgd", "MLPClassifier", "multiclass", dict(solver="sgd", momentum=0.0, learning_rate_init=0.1), {}),
    ("sgd-momentum", "MLPClassifier", "multiclass",
     dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.05), {}),
    ("sgd-nesterov-l2", "MLPClassifier", "multiclass",
     dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.05, alpha=0.1), {}),
    ("sgd-invscaling", "MLPClassifier", "binary",
     dict(solver="sgd", learning_rate="invscaling", power_t=0.25, learning_rate_init=0.1, activation="tanh"), {}),
    ("sgd-adaptive", "MLPClassifier", "binary",
     dict(solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=2, learning_rate_init=0.1), {}),
    ("adam", "MLPClassifier", "multiclass", dict(solver="adam", learning_rate_init=0.01, alpha=0.01), {}),
    ("adam-multilabel", "MLPClassifier", "multilabel",
     dict(solver="adam", learning_rate_init=0.01, activation="logistic"), {}),
    ("adam-early-stopping", "MLPClassifier", "multiclass",
     dict(solver="adam", learning_rate_init=0.01, early_stopping=True, n_iter_no_change=3, tol=0.01), {}),
    ("sgd-early-stopping", "MLPRegressor", "regression",
     dict(solver="sgd", learning_rate_init=0.01, early_stopping=True, n_iter_no_change=3, tol=1e-3), {}),
    ("sgd-nesterov", "MLPRegressor", "regression K=3", dict(solver="sgd", learning_rate_init=0.01, alpha=0.01), {}),
    ("adam", "MLPRegressor", "regression", dict(solver="adam", learning_rate_init=0.01, activation="tanh"), {}),
    # Poisson loss
    ("adam-poisson", "MLPRegressor", "counts",
     dict(loss="poisson", solver="adam", learning_rate_init=0.01, activation="tanh"), {}),
    # L-BFGS (15 iterations: see the module docstring)
    ("lbfgs", "MLPClassifier", "multiclass", dict(solver="lbfgs", max_iter=15, alpha=0.01), {}),
    ("lbfgs", "MLPClassifier", "binary", dict(solver="lbfgs", max_iter=15, activation="tanh"), {}),
    ("lbfgs-multilabel", "MLPClassifier", "multilabel", dict(solver="lbfgs", max_iter=15, activation="logistic"), {}),
    ("lbfgs", "MLPRegressor", "regression K=3", dict(solver="lbfgs", max_iter=15, alpha=0.01), {}),
    ("lbfgs-poisson", "MLPRegressor", "counts", dict(loss="poisson", solver="lbfgs", max_iter=15), {}),
    # sample weights
    ("sgd-weighted", "MLPClassifier", "multiclass",
     dict(solver="sgd", learning_rate_init=0.05, alpha=0.01), {"weighted": True}),
    ("adam-early-stopping-weighted", "MLPClassifier", "binary",
     dict(solver="adam", learning_rate_init=0.01, early_stopping=True, n_iter_no_change=3, tol=0.01),
     {"weighted": True}),
    ("lbfgs-weighted", "MLPRegressor", "regression", dict(solver="lbfgs", max_iter=15, alpha=0.01),
     {"weighted": True}),
    # sparse X
    ("sgd-sparse", "MLPClassifier", "multiclass", dict(solver="sgd", momentum=0.0, learning_rate_init=0.1),
     {"sparse": True}),
    ("lbfgs-sparse-weighted", "MLPClassifier", "multiclass", dict(solver="lbfgs", max_iter=15),
     {"sparse": True, "weighted": True}),
    ("adam-sparse-poisson", "MLPRegressor", "counts",
     dict(loss="poisson", solver="adam", learning_rate_init=0.01), {"sparse": True}),
]


def _pair(name: str, params: dict):
    params = dict(dict(hidden_layer_sizes=(16, 8), batch_size=32, max_iter=30, random_state=3), **params)
    return getattr(sn_sklearn, name)(**params), getattr(torch_sklearn, name)(**params)


def _problem(data, problem, options):
    """(X, y, fit keywords) of a case."""
    X, y = data[problem]
    if options.get("sparse"):
        if np.mean(X == 0) < 0.4:  # digits are half zeros already; other data get that many
            X = np.where(np.abs(X) < np.quantile(np.abs(X), 0.5), 0.0, X)
        X = sparse.csr_matrix(X)
    fit = {"sample_weight": data["weights"][:len(y)]} if options.get("weighted") else {}
    return X, y, fit


@pytest.mark.parametrize("case, name, problem, params, options", CASES, ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_estimators_fit_and_predict_the_same(data, case, name, problem, params, options):
    X, y, fit = _problem(data, problem, options)
    mine, theirs = _pair(name, params)
    mine.fit(X, y, **fit)
    theirs.fit(X, y, **fit)
    component = f"sklearn.{name} ({case})"
    assert mine.n_iter_ == theirs.n_iter_ and mine.t_ == theirs.t_
    # J is a mean of terms computed from quantities of order 1 (inputs and targets of unit
    # scale, logits), so its rounding error is absolute at that scale even when J itself
    # approaches 0 (−log p for p → 1 cancels): compared relative to max(|J|, 1).
    assert_parity(mine.loss_, theirs.loss_, component=component, quantity="loss_", dtype=np.float64,
                  scale=max(abs(theirs.loss_), 1.0))
    for i, (a, b) in enumerate(zip(mine.coefs_, theirs.coefs_)):
        assert_parity(a, b, component=component, quantity=f"coefs_[{i}]", dtype=np.float64)
    for i, (a, b) in enumerate(zip(mine.intercepts_, theirs.intercepts_)):
        assert_parity(a, b, component=component, quantity=f"intercepts_[{i}]", dtype=np.float64)
    if params["solver"] == "lbfgs":
        assert not hasattr(mine, "loss_curve_") and not hasattr(theirs, "loss_curve_")
    else:
        assert_parity(mine.loss_curve_, theirs.loss_curve_, component=component, quantity="loss_curve_",
                      dtype=np.float64)
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
        assert mine.out_activation_ == theirs.out_activation_
        assert_parity(mine.predict(X), theirs.predict(X), component=component, quantity="predict",
                      dtype=np.float64)


OBJECTIVES = [("MLPClassifier", "multiclass"), ("MLPClassifier", "binary"), ("MLPClassifier", "multilabel"),
              ("MLPRegressor", "regression K=3"), ("MLPRegressor", "counts")]


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, problem", OBJECTIVES, ids=[p for _, p in OBJECTIVES])
def test_objective_and_gradient_at_a_point(data, name, problem, weighted, sparse_x):
    """The backends' J(θ) and ∇J(θ) (the function L-BFGS sees, and every step's
    gradient) at the same point θ, for every loss, with and without sample
    weights, dense and sparse X — one evaluation, nothing carried: the float64
    bound, measured ~1e-16."""
    X, y, fit = _problem(data, problem, {"weighted": weighted, "sparse": sparse_x})
    kw = dict(loss="poisson") if problem == "counts" else {}
    mine, theirs = _pair(name, dict(solver="lbfgs", max_iter=1, alpha=0.1, activation="tanh", **kw))
    mine.fit(X, y, **fit)
    theirs.fit(X, y, **fit)
    theta = mine._backend.get_vector(mine.model_) * 2  # away from the start, outputs of order 1
    T = np.ascontiguousarray(mine._targets(y), dtype=np.int64 if name == "MLPClassifier" and problem == "multiclass"
                             else np.float64)
    s = fit.get("sample_weight")
    c, l2 = mine._objective_weights(s, X.shape[0])
    results = []
    for est in (mine, theirs):
        est._backend.set_vector(est.model_, theta)
        J = est._backend.objective(est.model_, est._loss_fn, X, T, c, l2)
        results.append((J, est._backend.grad_vector(est.model_)))
    component = f"sklearn.{name} objective ({problem})"
    assert_parity(results[0][0], results[1][0], component=component, quantity="J", dtype=np.float64)
    assert_parity(results[0][1], results[1][1], component=component, quantity="dJ/dθ", dtype=np.float64)
    assert np.abs(results[0][1]).max() > 1e-3


def test_float32_input_trains_float32_on_both(data):
    """float32 X (no dtype=): float32 networks on both sides, 5 epochs of Adam (50
    steps): the float32 bound."""
    X, y = data["multiclass"]
    X = X.astype(np.float32)
    mine, theirs = _pair("MLPClassifier", dict(solver="adam", learning_rate_init=0.01, max_iter=5))
    mine.fit(X, y)
    theirs.fit(X, y)
    assert mine.coefs_[0].dtype == theirs.coefs_[0].dtype == np.float32
    assert mine.predict_proba(X).dtype == theirs.predict_proba(X).dtype == np.float32
    assert_parity(mine.coefs_[0], theirs.coefs_[0], component="sklearn.MLPClassifier (adam, float32 X)",
                  quantity="coefs_[0]", dtype=np.float32)


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


def test_theta_layout_on_both_backends(data, device):
    """θ (``get_vector``, written once in ``Backend`` on each backend's ``arrays``) is
    scikit-learn's layout — every ``coefs_[l]`` row by row, then every
    ``intercepts_[l]`` — on both backends, and ``set_vector`` writes into the network
    itself. On the CPU torch's ``arrays`` are the tensors' own memory; on another
    device they are read-only copies: θ is still read right, and loading one is
    refused in words (none of these numbers are computed: exact equality)."""
    import torch

    from torch_ref.models import twin

    X, y = data["multiclass"]
    mine = sn_sklearn.MLPClassifier(hidden_layer_sizes=(6, 5), solver="lbfgs", max_iter=2, random_state=0).fit(X, y)
    theirs = twin(mine.model_, device=device)
    backends = (mine._backend, torch_sklearn.TorchBackend)
    expected = np.concatenate([W.ravel() for W in mine.coefs_] + mine.intercepts_)
    for backend, model in zip(backends, (mine.model_, theirs)):
        np.testing.assert_array_equal(backend.get_vector(model), expected)
    new = np.arange(expected.size, dtype=np.float64) / expected.size
    mine._backend.set_vector(mine.model_, new)
    np.testing.assert_array_equal(mine._backend.get_vector(mine.model_), new)
    np.testing.assert_array_equal(np.concatenate([W.ravel() for W in mine.coefs_] + mine.intercepts_), new)
    assert mine.model_[0].weight.data[1, 0] == new[1]  # coefs_[0][0, 1] = W[1][1, 0]
    if device == "cpu":
        torch_sklearn.TorchBackend.set_vector(theirs, new)
        np.testing.assert_array_equal(theirs[0].weight.detach().numpy(), mine.model_[0].weight.data)
        np.testing.assert_array_equal(torch_sklearn.TorchBackend.get_vector(theirs), new)
        weights, _ = torch_sklearn.TorchBackend.arrays(theirs)
        with torch.no_grad():
            theirs[0].weight.add_(1.0)
        np.testing.assert_array_equal(weights[0], mine.model_[0].weight.data + 1.0)  # the tensor's memory
    else:
        with pytest.raises(ValueError, match="TorchBackend can load θ only into parameters"):
            torch_sklearn.TorchBackend.set_vector(theirs, new)


#: The scikit-learn checks again, on the torch twins (the settings of
#: tests/test_sklearn_estimators.py; no check is expected to fail).
CHECK_SETTINGS = dict(hidden_layer_sizes=(10,), max_iter=30, learning_rate_init=0.05, random_state=0)


@parametrize_with_checks([torch_sklearn.MLPClassifier(**CHECK_SETTINGS), torch_sklearn.MLPRegressor(**CHECK_SETTINGS)])
def test_torch_twins_pass_sklearn_estimator_checks(estimator, check):
    check(estimator)
