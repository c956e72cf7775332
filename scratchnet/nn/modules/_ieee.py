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

A forward (``Module.__call__``, and ``hooks.call_with_forward_hooks`` for a
module with forward hooks) runs through :func:`silently`; a backward enters
``np.errstate(**IGNORE)`` in ``checked_backward`` (``module.py``), the
``with`` block that its body runs in.
"""

from __future__ import annotations

import threading

import numpy as np

#: The error state of IEEE arithmetic: NumPy computes inf and NaN without a warning.
IGNORE = dict(over="ignore", invalid="ignore", divide="ignore")


class _Depth(threading.local):
    n = 0  # how many outermost forward or backward calls this thread is inside: 0 or 1


depth = _Depth()


def _counted(function, *args, **kwargs):
    depth.n += 1
    try:
        return function(*args, **kwargs)
    finally:
        depth.n -= 1


#: ``silently(f, *args, **kwargs)``: ``f(*args, **kwargs)`` under IEEE arithmetic without
#: warnings (``np.errstate`` used as a decorator: cheaper than entering one per call; from
#: NumPy 2 on, the one decorated function is safe across threads, hence ``numpy>=2``).
silently = np.errstate(**IGNORE)(_counted)
