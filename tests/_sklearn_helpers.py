"""Helpers shared by the ``tests/test_sklearn_*.py`` modules: scikit-learn's
weights loaded into our estimator, and the "retrace" that trains both from
them on the same batches (how those modules check the claims of
``scratchnet.sklearn``'s docstring about scikit-learn's ``MLPClassifier`` /
``MLPRegressor``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from parity_tests.compare import errors

#: What makes two runs take the same steps: the same batches in the same order
#: (no shuffling, one seed), continued from the weights they hold (warm start),
#: and every epoch run (no stopping on the loss).
SAME_BATCHES = dict(warm_start=True, shuffle=False, random_state=0, tol=0.0, n_iter_no_change=np.inf)


def load_sklearn_weights(est, coefs, intercepts) -> None:
    """Set a fitted estimator's network weights from scikit-learn's
    ``coefs_`` / ``intercepts_`` (W in its (fan_in, fan_out) layout; ours, as
    torch's, is (fan_out, fan_in))."""
    state = {}
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        state[f"{2 * i}.weight"], state[f"{2 * i}.bias"] = W.T.copy(), b.copy()
    est._backend.set_state(est.model_, state)


def retrace(ours_cls, sk_cls, X, y, *, common: dict, ours: dict | None = None, theirs: dict | None = None,
            epochs: int = 5, fit_kwargs: dict | None = None):
    """scikit-learn's estimator and ours, trained from scikit-learn's initial
    weights on the same batches: one epoch each to build both (``common`` +
    :data:`SAME_BATCHES`, plus ``ours`` / ``theirs`` for each side), our
    weights set to its, then ``epochs`` more epochs each. ``fit_kwargs`` go to
    every ``fit`` (e.g. ``sample_weight``). Every fit stops at ``max_iter``, so
    each warns with a ``ConvergenceWarning``. Returns ``(ours, theirs)``."""
    common = dict(common, **SAME_BATCHES)
    fit_kwargs = fit_kwargs or {}
    with pytest.warns(ConvergenceWarning):
        sk = sk_cls(max_iter=1, **common, **(theirs or {})).fit(X, y, **fit_kwargs)
        me = ours_cls(max_iter=1, **common, **(ours or {})).fit(X, y, **fit_kwargs)
    load_sklearn_weights(me, sk.coefs_, sk.intercepts_)
    with pytest.warns(ConvergenceWarning):
        sk.set_params(max_iter=epochs).fit(X, y, **fit_kwargs)
        me.set_params(max_iter=epochs).fit(X, y, **fit_kwargs)
    return me, sk


def weight_gap(me, sk) -> float:
    """The largest norm-wise relative error (``parity_tests.compare.errors``) of
    our weights and biases against scikit-learn's, layer by layer."""
    return max(errors(a, b)[1] for a, b in zip(me.coefs_ + me.intercepts_, sk.coefs_ + sk.intercepts_))
