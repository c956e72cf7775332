"""``solver='lbfgs'`` of ``scratchnet.sklearn``: the objective and its gradient
against scikit-learn's at the same point and against finite differences, the
whole L-BFGS run against scikit-learn's from the same weights, and the
solver's behaviour (``max_iter``, ``max_fun``, ``tol``, warnings, attributes,
verbose output, warm starts, no ``partial_fit``).

Tolerances. At one point both libraries evaluate the same formulas in float64;
only the order of operations differs (BLAS blocking, log-softmax against
softmax-then-log), so J and ∇J agree to a few units of roundoff times the
depth of the sums — held to the suite's ``FLOAT64_BOUND`` (1e-10 relative,
norm-wise; ``torch_ref/check/bounds.py`` argues it), measured ~1e-15.
A whole L-BFGS run carries those differences from iteration to iteration and
amplifies them: measured on these networks, the gap between the two runs'
weights grows by ~1.4× per iteration (2e-15 after 10 iterations, 6e-12 after
30; after 100 the runs have taken visibly different paths, 1e-2 — both fine
minimisers, not the same one). Runs are therefore compared over 10 iterations,
where the bound 1e-10 leaves a margin of about 500×.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from parity_tests.compare import FLOAT64_BOUND, errors
from scratchnet.sklearn import MLPClassifier, MLPRegressor
from tests._sklearn_helpers import load_sklearn_weights

NET = dict(hidden_layer_sizes=(7, 5), activation="tanh")

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # tests/conftest.py: small matrices


@pytest.fixture(scope="module")
def problems():
    X3, y3 = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    X2, y2 = make_classification(120, 6, random_state=1)
    Xm, Ym = make_multilabel_classification(120, 6, n_classes=4, random_state=0)
    Xr, yr = make_regression(120, 6, random_state=1)
    Xr3, Yr3 = make_regression(120, 6, n_targets=3, random_state=2)
    rng = np.random.default_rng(0)
    Xp = rng.normal(size=(120, 6))
    yp = rng.poisson(np.exp(0.3 * Xp[:, 0] + 0.5)).astype(float)
    Yp3 = rng.poisson(np.exp(0.2 * Xp[:, :3] + 0.5)).astype(float)
    weights = rng.integers(0, 4, size=120).astype(float) + rng.random(120)
    return {"multiclass": (X3, y3), "binary": (X2, y2), "multilabel": (Xm / Xm.max(), Ym),
            "regression": (Xr, yr / yr.std()), "regression K=3": (Xr3, Yr3 / Yr3.std()),
            "poisson": (Xp, yp), "poisson K=3": (Xp, Yp3), "weights": weights}


def _fitted_pair(problem, X, y, alpha, **kw):
    """scikit-learn's estimator and ours, both initialised (one lbfgs iteration) on (X, y)."""
    ours_cls, sk_cls = ((MLPClassifier, SkMLPClassifier) if problem in ("multiclass", "binary", "multilabel")
                        else (MLPRegressor, SkMLPRegressor))
    with pytest.warns(ConvergenceWarning):
        sk = sk_cls(solver="lbfgs", max_iter=1, alpha=alpha, random_state=0, **NET, **kw).fit(X, y)
        me = ours_cls(solver="lbfgs", max_iter=1, alpha=alpha, random_state=0, **NET, **kw).fit(X, y)
    return me, sk


def _ours(me, theta, X, y, sample_weight=None):
    """Our J(θ) and ∇J(θ) (θ in scikit-learn's packing), from the estimator's own pieces."""
    T = me._targets(y)
    T = T.astype(np.int64 if T.ndim == 1 else np.float64)
    me._backend.set_vector(me.model_, theta)
    c, l2 = me._objective_weights(sample_weight, X.shape[0])
    J = me._backend.objective(me.model_, me._loss_fn, np.ascontiguousarray(X), T, c, l2)
    return J, me._backend.grad_vector(me.model_)


def _sklearns(sk, theta, X, y, sample_weight=None):
    """scikit-learn's J(θ) and ∇J(θ): its own (private) lbfgs objective."""
    Y = sk._label_binarizer.transform(y) if hasattr(sk, "_label_binarizer") else y
    Y = np.asarray(Y, dtype=np.float64).reshape(len(y), -1)
    n = sk.n_layers_ - 1
    return sk._loss_grad_lbfgs(theta, X, Y, sample_weight, [X] + [None] * n, [None] * n, [None] * n, [None] * n)


