"""``scratchnet.sklearn``: scikit-learn's own estimator checks, the estimators in
scikit-learn's tools (Pipeline, GridSearchCV, cross_val_score, clone), every
kind of target, partial_fit, early stopping, verbose output, clear errors — and
the module docstring's claims about scikit-learn's ``MLPClassifier`` /
``MLPRegressor``, each checked by loading scikit-learn's weights into ours and
training both on the same batches.

No torch here (``parity_tests/test_sklearn_parity.py`` has the torch twins).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from parity_tests.compare import FLOAT64_BOUND, errors
from scratchnet.sklearn import MLPClassifier, MLPRegressor
from tests._sklearn_helpers import retrace, weight_gap

#: The short runs here stop at max_iter on purpose; the tests about that warning use pytest.warns.
pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.usefixtures("one_blas_thread")]  # tests/conftest.py: small matrices


# ------------------------------------------------------------------ scikit-learn's own checks
#: Small and fast: ten hidden units, 30 epochs at a larger step than the default
#: 1e-3, enough for the accuracy > 0.83 (iris) and R² > 0.5 that
#: check_classifiers_train / check_regressors_train demand. No check is
#: expected to fail (no ``expected_failed_checks``).
CHECK_SETTINGS = dict(hidden_layer_sizes=(10,), max_iter=30, learning_rate_init=0.05, random_state=0)


@parametrize_with_checks([MLPClassifier(**CHECK_SETTINGS), MLPRegressor(**CHECK_SETTINGS)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]  # every digit, ~60 of each


def _sgd(**kw):
    """Mini-batch SGD settings that learn digits in a few epochs."""
    return dict(dict(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=0.1, momentum=0.9,
                     batch_size=64, max_iter=10, random_state=0), **kw)


# --------------------------------------------------------------- scikit-learn's tools
def test_pipeline_cross_val_score_and_grid_search(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**_sgd()))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv)
    assert scores.shape == (3,) and scores.min() > 0.9, scores

    search = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(2,), (32,)]}, cv=cv).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    # Two hidden units squeeze 64 pixels through a 2-D bottleneck: clearly worse.
    assert means[0] < means[1] - 0.1, means
    assert search.best_params_ == {"mlpclassifier__hidden_layer_sizes": (32,)}
    np.testing.assert_allclose(search.best_score_, means[1])
    np.testing.assert_allclose(means[1], scores.mean())  # the same folds, seeds and settings
    best = search.best_estimator_[-1]
    assert best.hidden_layer_sizes == (32,) and best.n_features_in_ == 64 and best.t_ == 10 * len(X)


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(digits):
    X, y = digits
    est = MLPClassifier(**_sgd(max_iter=2)).fit(X / 16, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "coefs_") and not hasattr(copy, "classes_")
    # Same seed, same data: the clone trains to the very same weights.
    copy.fit(X / 16, y)
    for a, b in zip(copy.coefs_ + copy.intercepts_, est.coefs_ + est.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_get_params_set_params_round_trip():
    est = MLPRegressor()
    defaults = est.get_params()
    assert defaults["hidden_layer_sizes"] == (100,) and defaults["solver"] == "adam"
    # scikit-learn's parameters and defaults, one by one (plus our dtype), for both estimators
    for ours, theirs in [(MLPRegressor(), SkMLPRegressor()), (MLPClassifier(), SkMLPClassifier())]:
        params = ours.get_params()
        assert params.pop("dtype") is None
        assert params == theirs.get_params()
    assert list(inspect.signature(MLPRegressor).parameters) == list(inspect.signature(SkMLPRegressor).parameters) + ["dtype"]
    new = dict(loss="poisson", hidden_layer_sizes=(5, 3), activation="tanh", solver="sgd", alpha=0.5, batch_size=7,
               learning_rate="adaptive", learning_rate_init=0.2, power_t=0.25, max_iter=3, shuffle=False,
               random_state=4, tol=0.1, verbose=True, warm_start=True, momentum=0.5, nesterovs_momentum=False,
               early_stopping=True, validation_fraction=0.3, beta_1=0.5, beta_2=0.5, epsilon=1e-3,
               n_iter_no_change=2, max_fun=7, dtype="float32")
    assert set(new) == set(defaults)
    assert est.set_params(**new) is est
    assert est.get_params() == new
    assert MLPRegressor(**new).get_params() == new
    with pytest.raises(ValueError, match="Invalid parameter 'hidden_layer_size'"):
        est.set_params(hidden_layer_size=3)


# --------------------------------------------------------------------------- targets
def test_binary_string_labels():
    X, y01 = make_classification(200, 5, n_informative=3, class_sep=2.0, random_state=0)
    y = np.where(y01 == 1, "yes", "no")
    clf = MLPClassifier(**_sgd(hidden_layer_sizes=(8,), max_iter=30)).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1 and clf.coefs_[-1].shape == (8, 1)
    P = clf.predict_proba(X)
    assert P.shape == (200, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    pred = clf.predict(X)
    np.testing.assert_array_equal(pred, clf.classes_[np.argmax(P, axis=1)])
    assert clf.score(X, y) == accuracy_score(y, pred) > 0.9
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))


def test_multiclass_digits(digits):
    X, y = digits
    clf = MLPClassifier(**_sgd()).fit(X / 16, y)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 10
    P = clf.predict_proba(X / 16)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(clf.predict(X / 16), np.argmax(P, axis=1))
    assert clf.score(X / 16, y) > 0.95


def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(300, 10, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, batch_size=64,
                        random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    P, pred = clf.predict_proba(X), clf.predict(X)
    assert P.shape == pred.shape == (300, 4)
    assert not np.allclose(P.sum(axis=1), 1.0)  # one probability per label, not a distribution
    np.testing.assert_array_equal(pred, (P > 0.5).astype(int))
    assert clf.score(X, Y) == accuracy_score(Y, pred)  # subset accuracy: all four labels right
    majority = np.maximum(Y.mean(axis=0), 1 - Y.mean(axis=0)).mean()  # 0.56: each label's commoner value
    assert np.mean(pred == Y) > 0.85 > majority + 0.25


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression_single_and_multi_output(n_targets):
    X, y = make_regression(300, 6, n_informative=4, n_targets=n_targets, noise=1.0, random_state=0)
    y = y / y.std()
    reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=100, random_state=0).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == y.shape  # (300,) for one output, (300, 3) for three
    assert reg.out_activation_ == "identity" and reg.n_outputs_ == n_targets
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred), rel=1e-15)
    assert reg.score(X, y) > 0.95


# ------------------------------------------------------------------- fitted attributes
def test_fitted_attributes_and_sklearns_layout(digits):
    X, y = digits
    X = X / 16
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(4\) reached"):
        clf = MLPClassifier(**_sgd(hidden_layer_sizes=(16, 8), max_iter=4, activation="tanh")).fit(X, y)
    assert clf.n_features_in_ == 64 and clf.n_layers_ == 4 and clf.n_iter_ == 4 and clf.t_ == 4 * 600
    assert [c.shape for c in clf.coefs_] == [(64, 16), (16, 8), (8, 10)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (8,), (10,)]
    # coefs_[l-1] is W[l]ᵀ: the (out, in) weight of the Linear layer, transposed
    np.testing.assert_array_equal(clf.coefs_[0], clf.model_[0].weight.data.T)
    np.testing.assert_array_equal(clf.intercepts_[2], clf.model_[4].bias.data)
    # scikit-learn's forward pass, A[l] = g(A[l-1] @ coefs_[l-1] + intercepts_[l-1]), gives predict_proba
    A = X
    for c, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        A = np.tanh(A @ c + b)
    Z = A @ clf.coefs_[-1] + clf.intercepts_[-1]
    softmax = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), softmax / softmax.sum(axis=1, keepdims=True),
                               rtol=1e-12, atol=1e-15)
    assert len(clf.loss_curve_) == 4 and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] < np.log(10) * 1.1
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    # the copies are copies
    clf.coefs_[0][:] = 0
    assert np.any(clf.coefs_[0] != 0)


def test_unfitted_estimator():
    clf = MLPClassifier()
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "out_activation_")
    with pytest.raises(NotFittedError):
        clf.predict(np.ones((2, 3)))


def test_initial_weights_follow_pytorchs_linear_rule():
    """W, b ~ U(−1/√fan_in, 1/√fan_in) (module docstring); a step of 1e-300 moves nothing."""
    X = np.random.default_rng(0).normal(size=(50, 64))
    clf = MLPClassifier(hidden_layer_sizes=(200,), solver="sgd", momentum=0.0, learning_rate_init=1e-300,
                        max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, np.arange(50) % 3)
    for W, fan_in in zip(clf.coefs_, (64, 200)):
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.99 * bound
        assert np.std(W) == pytest.approx(bound / np.sqrt(3), rel=0.05)  # the std of U(−a, a) is a/√3


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_the_network_follows_the_inputs_dtype(solver):
    """As scikit-learn: float32 X trains float32 weights and predicts in float32;
    float64 or integer X trains in float64. dtype= overrides X either way, and a
    later partial_fit or warm start keeps the network's dtype."""
    X, y = make_classification(100, 4, random_state=0)
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, solver=solver, random_state=0)
    with pytest.warns(ConvergenceWarning):
        for X_fit, dtype, expected in [(X.astype(np.float32), None, np.float32), (X, None, np.float64),
                                       (X.round().astype(np.int64), None, np.float64),
                                       (X, "float32", np.float32), (X.astype(np.float32), "float64", np.float64)]:
            clf = MLPClassifier(dtype=dtype, **kw).fit(X_fit, y)
            assert clf.coefs_[0].dtype == clf.intercepts_[-1].dtype == expected
            assert clf.predict_proba(X_fit).dtype == clf.predict_proba(X).dtype == expected
            reg = MLPRegressor(dtype=dtype, **kw).fit(X_fit, y.astype(float))
            assert reg.coefs_[0].dtype == expected and reg.predict(X_fit).dtype == expected
            assert reg.predict(X.astype(np.float32)).dtype == reg.predict(X).dtype == expected
        warm = MLPRegressor(warm_start=True, **kw).fit(X.astype(np.float32), y)
        warm.fit(X, y)  # float64 X now: converted to the float32 network
    assert warm.coefs_[0].dtype == np.float32 and warm.predict(X).dtype == np.float32
    if solver != "lbfgs":
        part = MLPRegressor(**kw).partial_fit(X.astype(np.float32), y).partial_fit(X, y)
        assert part.coefs_[0].dtype == np.float32


