"""Edge values that torch itself does not fix, and the rule the suite applies there.

Why torch has more than one answer
----------------------------------
An element-wise torch kernel on the CPU runs one of several code paths for the
same formula, chosen by things that have nothing to do with the value:

* ATen's vectorised loop handles whole chunks of two vector widths (8 doubles
  or 16 floats with AVX2, 16 / 32 with AVX-512, 8 / 16 with the ``DEFAULT``
  capability) and leaves the tail — and any input shorter than one chunk — to
  a scalar loop. The two are written separately: ELU's backward tests
  ``x <= 0`` in the scalar loop (NaN takes the positive branch: 1) and blends
  on ``x > 0`` in the vector one (NaN: NaN). So the same 8-element input gives
  ELU'(NaN) = NaN on an AVX2 machine and 1 on an AVX-512 one.
* float32 GELU goes to oneDNN when oneDNN is enabled and the input has more
  than one element; oneDNN has its own kernels per instruction set (its AVX2
  kernel gives GELU(z) = +0 for z ≤ −0; ATen gives −0; its AVX-512 kernel was
  seen to give GELU(+inf) = NaN where ATen gives +inf).

The rule
--------
Where torch's answer depends on the path, the suite must not pin one path's
answer. :func:`torch_answers` asks torch every way one process can: the input
as given, each entry alone (a one-element tensor: ATen's scalar loop, never
oneDNN), and the input tiled to a multiple of 64 entries (every entry inside a
whole vector chunk, for every vector width up to AVX-512), each with oneDNN on
and off (``torch.backends.mkldnn.flags``). :func:`assert_one_of` accepts a
scratchnet entry when it equals *one of* torch's answers for it and fails only
where it equals none — in particular wherever torch agrees with itself. Other
CPUs are reached by running the suite under ``ATEN_CPU_CAPABILITY=default``
(or ``avx2`` on an AVX-512 machine) and ``ONEDNN_MAX_CPU_ISA``; the README says
which configurations it has been run under.

"Equal" is entry-wise: the same NaN-ness, the same infinities, finite values
within the caller's ``rtol``·|torch| + ``atol``, and — for forward outputs —
the same sign of zero.

The edges left open
-------------------
Measured with the probe of this module (``python -m parity_tests.edges``
lists them on the machine at hand; the parity table lists the ones the suite
met), and what scratchnet does there:

========================  =====================================  ===========================
edge                      torch's answers                         scratchnet
========================  =====================================  ===========================
ELU'(NaN), both dtypes    1 (scalar loop), NaN (vector loop)      1 — tests ``z ≤ 0`` as the
                                                                  scalar loop (and ReLU') do
GELU(−0), GELU(z ≤ −20),  −0 (ATen), +0 (oneDNN, AVX2 kernel)     −0: z·Φ(z) with Φ(z) = +0
float32                   (and −0 from oneDNN's AVX-512 kernel,
                          as reported)
GELU(+inf), float32       +inf (ATen), NaN (oneDNN's AVX-512      +inf, the limit z·Φ(z) → ∞
                          kernel; reported, not seen on AVX2)
Softplus(−100), float32   3.8e-44 (scalar), 3.9e-44 (vector):     3.8e-44; either is within
                          two subnormals of e^−100                the entry-wise tolerance
========================  =====================================  ===========================

Everything else the edge tests probe — ReLU/LeakyReLU at ±0, sigmoid and
tanh at ±50 and ±500 and in σ's subnormal tail (−709 in float64, −88 in float32), NaN and ±inf through every element-wise activation,
Softplus's threshold, GELU's erf branch points, PoissonNLLLoss over edge
log-rates, rates and targets (e^z under- and overflowing, ±inf, NaN, λ = 0
with ε = 0, y = 0 and y = 1, with and without the Stirling term; run here
also under ``ATEN_CPU_CAPABILITY=default``, ``NPY_DISABLE_CPU_FEATURES=X86_V3``
and ``ONEDNN_MAX_CPU_ISA=SSE41``) — torch answered alike on every path here,
so scratchnet is held to that one answer. A loss enters with its target
(``target=``), which goes along with Z entry by entry on every path.
"""

from __future__ import annotations

import warnings
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from parity_tests.compare import record_open_edge
from parity_tests.machine import describe

#: Tiling length: a multiple of two AVX-512 vectors of float32 (2 × 16 = 32)
#: and of every smaller chunk, so that every entry lies in a whole vector chunk.
TILE = 64


@dataclass
class TorchAnswers:
    """torch's output and input gradient for the same Z and dA, per path."""

    paths: list[str]
    out: np.ndarray   # (len(paths), *Z.shape)
    grad: np.ndarray  # (len(paths), *Z.shape)


def _one_way(make_torch, z, g, dtype, device, target=None):
    zt = torch.tensor(z, dtype=dtype, device=device, requires_grad=True)
    module = make_torch().to(device)
    out = module(zt) if target is None else module(zt, torch.tensor(target, dtype=dtype, device=device))
    out.backward(torch.tensor(g, dtype=dtype, device=device))
    return out.detach().cpu().numpy(), zt.grad.cpu().numpy()