# =========================================================== the objective at a point
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("problem", ["multiclass", "binary", "multilabel", "regression", "poisson", "poisson K=3"])
def test_objective_and_gradient_are_sklearns(problems, problem, weighted):
    """At our initial weights: for classification J and ∇J are scikit-learn's
    exactly (cross-entropy, the multi-label sum over labels, the L2 term α/(2Σs));
    for squared error (one output) with alpha = 2α ours are twice its (MSELoss
    against its half squared error); for Poisson the gradients are equal and J is
    larger than its half deviance by the data constant Σ_k mean_s(y log y − y)."""
    X, y = problems[problem]
    s = problems["weights"] if weighted else None
    alpha = 0.05
    me, sk = _fitted_pair(problem, X, y, 2 * alpha if problem == "regression" else alpha,
                          **(dict(loss="poisson") if problem.startswith("poisson") else {}))
    if problem == "regression":
        sk.set_params(alpha=alpha)
    theta = me._backend.get_vector(me.model_) * 3  # a point away from the initial one, outputs not small
    J, g = _ours(me, theta, X, y, s)
    J_sk, g_sk = _sklearns(sk, theta, X, y, s)
    if problem == "regression":
        J_sk, g_sk = 2 * J_sk, 2 * g_sk
    if problem.startswith("poisson"):
        Y = y.reshape(len(y), -1)
        J_sk -= np.sum(np.average(xlogy(Y, Y) - Y, weights=s, axis=0))
    assert errors(J, J_sk)[1] <= FLOAT64_BOUND, (J, J_sk)
    assert errors(g, g_sk)[1] <= FLOAT64_BOUND
    assert np.abs(g).max() > 1e-3  # a gradient worth comparing


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("problem", ["binary", "multiclass", "multilabel", "regression K=3", "poisson K=3"])
def test_gradient_matches_central_differences(problems, problem, activation):
    """scikit-learn's test_gradient on our objective (it calls scikit-learn's private
    ``_loss_grad_lbfgs``, so it is excluded from test_mlp.py's run): ∇J by backprop
    against (J(θ + εe_i) − J(θ − εe_i))/2ε for every parameter, with sample weights.

    With ε = 1e-5 the truncation error is ε²/6·|J'''| ≲ 1e-10 and the rounding
    error of the difference u·|J|/ε ≈ 1e-11·|J|; 1e-7 (scikit-learn's own
    decimal=7) is far above both and far below any real error (a wrong term
    shifts the gradient by ≥ 1e-3 here)."""
    X, y = problems[problem]
    X, y, s = X[:12], y[:12], problems["weights"][:12]
    me, _ = _fitted_pair(problem, X, y, 1e-2, **(dict(loss="poisson") if problem.startswith("poisson") else {}))
    me.set_params(activation=activation, hidden_layer_sizes=(4,))
    with pytest.warns(ConvergenceWarning):
        me.fit(X, y)
    theta = me._backend.get_vector(me.model_)
    _, g = _ours(me, theta, X, y, s)
    eps = 1e-5
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        numeric[i] = (_ours(me, theta + step, X, y, s)[0] - _ours(me, theta - step, X, y, s)[0]) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=0, atol=1e-7)


# ========================================================== whole runs against scikit-learn's
@pytest.mark.parametrize("problem", ["multiclass", "binary", "multilabel", "regression", "poisson"])
def test_lbfgs_retraces_sklearn_from_its_initial_weights(problems, problem):
    """The same objective (up to the documented factor 2 or constant) handed to the
    same SciPy L-BFGS-B in the same parameter order: from scikit-learn's initial
    weights, 10 iterations end at scikit-learn's weights (bound argued in the module
    docstring; measured 4e-15 to 2e-13), and the loss agrees likewise."""
    X, y = problems[problem]
    kw = dict(loss="poisson") if problem == "poisson" else {}
    me, sk = _fitted_pair(problem, X, y, 0.02 if problem == "regression" else 0.01, **kw)
    if problem == "regression":
        sk.set_params(alpha=0.01)
    load_sklearn_weights(me, sk.coefs_, sk.intercepts_)
    for est in (me, sk):
        with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge after 10 iteration\(s\)"):
            est.set_params(warm_start=True, max_iter=10).fit(X, y)
    assert me.n_iter_ == sk.n_iter_ == 10
    for a, b in zip(me.coefs_ + me.intercepts_, sk.coefs_ + sk.intercepts_):
        assert errors(a, b)[1] <= FLOAT64_BOUND
    loss_sk = sk.loss_
    if problem == "regression":
        loss_sk = 2 * loss_sk
    if problem == "poisson":
        loss_sk -= np.mean(xlogy(y, y) - y)
    assert errors(me.loss_, loss_sk)[1] <= FLOAT64_BOUND


# ============================================================================ behaviour
def test_max_iter_warns_as_sklearn_and_the_attributes_are_lbfgs_ones(problems):
    X, y = problems["multiclass"]
    clf = MLPClassifier(solver="lbfgs", max_iter=5, random_state=0, **NET)
    with pytest.warns(ConvergenceWarning, match=r"^lbfgs failed to converge after 5 iteration\(s\) \(status=1\):\n"
                                                r"STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT\n\n"
                                                r"Increase the number of iterations to improve the convergence "
                                                r"\(max_iter=5\).$"):
        clf.fit(X, y)
    assert clf.n_iter_ == 5 and clf.t_ == 0
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert not hasattr(clf, name), name  # no epochs, as in scikit-learn
    # loss_ is J at the returned weights
    J, _ = _ours(clf, clf._backend.get_vector(clf.model_), X, y)
    assert clf.loss_ == pytest.approx(J, rel=1e-15)
    # an earlier adam fit's epoch attributes do not survive a fresh lbfgs fit
    clf.set_params(solver="adam", max_iter=2)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 2
    with pytest.warns(ConvergenceWarning):
        clf.set_params(solver="lbfgs").fit(X, y)
    assert not hasattr(clf, "loss_curve_")


