"""Losses: the value J and dJ/d(prediction), scratchnet vs torch, for every
reduction and option, including the edge values where PyTorch makes choices
a textbook would not (BCELoss at p exactly 0 and 1, cross-entropy with
logits ±1e3, PoissonNLLLoss's Stirling term cut at y = 1 and its rates at 0).

Bounds: ``assert_parity``'s (float64 1e-10, float32 1e-5, norm-wise;
``torch_ref/check/bounds.py`` argues them, for ``parity_tests/compare.py``): each loss entry is a handful of
correctly rounded operations (exp and log within an ulp or two) and J a sum
of at most a few dozen of them. Edge values are compared entry by entry under
``parity_tests/edges.py``'s rule, with the tolerances argued in each test."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor
from parity_tests.edges import assert_edges

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


# --------------------------------------------------------------------- Poisson

POISSON_OPTIONS = [(True, False, 1e-8), (True, True, 1e-8), (False, False, 1e-8), (False, True, 1e-8),
                   (False, False, 0.25), (False, True, 0.25)]


def poisson_data(rng, log_input):
    """Log-rates z ~ N(0, 1) (or the rates e^z), and Poisson counts drawn at
    those rates, with the targets where the options differ: 0 (log y! = 0),
    exactly 1 (the Stirling term cut off), 1.5 and 2 (just above the cut), a
    large count, and a fractional rate."""
    z = rng.normal(size=(7, 3))
    y = rng.poisson(np.exp(z)).astype(float)
    y[0] = [0.0, 1.0, 1.5]
    y[1] = [2.0, 40.0, 0.3]
    return (z if log_input else np.exp(z)), y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full,eps", POISSON_OPTIONS,
                         ids=[f"log{int(a)}-full{int(b)}-eps{c:g}" for a, b, c in POISSON_OPTIONS])
def test_poisson_nll(reduction, log_input, full, eps, dtype, device):
    """Every option, every reduction; ``eps`` (which only ``log_input=False``
    reads) at its default and at 0.25, where it moves every entry."""
    pred, y = poisson_data(np.random.default_rng(8), log_input)
    mine = sn.nn.PoissonNLLLoss(log_input, full, eps=eps, reduction=reduction)  # torch's positional order
    theirs = torch.nn.PoissonNLLLoss(log_input, full, eps=eps, reduction=reduction)
    check(f"PoissonNLLLoss(log_input={log_input}, full={full}, eps={eps:g})", mine, theirs, pred, y, dtype, device)


def test_poisson_nll_any_shape(dtype, device):
    """As torch, any shape: a scalar, a vector, a (2, 3, 2) batch."""
    rng = np.random.default_rng(9)
    for shape in [(), (5,), (2, 3, 2)]:
        z, y = rng.normal(size=shape), rng.poisson(2.0, size=shape).astype(float)
        for reduction in REDUCTIONS:
            check(f"PoissonNLLLoss(shape {shape})", sn.nn.PoissonNLLLoss(full=True, reduction=reduction),
                  torch.nn.PoissonNLLLoss(full=True, reduction=reduction), z, y, dtype, device)


def _poisson_edge_tolerance(dtype, z, y, log_input, full, eps):
    """(rtol, atol of ℓ, atol of dℓ/dz) for one entry against torch's.

    rtol as ``edges.entrywise_tolerance`` (1e-13 / 1e-5: a few correctly
    rounded operations). Each absolute part is 8u·max(1, Σ|terms|), u the
    unit roundoff, over the terms of *that* quantity's formula:

        log-rates:  ℓ = e^z − y·z [+ S(y)]           dℓ/dz = e^z − y
        rates:      ℓ = λ − y·log(λ + ε) [+ S(y)]    dℓ/dλ = 1 − y/(λ + ε)

    with S(y) = y·log y − y + ½log(2πy), added (``full``) for y > 1 only (for
    y ≤ 1 both libraries mask it to an exact 0, so its terms carry no error).
    The terms have either sign and cancel where the rate meets the count (e^z =
    y is the minimum of ℓ, and there dℓ/dz = 0), so each library's result
    carries the rounding error of its terms, u·Σ|terms| absolutely, whatever is
    left over. That is the formula's conditioning, not slack (8u: up to six
    roundings, and exp/log's ulp or two, on each side). A term of one quantity
    says nothing about the other's error: y/(λ + ε) is 1e43 at λ = 1e-40,
    ε = 0, y = 1e3, where ℓ = 9.2e4; and y·z is 1e7 at z = −1e4, y = 1e3, where
    dℓ/dz = −1e3 exactly. Non-finite entries are compared by their NaN-ness and
    infinities, not by tolerance (their terms count as 1 here).
    """
    u = np.finfo(dtype).eps / 2
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        if log_input:
            loss_terms = np.exp(z) + np.abs(y * z)
            grad_terms = np.exp(z) + np.abs(y)
        else:
            loss_terms = np.abs(z) + np.abs(y * np.log(z + eps))
            grad_terms = 1 + np.abs(y / (z + eps))
        if full:
            stirling_terms = np.abs(y * np.log(y)) + y + np.abs(0.5 * np.log(2 * np.pi * y))
            loss_terms = loss_terms + np.where(y > 1, stirling_terms, 0.0)

        def atol(terms):
            return 8 * u * np.where(np.isfinite(terms), np.maximum(1.0, terms), 1.0)
        return (1e-13 if np.dtype(dtype) == np.float64 else 1e-5), atol(loss_terms), atol(grad_terms)


#: Edge inputs: log-rates z from −inf to +inf (e^z underflowing to 0 and overflowing to inf in
#: each dtype, ±0, NaN), rates λ ≥ 0 from 0 (log(0 + ε)) and subnormals to inf.
POISSON_EDGE_Z = [-np.inf, -1e4, -745.2, -100.0, -30.0, -1.0, -0.0, 0.0, 1e-30, 1.0, 30.0, 88.0, 100.0, 709.0,
                  710.0, np.inf, np.nan]
POISSON_EDGE_RATES = [0.0, -0.0, 1e-40, 1e-30, 1e-8, 1.0, 30.0, 1e30, np.inf]
#: Targets: 0, exactly 1 and just above it (1 + 2⁻²⁰, a float32 too: the Stirling term's
#: cut, y ≤ 1), a fraction, 2, a large count.
POISSON_EDGE_Y = [0.0, 1.0, 1.0 + 2.0**-20, 0.5, 2.0, 1e3]
POISSON_EDGE_OPTIONS = [(True, False, 1e-8), (True, True, 1e-8), (False, False, 1e-8), (False, True, 1e-8),
                        (False, False, 0.0), (False, True, 0.0)]


@pytest.mark.parametrize("log_input,full,eps", POISSON_EDGE_OPTIONS,
                         ids=[f"log{int(a)}-full{int(b)}-eps{c:g}" for a, b, c in POISSON_EDGE_OPTIONS])
def test_poisson_nll_edge_values(log_input, full, eps, dtype, device):
    """ℓ and dℓ/dz entry by entry (``reduction='none'``, dJ/dℓ = 1) on every
    pair of an edge input and an edge target, against torch on each of its
    kernel paths (``parity_tests/edges.py``: its exp, log and multiply run a
    vector loop or a scalar one by position): an entry passes when it equals
    one of torch's answers for it — NaN where torch gives NaN (inf − inf at
    z = +inf; 0·log 0 at λ = 0 with ε = 0 and y = 0), the same infinities, the
    sign of a zero loss — within :func:`_poisson_edge_tolerance`.

    Hand-worked beside it: ℓ(z = 0, y = 0) = e⁰ = 1 and dℓ/dz = 1; at z = −∞
    and y = 0, ℓ = 0 − 0·(−∞) is NaN (in torch too) but dℓ/dz = 0; at λ = 0
    with the default ε, ℓ = −y·log(1e-8) = 18.42·y and dℓ/dλ = 1 − y·1e8; with
    ε = 0, +inf and −inf (and NaN for y = 0). (The Stirling term's cut at
    y = 1 is worked by hand in ``tests/test_losses_by_hand.py``.)"""
    inputs = POISSON_EDGE_Z if log_input else POISSON_EDGE_RATES
    z, y = (np.array(a) for a in zip(*itertools.product(inputs, POISSON_EDGE_Y)))
    z, y = z.astype(dtype), y.astype(dtype)
    g = np.ones_like(z)
    mine = sn.nn.PoissonNLLLoss(log_input, full, eps=eps, reduction="none")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp overflowing, log(0), inf − inf: silent, as in torch
        loss = mine(z, y)
        grad = mine.backward(g)
    assert loss.dtype == grad.dtype == dtype
    rtol, loss_atol, grad_atol = _poisson_edge_tolerance(dtype, z, y, log_input, full, eps)
    assert_edges(loss, grad, lambda: torch.nn.PoissonNLLLoss(log_input, full, eps=eps, reduction="none"), z, g,
                 component=f"PoissonNLLLoss(log_input={log_input}, full={full}, eps={eps:g})",
                 quantity="at edge inputs and targets", dtype=dtype, device=device, rtol=rtol, atol=loss_atol,
                 grad_atol=grad_atol, target=y)
    at = {(float(a), float(b)): (float(v), float(d)) for a, b, v, d in zip(z, y, loss, grad)}
    if log_input:
        assert at[(0.0, 0.0)] == (1.0, 1.0)
        assert at[(0.0, 1.0)][1] == 0.0                  # e^0 − 1: the minimum of ℓ over z, at e^z = y
        assert np.isnan(at[(-np.inf, 0.0)][0]) and at[(-np.inf, 0.0)][1] == 0.0  # e^−∞ − 0·(−∞): NaN; dℓ/dz = 0 − 0
        if not full:
            assert at[(-1e4, 2.0)] == (2e4, -2.0)       # e^z underflows to 0: ℓ = −y·z exactly
    else:
        zero_rate = at[(0.0, 2.0)]
        if eps == 0:
            assert zero_rate == (np.inf, -np.inf)         # −2·log 0 = +inf; 1 − 2/0 = −inf
            assert np.isnan(at[(0.0, 0.0)][0])            # 0 − 0·log 0 = 0 − 0·(−inf): NaN, as torch
        else:
            stirling_2 = 2 * np.log(2) - 2 + 0.5 * np.log(4 * np.pi) if full else 0.0
            tol = 1e-15 if dtype == np.float64 else 1e-6
            assert zero_rate[0] == pytest.approx(-2 * np.log(np.float32(1e-8) if dtype == np.float32 else 1e-8)
                                                 + stirling_2, rel=tol)
            assert zero_rate[1] == pytest.approx(1 - 2 / (np.float32(1e-8) if dtype == np.float32 else 1e-8),
                                                 rel=tol)


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
