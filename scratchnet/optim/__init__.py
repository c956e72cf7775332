"""``scratchnet.optim`` — optimizers and learning-rate schedules (mirrors ``torch.optim``).

Each optimizer's file is laid out as torch's: the class keeps the parameter
groups and the per-parameter state; a functional form (``sgd``, ``adam``, …)
picks the path; ``_single_tensor_adam`` is the algorithm of the docstring,
line for line, and ``_multi_tensor_adam`` the same algorithm over all
parameters at once (``foreach=True``, the default wherever it runs, as in
torch). See :mod:`scratchnet.optim.optimizer`.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