def test_max_fun_bounds_the_evaluations(problems):
    """max_fun limits the loss evaluations (scikit-learn's test only checks n_iter_ ≤
    max_fun): counted here, and the warning names the limit."""
    X, y = problems["regression"]
    reg = MLPRegressor(solver="lbfgs", max_fun=7, max_iter=1000, tol=0.0, random_state=0, **NET)
    calls = []
    objective = reg._backend.objective

    class Backend(reg._backend):
        @staticmethod
        def objective(*args):
            calls.append(1)
            return objective(*args)

    reg._backend = Backend
    with pytest.warns(ConvergenceWarning, match=r"STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"):
        reg.fit(X, y)
    # L-BFGS-B stops as soon as the count passes max_fun (7 or 8 calls, by its version's rule)
    assert 7 <= len(calls) <= 8 and reg.n_iter_ <= 7


def test_tol_is_the_gradient_tolerance(problems):
    """tol is L-BFGS-B's gtol: it stops once every entry of ∇J is within tol of 0.
    With tol = 0 only the other rules (relative decrease, max_iter) stop it, later."""
    X, y = problems["binary"]
    loose = MLPClassifier(solver="lbfgs", tol=1e-2, random_state=0, **NET).fit(X, y)
    _, g = _ours(loose, loose._backend.get_vector(loose.model_), X, y)
    assert np.abs(g).max() <= 1e-2
    with pytest.warns(ConvergenceWarning):
        exact = MLPClassifier(solver="lbfgs", tol=0.0, max_iter=150, random_state=0, **NET).fit(X, y)
    assert loose.n_iter_ < exact.n_iter_


def test_no_partial_fit_for_lbfgs():
    """As scikit-learn's classifier: the method is absent (hasattr is False) and
    says why; here the regressor too (scikit-learn's regressor keeps it)."""
    for cls in (MLPClassifier, MLPRegressor):
        est = cls(solver="lbfgs")
        assert not hasattr(est, "partial_fit")
        with pytest.raises(AttributeError, match=f"This '{cls.__name__}' has no attribute 'partial_fit'") as info:
            est.partial_fit
        assert str(info.value.__cause__) == ("partial_fit is only available for stochastic optimizers. "
                                             "lbfgs is not stochastic.")
        assert hasattr(cls(solver="sgd"), "partial_fit") and hasattr(cls(), "partial_fit")


def test_verbose_prints_each_iteration(problems, capsys):
    X, y = problems["multiclass"]
    with pytest.warns(ConvergenceWarning):
        clf = MLPClassifier(solver="lbfgs", max_iter=4, verbose=True, random_state=0, **NET).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [f"Iteration {i}" for i in range(1, 5)]
    assert lines[-1] == f"Iteration 4, loss = {clf.loss_:.8f}"
    with pytest.warns(ConvergenceWarning):
        MLPClassifier(solver="lbfgs", max_iter=2, random_state=0, **NET).fit(X, y)
    assert capsys.readouterr().out == ""


def test_warm_start_continues_from_the_solution(problems):
    X, y = problems["multiclass"]
    with pytest.warns(ConvergenceWarning):
        clf = MLPClassifier(solver="lbfgs", max_iter=10, warm_start=True, random_state=0, **NET).fit(X, y)
    first = clf.loss_
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 10 and clf.loss_ < first  # ten more iterations, from where it stopped
    # and from an adam run (warm start across solvers): the epoch bookkeeping appears when needed
    clf.set_params(solver="adam", max_iter=2)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 2 and clf.n_iter_ == 2


def test_early_stopping_is_not_used_by_lbfgs(problems):
    """As in scikit-learn: early_stopping applies to 'sgd' and 'adam' only; lbfgs
    trains on all the data (the same weights as without it)."""
    X, y = problems["binary"]
    with pytest.warns(ConvergenceWarning):
        a = MLPClassifier(solver="lbfgs", max_iter=10, early_stopping=True, random_state=0, **NET).fit(X, y)
        b = MLPClassifier(solver="lbfgs", max_iter=10, random_state=0, **NET).fit(X, y)
    assert not hasattr(a, "validation_scores_")
    for u, v in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(u, v)


def test_lbfgs_fits_small_problems_well(problems):
    """What scikit-learn recommends lbfgs for: small data sets, fitted to convergence."""
    X, y = problems["multiclass"]
    clf = MLPClassifier(solver="lbfgs", hidden_layer_sizes=(32,), max_iter=500, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.97 and clf.n_iter_ < 500
    X, y = problems["regression K=3"]
    reg = MLPRegressor(solver="lbfgs", hidden_layer_sizes=(32,), max_iter=500, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.99
