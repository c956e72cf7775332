"""Learning-rate schedules without torch: closed forms, initial_lr, state dicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratchnet.nn import Parameter
from scratchnet.optim import SGD
from scratchnet.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR, MultiStepLR,
                                           StepLR)


def _opt(lr=1.0, groups=1):
    ps = [Parameter(np.zeros(1)) for _ in range(groups)]
    return SGD([{"params": [p]} for p in ps], lr=lr)


def _lrs(sched, epochs):
    out = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def test_construction_sets_initial_lr_and_last_epoch():
    opt = _opt(0.5)
    sched = StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.5
    assert sched.last_epoch == 0 and sched.base_lrs == [0.5] and sched.get_last_lr() == [0.5]
    # a second scheduler keeps the initial_lr the first one set
    opt.param_groups[0]["lr"] = 0.25
    assert ExponentialLR(opt, gamma=0.5).base_lrs == [0.5]
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(_opt(), step_size=2, last_epoch=3)


def test_step_and_multistep_closed_forms():
    assert _lrs(StepLR(_opt(), step_size=3, gamma=0.5), 7) == pytest.approx(
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25], abs=0)
    assert _lrs(MultiStepLR(_opt(), milestones=[2, 5, 5], gamma=0.1), 6) == pytest.approx(
        [1, 1, 0.1, 0.1, 0.1, 0.001, 0.001], rel=1e-15)


def test_exponential_is_cs229_decay():
    # CS229 exercise 8: α_t = α0·e^(−kt) is ExponentialLR(gamma = e^(−k)); the recursion
    # multiplies by a rounded e^(−k) t times, so the two agree to ~t ulps.
    k, a0 = 0.05, 0.3
    got = _lrs(ExponentialLR(_opt(a0), gamma=math.exp(-k)), 100)
    want = [a0 * math.exp(-k * t) for t in range(101)]
    np.testing.assert_allclose(got, want, rtol=200 * 2.2e-16, atol=0)


def test_cosine_matches_closed_form_within_rounding():
    # torch's recursive form equals η_min + (γ0 − η_min)(1 + cos(πe/T))/2 up to rounding,
    # and keeps following the cosine past T_max (it rises again, no clamp).
    T, eta_min = 10, 0.01
    got = _lrs(CosineAnnealingLR(_opt(1.0), T_max=T, eta_min=eta_min), 25)
    want = [eta_min + (1 - eta_min) * (1 + math.cos(math.pi * e / T)) / 2 for e in range(26)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert got[T] == pytest.approx(eta_min, abs=1e-15) and got[2 * T] == pytest.approx(1.0, rel=1e-12)


def test_lambda_per_group():
    opt = _opt(1.0, groups=2)
    sched = LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1 / (e + 1)])
    opt.step(); sched.step(); opt.step(); sched.step()
    assert sched.get_last_lr() == [0.25, 1 / 3]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        LambdaLR(_opt(1.0, groups=2), [lambda e: 1.0])


def test_scheduler_state_dict_round_trip():
    opt = _opt(1.0)
    sched = CosineAnnealingLR(opt, T_max=7)
    for _ in range(3):
        opt.step(); sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    opt2 = _opt(1.0)
    sched2 = CosineAnnealingLR(opt2, T_max=7)
    sched2.load_state_dict(sd)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    for _ in range(5):
        opt.step(); sched.step(); opt2.step(); sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


def test_bad_arguments():
    with pytest.raises(TypeError, match="not an Optimizer"):
        StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(_opt(), T_max=0)


def test_lambda_lr_accepts_a_0d_array_factor():
    """``np.where(...)`` returns a 0-d array; torch accepts such a factor, and so does scratchnet."""
    p = Parameter(np.zeros(1))
    sched = LambdaLR(SGD([p], lr=0.1), lambda e: np.where(e < 1, 0.5, 0.25))
    assert sched.get_last_lr() == [0.05]
    sched.step()
    assert sched.get_last_lr() == [0.025]
    with pytest.raises(TypeError, match="lr_lambda must return a real number"):
        LambdaLR(SGD([p], lr=0.1), lambda e: np.array([0.5, 0.5]))
