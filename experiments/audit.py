"""The audit of the lectures' numbers: one record per printed number or stated formula.

A record (``OUT/claims.json`` is a list of them)::

    {"source": "<the lecture's key, experiments.base.LECTURES>", "where": "<section or example>",
     "quantity": "<what it is>", "claimed": <number or list, as printed>,
     "scratchnet": <...>, "torch": <...>,
     "verdict": "reproduced" | "differs", "note": "<why, where known>"}

A printed number is compared at the precision the lecture printed it: a
claim printed as 0.5963 is reproduced if the value, printed the same way
(``f"{value:.4f}"``), reads 0.5963. Every backend that ran must reproduce it.
A stated formula is checked numerically instead (``rtol=``): the claimed
value is what the formula gives, the backends' values are the true gradient
(explicit backprop and autograd), and the note gives the right formula when
it differs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

VERDICTS = ("reproduced", "differs")
KEYS = ("source", "where", "quantity", "claimed", "scratchnet", "torch", "verdict", "note")


def jsonable(value: Any) -> Any:
    """Numbers, arrays, tensors -> plain JSON values (floats, ints, nested lists)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value).__module__.startswith("torch"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else str(f)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__} {value!r} in JSON")


def decimals_of(claimed: Any) -> int:
    """The number of decimals a claimed number was printed with, read from
    its shortest repr (0.5963 -> 4, 13.6 -> 1, 3 -> 0). Trailing zeros are
    lost in a float (2.3000 reads as 2.3), so pass ``decimals=`` for those."""
    if isinstance(claimed, (list, tuple, np.ndarray)):
        flat = np.ravel(np.asarray(claimed, dtype=float))
        return max((decimals_of(float(v)) for v in flat), default=0)
    if isinstance(claimed, (bool, int, np.integer)):
        return 0
    text = repr(float(claimed))
    if "e" in text or "E" in text:
        mantissa, exp = text.lower().split("e")
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return max(0, digits - int(exp))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _printed(value, decimals: int) -> np.ndarray:
    """The value as the lecture would print it, read back as numbers
    (so -0.0000 and 0.0000 are the same number)."""
    arr = np.asarray(value, dtype=float)
    return np.vectorize(lambda v: float(f"{v:.{decimals}f}"), otypes=[float])(arr) if arr.size else arr


def matches(claimed, value, decimals: int | None = None, rtol: float | None = None) -> bool:
    """Whether ``value`` reproduces ``claimed``: the same when printed with
    ``decimals`` decimals (default: as many as ``claimed`` shows), or, with
    ``rtol``, equal to relative tolerance ``rtol`` (norm-wise, for formulas)."""
    if value is None:
        raise ValueError("matches() needs a value; None means the backend was not run")
    c = np.asarray(jsonable(claimed), dtype=float)
    v = np.asarray(jsonable(value), dtype=float)
    if c.shape != v.shape:
        return False
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(v))):
        return bool(np.array_equal(c, v, equal_nan=True))
    if rtol is not None:
        scale = max(float(np.max(np.abs(c), initial=0.0)), float(np.max(np.abs(v), initial=0.0)))
        return bool(np.max(np.abs(c - v), initial=0.0) <= rtol * scale)
    d = decimals_of(claimed) if decimals is None else decimals
    return bool(np.array_equal(_printed(c, d), _printed(v, d)))


def claim(source: str, where: str, quantity: str, claimed, scratchnet, torch,
          decimals: int | None = None, note: str = "", *, rtol: float | None = None) -> dict:
    """One audit record, with the verdict decided here.

    ``claimed`` is the number (or list) as the lecture printed it;
    ``scratchnet`` and ``torch`` are what the lecture's own setup gives on
    each backend (``None`` for a backend that was not run; at least one must
    be given). The verdict is "reproduced" only if every backend given
    reproduces the claim at the printed precision (``decimals``, default
    read from ``claimed``), or within ``rtol`` when checking a formula.
    """
    given = [v for v in (scratchnet, torch) if v is not None]
    if not given:
        raise ValueError(f"claim {where!r} / {quantity!r}: no backend value given")
    ok = all(matches(claimed, v, decimals=decimals, rtol=rtol) for v in given)
    record = {
        "source": source,
        "where": where,
        "quantity": quantity,
        "claimed": jsonable(claimed),
        "scratchnet": jsonable(scratchnet),
        "torch": jsonable(torch),
        "verdict": "reproduced" if ok else "differs",
        "note": note,
    }
    if decimals is not None:
        record["decimals"] = decimals
    if rtol is not None:
        record["rtol"] = rtol
    return record


def validate(record: dict) -> None:
    """Raise ``ValueError`` if ``record`` does not follow the schema."""
    missing = [k for k in KEYS if k not in record]
    if missing:
        raise ValueError(f"claim record lacks {missing}: {record}")
    if record["verdict"] not in VERDICTS:
        raise ValueError(f"claim verdict must be one of {VERDICTS}, got {record['verdict']!r}")
    for key in ("source", "where", "quantity", "note"):
        if not isinstance(record[key], str):
            raise ValueError(f"claim {key!r} must be a string, got {record[key]!r}")
    if record["scratchnet"] is None and record["torch"] is None:
        raise ValueError(f"claim has neither a scratchnet nor a torch value: {record}")


def counts(records: list[dict]) -> dict[str, int]:
    """Verdicts by count: {"reproduced": n, "differs": m}."""
    out = {v: 0 for v in VERDICTS}
    for r in records:
        out[r["verdict"]] += 1
    return out


def claim_values(source: str, where: str, quantity: str, claimed, values: dict, decimals: int | None = None,
                 note: str = "", *, rtol: float | None = None) -> dict:
    """:func:`claim` with the backends' values given as ``{backend: value}``
    (a backend that did not run is simply absent)."""
    return claim(source, where, quantity, claimed, values.get("scratchnet"), values.get("torch"),
                 decimals=decimals, note=note, rtol=rtol)