def test_float32_training_is_float64_training_to_float32_precision():
    """The same run in both precisions (same initial weights, drawn in float64 and
    rounded): after 3 epochs of SGD (36 steps) the weights agree to float32
    precision, and not to float64 precision (> 1e-9).

    The bound is the first-order worst case of the float32 rounding carried
    through the steps: each step's gradient holds sums of ≤ 64 terms (64 pixels
    forward, a batch of 32 backward), ≤ 64u relative with u = 6e-8, and the
    steps' errors add: 36 · 64u = 1.4e-4 (the initial weights' and the inputs'
    rounding, u each, are far below). Rounding errors of either sign mostly
    cancel: measured 2.6e-7 (other seeds ≤ 3.6e-7), every layer. A float32
    path that computed anything else is off by more: a dropped step by a whole
    update (~1e-2 relative), a float16 cast by its u = 4.9e-4 at once."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16, y[:400]
    kw = dict(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.05, batch_size=32, max_iter=3,
              random_state=0)
    with pytest.warns(ConvergenceWarning):
        a = MLPClassifier(**kw).fit(X.astype(np.float32), y)
        b = MLPClassifier(**kw).fit(X, y)
    gap = max(errors(p, q)[1] for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_))
    assert 1e-9 < gap < 36 * 64 * np.finfo(np.float32).eps / 2, gap


# ------------------------------------------------------------------------- partial_fit
def test_partial_fit_with_classes(digits):
    X, y = digits
    X = X / 16
    clf = MLPClassifier(**_sgd())
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X[:50], y[:50])
    first = y < 5  # the first batch holds digits 0–4 only
    clf.partial_fit(X[first][:100], y[first][:100], classes=np.arange(10))
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.n_outputs_ == 10 and clf.n_iter_ == 1 and clf.t_ == 100
    for _ in range(5):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and clf.t_ == 100 + 5 * 600 and len(clf.loss_curve_) == 6
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match=r"y has classes \[10\] that are not in classes_"):
        clf.partial_fit(X[:3], np.array([1, 2, 10]))
    with pytest.raises(ValueError, match="differs from classes_"):
        clf.partial_fit(X[:3], y[:3], classes=np.arange(11))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


def test_multilabel_partial_fit_takes_the_label_columns_as_classes():
    """As scikit-learn: classes is required on the first call for an indicator y
    too, and there it is the column indices."""
    X, Y = make_multilabel_classification(100, 6, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.2, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        clf.partial_fit(X, Y)
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] for a multi-label indicator y must be its column "
                                         r"indices 0..3"):
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    assert not hasattr(clf, "classes_")
    for _ in range(20):
        clf.partial_fit(X, Y, classes=[0, 1, 2, 3])
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4 and clf.predict(X).shape == (100, 4)
    majority = np.maximum(Y.mean(axis=0), 1 - Y.mean(axis=0)).mean()  # 0.57: each label's commoner value
    assert np.mean(clf.predict(X) == Y) > 0.75 > majority + 0.15


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_epochs_equal_one_fit(digits, solver):
    """One generator, kept across calls, draws the weights and every shuffle, and the
    optimizer's state (momentum, Adam's moments and step count) carries over: n calls
    of partial_fit are one fit of n epochs, to the last bit."""
    X, y = digits
    kw = _sgd(solver=solver, momentum=0.9, max_iter=3, tol=0.0, learning_rate_init=0.01)
    with pytest.warns(ConvergenceWarning):
        fitted = MLPClassifier(**kw).fit(X / 16, y)
    partial = MLPClassifier(**kw)
    for _ in range(3):
        partial.partial_fit(X / 16, y, classes=np.arange(10))
    assert partial.loss_curve_ == fitted.loss_curve_
    for a, b in zip(partial.coefs_ + partial.intercepts_, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_regressor_partial_fit_continues():
    X, y = make_regression(200, 4, noise=0.5, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    for _ in range(30):
        reg.partial_fit(X, y / y.std())
    assert reg.n_iter_ == 1 and reg.t_ == 30 * 200 and len(reg.loss_curve_) == 30
    assert reg.loss_curve_[-1] < 0.1 * reg.loss_curve_[0]


def test_warm_start_continues_and_keeps_the_classes(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning):
        clf = MLPClassifier(**_sgd(max_iter=2, warm_start=True)).fit(X / 16, y)
        before = clf.coefs_[0]
        clf.set_params(max_iter=3).fit(X / 16, y)
    assert len(clf.loss_curve_) == 5 and clf.n_iter_ == 3 and clf.t_ == 5 * 600
    assert clf.loss_curve_[2] < clf.loss_curve_[1] * 1.05  # continued from where it was, not from scratch
    assert not np.array_equal(before, clf.coefs_[0])
    with pytest.raises(ValueError, match=r"warm_start can only be used where `y` has the same classes as in the "
                                         r"previous call to fit. Previously got \[0 1 2 3 4 5 6 7 8 9\], `y` has \[0 1 2 3 4\]"):
        clf.fit(X[y < 5] / 16, y[y < 5])


# ---------------------------------------------------------------------- stopping rules
class _RecordingMixin:
    """Keeps a copy of the weights after every epoch's validation score; with
    ``blow_up_after = k`` set, the step size jumps to 1e8 after epoch k (a
    schedule gone wrong: training diverges soon after)."""

    blow_up_after = None

    def _update_no_improvement_count(self, early_stopping, X_val, y_val, s_val):
        super()._update_no_improvement_count(early_stopping, X_val, y_val, s_val)
        self.history_ = getattr(self, "history_", []) + [self.coefs_]
        if self.n_iter_ == self.blow_up_after:
            self._backend.set_lr(self._optimizer, 1e8)


class _Recording(_RecordingMixin, MLPClassifier):
    pass


class _RecordingRegressor(_RecordingMixin, MLPRegressor):
    pass


def test_early_stopping_stops_and_restores_the_best_epoch(digits):
    X, y = digits
    clf = _Recording(**_sgd(max_iter=100, early_stopping=True, validation_fraction=0.2, n_iter_no_change=3,
                            tol=1e-3)).fit(X / 16, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ == len(clf.loss_curve_) < 100
    assert clf.best_validation_score_ == max(scores) > 0.9 and clf.best_loss_ is None
    # scikit-learn's rule, replayed on the scores: an epoch counts as "no improvement"
    # when its score is below the best so far + tol; stop once the count exceeds 3.
    best, count, stop = -np.inf, 0, None
    for epoch, s in enumerate(scores, start=1):
        count = count + 1 if s < best + 1e-3 else 0
        best = max(best, s)
        if count > 3:
            stop = epoch
            break
    assert stop == clf.n_iter_
    # the weights returned are those of the first epoch with the best validation accuracy
    for a, b in zip(clf.coefs_, clf.history_[int(np.argmax(scores))]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(clf.coefs_[0], clf.history_[-1][0])  # not simply the last epoch's


def test_early_stopping_regressor_keeps_r2_scores():
    X, y = make_regression(300, 5, noise=5.0, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=300, early_stopping=True,
                       n_iter_no_change=5, random_state=0).fit(X, y / y.std())
    assert reg.n_iter_ < 300 and len(reg.validation_scores_) == reg.n_iter_
    assert 0.9 < reg.best_validation_score_ == max(reg.validation_scores_) <= 1.0


def test_training_loss_rule_and_adaptive_learning_rate(capsys):
    """tol=10 means no epoch ever improves: the count exceeds n_iter_no_change=1 at
    epoch 3. 'adaptive' then divides the step by 5 and starts counting again (every
    2 epochs) until it is ≤ 1e-6: 0.1/5⁸ = 2.6e-7 after 8 divisions, so it stops at
    epoch 3 + 8·2 = 19."""
    X, y = make_classification(60, 4, random_state=0)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=0.1, tol=10.0, n_iter_no_change=1,
              max_iter=100, random_state=0)
    assert MLPClassifier(**kw).fit(X, y).n_iter_ == 3
    clf = MLPClassifier(learning_rate="adaptive", verbose=True, **kw).fit(X, y)
    assert clf.n_iter_ == 19
    out = capsys.readouterr().out
    assert out.count("Setting learning rate to") == 8
    assert "Setting learning rate to 0.000001" in out  # 0.1/5^7 = 1.28e-6, printed as %f
    assert out.strip().endswith("for 1 consecutive epochs. Learning rate too small. Stopping.")


def test_n_iter_no_change_inf_never_stops():
    X, y = make_classification(60, 4, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(4,), tol=10.0, n_iter_no_change=np.inf, max_iter=12, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 12


def test_verbose_prints_every_epoch(capsys, digits):
    X, y = digits
    clf = MLPClassifier(**_sgd(max_iter=40, early_stopping=True, n_iter_no_change=2, tol=0.05, verbose=True))
    clf.fit(X / 16, y)
    lines = capsys.readouterr().out.splitlines()
    iterations = [line for line in lines if line.startswith("Iteration")]
    validation = [line for line in lines if line.startswith("Validation score:")]
    assert iterations == [f"Iteration {i}, loss = {v:.8f}" for i, v in enumerate(clf.loss_curve_, start=1)]
    assert validation == [f"Validation score: {s:f}" for s in clf.validation_scores_]
    assert lines[-1] == ("Validation score did not improve more than tol=0.050000 for 2 consecutive epochs. "
                         "Stopping.")
    assert clf.n_iter_ < 40
    with pytest.warns(ConvergenceWarning):
        MLPClassifier(**_sgd(max_iter=2)).fit(X / 16, y)  # verbose=False: silent
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------------ clear errors
def test_bad_input_gets_clear_errors(digits):
    X, y = digits
    clf = MLPClassifier(**_sgd(max_iter=1))
    with pytest.warns(ConvergenceWarning):
        clf.fit(X / 16, y)
    with pytest.raises(ValueError, match="X has 5 features, but MLPClassifier is expecting 64 features"):
        clf.predict(np.ones((2, 5)))
    bad = X[:10] / 16
    bad[3, 7] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier().fit(bad, y[:10])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        MLPRegressor().fit(X[:3], [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier().fit(X[:3], [0.5, 1.5, 2.25])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier().fit(X[:3], y[:4])
    with pytest.raises(ValueError, match="validation_fraction must be > 0"):
        MLPClassifier(early_stopping=True, validation_fraction=0.0).fit(X, y)
    with pytest.raises(ValueError, match="The validation set is too small. Increase 'validation_fraction' or the "
                                         "size of your dataset."):
        MLPRegressor(early_stopping=True).fit(X[:5], y[:5])  # 1 of 5 samples held out
    with pytest.raises(ValueError, match=r"loss='poisson' needs non-negative targets .*got y = -1.5"):
        MLPRegressor(loss="poisson").fit(X[:3], [1.0, -1.5, 2.0])


def test_too_few_samples_of_a_class_for_a_stratified_split():
    """scikit-learn's message (its MLP stratifies on one-hot rows, so it names the
    class 'True'), then which class it is in the user's labels."""
    with pytest.raises(ValueError, match=r"The least populated classes in y have only 1 member.*Classes with too few "
                                         r"members are: \['True'\].*a class with one sample cannot be split: "
                                         r"here \['b'\]"):
        MLPClassifier(early_stopping=True).fit(np.arange(8.0).reshape(4, 2), ["a", "a", "a", "b"])


