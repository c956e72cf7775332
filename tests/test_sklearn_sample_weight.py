"""``sample_weight`` in ``scratchnet.sklearn``: scikit-learn's (≥ 1.7) definition,

    J = Σ_i s_i ℓ_i / Σ_i s_i + α/(2 Σ_i s_i) · Σ‖W‖²       (per mini-batch)

checked against repeated and removed samples, against scikit-learn's weighted
SGD on the same batches, in early stopping's split and validation score, in
``partial_fit``, and for batches that hold no weight. (The objective at a point
against scikit-learn's, weighted, is in ``tests/test_sklearn_lbfgs.py``; the
torch twin in ``parity_tests/test_sklearn_parity.py``.)
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from parity_tests.compare import FLOAT64_BOUND, errors
from scratchnet.sklearn import MLPClassifier, MLPRegressor
from tests._sklearn_helpers import retrace, weight_gap

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.usefixtures("one_blas_thread")]  # tests/conftest.py: small matrices
NET = dict(hidden_layer_sizes=(8,), activation="tanh", random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(60, 5, n_informative=3, n_classes=3, random_state=0)
    Xr, yr = make_regression(60, 5, random_state=0)
    counts = np.random.default_rng(0).integers(0, 4, size=60)  # 0 to 3 copies of each sample
    return X, y, Xr, yr / yr.std(), counts


def _weights(est):
    return est.coefs_ + est.intercepts_


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_no_weights_is_all_ones_to_the_last_bit(data, solver):
    """None means s_i = 1: the very same arithmetic, the same split, the same bits."""
    X, y, *_ = data
    kw = dict(NET, solver=solver, max_iter=5, batch_size=16, early_stopping=solver != "lbfgs", n_iter_no_change=99)
    a = MLPClassifier(**kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=np.ones(len(y)))
    c = MLPClassifier(**kw).fit(X, y, sample_weight=1.0)  # a number: the same weight for every sample
    for u, v, w in zip(_weights(a), _weights(b), _weights(c)):
        np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(u, w)
    if solver != "lbfgs":
        assert a.loss_curve_ == b.loss_curve_ and a.validation_scores_ == b.validation_scores_


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor"])
def test_integer_weights_are_repeated_samples(data, estimator, solver):
    """Weight k ≡ the sample k times (0 ≡ removed) when each step sees the whole set
    (lbfgs; adam with one batch): Σ s ℓ / Σ s is the mean over the repeated data and
    α/(2Σs) its L2 term. Same initial weights, so the same run, up to the order
    of the sums: ~1e-16 per evaluation, carried through ≤ 20 iterations (measured
    ≤ 1e-13 on the weights; bound FLOAT64_BOUND, tests/test_sklearn_lbfgs.py argues
    the growth per iteration)."""
    X, y, Xr, yr, counts = data
    if estimator == "MLPRegressor":
        X, y = Xr, yr
    cls = MLPClassifier if estimator == "MLPClassifier" else MLPRegressor
    kw = dict(NET, solver=solver, max_iter=20, shuffle=False, tol=0.0)  # batch_size "auto": all (≤ 200)
    weighted = cls(**kw).fit(X, y, sample_weight=counts)
    repeated = cls(**kw).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts, axis=0))
    for u, v in zip(_weights(weighted), _weights(repeated)):
        assert errors(u, v)[1] <= FLOAT64_BOUND
    assert weighted.n_iter_ == repeated.n_iter_ == 20


def test_scaling_the_weights_changes_only_the_l2_term(data):
    """s → 10 s leaves the data term Σ s ℓ / Σ s alone and divides α/(2Σs) by 10:
    with alpha = 0 the fit is the same; with alpha > 0 it equals the fit at alpha/10."""
    X, y, *_ = data
    s = np.random.default_rng(1).random(len(y)) + 0.5
    kw = dict(NET, solver="lbfgs", max_iter=10)
    for alpha, alpha_for_10s in [(0.0, 0.0), (0.1, 0.01)]:
        a = MLPClassifier(alpha=alpha_for_10s, **kw).fit(X, y, sample_weight=s)
        b = MLPClassifier(alpha=alpha, **kw).fit(X, y, sample_weight=10 * s)
        for u, v in zip(_weights(a), _weights(b)):
            assert errors(u, v)[1] <= FLOAT64_BOUND


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_weighted_sgd_retraces_sklearn(data, momentum):
    """scikit-learn's weighted mini-batch SGD (deltas · s_i, gradients / Σ_batch s,
    L2 term α/Σ_batch s): from its initial weights, on the same batches
    (shuffle=False), our weights after 5 epochs are its weights, to rounding
    (~1e-16 measured; FLOAT64_BOUND), and so are the loss curves."""
    X, y, *_ = data
    s = np.random.default_rng(2).random(len(y)) * 3
    s[:7] = 0.0  # a whole batch of 7 with no weight: scikit-learn divides 0 by 0 there, so keep it out
    X, y, s = X[7:], y[7:], s[7:]
    common = dict(hidden_layer_sizes=(7, 5), activation="tanh", solver="sgd", momentum=momentum,
                  nesterovs_momentum=False, learning_rate_init=0.05, alpha=0.01, batch_size=7)
    me, sk = retrace(MLPClassifier, SkMLPClassifier, X, y, common=common, epochs=5, fit_kwargs=dict(sample_weight=s))
    assert weight_gap(me, sk) <= FLOAT64_BOUND
    np.testing.assert_allclose(me.loss_curve_[-5:], sk.loss_curve_[-5:], rtol=1e-12)


def test_a_batch_without_weight_is_skipped(data):
    """A mini-batch whose weights are all 0 holds nothing to learn (its J would be
    0/0): no step is taken, so the run equals one without those samples."""
    X, y, *_ = data
    s = np.ones(len(y))
    s[:10] = 0.0
    kw = dict(NET, solver="sgd", momentum=0.9, batch_size=10, shuffle=False, max_iter=4, tol=0.0)
    with_zero_batch = MLPClassifier(**kw).fit(X, y, sample_weight=s)
    without = MLPClassifier(**kw).fit(X[10:], y[10:])
    for u, v in zip(_weights(with_zero_batch), _weights(without)):
        np.testing.assert_array_equal(u, v)
    assert np.all(np.isfinite(with_zero_batch.loss_curve_))


def test_partial_fit_takes_weights(data):
    """Epochs of partial_fit with weights are epochs of fit with the same weights."""
    X, y, *_ = data
    s = np.random.default_rng(3).random(len(y))
    kw = dict(NET, solver="adam", batch_size=16, max_iter=3, tol=0.0)
    fitted = MLPClassifier(**kw).fit(X, y, sample_weight=s)
    partial = MLPClassifier(**kw)
    for _ in range(3):
        partial.partial_fit(X, y, sample_weight=s, classes=np.unique(y))
    assert partial.loss_curve_ == fitted.loss_curve_
    for u, v in zip(_weights(partial), _weights(fitted)):
        np.testing.assert_array_equal(u, v)
    # the regressor's partial_fit too, positionally as in scikit-learn: (X, y, sample_weight)
    reg = MLPRegressor(**kw).partial_fit(X, y.astype(float), s)
    assert reg.n_iter_ == 1


class _RecordsValidation(MLPClassifier):
    """Keeps what each epoch's validation score was computed from."""

    def _update_no_improvement_count(self, early_stopping, X_val, y_val, s_val):
        self.seen_ = getattr(self, "seen_", []) + [(X_val, y_val, s_val, self.predict(X_val))]
        super()._update_no_improvement_count(early_stopping, X_val, y_val, s_val)


