"""The optimizers' two paths held to each other: ``foreach=False`` (the readable
``_single_tensor_*`` functions, one parameter at a time, the docstring's
formulas line for line) and ``foreach=True`` (the fast ``_multi_tensor_*``
ones: one NumPy call per formula over flat buffers). Each is held to torch by
the parity suite (``parity_tests/test_optim_paths_torch.py``); here, to the other.

SGD, RMSprop and Adagrad's fast paths make exactly the readable path's
operations, in the same order, on the same numbers — only laid out in one
flat array instead of several. IEEE arithmetic rounds each +, −, ×, ÷ and √
correctly whatever the array's length or the CPU's vector width, so the two
paths must agree **bit for bit**, on every machine.

Adam's fast path computes its moments the same way (bit for bit) but its
last formula with the bias corrections moved out of the division,
(γc/(1 − β₁ᵗ)) · m/(√v + εc) with c = √(1 − β₂ᵗ), instead of γ m̂/(√v̂ + ε):
the same number up to roundings. Bound, for gradients that do not depend on
θ (as here), in units of the dtype's unit roundoff u: the readable update
takes 6 roundings (m/(1 − β₁ᵗ), v/(1 − β₂ᵗ), √, + ε, γ·, ÷), the fast one 4
array roundings plus ≤ 4 in its scalars (εc, and γc/(1 − β₁ᵗ) in float64
then cast), so each update's relative difference is ≤ 14u (first order);
θ − Δθ is then rounded in each path, ≤ 1 ulp(θ) ≤ 2u|θ| apart. With m and v
identical in both paths, the differences only add up: after K steps,
|θ_fast − θ_readable| ≤ K (14u max|Δθ| + 2u max|θ|). The test asserts twice that
bound (and that it is under 1 % of one step); a wrong formula (a missing bias
correction, ε inside the root) moves θ by ≥ 1e-3 of a step every step.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import _flat

#: (optimizer, options): every option that changes the arithmetic, each path of each formula.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, maximize=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.8, maximize=True)),
    ("RMSprop", dict(lr=0.01, maximize=True, weight_decay=0.1)),   # −g first, then + λθ, in both
    ("RMSprop", dict(lr=0.01, momentum=0.8, centered=True, eps=1e-3)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-3)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3, maximize=True)),
]
#: Shapes of one model's parameters: a matrix over the readable path's 64 KB piece
#: size in float64 (so it is cut into pieces), a vector, a scalar, a matrix.
SHAPES = [(90, 100), (7,), (), (3, 5)]
STEPS = 12


def _run(name, options, foreach, dtype, grads, *, holes=False):
    """Parameters and state after ``STEPS`` steps on the given gradients; with
    ``holes``, parameter 1 has no gradient on steps 3 and 4 (its step count falls
    behind: the fast path's per-entry bias corrections and its copied states)."""
    rng = np.random.default_rng(1)
    params = [sn.nn.Parameter(rng.standard_normal(s).astype(dtype)) for s in SHAPES]
    opt = getattr(sn.optim, name)(params, foreach=foreach, **options)
    updates = []
    for k, step_grads in enumerate(grads):
        before = [p.data.copy() for p in params]
        for i, (p, g) in enumerate(zip(params, step_grads)):
            p.grad = None if holes and i == 1 and k in (3, 4) else np.array(g, dtype=dtype)
        opt.step()
        updates.append(max(float(np.max(np.abs(p.data - b), initial=0)) for p, b in zip(params, before)))
    return params, opt, max(updates)


def _grads(seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * 10.0 ** rng.uniform(-2, 1) for s in SHAPES] for _ in range(STEPS)]


