"""Losses: the value J and dJ/d(prediction), scratchnet vs torch, for every
reduction and option, including the edge values where PyTorch makes choices
a textbook would not (BCELoss at p exactly 0 and 1, cross-entropy with
logits ±1e3)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor

REDUCTIONS = ["mean", "sum", "none"]


def run_both(mine, theirs, pred, target, dtype, device, target_dtype=None, seed=0):
    """Loss values and dJ/dpred from both libraries for the same inputs.

    For ``reduction='none'`` both backward passes receive the same random
    dJ/d(loss)."""
    loss = mine(pred.astype(dtype), target)
    pt = tensor(pred, dtype, device, requires_grad=True)
    tt = (torch.tensor(target, device=device) if target_dtype is not None
          else tensor(target, dtype, device))
    if target_dtype is not None:
        tt = tt.to(target_dtype)
    tloss = theirs(pt, tt)
    if mine.reduction == "none":
        g = np.random.default_rng(seed).normal(size=np.shape(loss))
        grad = mine.backward(g.astype(dtype))
        tloss.backward(tensor(g, dtype, device))
    else:
        grad = mine.backward()
        tloss.backward()
    return loss, grad, tloss, pt.grad


def check(name, mine, theirs, pred, target, dtype, device, target_dtype=None):
    loss, grad, tloss, tgrad = run_both(mine, theirs, pred, target, dtype, device, target_dtype)
    component = f"{name}(reduction={mine.reduction!r})"
    if mine.reduction != "none":
        assert np.ndim(loss) == 0 and np.asarray(loss).dtype == dtype
    assert grad.shape == pred.shape and grad.dtype == dtype
    assert_parity(loss, tloss, component=component, quantity="loss", dtype=dtype, device=device)
    assert_parity(grad, tgrad, component=component, quantity="dL/dprediction", dtype=dtype, device=device)


# ------------------------------------------------------------------------- MSE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(1, 1), (8, 1), (5, 3)])
def test_mse(reduction, shape, dtype, device):
    rng = np.random.default_rng(1)
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    check("MSELoss", sn.nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction),
          pred, target, dtype, device)


# ------------------------------------------------------------------------- BCE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted, dtype, device):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.02, 0.98, size=(6, 2))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    y[0, 0] = 0.3  # a soft label
    w = rng.uniform(0.5, 2.0, size=(2,)) if weighted else None
    mine = sn.nn.BCELoss(weight=w, reduction=reduction)
    theirs = torch.nn.BCELoss(weight=None if w is None else tensor(w, dtype, device), reduction=reduction)
    check("BCELoss" + ("(weight)" if weighted else ""), mine, theirs, p, y, dtype, device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_at_exactly_zero_and_one(reduction, dtype, device):
    """p ∈ {0, 1}: PyTorch clamps each log at −100 (so ℓ = 100, not ∞) and keeps
    the gradient's denominator p(1 − p) ≥ 1e-12; scratchnet mirrors both."""
    p = np.array([[0.0], [1.0], [0.0], [1.0], [0.5]])
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad, tloss, tgrad = run_both(sn.nn.BCELoss(reduction=reduction),
                                            torch.nn.BCELoss(reduction=reduction), p, y, dtype, device)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    component = f"BCELoss(reduction={reduction!r})"
    assert_parity(loss, tloss, component=component, quantity="loss at p = 0, 1", dtype=dtype, device=device)
    assert_parity(grad, tgrad, component=component, quantity="dL/dp at p = 0, 1", dtype=dtype, device=device)
    if reduction == "none":
        # Hand-worked: a confident right answer costs 0, a confident wrong one exactly 100.
        np.testing.assert_array_equal(loss[:4, 0], np.array([0, 0, 100, 100], dtype=dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits(reduction, options, dtype, device):
    rng = np.random.default_rng(3)
    z = rng.normal(0, 3, size=(7, 3))
    z[0] = [1e3, -1e3, 0.0]  # huge logits stay finite
    y = rng.integers(0, 2, size=(7, 3)).astype(float)
    w = rng.uniform(0.5, 2, size=(3,)) if options in ("weight", "both") else None
    pw = rng.uniform(0.5, 3, size=(3,)) if options in ("pos_weight", "both") else None
    mine = sn.nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    theirs = torch.nn.BCEWithLogitsLoss(
        weight=None if w is None else tensor(w, dtype, device), reduction=reduction,
        pos_weight=None if pw is None else tensor(pw, dtype, device))
    check(f"BCEWithLogitsLoss({options})", mine, theirs, z, y, dtype, device)


# --------------------------------------------------------------- cross-entropy

CE_OPTIONS = list(itertools.product([False, True], [None, 1], [0.0, 0.1]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore,smoothing", CE_OPTIONS,
                         ids=[f"w{int(w)}-ign{i}-ls{s}" for w, i, s in CE_OPTIONS])
def test_cross_entropy_class_indices(reduction, weighted, ignore, smoothing, dtype, device):
    rng = np.random.default_rng(4)
    n, c = 9, 4
    z = rng.normal(0, 2, size=(n, c))
    y = rng.integers(0, c, size=n)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if ignore is not None:
        kwargs["ignore_index"] = ignore  # class 1 is ignored wherever it is the target
    w = rng.uniform(0.2, 2.0, size=c) if weighted else None
    mine = sn.nn.CrossEntropyLoss(weight=w, **kwargs)
    theirs = torch.nn.CrossEntropyLoss(weight=None if w is None else tensor(w, dtype, device), **kwargs)
    check(f"CrossEntropyLoss(indices, weight={weighted}, ignore_index={ignore}, ls={smoothing})",
          mine, theirs, z, y, dtype, device, target_dtype=torch.long)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (False, 0.2), (True, 0.2)])
def test_cross_entropy_class_probabilities(reduction, weighted, smoothing, dtype, device):
    rng = np.random.default_rng(5)
    n, c = 6, 5
    z = rng.normal(0, 2, size=(n, c))
    p = rng.dirichlet(np.ones(c), size=n)
    w = rng.uniform(0.2, 2.0, size=c) if weighted else None
    mine = sn.nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=smoothing)
    theirs = torch.nn.CrossEntropyLoss(weight=None if w is None else tensor(w, dtype, device),
                                       reduction=reduction, label_smoothing=smoothing)
    check(f"CrossEntropyLoss(probabilities, weight={weighted}, ls={smoothing})",
          mine, theirs, z, p, dtype, device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_huge_logits(reduction, dtype, device):
    """Logits ±1e3 (and ±1e4): finite loss and the exact fused gradient softmax − one_hot."""
    z = np.array([[1e3, -1e3, 0.0], [-1e3, 1e3, 1e3], [1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    y = np.array([1, 0, 0, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad, tloss, tgrad = run_both(sn.nn.CrossEntropyLoss(reduction=reduction),
                                            torch.nn.CrossEntropyLoss(reduction=reduction),
                                            z, y, dtype, device, target_dtype=torch.long)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    component = f"CrossEntropyLoss(reduction={reduction!r})"
    assert_parity(loss, tloss, component=component, quantity="loss, logits ±1e3", dtype=dtype, device=device)
    assert_parity(grad, tgrad, component=component, quantity="dL/dlogits, logits ±1e3", dtype=dtype,
                  device=device)
    if reduction == "none":
        # Hand-worked: a 2000-logit margin against the target costs exactly 2000.
        assert loss[0] == 2000 and loss[2] == 0


def test_cross_entropy_unbatched(dtype, device):
    """A single example of shape (C,) with a scalar class index, as torch allows."""
    z = np.array([0.5, -1.0, 2.0])
    for reduction in REDUCTIONS:
        check("CrossEntropyLoss(unbatched)", sn.nn.CrossEntropyLoss(reduction=reduction),
              torch.nn.CrossEntropyLoss(reduction=reduction), z, np.array(2), dtype, device,
              target_dtype=torch.long)


# ------------------------------------------------------------------------- NLL


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", [(False, None), (True, None), (False, 2), (True, 0)])
def test_nll(reduction, weighted, ignore, dtype, device):
    rng = np.random.default_rng(6)
    n, c = 8, 3
    logp = sn.nn.functional.log_softmax(rng.normal(size=(n, c)), dim=1)
    y = rng.integers(0, c, size=n)
    kwargs = {"reduction": reduction} if ignore is None else {"reduction": reduction, "ignore_index": ignore}
    w = rng.uniform(0.5, 2.0, size=c) if weighted else None
    mine = sn.nn.NLLLoss(weight=w, **kwargs)
    theirs = torch.nn.NLLLoss(weight=None if w is None else tensor(w, dtype, device), **kwargs)
    check(f"NLLLoss(weight={weighted}, ignore_index={ignore})", mine, theirs, logp, y, dtype, device,
          target_dtype=torch.long)


def test_log_softmax_then_nll_equals_cross_entropy(dtype):
    """LogSoftmax + NLLLoss is CrossEntropyLoss, values and gradients (as in torch)."""
    rng = np.random.default_rng(7)
    z, y = rng.normal(size=(5, 4)).astype(dtype), rng.integers(0, 4, size=5)
    ls, nll, ce = sn.nn.LogSoftmax(dim=1), sn.nn.NLLLoss(), sn.nn.CrossEntropyLoss()
    a = nll(ls(z), y)
    ga = ls.backward(nll.backward())
    b = ce(z, y)
    gb = ce.backward()
    tol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(a, b, rtol=tol)
    np.testing.assert_allclose(ga, gb, rtol=0, atol=tol)