def torch_answers(make_torch, z: np.ndarray, g: np.ndarray, dtype, device: str = "cpu",
                  target: np.ndarray | None = None) -> TorchAnswers:
    """torch's A = g(Z) and dZ for an element-wise module, on every path one
    process can reach (see the module docstring). ``dtype`` is a torch dtype.

    For an element-wise loss (``reduction='none'``) pass its ``target``, of Z's
    shape: it goes along with Z entry by entry (sliced and tiled with it), as
    the loss's second argument."""
    z, g = np.asarray(z), np.asarray(g)
    flat_z, flat_g = z.ravel(), g.ravel()
    flat_t = None if target is None else np.broadcast_to(np.asarray(target), z.shape).ravel()

    def target_of(entries):  # the target's entries that go with Z's
        return None if flat_t is None else entries(flat_t)
    paths, outs, grads = [], [], []
    onednn = [True, False] if device == "cpu" and torch.backends.mkldnn.is_available() else [None]
    for enabled in onednn:
        suffix = "" if enabled is None else (", oneDNN on" if enabled else ", oneDNN off")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the flags' note on TF32 for Intel GPUs
            with torch.backends.mkldnn.flags(enabled=enabled) if enabled is not None else nullcontext():
                out, grad = _one_way(make_torch, z, g, dtype, device, target_of(lambda t: t.reshape(z.shape)))
                paths.append(f"as given{suffix}"), outs.append(out), grads.append(grad)
                alone = [_one_way(make_torch, flat_z[i:i + 1], flat_g[i:i + 1], dtype, device,
                                  target_of(lambda t: t[i:i + 1]))  # noqa: B023 (called at once)
                         for i in range(flat_z.size)]
                paths.append(f"each entry alone{suffix}")
                outs.append(np.concatenate([a for a, _ in alone]).reshape(z.shape))
                grads.append(np.concatenate([d for _, d in alone]).reshape(z.shape))
                # TILE copies: a length that is a multiple of TILE, whatever the size of Z
                out, grad = _one_way(make_torch, np.tile(flat_z, TILE), np.tile(flat_g, TILE), dtype, device,
                                     target_of(lambda t: np.tile(t, TILE)))
                paths.append(f"tiled to {TILE * flat_z.size}{suffix}")
                outs.append(out[:flat_z.size].reshape(z.shape))
                grads.append(grad[:flat_z.size].reshape(z.shape))
    return TorchAnswers(paths, np.stack(outs), np.stack(grads))


