"""``MLPRegressor(loss='poisson')``: a log link (predictions e^Z[L]) and PyTorch's
``PoissonNLLLoss(log_input=True)``, ℓ = e^z − y·z, which differs from
scikit-learn's half Poisson deviance y·log(y/ŷ) − y + ŷ by y·log y − y, a
constant of the data: the same gradients, so SGD retraces scikit-learn's
weights, and loss curves apart by exactly that constant. (The objective at a
point and lbfgs runs against scikit-learn's: ``tests/test_sklearn_lbfgs.py``.)
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from parity_tests.compare import FLOAT64_BOUND
from scratchnet.sklearn import MLPRegressor
from tests._sklearn_helpers import retrace, weight_gap

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # tests/conftest.py: small matrices


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1] + 1.0)).astype(float)
    return X, y


def test_predictions_are_the_exponential_of_the_network(counts):
    X, y = counts
    with pytest.warns(ConvergenceWarning):
        reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), activation="tanh", max_iter=20,
                           learning_rate_init=0.01, random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp"
    A = np.tanh(X @ reg.coefs_[0] + reg.intercepts_[0])
    np.testing.assert_allclose(reg.predict(X), np.exp(A @ reg.coefs_[1] + reg.intercepts_[1]).ravel(),
                               rtol=1e-13)
    assert np.all(reg.predict(X) > 0)
    with pytest.warns(ConvergenceWarning):
        assert MLPRegressor(max_iter=1).fit(X, y).out_activation_ == "identity"


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sgd_retraces_sklearns_poisson_regressor(counts, solver):
    """Same gradient (e^z − y per example, mean over the batch), same L2 term, same
    batches: from scikit-learn's initial weights our weights after 5 epochs are its
    weights (SGD: to rounding; Adam: with ε → 0, where the optimizers agree, see
    scratchnet.sklearn), and every epoch's loss is its loss minus mean(y log y − y)."""
    X, y = counts
    common = dict(loss="poisson", hidden_layer_sizes=(7, 5), activation="tanh", solver=solver, momentum=0.9,
                  nesterovs_momentum=False, learning_rate_init=0.01, alpha=0.01, batch_size=32, epsilon=1e-300)
    me, sk = retrace(MLPRegressor, SkMLPRegressor, X, y, common=common, epochs=5)
    assert weight_gap(me, sk) <= FLOAT64_BOUND
    constant = np.mean(xlogy(y, y) - y)
    np.testing.assert_allclose(np.array(sk.loss_curve_[-5:]) - me.loss_curve_[-5:], constant, rtol=1e-10)


def test_no_hidden_nonlinearity_is_a_poisson_glm(counts):
    """A one-unit identity hidden layer is a linear predictor: lbfgs reaches the
    Poisson GLM's fit (scikit-learn's PoissonRegressor, alpha=0), as in
    scikit-learn's own test, on four features.

    How close is close: SciPy's L-BFGS-B stops once an iteration lowers J by
    less than ftol·max(|J|, 1) (ftol = 2.2e-9, its default; |J| < 1 here), so
    J − J* ≤ ftol is asserted (J* the GLM's, whose own fit is 1e-8 from
    Newton's). Near the minimum J − J* = ½ δβᵀHδβ, H = (1/m) Σ λ_i x̃_i x̃_iᵀ
    the Fisher matrix of the log-rates η = x̃ᵀβ (x̃ = (x, 1)), so each log-rate
    — each prediction's relative error — is off by at most
    |x̃_iᵀδβ| ≤ √(x̃_iᵀH⁻¹x̃_i)·√(2(J − J*)): 1.6e-4 at J − J* = ftol for these
    data, the bound used (scikit-learn's test has 1e-4). Measured: J − J* =
    1e-12, predictions 2e-6 apart (other seeds: up to 4e-10 and 4.4e-5)."""
    X, y = counts
    glm = PoissonRegressor(alpha=0, tol=1e-10, max_iter=1000).fit(X, y)
    mlp = MLPRegressor(loss="poisson", hidden_layer_sizes=(1,), activation="identity", alpha=0, solver="lbfgs",
                       tol=1e-8, max_iter=1000, random_state=0).fit(X, y)
    rate, rate_glm = mlp.predict(X), glm.predict(X)
    ftol = 2.220446049250313e-09  # scipy.optimize.minimize(method="L-BFGS-B")'s default

    def J(lam):  # the Poisson objective without log(y!), alpha = 0
        return np.mean(lam - y * np.log(lam))

    assert J(rate) - J(rate_glm) <= ftol * max(abs(J(rate)), 1.0)
    Xt = np.c_[X, np.ones(len(X))]
    H = (Xt * rate_glm[:, None]).T @ Xt / len(X)
    bound = np.sqrt(np.einsum("ij,jk,ik->i", Xt, np.linalg.inv(H), Xt).max() * 2 * ftol)
    assert 1e-4 < bound < 2e-4   # the docstring's figure
    np.testing.assert_allclose(rate, rate_glm, rtol=bound)
    assert not np.allclose(MLPRegressor(hidden_layer_sizes=(1,), activation="identity", alpha=0, solver="lbfgs",
                                        random_state=0).fit(X, y).predict(X), glm.predict(X), rtol=1e-2)


def test_zero_counts_are_fine_negative_targets_are_not(counts):
    X, _ = counts
    y = np.zeros(len(X))
    y[::3] = 2.0  # mostly zeros: y·log y is 0 there, nothing is undefined
    with pytest.warns(ConvergenceWarning):
        reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    assert np.all(np.isfinite(reg.loss_curve_))
    with pytest.raises(ValueError, match=r"loss='poisson' needs non-negative targets \(counts or rates\), got y = -1"):
        MLPRegressor(loss="poisson").fit(X[:3], [0.0, -1.0, 2.0])
    with pytest.raises(ValueError, match=r"loss must be one of \['squared_error', 'poisson'\], got 'huber'"):
        MLPRegressor(loss="huber").fit(X[:3], [0.0, 1.0, 2.0])
