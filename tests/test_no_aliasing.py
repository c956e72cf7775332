"""The speed work reuses buffers only where nobody else can see them: what a
caller receives (a forward output, a gradient returned by backward,
``param.grad``, a batch) is never overwritten by a later call. (The optimizer's
state arrays *are* updated in place, as torch's are; ``state_dict()`` copies.) Each test keeps what it received, runs the next step, and checks that what
it kept did not change."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn


def _setup(dtype):
    model = sn.models.mlp([6, 8, 5, 3], dtype=dtype, generator=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6)).astype(dtype)
    y = rng.integers(0, 3, 40)
    return model, sn.nn.CrossEntropyLoss(), sn.optim.Adam(model.parameters(), lr=0.1), X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_what_a_step_hands_out_is_not_overwritten_by_the_next(dtype):
    model, loss_fn, opt, X, y = _setup(dtype)
    kept = []
    for step in range(3):
        xb, yb = X[10 * step:10 * step + 10], y[10 * step:10 * step + 10]
        opt.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        grad_out = loss_fn.backward()
        grad_in = model.backward(grad_out)
        grads = [p.grad for p in model.parameters()]
        opt.step()
        kept.append([(a, a.copy()) for a in [out, np.asarray(loss), grad_out, grad_in, *grads]])
    for record in kept:
        for array, snapshot in record:
            assert np.array_equal(array, snapshot), "an array handed out earlier was overwritten later"


def _scratch(opt):
    """Every scratch array of the optimizer's fast path (one workspace per parameter group)."""
    return [a for w in opt._workspaces.values() for a in w.values()]


def test_adam_work_array_is_not_state():
    model, loss_fn, opt, X, y = _setup(np.float32)
    loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    opt.step()
    keys = {k for s in opt.state_dict()["state"].values() for k in s}
    assert keys == {"step", "exp_avg", "exp_avg_sq"}
    # The work arrays are the optimizer's own, never a parameter's or a gradient's memory.
    handed_out = [p.data for p in model.parameters()] + [p.grad for p in model.parameters()]
    assert _scratch(opt)
    for work in _scratch(opt):
        assert not any(np.shares_memory(work, a) for a in handed_out)


def test_work_array_follows_a_dtype_change():
    model, loss_fn, opt, X, y = _setup(np.float32)
    for dtype in (np.float32, np.float64):
        model.to(dtype)
        for s in opt.state.values():  # as after a reload in the new dtype
            for k in ("exp_avg", "exp_avg_sq"):
                s[k] = s[k].astype(dtype)
        opt.zero_grad()
        loss_fn(model(X.astype(dtype)), y)
        model.backward(loss_fn.backward())
        opt.step()
        assert all(p.dtype == dtype for p in model.parameters())
        assert _scratch(opt) and all(w.dtype == dtype for w in _scratch(opt))


def test_loader_batches_are_independent():
    X = np.arange(20.0).reshape(10, 2)
    loader = sn.data.DataLoader((X, np.arange(10)), batch_size=4, shuffle=True, generator=np.random.default_rng(0))
    batches = [(xb.copy(), xb) for xb, _ in loader]
    list(loader)  # another epoch
    assert all(np.array_equal(a, b) for a, b in batches)
