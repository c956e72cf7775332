"""Optimizer state moved between the libraries mid-trajectory.

Run 30 steps in both; load scratchnet's optimizer state into a fresh torch
optimizer (through ``torch_ref.optim.optimizer_state_to_torch``) and torch's
into a fresh scratchnet one; continue 30 steps with the *swapped* optimizers.
Each must follow the trajectory it would have followed without the swap.
Bounds as for trajectories (``test_optim.py``): 1e-9 / 1e-4 after 60 steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.test_optim import CASES, Pair, _bound
from torch_ref.optim import optimizer_state_from_torch, optimizer_state_to_torch

SWAP_CASES = [c for c in CASES if c[0] in {
    "SGD(momentum=0.9, nesterov, weight_decay=0.01)", "Adam(amsgrad, weight_decay=0.01)", "AdamW()",
    "RMSprop(centered, momentum=0.5, maximize)",
    "Adagrad(lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01, maximize)"}]


@pytest.mark.parametrize("label,name,options", SWAP_CASES, ids=[c[0] for c in SWAP_CASES])
def test_swap_optimizer_state_mid_run(label, name, options, dtype, device):
    pair = Pair(name, options, dtype, groups=True, device=device)
    ref = Pair(name, options, dtype, groups=True, device=device)   # the same run without the swap
    for _ in range(60):
        ref.step()
    for _ in range(30):
        pair.step()
    sd, tsd = pair.opt.state_dict(), pair.topt.state_dict()
    new_t = getattr(torch.optim, name)([{"params": pair.tparams[:1]}, {"params": pair.tparams[1:]}], lr=99.0)
    new_t.load_state_dict(optimizer_state_to_torch(sd, device=device))
    new_s = getattr(sn.optim, name)([{"params": pair.params[:1]}, {"params": pair.params[1:]}], lr=99.0)
    new_s.load_state_dict(optimizer_state_from_torch(tsd))
    assert [g["lr"] for g in new_t.param_groups] == [g["lr"] for g in pair.opt.param_groups]
    assert set(new_s.param_groups[0]) <= set(pair.opt.param_groups[0]) | {"param_names"}
    pair.opt, pair.topt = new_s, new_t
    for _ in range(30):
        pair.step()
    pair.compare(f"{label} state swapped at step 30", "60 steps", dtype, bound=_bound(dtype))
    # ... and each follows the unswapped run (a state silently dropped on loading
    # would restart both optimizers alike, and only this comparison catches it)
    for p, tp, rp, rtp in zip(pair.params, pair.tparams, ref.params, ref.tparams):
        assert_parity(p, rtp, component=f"{label} state torch→scratchnet", quantity="params after 60 steps",
                      dtype=dtype, device=device, bound=_bound(dtype))
        assert_parity(rp, tp, component=f"{label} state scratchnet→torch", quantity="params after 60 steps",
                      dtype=dtype, device=device, bound=_bound(dtype))


def test_adagrad_added_group_and_its_missing_state(dtype):
    """torch's Adagrad makes the state of a parameter added by ``add_param_group``
    on that parameter's first step (s_0 = the constructor's
    ``initial_accumulator_value``, whatever the added group's own says);
    scratchnet's makes it in ``add_param_group``, with the same s_0.
    Either way the trajectories are the same; and torch's state dict taken before
    that first step, which has no entry for the parameter, loads into scratchnet
    (the parameter gets a fresh state) and continues torch's trajectory.

    Gradients g = 2θ − 1 (J = Σ (θ² − θ)), elementwise; the added parameter gets
    none for the first 3 steps. Bound: the trajectories' (``test_optim._bound``),
    for 10 steps of the same elementwise formulas.
    """
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(3).astype(dtype), rng.standard_normal((2, 2)).astype(dtype)]
    options = dict(lr=0.1, initial_accumulator_value=0.5, lr_decay=0.01)

    def steps(params, opt, n, moving, torch_side):
        for _ in range(n):
            for i, p in enumerate(params):
                data = p.detach() if torch_side else p.data
                p.grad = (2 * data - 1) if i in moving else None
            opt.step()

    ps = [sn.nn.Parameter(a.copy()) for a in start]
    tps = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in start]
    opt = sn.optim.Adagrad([ps[0]], **options)
    opt.add_param_group({"params": [ps[1]], "initial_accumulator_value": 2.0})  # unused by torch: s_0 is 0.5
    topt = torch.optim.Adagrad([tps[0]], **options)
    topt.add_param_group({"params": [tps[1]], "initial_accumulator_value": 2.0})
    steps(ps, opt, 3, {0}, False)
    steps(tps, topt, 3, {0}, True)
    tsd = topt.state_dict()
    assert sorted(tsd["state"]) == [0]   # torch has no state for the added parameter yet
    qs = [sn.nn.Parameter(p.detach().numpy().copy()) for p in tps]
    # a state the dict lacks is made from the loading optimizer's own constructor value, in torch too
    loaded = sn.optim.Adagrad([qs[0]], lr=99.0, initial_accumulator_value=options["initial_accumulator_value"])
    loaded.add_param_group({"params": [qs[1]]})
    loaded.load_state_dict(optimizer_state_from_torch(tsd))
    steps(ps, opt, 7, {0, 1}, False)
    steps(tps, topt, 7, {0, 1}, True)
    steps(qs, loaded, 7, {0, 1}, False)
    for label, params in (("add_param_group", ps), ("torch state without the added parameter, loaded", qs)):
        for i, (p, tp) in enumerate(zip(params, tps)):
            assert_parity(p, tp, component=f"Adagrad {label}", quantity=f"param {i} after 10 steps",
                          dtype=dtype, bound=_bound(dtype))
    assert float(opt.state[ps[1]]["step"]) == float(topt.state[tps[1]]["step"]) == 7.0
