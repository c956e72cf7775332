"""Both of scratchnet's optimizer paths against torch.optim: ``foreach=False``
(the readable ``_single_tensor_*`` functions) and ``foreach=True`` (the fast
``_multi_tensor_*`` ones, which ``foreach=None`` — the default, and what the
rest of the suite runs — picks). ``tests/test_optim_paths.py`` holds the two
paths to each other.

Set-up: parameters of four shapes (a 90×100 matrix, over the readable path's
64 KB piece size in float64, so that it is updated piece by piece; a vector; a
scalar; a small matrix), and one sequence of random gradients fed to both
libraries. The gradients do not depend on θ, so nothing feeds a difference back:
what is compared is each step's update arithmetic, 100 steps of it.

Bounds: after 1 step, the update Δθ entry by entry (``assert_update_parity``:
1e-10 / 1e-5 of each entry's update, plus the rounding of θ + Δθ), and θ
norm-wise (1e-10 / 1e-5), in both dtypes. After 100 steps, θ and the state
norm-wise within ``test_optim``'s trajectory bounds, for its reasons: float64
1e-9; float32 ``TRAJECTORY_BOUND_FLOAT32`` = 1e-4. Each update is a handful of
roundings apart in the two libraries (torch uses lerp, addcmul and addcdiv
kernels, possibly with fused multiply-adds; the readable path writes the
textbook formulas) — ≤ ~10u of the update, and the updates (≤ γ ≈ 1e-2 here)
are small next to |θ| ≈ 1, so 100 steps of that stay near 100 · 10u · 1e-2 ≈
1e-15 (float64) and 6e-7 (float32) relative. But each library also rounds
θ + Δθ back to its dtype every step, and where the two Δθ differ at all the
results may land one ulp of θ (≤ 2u relative) apart: up to 100 · 2u ≈ 1.2e-5
in float32 after 100 steps from that alone (``test_optim``'s (2)); Adagrad's
sum of 100 squared gradients carries up to 100 roundings in each library,
the same size; and the weight decays (λθ in the gradient) feed θ's
difference back into the step (``test_optim``'s (3)). 1e-4 covers these with
a margin of a few and stays 10× below the smallest wrong formula's effect
(1e-3 of a step each step, ≈ 1e-5 relative: 1e-3 after 100); step 1's
entry-wise check sees such a formula at once (1e-3 of the update against a
bound of 1e-5 of it). Measured here: ≤ 1.0e-6 (float32, θ;
4e-7 for the state) and ≤ 1e-15 (float64); step 1's scaled update error ≤
8.3e-6 of the 1e-5 bound in float32 — entries whose θ + Δθ landed one ulp
apart, which the bound's rounding term covers exactly.
The ``step`` counts agree exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity, assert_update_parity
from parity_tests.test_optim import TRAJECTORY_BOUND_FLOAT32, TRAJECTORY_BOUND_FLOAT64

CASES = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, betas=(0.8, 0.99), maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.001, centered=True, momentum=0.8, weight_decay=0.1)),
    # maximize with a weight decay: torch negates g, then adds λθ; each path must, too. Adagrad's
    # ε = 0.1 is of the size of √s (s ≥ 0.5 here), so that where ε goes shows: g/(√s + ε) and
    # g/√(s + ε) differ by ≈ |ε/√s − ε/(2s)| relative, ≤ 5e-11 at ε = 1e-10, under the bounds.
    ("RMSprop", dict(lr=0.001, alpha=0.9, maximize=True, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.01, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, maximize=True,
                     eps=0.1)),
]
SHAPES = [(90, 100), (7,), (), (3, 5)]
BOUND_100 = {np.float64: TRAJECTORY_BOUND_FLOAT64, np.float32: TRAJECTORY_BOUND_FLOAT32}
#: torch's optimizers on these small tensors, one thread (parity_tests/conftest.py): its thread
#: pool's wake-ups made each step ~20× slower on a loaded 2-core machine (measured), the results the same.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("foreach", [False, True], ids=["readable", "fast"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}{o}" for n, o in CASES])
def test_both_paths_follow_torch(name, options, dtype, foreach):
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    mine = [sn.nn.Parameter(a) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    opt = getattr(sn.optim, name)(mine, foreach=foreach, **options)
    opt_t = getattr(torch.optim, name)(theirs, **options)
    label = f"{name} (foreach={foreach})"
    for step in range(100):
        for p, t in zip(mine, theirs):
            g = np.asarray(rng.standard_normal(p.shape) * 10.0 ** rng.uniform(-2, 1), dtype=dtype)
            p.grad, t.grad = g, torch.tensor(g)
        before = [p.data.copy() for p in mine], [t.detach().clone() for t in theirs]
        opt.step()
        opt_t.step()
        if step == 0:
            for i, (p, t, b, tb) in enumerate(zip(mine, theirs, *before)):
                assert_update_parity(b, p, tb, t, component=label, quantity=f"update Δθ of parameter {i}, step 1",
                                     dtype=dtype)
                assert_parity(p, t, component=label, quantity=f"parameter {i} after 1 step", dtype=dtype)
    for i, (p, t) in enumerate(zip(mine, theirs)):
        assert_parity(p, t, component=label, quantity=f"parameter {i} after 100 steps", dtype=dtype,
                      bound=BOUND_100[dtype])
        for key, value in opt_t.state[t].items():
            if key == "step":
                assert float(opt.state[p][key]) == float(value) == 100.0
            else:
                assert_parity(opt.state[p][key], value, component=label, quantity=f"state {key} {i} after 100 steps",
                              dtype=dtype, bound=BOUND_100[dtype])
