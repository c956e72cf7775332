"""scratchnet's modules, one concept per file as in ``torch/nn/modules/``."""

from .activation import Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module

__all__ = [
    "Module", "Linear", "Identity", "Sequential",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax", "LogSoftmax",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]
