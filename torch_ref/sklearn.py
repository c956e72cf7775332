"""The PyTorch twins of :mod:`scratchnet.sklearn`: ``MLPClassifier`` and ``MLPRegressor``.

Same names, same parameters, same estimator logic (validation, labels,
epochs, early stopping — inherited from ``scratchnet.sklearn``); only the
network, its loss and its training step differ: ``torch.nn.Sequential`` from
:func:`torch_ref.models.mlp`, ``torch.nn`` losses, ``torch.optim.SGD`` /
``torch.optim.Adam``, and ``loss.backward()`` (autograd) instead of explicit
backpropagation::

    from torch_ref.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(32,), random_state=0).fit(X, y)
    clf.model_            # a torch.nn.Sequential

Parity without shared randomness (DESIGN.md): the initial weights are drawn
by scratchnet from the estimator's NumPy generator and copied into torch
(:func:`torch_ref.models.twin`), and that generator also draws the
early-stopping split and every epoch's shuffle. Given the same
``random_state`` the scratchnet and torch estimators therefore start from the
same weights and see the same batches, and their loss curves and predictions
agree to rounding (float64: ~1e-14 relative measured, held to 1e-10 by
``parity_tests/test_sklearn_parity.py``). The network runs on the CPU.
"""

from __future__ import annotations

import numpy as np
import torch

from scratchnet.sklearn import BaseMLPClassifier, BaseMLPRegressor, ScratchnetBackend

from .convert import from_torch, to_torch
from .models import twin

__all__ = ["MLPClassifier", "MLPRegressor"]


class TorchBackend:
    """The operations of ``scratchnet.sklearn.ScratchnetBackend``, in PyTorch."""

    name = "torch"

    @staticmethod
    def build(sizes, activation, dtype, generator):
        """scratchnet draws the initial weights (from ``generator``); torch gets a copy."""
        return twin(ScratchnetBackend.build(sizes, activation, dtype, generator))

    @staticmethod
    def loss(kind):
        return {"cross_entropy": torch.nn.CrossEntropyLoss, "bce": torch.nn.BCEWithLogitsLoss,
                "mse": torch.nn.MSELoss}[kind]()

    @staticmethod
    def optimizer(model, solver, lr, momentum, nesterov, betas, eps):
        if solver == "sgd":
            return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov)
        return torch.optim.Adam(model.parameters(), lr=lr, betas=betas, eps=eps)

    set_lr = staticmethod(ScratchnetBackend.set_lr)

    @staticmethod
    def train_step(model, optimizer, loss_fn, X, T, alpha):
        """One step: J = loss + α/(2m) Σ‖W‖² (weights only), autograd, optimizer step."""
        optimizer.zero_grad()
        loss = loss_fn(model(torch.from_numpy(X)), torch.from_numpy(T))
        if alpha > 0:
            weights = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]
            loss = loss + alpha / (2 * X.shape[0]) * sum((W * W).sum() for W in weights)
        loss.backward()
        optimizer.step()
        return loss.item()

    @staticmethod
    def forward(model, X):
        with torch.no_grad():
            return model(torch.tensor(X)).numpy()

    @staticmethod
    def get_state(model):
        return from_torch(model)

    @staticmethod
    def set_state(model, state):
        model.load_state_dict(to_torch(state))


class MLPClassifier(BaseMLPClassifier):
    """``scratchnet.sklearn.MLPClassifier`` trained by PyTorch (same parameters and attributes).

    ``model_`` is a ``torch.nn.Sequential``; ``coefs_``/``intercepts_`` are
    NumPy copies in scikit-learn's layout.
    """

    _backend = TorchBackend


class MLPRegressor(BaseMLPRegressor):
    """``scratchnet.sklearn.MLPRegressor`` trained by PyTorch (same parameters and attributes)."""

    _backend = TorchBackend