BAD_WEIGHTS = [
    (np.ones(3), ValueError, r"sample_weight must have shape \(4,\), one weight per sample of X, got shape \(3,\)"),
    (np.ones((4, 1)), ValueError, r"sample_weight must have shape \(4,\)"),
    ([1.0, -1.0, 1.0, 1.0], ValueError, "sample_weight must be >= 0, got -1.0"),
    ([1.0, np.nan, 1.0, 1.0], ValueError, "sample_weight must be finite"),
    (np.zeros(4), ValueError, "sample_weight must hold at least one non-zero weight; all weights are zero"),
    (["a", "b", "c", "d"], TypeError, "sample_weight must be a numeric array"),
    (np.ones(4, dtype=bool), TypeError, "sample_weight must hold real numbers, got booleans"),
]


@pytest.mark.parametrize("weights, error, message", BAD_WEIGHTS)
def test_bad_sample_weights_get_clear_errors(weights, error, message):
    X, y = np.arange(8.0).reshape(4, 2), [0, 1, 0, 1]
    for est in (MLPClassifier(max_iter=2), MLPRegressor(max_iter=2), MLPClassifier(solver="lbfgs", max_iter=2)):
        with pytest.raises(error, match=message):
            est.fit(X, y, sample_weight=weights)
    with pytest.raises(error, match=message):
        MLPClassifier().partial_fit(X, y, sample_weight=weights, classes=[0, 1])


