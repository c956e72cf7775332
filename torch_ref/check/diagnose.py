"""Why a tensor differs: the checks behind a row's diagnosis.

Given your array a and torch's b (in your layout), in this order:

1. **shape** — a has another shape: is it b transposed (``a.T == b``), b in
   another layout (the layouts its shape fits are listed), or — for a bias
   gradient — dZ summed over the wrong axis?
2. **a constant factor** — c = ⟨a, b⟩ / ⟨b, b⟩ fitted by least squares; when
   a ≈ c·b, c is named if it is one the context knows: −1 (a sign), m or 1/m
   (the batch size: the 1/m missing or applied twice), 2 or ½ (MSE's 2),
   n (outputs per example: a mean over examples only), 1 − p (dropout's
   scale), the learning rate (an optimizer)...
3. **a transpose or a reshape** of the same shape (square matrices; a
   ``.reshape`` where ``.T`` was meant);
4. **per-row or per-column factors** — a_i ≈ c_i b_i along one axis with c_i
   varying: a per-unit (or per-example) factor is wrong;
5. **where**: errors only where the layer's input z = 0 (a kink convention),
   only where z < 0 or z > 0;
6. **precision**: your array is float32 in a float64 check, or the errors
   have the size of float32 rounding.

Known variants of torch's computation (:mod:`torch_ref.check.variants`) are
tried before these: when one reproduces every tensor you returned, its
description is the diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bounds import errors


@dataclass
class Factor:
    """A constant the context knows, with what it would mean as a factor."""

    value: float
    label: str       # "8 = batch size m"
    meaning: str     # "is the 1/m missing?"


@dataclass
class Context:
    """What a diagnosis may refer to."""

    dtype: np.dtype
    bound: float
    factors: list[Factor] = field(default_factory=list)
    axis_names: tuple[str, ...] = ()       # your layout's axes for this tensor
    z: np.ndarray | None = None            # the layer input, for element-wise layers (your layout)
    dz: np.ndarray | None = None           # dJ/dZ of the layer (torch layout (m, out)), for a bias gradient
    sum_axis_hint: str = ""                # "axis 0" — where the examples are, in your layout
    weight_hint: str = ""                  # "dW = Xᵀ dZ" — the formula for your layout


def network_factors(m: int, n_out: int | None = None) -> list[Factor]:
    """The factors a forward/backward or loss check names."""
    found = [Factor(-1.0, "−1", "the sign is flipped (y − ŷ for ŷ − y, or + for −)"),
             Factor(float(m), f"{m} = batch size m", "is the 1/m missing?"),
             Factor(1.0 / m, f"1/{m} = 1/m", "the 1/m applied twice? (torch's mean loss puts 1/m into dZ "
                                              "once; no layer divides by m again)"),
             Factor(0.5, "½", "is the 2 of d(ŷ − y)²/dŷ = 2(ŷ − y) missing (the ½(ŷ − y)² convention)?"),
             Factor(2.0, "2", "a factor 2 too many (a squared error's 2 applied twice?)")]
    if n_out and n_out > 1 and n_out != m:
        found += [Factor(float(n_out), f"{n_out} = outputs per example n",
                         "torch's MSELoss averages over all m·n entries; yours over the m examples only?"),
                  Factor(1.0 / n_out, f"1/{n_out} = 1/n",
                         "averaged over all m·n entries where torch averages over the m examples?"),
                  Factor(float(m * n_out), f"{m * n_out} = m·n entries", "summed where torch averages over all m·n entries?")]
    return found


def _format_factor(c: float) -> str:
    if abs(c) >= 100 or abs(c) < 0.01:
        return f"{c:.3g}"
    return f"{c:.3f}".rstrip("0").rstrip(".")


def name_factor(c: float, factors: list[Factor], tol: float) -> str:
    """The text for a ≈ c·b."""
    for f in factors:
        if abs(c - f.value) <= tol * abs(f.value):
            shown = "−1" if f.value == -1 else f.label
            return f"mine ≈ {shown} × torch's: {f.meaning}" if f.value == -1 else \
                f"mine ≈ {_format_factor(c)} × torch's ({shown}): {f.meaning}"
        if abs(c + f.value) <= tol * abs(f.value) and f.value != -1:
            return (f"mine ≈ {_format_factor(c)} × torch's (−{f.label}): the sign is flipped, and "
                    f"{f.meaning[0].lower() + f.meaning[1:]}")
    return f"mine ≈ {_format_factor(c)} × torch's: a constant factor is wrong"


def factor_head(mine, ref, ctx: Context) -> str | None:
    """"mine ≈ 0.5 × torch's (½)" when a constant factor fits (the head of a diagnosis), else None."""
    mine, ref = np.asarray(mine), np.asarray(ref)
    if mine.shape != ref.shape:
        return None
    tol = max(100 * ctx.bound, 1e-8)
    c = fit_factor(mine, ref, tol)
    if c is None:
        return None
    for f in ctx.factors:
        if abs(c - f.value) <= tol * abs(f.value):
            return f"mine ≈ {_format_factor(c)} × torch's ({f.label})"
    return f"mine ≈ {_format_factor(c)} × torch's"


def fit_factor(a: np.ndarray, b: np.ndarray, tol: float) -> float | None:
    """c with a ≈ c·b to within ``tol`` (relative to max |a|), or None."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    bb = float(b @ b)
    if bb == 0 or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return None
    c = float(a @ b) / bb
    scale = max(float(np.max(np.abs(a))), 1e-300)
    if float(np.max(np.abs(a - c * b))) <= tol * scale and abs(c) > 1e-12:
        return c
    return None