def entries_equal(a: np.ndarray, b: np.ndarray, rtol: float, atol, sign_of_zero: bool) -> np.ndarray:
    """Entry-wise "the same answer": NaN-ness, infinities, |a − b| ≤ atol + rtol·|b|,
    and (``sign_of_zero``) the sign of a zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    finite = ~(nan_a | nan_b | inf_a | inf_b)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a - b) <= atol + rtol * np.abs(b)
    same = np.where(finite, close, (nan_a & nan_b) | (inf_a & inf_b & (a == b)))
    if sign_of_zero:
        zeros = (a == 0) & (b == 0)
        same &= ~zeros | (np.signbit(a) == np.signbit(b))
    return same


def assert_one_of(mine, answers: np.ndarray, paths: list[str], z, *, component: str, quantity: str, dtype,
                  device: str = "cpu", rtol: float, atol=0.0, sign_of_zero: bool = False,
                  target=None) -> np.ndarray:
    """Assert each entry of ``mine`` equals at least one of torch's ``answers``
    for it (one row per path); returns, per entry, the answer it matched.
    (``target``: a loss's targets, named beside Z in the records and messages.)

    Entries where torch's paths disagree are recorded for the parity table as
    open edges. A failure names each entry that matched no path, with every
    path's answer, whether torch agreed with itself there, and the machine.
    """
    mine = np.asarray(mine)
    atol = np.broadcast_to(atol, mine.shape)
    matches = np.stack([entries_equal(mine, ans, rtol, atol, sign_of_zero) for ans in answers])
    agree = np.all(np.stack([entries_equal(ans, answers[0], rtol, atol, sign_of_zero) for ans in answers]), axis=0)
    z = np.broadcast_to(np.asarray(z), mine.shape)
    t = None if target is None else np.broadcast_to(np.asarray(target), mine.shape)
    at = (lambda i: "") if t is None else (lambda i: f", target {t[i]!r}")  # noqa: E731
    for i in zip(*np.nonzero(~agree)):
        record_open_edge(component, quantity + at(i), np.dtype(dtype).name, device, float(z[i]),
                         {p: float(ans[i]) for p, ans in zip(paths, answers)}, float(mine[i]))
    ok = matches.any(axis=0)
    if not ok.all():
        lines = []
        for i in zip(*np.nonzero(~ok)):
            seen = ", ".join(f"{p}: {ans[i]!r}" for p, ans in zip(paths, answers))
            how = "torch agrees with itself there" if agree[i] else "torch's paths disagree, and scratchnet matches none"
            lines.append(f"  Z = {z[i]!r}{at(i)}: scratchnet {mine[i]!r}; torch ({how}) — {seen}")
        raise AssertionError(f"{component} {quantity} ({np.dtype(dtype).name}, {device}): "
                             f"{int((~ok).sum())} entries equal none of torch's answers "
                             f"(rtol {rtol:.0e}{', sign of zero compared' if sign_of_zero else ''})\n"
                             + "\n".join(lines) + f"\n  machine: {describe()}")
    first = np.argmax(matches, axis=0)
    return np.take_along_axis(answers, first[None], axis=0)[0]


def entrywise_tolerance(dtype, z) -> tuple[float, np.ndarray]:
    """(rtol, atol) for comparing one activation entry with torch's.

    |mine − torch| ≤ rtol·|torch| + 8u·max(1, |Z|), u the unit roundoff
    (float64 1.1e-16, float32 6.0e-8), rtol 1e-13 in float64 and 1e-5 in
    float32. The relative part covers values computed without cancellation:
    each is a handful of correctly rounded operations (erf within 3 ulp), a
    few ×1e-16 apart in float64 and a few ulp ≈ 1e-6 at most in float32 (torch
    evaluates exp/tanh/erf in float32 there, scratchnet erf in float64 then
    rounds). The absolute part is the conditioning of the formulas torch
    itself uses, not slack: where a result is a difference of O(1)-sized terms
    that nearly cancel — 1 + tanh(u) in GELU-tanh for u ≪ 0, 1 + erf(z/√2) in
    GELU for z ≪ 0 — both libraries' results carry the rounding error of the
    terms, ≈ u·max(1, |Z|) absolutely, whatever the tiny value left over (e.g.
    GELU-tanh at z = −4√2: 1.669461e-9 in both, differing in the 7th digit in
    float64 because torch's and NumPy's tanh differ by one ulp).
    """
    dtype = np.dtype(dtype)
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        atol = 8 * np.finfo(dtype).eps / 2 * np.where(np.isfinite(z), np.maximum(1.0, np.abs(z)), 1.0)
    return rtol, atol


def assert_edges(mine_out, mine_grad, make_torch, z, g, *, component: str, quantity: str, dtype,
                 device: str = "cpu", rtol: float | None = None, atol=None, target=None,
                 grad_atol=None) -> None:
    """scratchnet's A and dZ at edge inputs Z (upstream gradient dA = ``g``)
    against torch's on every path (the rule of this module): the forward with
    its sign of zero, dZ by value. Default tolerance: :func:`entrywise_tolerance`.
    ``grad_atol``: dZ's own absolute tolerance where its formula's terms differ
    from A's (default: ``atol``, the same for both).
    For an element-wise loss (``reduction='none'``), ``target`` is its second
    argument, of Z's shape (:func:`torch_answers`).
    The matched answers are then compared norm-wise by ``assert_parity`` too,
    which records them for the parity table."""
    from parity_tests.compare import assert_parity

    default_rtol, default_atol = entrywise_tolerance(dtype, z)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    tdtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    ans = torch_answers(make_torch, z, g, tdtype, device, target=target)
    grad_atol = atol if grad_atol is None else grad_atol
    for what, mine, answers, sign, tol in (("forward", mine_out, ans.out, True, atol),
                                           ("dL/dinput", mine_grad, ans.grad, False, grad_atol)):
        matched = assert_one_of(mine, answers, ans.paths, z, component=component, quantity=f"{what} {quantity}",
                                dtype=dtype, device=device, rtol=rtol, atol=tol, sign_of_zero=sign,
                                target=target)
        assert_parity(mine, matched, component=component, quantity=f"{what} {quantity}", dtype=dtype,
                      device=device)


def _probe() -> None:  # pragma: no cover - a diagnostic for people, run by hand
    """Print every edge where torch's paths disagree on this machine."""
    import scratchnet  # noqa: F401  (the suite's own list of activations)
    from parity_tests.test_activations import ELEMENTWISE

    z = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 20.0, -20.0, 30.0, -30.0,
                  100.0, -100.0, 1e4, -1e4])
    print(describe())
    for name, _, make_torch in ELEMENTWISE:
        for dtype in (torch.float64, torch.float32):
            ans = torch_answers(make_torch, z, np.ones_like(z), dtype)
            for what, arr, sign in (("forward", ans.out, True), ("backward", ans.grad, False)):
                tol = 1e-13 if dtype == torch.float64 else 1e-5
                agree = np.all([entries_equal(a, arr[0], tol, 1e-300, sign) for a in arr], axis=0)
                for i in np.nonzero(~agree)[0]:
                    print(f"{name} {what} {dtype} at {z[i]}: " +
                          ", ".join(f"{p} {a[i]!r}" for p, a in zip(ans.paths, arr)))


if __name__ == "__main__":  # pragma: no cover
    _probe()
