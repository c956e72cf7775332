"""Loss and softmax conventions worked by hand, without torch: each is the second,
independent guard of a behaviour the parity suite also compares with torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import scratchnet as sn


def test_bce_clamps_each_log_at_minus_100():
    """torch's documented BCELoss convention: log p and log(1 − p) are clamped to ≥ −100,
    so a certain wrong prediction costs 100, not ∞ (and not −log(1e-50) = 115.1)."""
    loss = sn.nn.BCELoss(reduction="none")
    p = np.array([0.0, 1.0, 1e-50, 0.5])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) must not warn either
        values = loss(p, y)
    np.testing.assert_array_equal(values[:3], [100.0, 100.0, 100.0])
    assert values[3] == pytest.approx(math.log(2), rel=1e-15)
    # mean reduction: (100 + 100 + 100 + ln 2)/4
    assert sn.nn.BCELoss()(p, y) == pytest.approx((300 + math.log(2)) / 4, rel=1e-15)


def test_softmax_is_computed_shifted_so_huge_logits_do_not_overflow():
    """softmax(z) = softmax(z − max z): [1000, 1000 + ln 3] gives exactly what [0, ln 3]
    gives, [1/4, 3/4] — e^1000 itself would overflow to inf and inf/inf = NaN."""
    z = np.array([[1000.0, 1000.0 + math.log(3)], [0.0, math.log(3)]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sn.nn.functional.softmax(z, dim=1)
        log_s = sn.nn.functional.log_softmax(z, dim=1)
    np.testing.assert_allclose(s, [[0.25, 0.75], [0.25, 0.75]], rtol=1e-12, atol=0)
    np.testing.assert_allclose(log_s, np.log([[0.25, 0.75], [0.25, 0.75]]), rtol=1e-12, atol=0)
    ce = sn.nn.CrossEntropyLoss()(z[:1], np.array([0]))
    assert ce == pytest.approx(math.log(4), rel=1e-12)
