"""``scratchnet.optim`` — optimizers and learning-rate schedules (mirrors ``torch.optim``).

Each optimizer's update is a plain function of NumPy arrays in its own file
(``sgd_update``, ``adam_update``, ...); the classes keep the per-parameter
state and the parameter groups, as torch's do.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