def _close(a, b, bound) -> bool:
    return np.shape(a) == np.shape(b) and errors(a, b)[1] <= bound


def diagnose(mine: np.ndarray, ref: np.ndarray, ctx: Context) -> str:
    """The best explanation of why ``mine`` (your layout) differs from ``ref`` (torch's, your layout)."""
    mine = np.asarray(mine)
    ref = np.asarray(ref)
    tol = max(100 * ctx.bound, 1e-8)
    notes = []
    if mine.dtype.kind == "f" and ctx.dtype == np.float64 and mine.dtype == np.float32:
        notes.append("your array is float32: it was computed in single precision in a float64 check")
    if mine.shape != ref.shape:
        return _shape_diagnosis(mine, ref, ctx) + (f" ({notes[0]})" if notes else "")
    if mine.dtype.kind not in "fc":
        return f"your array has dtype {mine.dtype}, not floating point"
    finite_m, finite_r = np.isfinite(mine), np.isfinite(ref)
    if np.any(~finite_m & finite_r):
        k = int(np.sum(~finite_m & finite_r))
        return (f"{k} entr{'y is' if k == 1 else 'ies are'} NaN or ±inf where torch's are finite: an overflow "
                "(exp of a large number? subtract the max before exp) or a division by zero")
    c = fit_factor(mine, ref, tol)
    if c is not None:
        return name_factor(c, ctx.factors, tol)
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and _close(mine.T, ref, ctx.bound):
        return "mine is torch's transposed" + (f": {ctx.weight_hint}" if ctx.weight_hint else "")
    if mine.ndim == 2 and mine.shape[0] != mine.shape[1] and _close(mine, ref.T.reshape(ref.shape), ctx.bound):
        return ("mine is torch's transposed and then reshaped to this shape: a .reshape(...) where a "
                "transpose (.T) was needed")
    per_axis = _per_axis(mine, ref, ctx, tol)
    if per_axis:
        return per_axis
    where = _where(mine, ref, ctx)
    if where:
        return where
    _, rel = errors(mine, ref)
    if notes:
        return notes[0]
    if rel <= 1e-5 and ctx.dtype == np.float64:
        return (f"errors of the size of float32 rounding (max rel {rel:.1e}): part of your computation "
                "runs in float32 (a float32 array or np.float32 constant)")
    return "no simple relation found (not a constant factor, a transpose or a per-axis scale)"


