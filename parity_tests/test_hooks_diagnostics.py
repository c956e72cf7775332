"""Hooks and the per-layer recorder: scratchnet vs torch.

The hooks must see what torch's see: the same layer outputs in forward
hooks, the same dJ/d(output) and dJ/d(input) in full backward hooks, in the
same order; replacements returned by hooks must act the same; removed hooks
must stay silent. Then the recorders of the two packages, each built on its
own hooks, must give the same statistics.

Bounds as in compare.py: the hooked arrays are the layers' forward and
backward results (depth ≤ 5, widths ≤ 16), and the statistics are sums of
at most a few hundred of them, evaluated in float64 on both sides.
"""

import numpy as np
import pytest
import torch

import scratchnet as sn
import torch_ref
from parity_tests.compare import assert_parity, bound_for
from parity_tests.conftest import tensor
from scratchnet.diagnostics import LayerRecorder
from torch_ref.diagnostics import LayerRecorder as TorchLayerRecorder


def _models(dtype, device="cpu", **kw):
    mine = sn.models.mlp([5, 8, 8, 3], "tanh", dtype=dtype, generator=np.random.default_rng(0), **kw)
    return mine, torch_ref.models.twin(mine, device=device)


def _data(dtype):
    rng = np.random.default_rng(1)
    return rng.standard_normal((12, 5)).astype(dtype), rng.standard_normal((12, 3)).astype(dtype)


def _step(mine, theirs, x, g, dtype, device="cpu"):
    out = mine(x)
    grad_x = mine.backward(g)
    xt = tensor(x, dtype, device, requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, device))
    return out, grad_x, out_t, xt.grad


def test_hooks_see_what_torch_hooks_see(dtype, device):
    mine, theirs = _models(dtype, device)
    x, g = _data(dtype)
    seen, seen_t = [], []
    for (name, m), (name_t, mt) in zip(mine.named_modules(), theirs.named_modules()):
        assert name == name_t
        m.register_forward_hook(lambda mod, inp, out, n=name: seen.append(("forward", n, inp[0], out)))
        m.register_full_backward_hook(lambda mod, gi, go, n=name: seen.append(("backward", n, gi[0], go[0])))
        mt.register_forward_hook(lambda mod, inp, out, n=name: seen_t.append(("forward", n, inp[0], out)))
        mt.register_full_backward_hook(lambda mod, gi, go, n=name: seen_t.append(("backward", n, gi[0], go[0])))
    _step(mine, theirs, x, g, dtype, device)
    # Same hooks, same order: forward layer by layer (the container last), backward the reverse.
    assert [(k, n) for k, n, _, _ in seen] == [(k, n) for k, n, _, _ in seen_t]
    assert len(seen) == 2 * len(list(mine.modules()))
    for (kind, name, a, b), (_, _, a_t, b_t) in zip(seen, seen_t):
        what = ("input", "output") if kind == "forward" else ("dJ/dinput", "dJ/doutput")
        assert_parity(a, a_t, component="hooks", quantity=f"{kind} hook {what[0]}", dtype=dtype, device=device)
        assert_parity(b, b_t, component="hooks", quantity=f"{kind} hook {what[1]}", dtype=dtype, device=device)


def test_hook_replacements_and_removal_act_as_in_torch(dtype):
    mine, theirs = _models(dtype)
    x, g = _data(dtype)
    calls = {"mine": 0, "torch": 0}

    def count(key):
        def hook(*args):
            calls[key] += 1
        return hook

    # A forward hook doubling layer 1's output, a backward hook halving dJ/dinput of layer 2.
    # scratchnet has no autograd: a replaced output is not differentiated through, backward
    # treats the hook as the identity (documented in Module.register_forward_hook). In torch
    # that is the "straight-through" replacement 2·o.detach() + (o − o.detach()).
    handles = [mine[1].register_forward_hook(lambda m, i, o: 2 * o),
               mine[2].register_full_backward_hook(lambda m, gi, go: (gi[0] / 2,)),
               theirs[1].register_forward_hook(lambda m, i, o: 2 * o.detach() + (o - o.detach())),
               theirs[2].register_full_backward_hook(lambda m, gi, go: (gi[0] / 2,))]
    removed = [mine[0].register_forward_hook(count("mine")), theirs[0].register_forward_hook(count("torch"))]
    for h in removed:
        h.remove()
    out, grad_x, out_t, grad_x_t = _step(mine, theirs, x, g, dtype)
    assert calls == {"mine": 0, "torch": 0}
    assert_parity(out, out_t, component="hooks", quantity="output with a replacing forward hook", dtype=dtype)
    assert_parity(grad_x, grad_x_t, component="hooks", quantity="dJ/dinput with a replacing backward hook",
                  dtype=dtype)
    tparams = dict(theirs.named_parameters())
    for name, p in mine.named_parameters():
        assert_parity(p.grad, tparams[name].grad, component="hooks",
                      quantity=f"dJ/d{name} with replacing hooks", dtype=dtype)
    # Without the hooks, both go back to the plain network.
    for h in handles:
        h.remove()
    mine.zero_grad(), theirs.zero_grad()
    out, grad_x, out_t, grad_x_t = _step(mine, theirs, x, g, dtype)
    assert_parity(out, out_t, component="hooks", quantity="output after handle.remove()", dtype=dtype)


@pytest.mark.parametrize("kw", [{}, {"batch_norm": True, "residual": True}], ids=["plain", "batchnorm+residual"])
def test_layer_recorder_matches_torch_recorder(dtype, kw, device):
    mine, theirs = _models(dtype, device, **kw)
    x, g = _data(dtype)
    with LayerRecorder(mine) as rec, TorchLayerRecorder(theirs) as rec_t:
        for _ in range(2):
            mine.zero_grad(), theirs.zero_grad()
            _step(mine, theirs, x, g, dtype, device)
            rec.record_parameters(), rec_t.record_parameters()
    assert rec.layer_names == rec_t.layer_names
    assert rec.layer_types == rec_t.layer_types
    # With batch norm, the bias of each Linear feeding a BatchNorm1d has gradient exactly 0
    # in exact arithmetic (BN subtracts the batch mean, so a constant shift cannot matter):
    # both libraries return rounding noise there, which is checked to *be* noise — below
    # the dtype's parity bound times the largest parameter gradient — not compared.
    biases_before_bn = [f"{n}.bias" for n, m in mine.named_modules()
                        if isinstance(m, sn.nn.Linear) and kw.get("batch_norm") and m.out_features == 8]
    largest = max(h[-1].norm for h in rec.parameters.values())
    for name in biases_before_bn:
        assert max(rec.parameters[name][-1].norm, rec_t.parameters[name][-1].norm) <= bound_for(dtype) * largest
    for kind in ("activations", "gradients", "parameters"):
        mine_table, torch_table = getattr(rec, kind), getattr(rec_t, kind)
        assert list(mine_table) == list(torch_table)
        for name in mine_table:
            assert len(mine_table[name]) == len(torch_table[name]) == 2
            if kind == "parameters" and name in biases_before_bn:
                continue
            assert_parity(np.array(mine_table[name]), np.array(torch_table[name]), component="LayerRecorder",
                          quantity=f"{kind} (mean, std, norm)", dtype=dtype, device=device)
    # After the with-block the hooks are gone: nothing more is recorded.
    _step(mine, theirs, x, g, dtype, device)
    assert all(len(h) == 2 for h in rec.activations.values())
    assert all(len(h) == 2 for h in rec_t.activations.values())
