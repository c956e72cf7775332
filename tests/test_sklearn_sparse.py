"""Sparse X (``scipy.sparse``) in ``scratchnet.sklearn``: the same fit and the
same predictions as the dense X, every sparse format, float32, a text
pipeline — and X is never densified (the first layer is sparse × dense).

Tolerance: a sparse product sums each row's nonzeros in index order where BLAS
blocks the dense product differently, ~1e-16 relative per product; over the
few dozen steps here (and ≤ 15 L-BFGS iterations, whose growth
tests/test_sklearn_lbfgs.py measures) that stays far inside the suite's
FLOAT64_BOUND (measured ≤ 1e-14).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits, make_regression
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline

from parity_tests.compare import FLOAT64_BOUND, errors
from scratchnet.sklearn import MLPClassifier, MLPRegressor

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.usefixtures("one_blas_thread")]  # tests/conftest.py: small matrices


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]  # 2/3 of the pixels are 0


FORMATS = ["csr_matrix", "csr_array", "csc_matrix", "coo_matrix", "lil_matrix"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sparse_fit_and_predict_equal_dense(digits, solver, fmt):
    X, y = digits
    Xs = getattr(sparse, fmt)(X)
    kw = dict(hidden_layer_sizes=(16,), solver=solver, max_iter=15 if solver == "lbfgs" else 5, batch_size=32,
              learning_rate_init=0.05, random_state=0)
    dense = MLPClassifier(**kw).fit(X, y)
    sparse_fit = MLPClassifier(**kw).fit(Xs, y)
    for a, b in zip(dense.coefs_ + dense.intercepts_, sparse_fit.coefs_ + sparse_fit.intercepts_):
        assert errors(a, b)[1] <= FLOAT64_BOUND
    # one fitted model: sparse and dense input give the same probabilities
    assert errors(sparse_fit.predict_proba(Xs), sparse_fit.predict_proba(X))[1] <= FLOAT64_BOUND
    np.testing.assert_array_equal(sparse_fit.predict(Xs), dense.predict(X))


def test_sparse_regression_partial_fit_and_float32():
    X, y = make_regression(200, 30, random_state=0)
    X[np.abs(X) < 1] = 0.0  # ~70 % zeros
    y = y / y.std()
    Xs = sparse.csr_matrix(X)
    dense, sp = (MLPRegressor(hidden_layer_sizes=(8,), random_state=0) for _ in range(2))
    for _ in range(3):
        dense.partial_fit(X, y)
        sp.partial_fit(Xs, y)
    assert errors(sp.predict(Xs), dense.predict(X))[1] <= FLOAT64_BOUND
    # float32 sparse input: float32 weights and predictions, as for dense float32
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(Xs.astype(np.float32), y)
    assert reg.coefs_[0].dtype == np.float32 and reg.predict(Xs).dtype == np.float32


def test_x_is_never_densified():
    """A 1000 × 20,000 CSR matrix with 0.1 % nonzeros (20,000 values, ~0.3 MB) would be
    160 MB dense. fit (adam and lbfgs) and predict allocate at most 25 MB at their
    peak (measured by tracemalloc, which sees NumPy's and SciPy's arrays): the
    first-layer weights (2 × 20,000), Adam's or L-BFGS's state for them (L-BFGS
    keeps 10 pairs of 40,000-vectors, 6.4 MB) and the (1000 × 2) products — never X
    densified."""
    X = sparse.random(1000, 20_000, density=1e-3, format="csr", random_state=0)
    y = np.asarray(X.sum(axis=1)).ravel() > np.median(np.asarray(X.sum(axis=1)))
    for solver in ("adam", "lbfgs"):
        clf = MLPClassifier(hidden_layer_sizes=(2,), solver=solver, max_iter=3, random_state=0)
        tracemalloc.start()
        clf.fit(X, y)
        clf.predict_proba(X)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 25e6, f"{solver}: {peak / 1e6:.1f} MB at the peak"
    # the same fit, dense, does hold X (and its float64 copy): the measure sees it
    tracemalloc.start()
    MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=0).fit(X[:200].toarray(), y[:200])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak > 32e6  # 200 × 20,000 × 8 bytes


def test_text_pipeline():
    """The use case: TfidfVectorizer (sparse output) → MLP, on generated documents."""
    rng = np.random.default_rng(0)
    topics = [["goal", "match", "team", "league", "score", "coach"],
              ["oven", "recipe", "flour", "bake", "sugar", "butter"]]
    common = ["the", "a", "today", "was", "very", "and", "with"]
    docs, labels = [], []
    for i in range(200):
        words = rng.choice(topics[i % 2], size=4).tolist() + rng.choice(common, size=6).tolist()
        docs.append(" ".join(rng.permutation(words)))
        labels.append(["sports", "baking"][i % 2])
    pipe = make_pipeline(TfidfVectorizer(), MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0))
    pipe.fit(docs[:150], labels[:150])
    assert sparse.issparse(pipe[0].transform(docs[:2]))
    assert pipe.score(docs[150:], labels[150:]) == 1.0