def test_divergence_is_an_error_not_a_silent_nan():
    """scikit-learn's message (users search for it), then where and why: training
    stops at the first epoch whose loss is not finite."""
    X, y = make_regression(100, 5, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=1.0, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match=r"^Solver produced non-finite parameter weights. The input data may contain "
                                         r"large values and need to be preprocessed. \(the loss turned non-finite at "
                                         r"epoch \d+: .*StandardScaler.*learning_rate_init=1.0\)$"):
        reg.fit(X * 1e3, y * 1e3)
    assert reg.n_iter_ < 50 and reg.n_iter_ == len(reg.loss_curve_)  # it stopped at the first non-finite loss
    assert not np.isfinite(reg.loss_curve_[-1]) and np.all(np.isfinite(reg.loss_curve_[:-1]))


@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor"])
def test_divergence_with_early_stopping_keeps_the_best_validation_epoch(estimator):
    """With early stopping the diverged epoch scores NaN, training stops there, and the
    weights of the best validation epoch come back, with a ConvergenceWarning (where
    scikit-learn runs on to max_iter with NaN weights, then restores the same best)."""
    X, y = make_classification(200, 5, random_state=0)
    mlp = (_Recording if estimator == "MLPClassifier" else _RecordingRegressor)(
        hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=0.01, batch_size=20, max_iter=200,
        early_stopping=True, n_iter_no_change=200, random_state=0)
    mlp.blow_up_after = 6
    with pytest.warns(ConvergenceWarning, match=r"Training diverged at epoch (\d+) \(loss (nan|inf)\); the weights of "
                                                r"the best validation epoch were restored"):
        mlp.fit(X, y)
    scores = mlp.validation_scores_
    assert np.isnan(scores[-1]) and np.all(np.isfinite(scores[:-1])) and len(scores) == mlp.n_iter_ >= 7
    assert mlp.best_validation_score_ == max(scores[:-1])
    best = int(np.nanargmax(scores))
    for a, b in zip(mlp.coefs_, mlp.history_[best]):
        np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(mlp.predict(X)))


