"""Hyperparameter checks shared by the optimizers, with torch's messages.

One difference: torch accepts an infinite learning rate, momentum, eps or
weight decay (and then writes NaN into every parameter); scratchnet refuses
them with torch's "Invalid ..." message.
"""

from __future__ import annotations

import math
import numbers


def check_number(value, what: str, name: str) -> float:
    """A real number (not a bool), else ``TypeError`` naming the option."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def check_nonneg(value, what: str, name: str) -> None:
    """torch's ``if not 0.0 <= value: raise ValueError(f"Invalid {what}: {value}")``."""
    check_number(value, what, name)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas) -> None:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        check_number(b, f"beta parameter at index {i}", f"betas[{i}]")
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
