"""scratchnet: a multilayer-perceptron library written from scratch in NumPy,
mirrored name for name on PyTorch, with explicit backpropagation.

``import scratchnet`` loads NumPy only — never torch, scikit-learn or matplotlib.
"""

from . import nn
from ._dtype import get_default_dtype, set_default_dtype
from ._validation import UsageError
from .random import get_rng_state, manual_seed, set_rng_state
from . import data, diagnostics, models, optim, train
from .gradcheck import GradcheckError, gradcheck
from .serialization import load, save
from . import checkpoint

__version__ = "0.1.0"

__all__ = [
    "nn",
    "models",
    "optim",
    "gradcheck",
    "GradcheckError",
    "UsageError",
    "manual_seed",
    "get_rng_state",
    "set_rng_state",
    "get_default_dtype",
    "set_default_dtype",
    "save",
    "load",
    "diagnostics",
    "checkpoint",
    "data",
    "train",
]
