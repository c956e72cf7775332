"""IEEE arithmetic without NumPy's warnings, inside forward and backward.

PyTorch never warns about floating-point exceptions: an overflow gives inf,
inf − inf and 0·inf give NaN, silently. NumPy computes the same values but
warns (``RuntimeWarning: invalid value encountered in multiply``). So that a
NaN or an infinity propagates through scratchnet as it does through torch —
and as the bad-input suite requires, without a warning — forward and backward
run under ``np.errstate(over="ignore", invalid="ignore", divide="ignore")``.

Entering ``np.errstate`` costs about a microsecond, more than a small layer's
arithmetic, so it is entered once, by the outermost call (a model's forward,
its backward, a loss): a module called inside another one finds ``depth.n > 0``
and computes directly. The count is per thread, as NumPy's error state is.
"""

from __future__ import annotations

import threading

import numpy as np

_IGNORE = dict(over="ignore", invalid="ignore", divide="ignore")


class _Depth(threading.local):
    n = 0  # how many outermost forward or backward calls this thread is inside (0 or 1, or more with hooks)


depth = _Depth()


def _counted(function, *args, **kwargs):
    depth.n += 1
    try:
        return function(*args, **kwargs)
    finally:
        depth.n -= 1


#: ``silently(f, *args, **kwargs)``: ``f(*args, **kwargs)`` under IEEE arithmetic without
#: warnings (``np.errstate`` used as a decorator: cheaper than entering one per call).
silently = np.errstate(**_IGNORE)(_counted)


class ieee_arithmetic:
    """``with ieee_arithmetic(): ...`` — the same as a block (see the module docstring)."""

    __slots__ = ("_errstate",)

    def __enter__(self):
        if depth.n == 0:
            self._errstate = np.errstate(**_IGNORE)
            self._errstate.__enter__()
        else:
            self._errstate = None
        depth.n += 1
        return self

    def __exit__(self, *exc):
        depth.n -= 1
        if self._errstate is not None:
            self._errstate.__exit__(*exc)
