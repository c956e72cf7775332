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


def test_poisson_nll_worked_by_hand():
    """ℓ = e^z − y·z on log-rates, ℓ = λ − y·log(λ + ε) on rates, and the mean
    over all entries; dJ/dz = (e^z − y)/m, the rate minus the count."""
    z = np.array([[0.0, math.log(2)], [math.log(3), -1.0]])
    y = np.array([[0.0, 2.0], [3.0, 1.0]])
    per_entry = sn.nn.PoissonNLLLoss(reduction="none")(z, y)
    expected = [[1.0, 2 - 2 * math.log(2)], [3 - 3 * math.log(3), math.exp(-1) + 1]]
    # (e^(log 3) is 3 only to an ulp, and 3 − 3 log 3 = −0.296 cancels: an absolute 1e-15)
    np.testing.assert_allclose(per_entry, expected, rtol=1e-15, atol=1e-15)
    mean = sn.nn.PoissonNLLLoss()
    assert mean(z, y) == pytest.approx(sum(map(sum, expected)) / 4, rel=1e-15)
    # at z = log 2 and log 3 the rate equals the count: the minimum of ℓ, gradient 0
    np.testing.assert_allclose(mean.backward(), [[1 / 4, 0.0], [0.0, (math.exp(-1) - 1) / 4]], rtol=1e-15,
                               atol=1e-15)
    rates = sn.nn.PoissonNLLLoss(log_input=False, eps=0.5, reduction="sum")
    assert rates(np.array([1.5, 0.0]), np.array([2.0, 1.0])) == pytest.approx(1.5 - 2 * math.log(2) - math.log(0.5),
                                                                           rel=1e-15)
    np.testing.assert_allclose(rates.backward(), [1 - 2 / 2.0, 1 - 1 / 0.5], rtol=1e-15)


def test_poisson_nll_full_adds_stirling_above_one_only():
    """``full=True`` adds log(y!) ≈ y log y − y + ½ log(2πy) where y > 1, and
    nothing where y ≤ 1 — where log(y!) is 0 exactly for the counts 0 and 1,
    and the approximation would say −0.0811 at y = 1. So ℓ jumps between y = 1
    and the float just above it. The term depends on y alone: dJ/dz is the
    same with or without it."""
    above = float(np.nextafter(1.0, 2.0))
    y = np.array([0.0, 0.5, 1.0, above, 2.0, 10.0])
    z = np.full(6, 0.25)
    full, plain = sn.nn.PoissonNLLLoss(full=True, reduction="none"), sn.nn.PoissonNLLLoss(reduction="none")
    added = full(z, y) - plain(z, y)
    stirling = lambda n: n * math.log(n) - n + 0.5 * math.log(2 * math.pi * n)  # noqa: E731
    np.testing.assert_array_equal(added[:3], [0.0, 0.0, 0.0])
    assert added[3] == pytest.approx(-1 + 0.5 * math.log(2 * math.pi), rel=1e-12)   # −0.0811
    assert added[4] == pytest.approx(stirling(2.0), rel=1e-13)                       # 0.652 for log 2! = 0.693
    assert added[5] == pytest.approx(stirling(10.0), rel=1e-13)
    assert abs(added[5] - math.lgamma(11)) < 0.01                                    # Stirling: 15.096 vs 15.104
    np.testing.assert_array_equal(full.backward(np.ones(6)), plain.backward(np.ones(6)))
