"""Whole training runs, scratchnet against torch: sklearn's digits, 64-32-10
(ReLU, cross-entropy), mini-batches of 64 in the same shuffled order,
SGD(lr=0.1, momentum=0.9), 20 epochs, validation after each — the loss of
every step (480 of them), the final weights and the validation accuracy.
Then: the scheduler and fit's clipping options, early stopping that triggers
(the same stopping epoch, best epoch, histories and weights), and the
validation loss in the loss's own reduction; each on every available device.

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
    assert (tloader.batch_size, tloader.drop_last) == (64, drop_last)  # read as torch's own loader would
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


def _twins(dtype, device, seed, X, y, batch_size):
    """A scratchnet 64-32-10 MLP and its torch twin on ``device``, with loaders
    drawing the same shuffled batches of (X, y)."""
    model = sn.models.mlp([64, 32, 10], dtype=dtype, generator=np.random.default_rng(seed))
    loader = sn.data.DataLoader((X, y), batch_size=batch_size, shuffle=True, generator=np.random.default_rng(seed))
    return (model, torch_ref.models.twin(model, device=device), loader,
            torch_ref.data.DataLoader.from_scratchnet(loader, device=device))


def _same_run(h, th, model, tmodel, comp, dtype, device, bound):
    """Histories and final weights of the two backends agree."""
    assert h.lr == th.lr and h.epochs == th.epochs and h.stopped_early == th.stopped_early
    assert h.best_epoch == th.best_epoch and h.val_accuracy == th.val_accuracy
    for quantity in ["step_loss", "epoch_loss", "val_loss"]:
        assert len(getattr(h, quantity)) == len(getattr(th, quantity))
        assert_parity(np.array(getattr(h, quantity)), np.array(getattr(th, quantity)), component=comp,
                      quantity=quantity, dtype=dtype, device=device, bound=bound)
    mine = dict(model.named_parameters())
    for name, tp in tmodel.named_parameters():
        assert_parity(mine[name], tp, component=comp, quantity=f"final {name}", dtype=dtype, device=device,
                      bound=bound)


def test_digits_20_epochs(dtype, device, one_torch_thread):
    X, y = _digits(dtype)
    Xtr, ytr, Xva, yva = X[:1500], y[:1500], X[1500:], y[1500:]
    model, tmodel, loader, tloader = _twins(dtype, device, 0, Xtr, ytr, 64)
    h = sn.train.fit(model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                     loader, 20, val_data=(Xva, yva), progress=False)
    th = torch_ref.train.fit(tmodel, torch.nn.CrossEntropyLoss(),
                             torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9),
                             tloader, 20, val_data=(Xva, yva), progress=False)
    comp = "digits 64-32-10, SGD(momentum=0.9), 20 epochs"
    assert len(h.step_loss) == len(th.step_loss) == 20 * 24
    _same_run(h, th, model, tmodel, comp, dtype, device, BOUNDS[np.dtype(dtype)])
    assert h.epoch_loss[-1] < 0.1 and h.val_accuracy[-1] > 0.85   # it did learn


def test_hooks_agree_a_hand_written_step_and_a_per_step_callback(dtype, device, one_torch_thread):
    """fit(step=..., on_step=..., on_epoch=...) on both backends, 5 epochs of mini-batches:
    the hand-written rule W := W − α·dW (the lectures' update, one line for either
    library: ``p.data -= lr * p.grad``) run with no optimizer, and a callback recording
    ‖dJ/dW[1]‖ before every update. Both the same run in both libraries, within the
    trajectory bounds of the module docstring (120 steps here, fewer than its 480)."""
    X, y = _digits(dtype)
    model, tmodel, loader, tloader = _twins(dtype, device, 2, X[:1500], y[:1500], 64)
    norms = {"scratchnet": [], "torch": []}
    epochs = {"scratchnet": [], "torch": []}

    def run(fit, m, loss_fn, data, backend):
        def step():
            for p in m.parameters():
                p.data -= 0.1 * p.grad

        def on_step(i, loss):
            g = m[0].weight.grad
            norms[backend].append(float(np.linalg.norm(g if backend == "scratchnet" else g.cpu().numpy())))

        return fit(m, loss_fn, None, data, 5, step=step, on_step=on_step,
                   on_epoch=lambda e, h: epochs[backend].append(h.epoch_loss[-1]), progress=False)

    h = run(sn.train.fit, model, sn.nn.CrossEntropyLoss(), loader, "scratchnet")
    th = run(torch_ref.train.fit, tmodel, torch.nn.CrossEntropyLoss(), tloader, "torch")
    _same_run(h, th, model, tmodel, "digits 64-32-10, hand-written gradient descent, 5 epochs", dtype, device,
              BOUNDS[np.dtype(dtype)])
    assert len(norms["scratchnet"]) == len(norms["torch"]) == 5 * 24 and epochs["scratchnet"] == h.epoch_loss
    assert_parity(np.array(norms["scratchnet"]), np.array(norms["torch"]), component="fit(on_step=...)",
                  quantity="‖dJ/dW[1]‖ before each update", dtype=dtype, device=device, bound=BOUNDS[np.dtype(dtype)])
    assert h.lr == th.lr == [[]] * 5 and h.epoch_loss[-1] < h.epoch_loss[0]


@pytest.mark.parametrize("clip", [("clip_grad_norm", 0.5), ("clip_grad_value", 0.01)], ids=lambda c: c[0])
def test_scheduler_and_clipping_agree(clip, device, one_torch_thread):
    """Adam + CosineAnnealingLR + fit's clipping option (by norm, by value), float64,
    8 epochs. The clipping is active: without it the weights end ≥ 1e-3 elsewhere."""
    X, y = _digits(np.float64)

    def run(kw):
        model, tmodel, loader, tloader = _twins(np.float64, device, 1, X[:600], y[:600], 100)
        opt = sn.optim.Adam(model.parameters(), lr=0.01)
        topt = torch.optim.Adam(tmodel.parameters(), lr=0.01)
        kw = dict(kw, val_data=(X[1500:], y[1500:]), progress=False)
        h = sn.train.fit(model, sn.nn.CrossEntropyLoss(), opt, loader, 8,
                         scheduler=sn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8), **kw)
        th = torch_ref.train.fit(tmodel, torch.nn.CrossEntropyLoss(), topt, tloader, 8,
                                 scheduler=torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=8), **kw)
        return h, th, model, tmodel

    h, th, model, tmodel = run({clip[0]: clip[1]})
    _same_run(h, th, model, tmodel, f"digits, Adam + CosineAnnealingLR + {clip[0]}={clip[1]}",
              np.float64, device, 1e-9)
    _, _, unclipped, _ = run({})
    assert max(np.max(np.abs(p.data - q.data)) for p, q in zip(model.parameters(), unclipped.parameters())) > 1e-3


def test_early_stopping_agrees(dtype, device, one_torch_thread):
    """Early stopping that triggers, on both backends at the same epoch: 40 training
    samples (batches of 10), Adam(lr=0.02), patience 3, up to 60 epochs. The model
    overfits; the validation loss (300 samples) is lowest after epoch 18 (0-based)
    and at least 0.013 above that for the 3 epochs after it — over 200× the
    difference the float32 bound allows (1e-4 relative of ~0.58), 3e4× the one
    measured, so the decision cannot flip by rounding — and both stop after
    epoch 21. The best epoch's weights agree too (the same runs,
    retrained for best_epoch + 1 epochs)."""
    X, y = _digits(dtype)
    bound = BOUNDS[np.dtype(dtype)]

    def run(epochs, patience):
        model, tmodel, loader, tloader = _twins(dtype, device, 2, X[:40], y[:40], 10)
        kw = dict(val_data=(X[1000:1300], y[1000:1300]), patience=patience, progress=False)
        h = sn.train.fit(model, sn.nn.CrossEntropyLoss(), sn.optim.Adam(model.parameters(), lr=0.02),
                         loader, epochs, **kw)
        th = torch_ref.train.fit(tmodel, torch.nn.CrossEntropyLoss(), torch.optim.Adam(tmodel.parameters(), lr=0.02),
                                 tloader, epochs, **kw)
        return h, th, model, tmodel

    h, th, model, tmodel = run(60, 3)
    comp = "digits, 40 samples, Adam(lr=0.02), early stopping (patience 3)"
    assert h.stopped_early and th.stopped_early
    assert h.epochs == th.epochs == 22 and h.best_epoch == th.best_epoch == 18
    assert h.val_loss[18] == min(h.val_loss) and min(np.array(h.val_loss[19:]) - h.val_loss[18]) > 0.013
    assert h.epoch_loss[-1] < 0.05 * h.epoch_loss[0]                   # it overfits the 40 samples
    _same_run(h, th, model, tmodel, comp, dtype, device, bound)
    bh, bth, best, tbest = run(h.best_epoch + 1, None)                # the best epoch's weights
    assert bh.val_loss == h.val_loss[:19] and not bh.stopped_early
    _same_run(bh, bth, best, tbest, comp + ", best epoch", dtype, device, bound)


def test_torch_fit_early_stopping(device):
    """torch_ref.train.fit on its own: with lr 0 the validation loss never improves,
    so training stops after patience + 1 epochs with epoch 0 the best."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double().to(device)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 3, 50)
    h = torch_ref.train.fit(model, torch.nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.0),
                            (X[:30], y[:30]), epochs=50, val_data=(X[30:], y[30:]), patience=3, progress=False)
    assert h.stopped_early and h.epochs == 4 and h.best_epoch == 0 and len(set(h.val_loss)) == 1
    h = torch_ref.train.fit(model, torch.nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                            (X[:30], y[:30]), epochs=5, patience=3, progress=False)
    assert not h.stopped_early and h.epochs == 5 and h.best_epoch == 4   # training loss falls every epoch


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_validation_loss_in_the_loss_reduction(reduction, device):
    """torch_ref.train.evaluate over a batched validation set (7 uneven batches) is
    the loss computed directly over the whole set, in the loss's reduction (class
    weights included), and equals scratchnet's evaluate; 'none' is refused."""
    X, y = _digits(np.float64)
    model = sn.models.mlp([64, 32, 10], dtype=np.float64, generator=np.random.default_rng(3))
    tmodel = torch_ref.models.twin(model, device=device)
    weight = np.linspace(0.5, 2.0, 10)
    Xv, yv = X[:100], y[:100]
    val = sn.data.DataLoader((Xv, yv), batch_size=16)
    loss_fn = sn.nn.CrossEntropyLoss(weight=weight, reduction=reduction)
    tloss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight, device=device), reduction=reduction)
    loss, acc = sn.train.evaluate(model, loss_fn, val)
    tloss, tacc = torch_ref.train.evaluate(tmodel, tloss_fn, torch_ref.data.DataLoader.from_scratchnet(val, device))
    with torch.no_grad():
        out = tmodel(torch.tensor(Xv, device=device))
        direct = float(tloss_fn(out, torch.tensor(yv, device=device)))
        direct_acc = float((out.argmax(1).cpu() == torch.tensor(yv)).double().mean())
    assert tloss == pytest.approx(direct, rel=1e-14) and tacc == direct_acc
    assert_parity(np.array(loss), np.array(tloss), component=f"evaluate (reduction={reduction!r})",
                  quantity="validation loss", dtype=np.float64, device=device)
    assert acc == tacc
    with pytest.raises(ValueError, match="reduction='none'"):
        torch_ref.train.evaluate(tmodel, torch.nn.CrossEntropyLoss(reduction="none"), (Xv, yv))


def test_torch_fit_nan_error_names_step_and_lr(one_torch_thread):
    model = torch.nn.Linear(2, 1).double()
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    y = torch.tensor([[1e3], [-1e3]], dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=1e2)
    with pytest.raises(sn.train.NonFiniteLossError, match=r"at step \d+ .*learning rate 100"):
        torch_ref.train.fit(model, torch.nn.MSELoss(), opt, (X, y), epochs=200, progress=False)