def _shape_diagnosis(mine, ref, ctx: Context) -> str:
    from .layout import suggest

    text = f"shape {tuple(mine.shape)}, expected {tuple(ref.shape)}"
    if mine.ndim == 2 and ref.ndim == 2 and mine.shape == ref.T.shape:
        if _close(mine.T, ref, ctx.bound):
            return (f"{text}: mine is torch's transposed" + (f" ({ctx.weight_hint})" if ctx.weight_hint else ""))
        c = fit_factor(mine.T, ref, max(100 * ctx.bound, 1e-8))
        if c is not None:
            return f"{text}: mine is torch's transposed, and {name_factor(c, ctx.factors, 1e-6)}"
    if ctx.dz is not None and mine.size == ctx.dz.shape[0] and ctx.dz.shape[0] != ctx.dz.shape[1]:
        per_example = ctx.dz.sum(axis=1)
        # Measured against dZ's own scale: a softmax − onehot row sums to ~0 (rounding).
        scale = max(float(np.max(np.abs(ctx.dz))) * ctx.dz.shape[1], 1e-300)
        if float(np.max(np.abs(mine.ravel().astype(np.float64) - per_example))) <= ctx.bound * scale:
            where = f" ({ctx.sum_axis_hint})" if ctx.sum_axis_hint else ""
            return (f"{text}: mine is dZ summed over the outputs, one value per example: sum over the "
                    f"examples m instead{where}")
    if mine.size == ref.size:
        if _close(mine.reshape(ref.shape), ref, ctx.bound):
            return f"{text}: the same numbers in another shape (reshape it, or declare its layout)"
        if ref.ndim == 2 and _close(mine.reshape(ref.T.shape).T, ref, ctx.bound):
            return f"{text}: torch's transposed (then reshaped)"
    if ctx.axis_names and mine.ndim <= 3:
        sizes = {}
        named = [a for a in ctx.axis_names if a != "1"]
        shape_named = [s for a, s in zip(ctx.axis_names, ref.shape) if a != "1"]
        sizes.update(dict(zip(named, shape_named)))
        fits = suggest(tuple(mine.shape), tuple(named), sizes) if sizes else []
        if fits:
            return f"{text}: the shape fits the layout {' or '.join(repr(f) for f in fits)}, not the declared '{' '.join(ctx.axis_names)}'"
    return text


def _per_axis(mine, ref, ctx: Context, tol: float) -> str | None:
    if mine.ndim != 2 or min(mine.shape) < 2:
        return None
    names = ctx.axis_names if len(ctx.axis_names) == 2 else ("rows", "columns")
    for axis in (0, 1):
        slices = mine.shape[axis]
        cs = []
        for i in range(slices):
            a = np.take(mine, i, axis=axis)
            b = np.take(ref, i, axis=axis)
            if not np.any(b) and not np.any(a):
                cs.append(1.0)
                continue
            c = fit_factor(a, b, tol)
            if c is None:
                break
            cs.append(c)
        else:
            cs = np.array(cs)
            if np.ptp(cs) > tol * max(1.0, float(np.max(np.abs(cs)))):
                wrong = np.flatnonzero(np.abs(cs - 1) > tol)
                label = names[axis] if names[axis] != "1" else f"axis {axis}"
                if len(wrong) < slices:
                    return (f"only {len(wrong)} of the {slices} '{label}' slices differ (indices "
                            f"{', '.join(map(str, wrong[:6]))}{'…' if len(wrong) > 6 else ''}), each by a "
                            f"constant factor: a per-'{label}' factor is wrong there")
                return (f"each '{label}' slice has its own factor (from {_format_factor(cs.min())} to "
                        f"{_format_factor(cs.max())}): a per-'{label}' scale is wrong — e.g. a derivative "
                        "evaluated on the wrong quantity")
    return None


def _where(mine, ref, ctx: Context) -> str | None:
    z = ctx.z
    if z is None or np.shape(z) != mine.shape:
        return None
    scale = max(float(np.max(np.abs(ref))), float(np.max(np.abs(mine))), 1e-300)
    wrong = np.abs(mine.astype(np.float64) - ref) > ctx.bound * scale
    if not wrong.any():
        return None
    k = int(wrong.sum())
    zw = z[wrong]
    if np.all(zw == 0):
        return (f"errors only where the input z = 0 ({k} entr{'y' if k == 1 else 'ies'}): the derivative at "
                "the kink — torch uses ReLU'(0) = 0 and LeakyReLU'(0) = negative_slope")
    if np.all(zw < 0):
        return f"errors only where z < 0 ({k} entries): the derivative of the negative side is wrong"
    if np.all(zw > 0):
        return f"errors only where z > 0 ({k} entries): the derivative of the positive side is wrong"
    return None
