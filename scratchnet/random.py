"""Seeding and the default random generator (mirrors ``torch.manual_seed``).

Every random draw in scratchnet (initializers, dropout masks, shuffling) comes
from a :class:`numpy.random.Generator`: the one you pass as ``generator=``, or
else the library's default generator, which :func:`manual_seed` re-seeds.
Nothing touches NumPy's legacy global state (``np.random.seed``), so
scratchnet's streams never disturb yours and vice versa.

NumPy's and PyTorch's random streams never match, whatever the seed: parity
between the two libraries never relies on them (see DESIGN.md).
"""

from __future__ import annotations

import numpy as np

_default_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed scratchnet's default generator, as ``torch.manual_seed`` does torch's.

    Returns the freshly seeded generator.
    """
    global _default_generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed expects an integer seed, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed expects a non-negative seed, got {seed}")
    _default_generator = np.random.default_rng(int(seed))
    return _default_generator


def default_generator() -> np.random.Generator:
    """The generator used when no ``generator=`` is given."""
    return _default_generator


def get_generator(generator: np.random.Generator | None = None) -> np.random.Generator:
    """``generator`` itself, or the default generator when it is ``None``."""
    if generator is None:
        return _default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            "generator must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
            f"got {type(generator).__name__}"
        )
    return generator


def get_rng_state() -> dict:
    """A copy of the default generator's state (mirrors ``torch.get_rng_state``)."""
    return _default_generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise TypeError("set_rng_state expects a state dict returned by get_rng_state()")
    name = state["bit_generator"]
    bit_generator = getattr(np.random, name, None) if isinstance(name, str) else None
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        raise ValueError(f"unknown bit generator {name!r} in RNG state")
    try:
        candidate = bit_generator()
        candidate.state = state
    except (TypeError, ValueError, KeyError):
        raise ValueError(f"not a valid {name} state: expected the dict get_rng_state() returns, "
                         f"got keys {sorted(state)}") from None
    global _default_generator
    if type(_default_generator.bit_generator) is bit_generator:
        _default_generator.bit_generator.state = state  # keep the same generator object
    else:
        _default_generator = np.random.Generator(candidate)