@pytest.mark.parametrize("holes", [False, True], ids=["every step", "a parameter skips steps"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}{o}" for n, o in CASES])
def test_fast_path_equals_readable_path(name, options, dtype, holes):
    grads = _grads()
    fast, opt_fast, _ = _run(name, options, True, dtype, grads, holes=holes)
    readable, opt_readable, max_update = _run(name, options, False, dtype, grads, holes=holes)
    if name.startswith("Adam"):
        u = np.finfo(dtype).eps / 2
        biggest = max(float(np.max(np.abs(p.data), initial=0)) for p in readable)
        bound = 2 * STEPS * (14 * u * max_update + 2 * u * biggest)
        for a, b in zip(fast, readable):
            assert np.max(np.abs(a.data - b.data), initial=0) <= bound
        assert max_update > 100 * bound  # the steps were real: the bound is under 1 % of one
    else:
        for a, b in zip(fast, readable):
            assert np.array_equal(a.data, b.data)
    # The state: bit for bit, but for Adam's L2 weight decay, g + λθ, which carries the
    # θ difference into the moments: |Δm| ≤ K λ max|Δθ|, |Δv| ≤ K 2λ max|g| max|Δθ|
    # (to first order; (1 − β) < 1 and β < 1 only shrink them), twice that asserted.
    coupled = name == "Adam" and options.get("weight_decay", 0) != 0
    g_max = max(float(np.max(np.abs(g), initial=0)) for step in grads for g in step)
    for pa, pb in zip(fast, readable):
        sa, sb = opt_fast.state[pa], opt_readable.state[pb]
        assert sa.keys() == sb.keys()
        for key in sa:
            if coupled and key != "step":
                lam = options["weight_decay"]
                tol = 2 * STEPS * lam * bound * (1 if key == "exp_avg" else 2 * g_max)
                assert np.max(np.abs(sa[key] - sb[key]), initial=0) <= tol, key
            else:
                assert np.array_equal(sa[key], sb[key]), key


def test_default_is_the_fast_path_and_foreach_is_checked():
    p = sn.nn.Parameter(np.zeros(3))
    for cls in (sn.optim.SGD, sn.optim.Adam, sn.optim.AdamW, sn.optim.RMSprop, sn.optim.Adagrad):
        assert cls([p]).param_groups[0]["foreach"] is None  # torch's default: pick the path
        with pytest.raises(TypeError, match="foreach must be None, True or False"):
            cls([p], foreach="yes")


def test_state_is_made_as_pieces_of_flat_buffers_and_a_loaded_one_too():
    """The fast path computes on the buffers behind the state arrays (no copy): the
    first step makes them so, and so does load_state_dict."""
    params = [sn.nn.Parameter(np.ones(s)) for s in SHAPES]
    opt = sn.optim.Adam(params, lr=0.1)
    for p in params:
        p.grad = np.ones(p.shape)
    opt.step()
    for key in ("exp_avg", "exp_avg_sq", "step"):
        assert _flat.flat([opt.state[p][key] for p in params]) is not None, key
    again = sn.optim.Adam(params, lr=0.1)
    again.load_state_dict(opt.state_dict())
    for key in ("exp_avg", "exp_avg_sq", "step"):
        assert _flat.flat([again.state[p][key] for p in params]) is not None, key
    # The state dict's arrays are copies, never the buffers' pieces.
    saved = opt.state_dict()["state"][0]["exp_avg"]
    assert not np.shares_memory(saved, opt.state[params[0]]["exp_avg"])


def test_a_loaded_state_continues_as_the_uninterrupted_run():
    grads = _grads(3)
    whole, opt_whole, _ = _run("Adam", dict(lr=0.01, amsgrad=True), True, np.float64, grads)
    params, opt, _ = _run("Adam", dict(lr=0.01, amsgrad=True), True, np.float64, grads[:5])
    restarted = [sn.nn.Parameter(p.data.copy()) for p in params]
    opt2 = sn.optim.Adam(restarted, lr=0.01, amsgrad=True)
    opt2.load_state_dict(opt.state_dict())
    for step_grads in grads[5:]:
        for p, g in zip(restarted, step_grads):
            p.grad = np.array(g)
        opt2.step()
    for a, b in zip(whole, restarted):
        assert np.array_equal(a.data, b.data)


def test_mixed_dtypes_in_one_group():
    """One flat buffer per dtype (torch groups its foreach lists by device and dtype)."""
    for name, options in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adagrad", dict(lr=0.1)), ("RMSprop", {})]:
        runs = []
        for foreach in (True, False):
            params = [sn.nn.Parameter(np.ones((4, 3), np.float32)), sn.nn.Parameter(np.ones(5, np.float64)),
                      sn.nn.Parameter(np.full(2, 2.0, np.float32))]
            opt = getattr(sn.optim, name)(params, foreach=foreach, **options)
            for k in range(4):
                for p in params:
                    p.grad = np.full(p.shape, 0.5 + k, p.dtype)
                opt.step()
            runs.append(params)
        for a, b in zip(*runs):
            assert a.dtype == b.dtype and np.array_equal(a.data, b.data)


def test_parameters_stay_the_models_arrays():
    """The fast path updates each parameter's own ``.data`` in place (a reference to it
    sees the update), and leaves its gradient alone."""
    # seeded: with unseeded weights all four ReLUs were dead on this input in ~7% of runs,
    # W[1]'s gradient was 0 and Adam rightly left W[1] alone, failing the test
    model = sn.models.mlp([3, 4, 2], dtype=np.float64, generator=np.random.default_rng(0))
    weight = model[0].weight.data
    opt = sn.optim.Adam(model.parameters(), lr=0.1)
    loss_fn = sn.nn.MSELoss()
    loss_fn(model(np.ones((2, 3))), np.zeros((2, 2)))
    model.backward(loss_fn.backward())
    grad = model[0].weight.grad.copy()
    assert np.any(grad != 0)  # so the step must move W[1]
    before = weight.copy()
    opt.step()
    assert model[0].weight.data is weight and not np.array_equal(weight, before)
    assert np.array_equal(model[0].weight.grad, grad)
