"""Whole training runs, scratchnet against torch: sklearn's digits, 64-32-10
(ReLU, cross-entropy), mini-batches of 64 in the same shuffled order,
SGD(lr=0.1, momentum=0.9), 20 epochs, validation after each — the loss of
every step (480 of them), the final weights and the validation accuracy.

Bounds. float64: 1e-9 (the issue's trajectory bound; measured ~1e-14).
float32: 1e-4, reasoned as for ``test_optim.py``'s trajectories: per step the
two updates differ by a few u in the gradient, and writing θ + Δ back may
differ by an ulp of θ, so after N = 480 steps rounding alone gives ≤ N·u ≈
3e-5 (worst case, errors all aligned; √N·u ≈ 1.3e-6 typical); the network's
step map is not expansive at this lr (the loss falls steadily), and a ReLU
whose input sits within rounding of 0 could flip only with probability
~(u·|z|/spread of z) per unit per step — not observed. 1e-4 is 3× the
worst-case rounding estimate; measured ~1e-6. A wrong batch (one sample
swapped), a missing momentum term or a mean-vs-sum loss gives ≥ 1e-2.

torch's intra-op threads are set to 1 for these runs: tensors of 64×64 gain
nothing from threads, and on a loaded 2-core machine OpenMP's waiting threads
made the torch run 10–40× slower. Results do not depend on it (the bounds
hold either way).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import scratchnet as sn
import torch_ref
from parity_tests.compare import assert_parity

BOUNDS = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


@pytest.fixture
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _digits(dtype):
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(dtype), y


@pytest.mark.parametrize("drop_last", [False, True])
def test_loaders_hand_torch_the_same_batches(device, drop_last):
    """torch_ref's loader is a torch.utils.data.DataLoader drawing scratchnet's
    orders: the same batches, as tensors on the device, epoch after epoch; its
    iteration leaves torch's global random stream alone."""
    X, y = _digits(np.float64)
    loader = sn.data.DataLoader((X, y), batch_size=64, shuffle=True, drop_last=drop_last,
                                generator=np.random.default_rng(5))
    tloader = torch_ref.data.DataLoader.from_scratchnet(loader, device=device)
    assert isinstance(tloader, torch.utils.data.DataLoader)
    assert isinstance(tloader.batch_sampler, torch_ref.data.ReplaySampler)
    assert isinstance(tloader.dataset, torch.utils.data.TensorDataset)
    n_batches = 28 if drop_last else 29
    assert len(tloader) == len(loader) == n_batches
    rng_state = torch.get_rng_state()
    for _ in range(3):
        batches, tbatches = list(loader), list(tloader)
        assert len(batches) == len(tbatches) == n_batches
        for (xb, yb), (txb, tyb) in zip(batches, tbatches):
            assert txb.dtype == torch.float64 and tyb.dtype == torch.int64
            assert txb.device.type == tyb.device.type == device
            np.testing.assert_array_equal(xb, txb.cpu().numpy())
            np.testing.assert_array_equal(yb, tyb.cpu().numpy())
        for a, b in zip(loader.last_order, tloader.last_order):
            np.testing.assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), rng_state)
    order = [np.array([5, 0, 17]), np.array([3])]
    (xa, ya), (xb, yb) = tloader.batches(order)
    np.testing.assert_array_equal(xa.cpu().numpy(), X[[5, 0, 17]])
    np.testing.assert_array_equal(yb.cpu().numpy(), y[[3]])


def test_default_generator_loaders_stay_in_step():
    """The reviewer's reproducer: two loaders without ``generator=`` (scratchnet's
    default stream), one epoch each, a dropout mask drawn from the default
    generator, a second epoch each — the orders must still agree (the scratchnet
    loader shuffles from a private stream seeded at construction)."""
    sn.manual_seed(0)
    X, y = _digits(np.float64)
    loader = sn.data.DataLoader((X[:200], y[:200]), batch_size=32, shuffle=True)
    tloader = torch_ref.data.DataLoader.from_scratchnet(loader)
    for epoch in range(2):
        batches, tbatches = list(loader), list(tloader)
        assert len(batches) == len(tbatches) == 7
        for a, b in zip(loader.last_order, tloader.last_order):
            np.testing.assert_array_equal(a, b)
        for (xb, yb), (txb, tyb) in zip(batches, tbatches):
            np.testing.assert_array_equal(xb, txb.numpy())
            np.testing.assert_array_equal(yb, tyb.numpy())
        sn.nn.Dropout(.5)(np.ones((4, 4)))    # a draw from the default generator between epochs


