"""The error measure and the bounds a check holds your code to.

They are the parity suite's (``parity_tests/compare.py`` argues each one;
``tests/test_check_bounds.py`` holds these numbers equal to it, so the two
cannot drift). For your array a and torch's b::

    max abs error = max_i |a_i − b_i|
    max rel error = max_i |a_i − b_i| / max(max_i |a_i|, max_i |b_i|)

The relative error is norm-wise (relative to the tensor's largest entry): an
entry that is small because of cancellation carries the absolute error of its
large neighbours, so an element-wise ratio would call correct code wrong.

Why these bounds: your code and torch compute the same formulas, and only the
order of floating-point operations differs (BLAS blocking, pairwise sums,
exp/log kernels). Each operation contributes about one unit roundoff u
relative to the magnitudes involved (float64: u = 1.1e-16, float32: 6.0e-8),
and a sum of K terms ~K·u at worst. For the small layers a check uses (K ≤ a
few hundred, depth ≤ 5):

* float64: ``FLOAT64_BOUND = 1e-10`` ≈ 1e6 u — far above the ~1e-15 correct
  code measures, so it fails only on a real difference;
* float32: ``FLOAT32_BOUND = 1e-5`` ≈ 170 u — correct code measures 1e-7 to
  1e-6. A real bug (a missing term, a wrong sign, a transposed weight, a
  missing 1/m) gives errors of order 1e-2 to 1.

Optimizer trajectories compound one step's rounding over k steps; after the
first step they are held to the suite's 100-step trajectory bounds
(``parity_tests/test_optim.py``): ``TRAJECTORY_FLOAT64 = 1e-9``,
``TRAJECTORY_FLOAT32 = 1e-4``, valid for k ≤ 100 steps.
"""

from __future__ import annotations

import numpy as np

FLOAT64_BOUND = 1e-10
FLOAT32_BOUND = 1e-5
TRAJECTORY_FLOAT64 = 1e-9
TRAJECTORY_FLOAT32 = 1e-4
#: The most optimizer steps the trajectory bounds were argued for.
MAX_STEPS = 100

#: The dtypes a check runs in, by the names it accepts.
DTYPES = {"float64": np.dtype(np.float64), "float32": np.dtype(np.float32)}


def resolve_dtype(dtype) -> np.dtype:
    """``"float64"``, ``"float32"``, ``np.float64``, ``torch.float32``, ... → a NumPy dtype."""
    name = str(dtype).split(".")[-1] if type(dtype).__module__ == "torch" else dtype
    try:
        resolved = None if name is None else np.dtype(name)  # np.dtype(None) would be float64
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in DTYPES:  # (dtype == None is True for float64: compare names)
        raise ValueError(f"dtype must be 'float64' or 'float32' (the precisions a check has bounds for), "
                         f"got {dtype!r}")
    return resolved


def bound_for(dtype, *, step: int | None = None) -> float:
    """The bound for one pass (``step`` None or 1) or an optimizer step ``step`` > 1."""
    single = np.dtype(dtype) == np.float64
    if step is not None and step > 1:
        return TRAJECTORY_FLOAT64 if single else TRAJECTORY_FLOAT32
    return FLOAT64_BOUND if single else FLOAT32_BOUND


def errors(mine, theirs) -> tuple[float, float]:
    """(max abs error, norm-wise max rel error) of ``mine`` against ``theirs``.

    NaN in the same places counts as equal; a shared ±inf as exact; an
    infinity or NaN on one side only as an infinite error."""
    a = np.asarray(mine, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.size == 0:
        return 0.0, 0.0
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if np.any(nan_a != nan_b):
        return float("inf"), float("inf")
    same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    with np.errstate(invalid="ignore"):
        diff = np.where(same_inf | nan_a, 0.0, np.abs(a - b))
    max_abs = float(np.max(diff))
    if np.isinf(max_abs):
        return max_abs, float("inf")
    finite_a = np.where(same_inf | nan_a, 0.0, a)
    finite_b = np.where(same_inf | nan_b, 0.0, b)
    scale = float(max(np.max(np.abs(finite_a)), np.max(np.abs(finite_b))))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    return max_abs, max_rel
