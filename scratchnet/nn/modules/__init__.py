"""scratchnet's modules, one concept per file as in ``torch/nn/modules/``."""

from .activation import ELU, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .batchnorm import BatchNorm1d
from .container import Sequential
from .dropout import Dropout
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss, PoissonNLLLoss
from .module import Module
from .residual import Residual

__all__ = [
    "Module", "Linear", "Identity", "Sequential",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax", "LogSoftmax",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "PoissonNLLLoss",
    "Dropout", "BatchNorm1d", "Residual", "ELU", "GELU", "SiLU", "Softplus",
]
