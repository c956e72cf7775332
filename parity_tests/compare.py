"""Comparing scratchnet with PyTorch, and the tolerances the suite holds them to.

The error measure (max abs error, and the max rel error taken norm-wise:
relative to the arrays' largest entry, or to a given ``scale``) and the
bounds (``FLOAT64_BOUND = 1e-10``, ``FLOAT32_BOUND = 1e-5``) are
``torch_ref.check.bounds``' — one definition for this suite and for
``torch_ref.check``, argued in that module's docstring. The optimizer
trajectory bounds are argued in ``parity_tests/test_optim.py``.

A failing comparison prints both arrays ("scratchnet" vs "torch"), both
error figures and the machine (``parity_tests/machine.py``: CPU, torch's
capability, BLAS and build, NumPy's dispatch), since the last bits — and, at
NaN, ±inf, ±0 and kinks, even the answers (``parity_tests/edges.py``) —
depend on the kernels the CPU selects.
"""

from __future__ import annotations

import json
import os

import numpy as np

from parity_tests.machine import describe
from torch_ref.check import bounds
from torch_ref.check.bounds import FLOAT32_BOUND, FLOAT64_BOUND, bound_for  # noqa: F401 - the suite's names


def to_numpy(x) -> np.ndarray:
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy()
    if hasattr(x, "data") and isinstance(getattr(x, "data"), np.ndarray):  # a Parameter
        return x.data
    return np.asarray(x)


def errors(mine, theirs, scale: float | None = None) -> tuple[float, float]:
    """(max abs error, norm-wise max rel error) of ``mine`` against ``theirs``:
    ``torch_ref.check.bounds.errors`` of anything :func:`to_numpy` takes.

    The relative error divides by ``scale`` when given, else by the largest
    magnitude in either array. A NaN counts as an infinite error here, even in
    the same place on both sides: a test comparing results directly wants
    numbers (``assert_parity`` checks where the NaNs are itself, then compares
    the rest)."""
    a = np.asarray(to_numpy(mine), dtype=np.float64)
    b = np.asarray(to_numpy(theirs), dtype=np.float64)
    if np.isnan(a).any() or np.isnan(b).any():
        return float("inf"), float("inf")
    return bounds.errors(a, b, scale)


def _write_record(record: dict) -> None:
    """Append one record for the parity table (when it is being collected):
    ``kind`` is "measure" (an error measured against a bound), "open_edge" (an
    entry where torch's own paths disagree, ``parity_tests/edges.py``) or
    "failure" (a test that failed, written by ``parity_tests/conftest.py``)."""
    folder = os.environ.get("SCRATCHNET_PARITY_RECORD")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"records-{os.getpid()}.jsonl"), "a") as fh:
        fh.write(json.dumps(record) + "\n")


def _record(component: str, quantity: str, dtype, device: str, max_abs: float, max_rel: float,
            bound: float) -> None:
    _write_record({"kind": "measure", "component": component, "quantity": quantity,
                   "dtype": np.dtype(dtype).name, "device": device, "max_abs": max_abs, "max_rel": max_rel,
                   "bound": bound})


def record_open_edge(component: str, quantity: str, dtype: str, device: str, z: float,
                     torch_answers: dict[str, float], mine: float) -> None:
    """Record an entry where torch's kernel paths give different answers."""
    _write_record({"kind": "open_edge", "component": component, "quantity": quantity, "dtype": dtype,
                   "device": device, "z": repr(z), "torch": {k: repr(v) for k, v in torch_answers.items()},
                   "scratchnet": repr(mine)})


def record_failure(test_id: str, message: str) -> None:
    """Record a failed test, so that the parity table can never read "within: yes"
    everywhere while the suite failed."""
    _write_record({"kind": "failure", "test": test_id, "message": message})


def assert_parity(mine, theirs, *, component: str, quantity: str, dtype, device: str = "cpu",
                  bound: float | None = None, scale: float | None = None) -> tuple[float, float]:
    """Assert scratchnet's ``mine`` matches torch's ``theirs`` within the dtype's bound.

    ``bound`` overrides the dtype's default bound (a caller doing so states
    why in its docstring); ``scale`` is the magnitude the error is relative
    to (default: the arrays' own largest entry; see the module docstring).
    Records the measured errors for the parity table and returns them.
    """
    a, b = to_numpy(mine), to_numpy(theirs)
    if np.shape(a) != np.shape(b):
        raise AssertionError(f"{component} {quantity}: shapes differ — scratchnet {np.shape(a)}, torch {np.shape(b)}"
                             f"\n  machine: {describe()}")
    if np.any(np.isnan(a) != np.isnan(b)):
        raise AssertionError(f"{component} {quantity}: NaN in different places\n"
                             f"  scratchnet: {a}\n  torch:      {b}\n  machine: {describe()}")
    bound = bound_for(dtype) if bound is None else bound
    # NaNs sit in the same places (checked above): compare them as equal. Infinities
    # stay infinite — ``errors`` counts a shared ±inf as exact and a one-sided one as
    # an infinite error (nan_to_num's default would turn them into ±1.8e308, whose
    # size would then hide every other error in the norm-wise relative measure).
    max_abs, max_rel = errors(np.nan_to_num(a, nan=0.0, posinf=np.inf, neginf=-np.inf),
                              np.nan_to_num(b, nan=0.0, posinf=np.inf, neginf=-np.inf), scale)
    _record(component, quantity, dtype, device, max_abs, max_rel, bound)
    if not max_rel <= bound:
        with np.printoptions(precision=17, threshold=50, edgeitems=4):
            raise AssertionError(
                f"{component} {quantity} ({np.dtype(dtype).name}, {device}): "
                f"max abs error {max_abs:.3e}, max rel error {max_rel:.3e} > bound {bound:.0e}\n"
                f"  scratchnet: {np.asarray(a)}\n"
                f"  torch:      {np.asarray(b)}\n"
                f"  machine: {describe()}")
    return max_abs, max_rel