def test_digits_20_epochs(dtype, one_thread):
    X, y = _digits(dtype)
    Xtr, ytr, Xva, yva = X[:1500], y[:1500], X[1500:], y[1500:]
    model = sn.models.mlp([64, 32, 10], dtype=dtype, generator=np.random.default_rng(0))
    tmodel = torch_ref.models.twin(model)
    loader = sn.data.DataLoader((Xtr, ytr), batch_size=64, shuffle=True, generator=np.random.default_rng(0))
    tloader = torch_ref.data.DataLoader.from_scratchnet(loader)
    h = sn.train.fit(model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                     loader, 20, val_data=(Xva, yva), progress=False)
    th = torch_ref.train.fit(tmodel, torch.nn.CrossEntropyLoss(),
                             torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9),
                             tloader, 20, val_data=(Xva, yva), progress=False)
    bound = BOUNDS[np.dtype(dtype)]
    comp = "digits 64-32-10, SGD(momentum=0.9), 20 epochs"
    assert len(h.step_loss) == len(th.step_loss) == 20 * 24
    assert_parity(np.array(h.step_loss), np.array(th.step_loss), component=comp,
                  quantity="loss of every step", dtype=dtype, bound=bound)
    assert_parity(np.array(h.val_loss), np.array(th.val_loss), component=comp,
                  quantity="validation loss per epoch", dtype=dtype, bound=bound)
    mine = dict(model.named_parameters())
    for name, tp in tmodel.named_parameters():
        assert_parity(mine[name], tp, component=comp, quantity=f"final {name}", dtype=dtype, bound=bound)
    assert h.val_accuracy == th.val_accuracy
    assert h.epoch_loss[-1] < 0.1 and h.val_accuracy[-1] > 0.85   # it did learn


def test_scheduler_clipping_early_stopping_agree(one_thread):
    """Adam + CosineAnnealingLR + active clipping + early stopping, float64, 8 epochs."""
    X, y = _digits(np.float64)
    model = sn.models.mlp([64, 32, 10], dtype=np.float64, generator=np.random.default_rng(1))
    tmodel = torch_ref.models.twin(model)
    loader = sn.data.DataLoader((X[:600], y[:600]), batch_size=100, shuffle=True,
                                generator=np.random.default_rng(1))
    tloader = torch_ref.data.DataLoader.from_scratchnet(loader)
    opt = sn.optim.Adam(model.parameters(), lr=0.01)
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.01)
    kw = dict(clip_grad_norm=0.5, val_data=(X[1500:], y[1500:]), patience=2, progress=False)
    h = sn.train.fit(model, sn.nn.CrossEntropyLoss(), opt, loader, 8,
                     scheduler=sn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8), **kw)
    th = torch_ref.train.fit(tmodel, torch.nn.CrossEntropyLoss(), topt, tloader, 8,
                             scheduler=torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=8), **kw)
    comp = "digits, Adam + CosineAnnealingLR + clip_grad_norm_(0.5)"
    assert h.lr == th.lr and h.epochs == th.epochs and h.stopped_early == th.stopped_early
    assert_parity(np.array(h.step_loss), np.array(th.step_loss), component=comp,
                  quantity="loss of every step", dtype=np.float64, bound=1e-9)
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        assert_parity(p, tp, component=comp, quantity="final weights", dtype=np.float64, bound=1e-9)


def test_torch_fit_nan_error_names_step_and_lr(one_thread):
    model = torch.nn.Linear(2, 1).double()
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    y = torch.tensor([[1e3], [-1e3]], dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=1e2)
    with pytest.raises(sn.train.NonFiniteLossError, match=r"at step \d+ .*learning rate 100"):
        torch_ref.train.fit(model, torch.nn.MSELoss(), opt, (X, y), epochs=200, progress=False)
