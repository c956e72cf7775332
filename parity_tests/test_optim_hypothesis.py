"""One optimizer step against torch over random hyperparameters and gradients
(hypothesis; 25 derandomized examples under the "ci" profile). float64, the
suite's bound 1e-10 (one step is a handful of operations: measured ~1e-16)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import scratchnet as sn
from parity_tests.compare import assert_parity

unit = st.floats(0.0, 0.99)
lr = st.floats(1e-4, 1.0)


def _two_steps(name, options, seed):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal((3, 4))
    p, t = sn.nn.Parameter(theta), torch.tensor(theta, requires_grad=True)
    opt, topt = getattr(sn.optim, name)([p], **options), getattr(torch.optim, name)([t], **options)
    for _ in range(2):   # two steps: the first creates the state, the second uses it
        g = rng.standard_normal((3, 4)) * 10 ** rng.uniform(-3, 3)
        p.grad, t.grad = g.copy(), torch.tensor(g)
        opt.step()
        topt.step()
    assert_parity(p, t, component=f"{name} (hypothesis)", quantity="params after 2 steps", dtype=np.float64)
    for key, value in topt.state[t].items():
        if key != "step":
            assert_parity(opt.state[p][key], value, component=f"{name} (hypothesis)",
                          quantity=f"state {key} after 2 steps", dtype=np.float64)


@given(lr=lr, momentum=unit, dampening=unit, weight_decay=unit, nesterov=st.booleans(),
       maximize=st.booleans(), seed=st.integers(0, 2**16))
def test_sgd_step(lr, momentum, dampening, weight_decay, nesterov, maximize, seed):
    if nesterov and (momentum == 0 or dampening != 0):
        dampening, momentum = 0.0, max(momentum, 0.1)
    _two_steps("SGD", dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                           nesterov=nesterov, maximize=maximize), seed)


@given(lr=lr, b1=unit, b2=unit, eps=st.sampled_from([1e-8, 1e-3, 0.0]), weight_decay=unit,
       amsgrad=st.booleans(), maximize=st.booleans(), decoupled=st.booleans(), seed=st.integers(0, 2**16))
def test_adam_step(lr, b1, b2, eps, weight_decay, amsgrad, maximize, decoupled, seed):
    name = "AdamW" if decoupled else "Adam"
    _two_steps(name, dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                          maximize=maximize), seed)


@given(lr=lr, alpha=st.floats(0.1, 0.99), momentum=unit, centered=st.booleans(), weight_decay=unit,
       seed=st.integers(0, 2**16))
def test_rmsprop_step(lr, alpha, momentum, centered, weight_decay, seed):
    """alpha ≥ 0.1: with alpha = 0 and centered=True the variance estimate v − ḡ² = g² − g²
    is exactly 0, and torch's fused multiply-add turns it into ±(rounding of g²), so torch
    gets √(negative) = NaN on some entries where we get 0 (step g/ε). Neither is meaningful;
    see the RMSprop docstring."""
    _two_steps("RMSprop", dict(lr=lr, alpha=alpha, momentum=momentum, centered=centered,
                               weight_decay=weight_decay), seed)


@given(lr=lr, lr_decay=unit, init=st.floats(0.0, 1.0), weight_decay=unit, seed=st.integers(0, 2**16))
def test_adagrad_step(lr, lr_decay, init, weight_decay, seed):
    _two_steps("Adagrad", dict(lr=lr, lr_decay=lr_decay, initial_accumulator_value=init,
                               weight_decay=weight_decay), seed)