BAD_PARAMS = [
    (dict(hidden_layer_sizes=(0,)), ValueError, "hidden_layer_sizes must be > 0"),
    (dict(hidden_layer_sizes=(3.5,)), TypeError, "hidden_layer_sizes must hold integers"),
    (dict(hidden_layer_sizes="10"), TypeError, "hidden_layer_sizes must be an int or a sequence"),
    (dict(activation="softmax"), ValueError, r"activation must be one of \['identity', 'logistic'"),
    (dict(solver="newton"), ValueError, r"solver must be one of \['lbfgs', 'sgd', 'adam'\], got 'newton'"),
    (dict(alpha=-1.0), ValueError, "alpha must be >= 0"),
    (dict(alpha=np.inf), ValueError, "alpha must be < inf"),
    (dict(alpha="0.1"), TypeError, "alpha must be a real number, got str"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    (dict(batch_size="all"), TypeError, "batch_size must be an integer >= 1 or 'auto', got 'all'"),
    (dict(learning_rate="optimal"), ValueError, "learning_rate must be one of"),
    (dict(learning_rate_init=0.0), ValueError, "learning_rate_init must be > 0"),
    (dict(learning_rate_init=np.inf), ValueError, "learning_rate_init must be < inf"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(max_iter=2.5), TypeError, "max_iter must be an integer"),
    (dict(max_fun=0), ValueError, "max_fun must be >= 1"),
    (dict(max_fun=1.5), TypeError, "max_fun must be an integer"),
    (dict(momentum=1.5), ValueError, "momentum must be <= 1"),
    (dict(validation_fraction=1.0), ValueError, "validation_fraction must be < 1"),
    (dict(beta_1=1.0), ValueError, "beta_1 must be < 1"),
    (dict(epsilon=0.0), ValueError, "epsilon must be > 0"),
    (dict(n_iter_no_change=0), ValueError, "n_iter_no_change must be >= 1"),
    (dict(tol=float("nan")), ValueError, "tol must not be NaN"),
    (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
    (dict(verbose=-1), ValueError, "verbose must be True, False or an integer >= 0"),
    (dict(dtype="float16"), TypeError, "dtype must be float32 or float64"),
]


@pytest.mark.parametrize("params, error, message", BAD_PARAMS, ids=[next(iter(p)) + "=" + repr(next(iter(p.values())))
                                                                    for p, _, _ in BAD_PARAMS])
def test_bad_hyperparameters_fail_at_fit_with_the_name(params, error, message):
    clf = MLPClassifier(**params)  # scikit-learn's rule: __init__ stores, fit validates
    assert clf.get_params()[next(iter(params))] is next(iter(params.values()))
    with pytest.raises(error, match=message):
        clf.fit(np.ones((4, 2)), [0, 1, 0, 1])


# ======================================== the module docstring's claims about scikit-learn's MLP
def _retrace(ours_cls, sk_cls, X, y, *, ours: dict, theirs: dict, common: dict, epochs: int = 5):
    """``tests._sklearn_helpers.retrace``, summed up: (norm-wise relative error of
    our final weights, our loss curve / theirs over the ``epochs``)."""
    me, sk = retrace(ours_cls, sk_cls, X, y, ours=ours, theirs=theirs, common=common, epochs=epochs)
    return weight_gap(me, sk), np.array(me.loss_curve_[-epochs:]) / np.array(sk.loss_curve_[-epochs:])


SGD = {"sgd": dict(solver="sgd", momentum=0.0),
       "momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
       "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
       "invscaling": dict(solver="sgd", momentum=0.0, learning_rate="invscaling", power_t=0.3)}
NET = dict(hidden_layer_sizes=(7, 5), activation="tanh", batch_size=32)
GAMMA, ALPHA = 0.05, 1e-2


@pytest.fixture(scope="module")
def problems():
    X3, y3 = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    X2, y2 = make_classification(120, 6, random_state=1)
    Xm, Ym = make_multilabel_classification(120, 6, n_classes=4, random_state=0)
    Xr, Yr = make_regression(120, 6, n_targets=3, random_state=0)
    Xr1, yr1 = make_regression(120, 6, random_state=1)
    return {"multiclass": (X3, y3), "binary": (X2, y2), "multilabel": (Xm / Xm.max(), Ym),
            "regression K=3": (Xr, Yr / Yr.std()), "regression K=1": (Xr1, yr1 / yr1.std())}


@pytest.mark.parametrize("optimizer", list(SGD))
@pytest.mark.parametrize("problem", ["multiclass", "binary", "multilabel"])
def test_sgd_retraces_sklearn_on_classification(problems, optimizer, problem):
    """Same loss (cross-entropy, mean over the batch; for multi-label y the sum of
    the labels' binary cross-entropies, as scikit-learn's), same L2 term, same
    SGD: the final weights agree to rounding (both float64; only summation order
    differs, ~1e-16 measured), and so does the loss curve."""
    X, y = problems[problem]
    kw = dict(learning_rate_init=GAMMA, alpha=ALPHA)
    gap, ratio = _retrace(MLPClassifier, SkMLPClassifier, X, y, ours=kw, theirs=kw, common={**NET, **SGD[optimizer]})
    assert gap <= FLOAT64_BOUND
    np.testing.assert_allclose(ratio, 1.0, rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "invscaling"])
@pytest.mark.parametrize("problem", ["regression K=1", "regression K=3"])
def test_regression_retraces_sklearn_with_the_documented_settings(problems, optimizer, problem):
    """MSELoss vs scikit-learn's half squared error: learning_rate_init = γ·K/2 and
    alpha = 2α/K give its weights for its (γ, α); with one output our loss is twice its."""
    X, Y = problems[problem]
    K = 1 if Y.ndim == 1 else Y.shape[1]
    gap, ratio = _retrace(MLPRegressor, SkMLPRegressor, X, Y, ours=dict(learning_rate_init=GAMMA * K / 2,
                                                                         alpha=2 * ALPHA / K),
                          theirs=dict(learning_rate_init=GAMMA, alpha=ALPHA), common={**NET, **SGD[optimizer]})
    assert gap <= FLOAT64_BOUND
    if K == 1:
        np.testing.assert_allclose(ratio, 2.0, rtol=1e-12)
    else:  # the data term is twice its, the L2 term 2/K times: the ratio lies between
        assert np.all((ratio > 2 / K) & (ratio < 2))


def test_adam_retraces_sklearn_when_epsilon_vanishes(problems):
    """The one difference is where ε sits; with ε = 1e-300 the trajectories agree to
    rounding, with the default 1e-8 they drift apart by a small amount."""
    X, y = problems["multiclass"]
    common = {**NET, "solver": "adam", "learning_rate_init": 0.01, "alpha": ALPHA}
    gap, _ = _retrace(MLPClassifier, SkMLPClassifier, X, y, ours=dict(epsilon=1e-300), theirs=dict(epsilon=1e-300),
                      common=common)
    assert gap <= FLOAT64_BOUND
    gap, _ = _retrace(MLPClassifier, SkMLPClassifier, X, y, ours={}, theirs={}, common=common)
    assert 1e-8 < gap < 1e-4


def test_momentum_with_a_changing_step_parts_ways_with_sklearn(problems):
    """The docstring's caveat is real: with invscaling, PyTorch's momentum buffer
    (scaled by the new γ as a whole) and scikit-learn's velocity (γ folded in at each
    step) give different weights."""
    X, y = problems["multiclass"]
    common = {**NET, "solver": "sgd", "momentum": 0.9, "learning_rate": "invscaling", "power_t": 0.5,
              "learning_rate_init": GAMMA}
    gap, _ = _retrace(MLPClassifier, SkMLPClassifier, X, y, ours={}, theirs={}, common=common)
    assert gap > 1e-6
