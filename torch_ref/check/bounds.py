"""The error measure and the bounds: one definition, for ``torch_ref.check``
and the parity suite (``parity_tests/compare.py`` asserts them).

The error measure
-----------------
For a computed array a (your code, or scratchnet) and its reference b
(PyTorch)::

    max abs error  = max_i |a_i − b_i|
    max rel error  = max_i |a_i − b_i| / max(max_i |a_i|, max_i |b_i|)

The relative error is norm-wise (relative to the array's largest entry), the
usual measure for results of sums and products: an entry that is small
because of cancellation carries the absolute error of its large neighbours,
so an element-wise ratio would call correct results wrong.

Why these bounds
----------------
Both sides compute the same formulas; only the order of floating-point
operations differs (BLAS blocking in matrix products, pairwise vs. vectorised
summation, exp/log implementations). Each operation contributes at most about
one unit roundoff u (float64: u = 1.1e-16; float32: u = 6.0e-8) relative to
the magnitudes involved, and error bounds for a sum of K terms grow like K·u
in the worst case and √K·u typically. Here K ≤ a few hundred (layer widths,
batch sizes, the depth of at most five layers multiplies the chain), so with
a margin for worst-case alignment:

* float64: ``FLOAT64_BOUND = 1e-10`` ≈ 1e6 u — the issue's bound, and far
  above the ~1e-15 to 1e-14 correct code measures, so it fails only on a
  real bug;
* float32: ``FLOAT32_BOUND = 1e-5`` ≈ 170 u — a depth-5 network with sums of
  up to ~100 terms, a softmax (whose exp amplifies relative error by |z|,
  up to ~10 here) and a backward pass that doubles the chain stay well
  below it (measured: ~1e-7 to 1e-6). A real bug — a missing term, a wrong
  sign, a transposed weight, a missing 1/m — gives errors of order 1e-2 to 1.

Optimizer trajectories compound one step's rounding over k steps; after the
first step they are held to the 100-step trajectory bounds
``TRAJECTORY_FLOAT64 = 1e-9`` and ``TRAJECTORY_FLOAT32 = 1e-4``, valid for
k ≤ ``MAX_STEPS`` = 100 steps (argued for the parity suite's optimizer problem,
which ``check_optimizer`` uses too, in ``parity_tests/test_optim.py``: one ulp
of θ per step written back, the step map's Lipschitz constant, and centered
RMSprop's cancelling v − ḡ²; a wrong formula moves θ by ≥ 1e-2 relative).

Backward passes through saturating functions: ``scale``
------------------------------------------------------
For dZ = dA ⊙ g'(Z) where g' is computed from the rounded forward output
(σ' = A(1 − A), tanh' = 1 − A², as both libraries do), the two sides' forward
values may differ by an ulp (measured: NumPy's and torch's float32 tanh
differ by ≤ 1 ulp on a third of all inputs). Where the unit saturates,
1 − A² cancels, and that one-ulp difference becomes a large *relative* error
of a tiny dZ — a property of the formula's conditioning (2A²/(1 − A²)), not of
either implementation. What is bounded by a few u is the error relative to the
upstream gradient: |ΔdZ| ≤ |dA|·|Δg'| ≤ |dA|·2|A|·|ΔA| ≈ 2u·|dA|. Such
comparisons pass ``scale=max|dA|`` to :func:`errors`; a wrong derivative still
shows up as an error of order |dA|, 1e4 times the float32 bound.
"""

from __future__ import annotations

import numpy as np

FLOAT64_BOUND = 1e-10
FLOAT32_BOUND = 1e-5
#: After more than one optimizer step (argued in parity_tests/test_optim.py).
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


def errors(mine, theirs, scale: float | None = None) -> tuple[float, float]:
    """(max abs error, norm-wise max rel error) of ``mine`` against ``theirs``.

    The relative error divides by ``scale`` when given, else by the largest
    finite magnitude in either array (see the module docstring). NaN in the
    same places counts as equal; a shared ±inf as exact; an infinity or NaN
    on one side only as an infinite error."""
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
    if scale is None:
        finite_a = np.where(same_inf | nan_a, 0.0, a)
        finite_b = np.where(same_inf | nan_b, 0.0, b)
        scale = float(max(np.max(np.abs(finite_a)), np.max(np.abs(finite_b))))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    return max_abs, max_rel
