"""Optimizer state moved between the libraries mid-trajectory.

Run 30 steps in both; load scratchnet's optimizer state into a fresh torch
optimizer (through ``torch_ref.optim.optimizer_state_to_torch``) and torch's
into a fresh scratchnet one; continue 30 steps with the *swapped* optimizers.
Each must follow the trajectory it would have followed without the swap.
Bounds as for trajectories (``test_optim.py``): 1e-9 / 1e-4 after 60 steps.
"""

from __future__ import annotations

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