#: Entries of an update smaller than this fraction of its largest entry are
#: compared against that floor instead of their own size (see assert_update_parity).
UPDATE_FLOOR = 1e-3


def update_errors(before_mine, after_mine, before_theirs, after_theirs, dtype) -> tuple[float, float, float]:
    """(max abs error, max scaled error, bound) of the update Δθ = θ_after − θ_before,
    entry by entry; the scaled error passes when ≤ bound (``assert_update_parity``)."""
    f = lambda x: np.asarray(to_numpy(x), dtype=np.float64)  # noqa: E731
    b_a, a_a, b_b, a_b = f(before_mine), f(after_mine), f(before_theirs), f(after_theirs)
    d_mine, d_theirs = a_a - b_a, a_b - b_b
    if d_mine.size == 0:
        return 0.0, 0.0, bound_for(dtype)
    rtol, u = bound_for(dtype), np.finfo(np.dtype(dtype)).eps / 2
    diff = np.abs(d_mine - d_theirs)
    floor = UPDATE_FLOOR * float(np.max(np.abs(d_theirs)))
    # both libraries round θ + Δ to their dtype: up to u·|θ_after| each, not slack
    write = u * (np.abs(a_a) + np.abs(a_b))
    allowed = rtol * np.maximum(np.abs(d_theirs), floor) + write
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(allowed > 0, diff / allowed * rtol, np.where(diff > 0, np.inf, 0.0))
    return float(np.max(diff)), float(np.max(scaled)), rtol


def assert_update_parity(before_mine, after_mine, before_theirs, after_theirs, *, component: str, quantity: str,
                         dtype, device: str = "cpu") -> tuple[float, float]:
    """Assert scratchnet's update Δθ equals torch's entry by entry.

    Comparing θ itself relative to max|θ| dilutes an error in the update by
    about |θ|/|Δθ| ~ 1/lr; comparing Δθ does not. The bound, per entry i::

        |Δθᵢ − Δθ'ᵢ| ≤ r·max(|Δθ'ᵢ|, 10⁻³·maxⱼ|Δθ'ⱼ|) + u·(|θᵢ| + |θ'ᵢ|)

    with r the dtype's bound (float64 1e-10, float32 1e-5: one step is a
    handful of operations, each within u of its inputs) and u the unit
    roundoff. The last term is the rounding of θ + Δθ to the dtype, which each
    library does once; it is not slack, and it is far below every update the
    suite draws. The floor 10⁻³·max|Δθ'| is for entries whose update is small
    because of cancellation (a momentum μb + g, an average βm + (1 − β)g, a
    decay g + λθ of opposite signs): their rounding error is u relative to the
    terms, which are of the size of the other entries' updates, not of the
    small result — an element-wise ratio would call such a correct entry
    wrong. A wrong formula moves an entry by a fraction of its update: ≥ 1e6
    times this bound. Records the largest scaled error for the parity table.
    """
    max_abs, scaled, rtol = update_errors(before_mine, after_mine, before_theirs, after_theirs, dtype)
    _record(component, quantity, dtype, device, max_abs, scaled, rtol)
    if not scaled <= rtol:
        d_mine = to_numpy(after_mine) - to_numpy(before_mine)
        d_theirs = to_numpy(after_theirs) - to_numpy(before_theirs)
        with np.printoptions(precision=17, threshold=50, edgeitems=4):
            raise AssertionError(
                f"{component} {quantity} ({np.dtype(dtype).name}, {device}): the update Δθ differs entry-wise: "
                f"max abs error {max_abs:.3e}, scaled error {scaled:.3e} > bound {rtol:.0e}\n"
                f"  scratchnet Δθ: {np.asarray(d_mine)}\n"
                f"  torch Δθ:      {np.asarray(d_theirs)}\n"
                f"  machine: {describe()}")
    return max_abs, scaled
