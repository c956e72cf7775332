"""scratchnet.optim.lr_scheduler against torch.optim.lr_scheduler: the learning
rates of 60 epochs, and scheduler/optimizer state moved between the libraries.

The schedules are Python float arithmetic in both, in the same order (torch's
recursive forms are mirrored), so they agree exactly: the bound 1e-15 relative
is the float64 rounding of one multiplication, and measured errors are 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from torch_ref.optim import scheduler_state_from_torch, scheduler_state_to_torch

SCHEDULES = {
    "StepLR(step_size=7, gamma=0.5)": ("StepLR", dict(step_size=7, gamma=0.5)),
    "MultiStepLR(milestones=[3, 10, 10, 40])": ("MultiStepLR", dict(milestones=[3, 10, 10, 40], gamma=0.3)),
    "ExponentialLR(gamma=e^-0.05)": ("ExponentialLR", dict(gamma=math.exp(-0.05))),
    "CosineAnnealingLR(T_max=25, eta_min=0.001)": ("CosineAnnealingLR", dict(T_max=25, eta_min=0.001)),
    "LambdaLR(1/(1+e))": ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
}


def _pair(name, opts, lrs=(0.1, 0.03)):
    p, tp = sn.nn.Parameter(np.zeros(1)), torch.zeros(1, requires_grad=True)
    q, tq = sn.nn.Parameter(np.zeros(1)), torch.zeros(1, requires_grad=True)
    opt = sn.optim.SGD([{"params": [p], "lr": lrs[0]}, {"params": [q]}], lr=lrs[1])
    topt = torch.optim.SGD([{"params": [tp], "lr": lrs[0]}, {"params": [tq]}], lr=lrs[1])
    return (getattr(sn.optim.lr_scheduler, name)(opt, **opts),
            getattr(torch.optim.lr_scheduler, name)(topt, **opts))


@pytest.mark.parametrize("label", list(SCHEDULES))
def test_schedule_60_epochs(label):
    name, opts = SCHEDULES[label]
    sched, tsched = _pair(name, opts)
    mine, theirs = [sched.get_last_lr()], [tsched.get_last_lr()]
    for _ in range(60):
        sched.optimizer.step(); sched.step()
        tsched.optimizer.step(); tsched.step()
        mine.append(sched.get_last_lr())
        theirs.append(tsched.get_last_lr())
    assert_parity(np.array(mine), np.array(theirs), component=label, quantity="lr over 60 epochs (2 groups)",
                  dtype=np.float64, bound=1e-15)
    assert sched.last_epoch == tsched.last_epoch == 60
    assert [g["initial_lr"] for g in sched.optimizer.param_groups] == \
        [g["initial_lr"] for g in tsched.optimizer.param_groups]


@pytest.mark.parametrize("label", list(SCHEDULES))
def test_scheduler_state_moves_between_libraries(label):
    """Run 10 epochs in scratchnet, continue 10 in torch from its state, then 10 back
    in scratchnet from torch's: every epoch's learning rates equal those of an
    uninterrupted scratchnet run and of an uninterrupted torch run (exactly: the
    same float arithmetic). The scheduler's epoch count and, for MultiStepLR, its
    milestones travel in the state; LambdaLR's plain function does not (as in
    torch), so the receiving scheduler is built with the same one."""
    name, opts = SCHEDULES[label]
    sched, tsched = _pair(name, opts)
    ref, tref = _pair(name, opts)
    tsched.optimizer.step(); tsched.step(); tsched.step()   # the receiver starts elsewhere

    def epochs(mine, n):
        for _ in range(n):
            mine.optimizer.step(); mine.step(); ref.optimizer.step(); ref.step()
            tref.optimizer.step(); tref.step()
            assert mine.get_last_lr() == ref.get_last_lr() == tref.get_last_lr()

    epochs(sched, 10)
    tsched.load_state_dict(scheduler_state_to_torch(sched.state_dict()))
    for g, tg in zip(sched.optimizer.param_groups, tsched.optimizer.param_groups):
        tg["lr"] = g["lr"]     # the optimizer's state_dict carries it; here, by hand
    assert tsched.last_epoch == 10 and tsched.get_last_lr() == sched.get_last_lr()
    epochs(tsched, 10)
    sched, _ = _pair(name, opts)                             # a fresh receiver, elsewhere too
    sched.optimizer.step(); sched.step()
    sched.load_state_dict(scheduler_state_from_torch(tsched.state_dict()))
    for g, tg in zip(sched.optimizer.param_groups, tsched.optimizer.param_groups):
        g["lr"] = tg["lr"]
    assert sched.last_epoch == 20 and sched.get_last_lr() == tsched.get_last_lr()
    epochs(sched, 10)
    assert sched.last_epoch == tref.last_epoch == 30