def test_early_stopping_splits_the_weights_and_scores_with_them(data):
    """The held-out samples keep their own weights (the split takes the weights
    along), and each validation score is the weighted accuracy (scikit-learn ≥ 1.7)."""
    X, y, *_ = data
    X = np.hstack([X, np.arange(len(y))[:, None] / len(y)])  # last column: the row's index / n
    s = 1.0 + np.arange(len(y)) % 7  # a weight each row's index determines
    clf = _RecordsValidation(**dict(NET, solver="adam", learning_rate_init=0.01, max_iter=15, early_stopping=True,
                                    validation_fraction=0.3, n_iter_no_change=20)).fit(X, y, sample_weight=s)
    differs = 0
    for (X_val, y_val, s_val, pred), score in zip(clf.seen_, clf.validation_scores_):
        rows = np.rint(X_val[:, -1] * len(y)).astype(int)
        np.testing.assert_array_equal(s_val, s[rows])
        np.testing.assert_array_equal(y_val, y[rows])
        assert score == accuracy_score(y_val, pred, sample_weight=s_val)
        differs += score != accuracy_score(y_val, pred)
    assert differs > 0  # the weights did change the scores
    assert len(clf.seen_) == 15 and len(clf.seen_[0][0]) == 18  # 30 % of 60


def test_validation_set_without_weight_is_refused(data):
    X, y, *_ = data
    s = np.zeros(len(y))
    s[:2] = 1.0  # nearly all the weight in two samples; the 6 held out get none
    clf = MLPClassifier(**dict(NET, early_stopping=True, validation_fraction=0.1))
    with pytest.raises(ValueError, match="the early-stopping validation set's sample weights are all zero"):
        for seed in range(20):  # some split leaves both weighted samples in training
            clf.set_params(random_state=seed).fit(X, y, sample_weight=s)
