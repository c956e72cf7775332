"""Optimizer steps against torch over every option in combination (hypothesis;
25 derandomized examples per optimizer under the "ci" profile, 200 fresh ones
under "dev").

Each example draws all of an optimizer's options at once — ``maximize``,
``eps``, ``weight_decay``, ``momentum``, ``dampening``, ``nesterov``,
``centered``, ``amsgrad``, ``lr_decay``, … — so that an interaction (say,
``maximize`` applied after the weight decay instead of before it) cannot hide
behind a default. It then takes three steps (the first creates the state, the
second and third use it; Adagrad's ``lr_decay`` starts on the second) with
gradients whose entries span several orders of magnitude, down to 1e-10, so
that ε matters for some entries (√v ≈ |g| ≈ ε) and not for others.

Compared after every step: the update Δθ entry by entry
(``assert_update_parity``; comparing θ relative to max|θ| would dilute an
error in the update by ~1/lr), and each state array norm-wise. float64, the
suite's bound 1e-10; one step is a handful of operations (measured ≲ 1e-15).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratchnet as sn
from parity_tests.compare import assert_parity, assert_update_parity

unit = st.floats(0.0, 0.99)
lr = st.floats(1e-4, 1.0)
maximize = st.booleans()
weight_decay = st.sampled_from([0.0, 1e-4, 0.1]) | st.floats(0.0, 1.0)
eps = st.sampled_from([0.0, 1e-10, 1e-8, 1e-6, 1e-3, 0.1])
#: Gradient entries |g| ~ 10^e, e uniform in [low, low + span]: tiny to large in one step.
low = st.floats(-10.0, 1.0)
span = st.floats(0.0, 8.0)
seed = st.integers(0, 2**16)

STEPS = 3


def _gradient(rng, shape, low, span):
    return rng.standard_normal(shape) * 10.0 ** rng.uniform(low, low + span, size=shape)


def _steps(name, options, seed, low, span):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal((3, 4))
    p, t = sn.nn.Parameter(theta), torch.tensor(theta, requires_grad=True)
    opt, topt = getattr(sn.optim, name)([p], **options), getattr(torch.optim, name)([t], **options)
    label = f"{name} (hypothesis)"
    for step in range(1, STEPS + 1):
        g = _gradient(rng, theta.shape, low, span)
        p.grad, t.grad = g.copy(), torch.tensor(g)
        before, tbefore = p.data.copy(), t.detach().clone()
        opt.step()
        topt.step()
        assert_update_parity(before, p, tbefore, t, component=label, quantity=f"update Δθ, step {step}",
                             dtype=np.float64)
        for key, value in topt.state[t].items():
            if key == "step":
                assert float(opt.state[p][key]) == float(value)
            else:
                assert_parity(opt.state[p][key], value, component=label, quantity=f"state {key}, step {step}",
                              dtype=np.float64)


@given(lr=lr, momentum=unit, dampening=unit, weight_decay=weight_decay, nesterov=st.booleans(),
       maximize=maximize, seed=seed, low=low, span=span)
def test_sgd_steps(lr, momentum, dampening, weight_decay, nesterov, maximize, seed, low, span):
    if nesterov and (momentum == 0 or dampening != 0):  # torch refuses Nesterov without momentum or with dampening
        dampening, momentum = 0.0, max(momentum, 0.1)
    _steps("SGD", dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                       nesterov=nesterov, maximize=maximize), seed, low, span)


@given(lr=lr, b1=unit, b2=unit, eps=eps, weight_decay=weight_decay, amsgrad=st.booleans(), maximize=maximize,
       decoupled=st.booleans(), seed=seed, low=low, span=span)
def test_adam_steps(lr, b1, b2, eps, weight_decay, amsgrad, maximize, decoupled, seed, low, span):
    _steps("Adam", dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled), seed, low, span)


@given(lr=lr, b1=unit, b2=unit, eps=eps, weight_decay=weight_decay, amsgrad=st.booleans(), maximize=maximize,
       seed=seed, low=low, span=span)
def test_adamw_steps(lr, b1, b2, eps, weight_decay, amsgrad, maximize, seed, low, span):
    _steps("AdamW", dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize), seed, low, span)


@given(lr=lr, alpha=st.floats(0.1, 0.99), eps=eps.filter(bool), momentum=unit, centered=st.booleans(),
       weight_decay=weight_decay, maximize=maximize, seed=seed, low=low, span=span)
def test_rmsprop_steps(lr, alpha, eps, momentum, centered, weight_decay, maximize, seed, low, span):
    """alpha ≥ 0.1: with alpha = 0 and centered=True the variance estimate v − ḡ² = g² − g²
    is exactly 0, and torch's fused multiply-add turns it into ±(rounding of g²), so torch
    gets √(negative) = NaN on some entries where we get 0 (step g/ε). Neither is meaningful;
    see the RMSprop docstring. eps > 0 for the same reason: centered, v − ḡ² can round to 0."""
    _steps("RMSprop", dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum, centered=centered,
                           weight_decay=weight_decay, maximize=maximize), seed, low, span)


@given(lr=lr, lr_decay=unit, init=st.floats(0.0, 1.0), eps=eps, weight_decay=weight_decay,
       maximize=maximize, seed=seed, low=low, span=span)
def test_adagrad_steps(lr, lr_decay, init, eps, weight_decay, maximize, seed, low, span):
    _steps("Adagrad", dict(lr=lr, lr_decay=lr_decay, initial_accumulator_value=init, eps=eps,
                           weight_decay=weight_decay, maximize=maximize), seed, low, span)
