"""The PyTorch twins of :mod:`scratchnet.sklearn`: ``MLPClassifier`` and ``MLPRegressor``.

Same names, same parameters, same estimator logic (validation, labels,
sample weights, epochs, early stopping, the L-BFGS driver — inherited from
``scratchnet.sklearn``); only the network, its loss and its gradient differ:
``torch.nn.Sequential`` from :func:`torch_ref.models.mlp`, ``torch.nn`` losses
(``reduction='none'``, weighted as scratchnet weights them),
``torch.optim.SGD`` / ``torch.optim.Adam``, and ``loss.backward()``
(autograd) instead of explicit backpropagation — also for ``solver='lbfgs'``,
where SciPy's L-BFGS-B gets J and ∇J from autograd, and for sparse X, whose
first layer is ``torch.sparse.mm``::

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
``parity_tests/test_sklearn_parity.py``; lbfgs over 15 iterations, as L-BFGS
amplifies rounding). The network runs on the CPU.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse

from scratchnet._sklearn_backend import Backend, ScratchnetBackend
from scratchnet.sklearn import BaseMLPClassifier, BaseMLPRegressor

from .convert import from_torch, to_torch
from .models import twin

__all__ = ["MLPClassifier", "MLPRegressor"]


def _numpy(t: torch.Tensor) -> np.ndarray:
    """A CPU tensor as a NumPy array sharing its memory; a tensor on another device
    as a read-only copy (reading is right; writing into it cannot reach the tensor,
    so NumPy refuses, and ``Backend.set_vector`` says so)."""
    t = t.detach()
    if t.device.type == "cpu":
        return t.numpy()
    array = t.cpu().numpy()
    array.flags.writeable = False
    return array


class TorchBackend(Backend):
    """The operations of ``scratchnet._sklearn_backend.ScratchnetBackend``, in PyTorch
    (the θ layout, ``get_vector``/``set_vector``/``grad_vector``, from their ``Backend``)."""

    name = "torch"

    @staticmethod
    def build(sizes, activation, dtype, generator):
        """scratchnet draws the initial weights (from ``generator``); torch gets a copy."""
        return twin(ScratchnetBackend.build(sizes, activation, dtype, generator))

    @staticmethod
    def loss(kind):
        """The per-example loss (``reduction='none'``); Poisson on log-rates
        (``log_input=True``, ``full=False``: the defaults), as scratchnet's."""
        return {"cross_entropy": torch.nn.CrossEntropyLoss, "bce": torch.nn.BCEWithLogitsLoss,
                "mse": torch.nn.MSELoss, "poisson": torch.nn.PoissonNLLLoss}[kind](reduction="none")

    @staticmethod
    def optimizer(model, solver, lr, momentum, nesterov, betas, eps):
        if solver == "sgd":
            return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov)
        return torch.optim.Adam(model.parameters(), lr=lr, betas=betas, eps=eps)

    set_lr = staticmethod(ScratchnetBackend.set_lr)

    @staticmethod
    def objective(model, loss_fn, X, T, c, l2):
        """J = Σ_i c_i Σ_k ℓ_ik + l2/2 · Σ‖W‖² (weights only), its gradient by autograd."""
        model.zero_grad()
        losses = loss_fn(TorchBackend._forward(model, X), torch.from_numpy(T))
        weights = torch.from_numpy(c)
        J = (losses * (weights if losses.ndim == 1 else weights[:, None])).sum()
        if l2 > 0:
            J = J + l2 / 2 * sum((layer.weight * layer.weight).sum() for layer in TorchBackend._linears(model))
        J.backward()
        return J.item()

    @staticmethod
    def _forward(model, X):
        """Z[L]; for scipy.sparse X the first layer is ``torch.sparse.mm`` (sparse × dense)."""
        if not sparse.issparse(X):
            return model(torch.from_numpy(X))
        coo = X.tocoo()
        indices = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
        # scipy built the indices, so they are valid: torch need not check them (and warn that it does not)
        Xt = torch.sparse_coo_tensor(indices, torch.from_numpy(coo.data), coo.shape, check_invariants=False)
        first = model[0]
        return model[1:](torch.sparse.mm(Xt, first.weight.t()) + first.bias)

    @staticmethod
    def forward(model, X):
        with torch.no_grad():
            return TorchBackend._forward(model, X).numpy()

    @staticmethod
    def _linears(model) -> list:
        return [layer for layer in model if isinstance(layer, torch.nn.Linear)]

    @staticmethod
    def arrays(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every W[l], every b[l]) as NumPy arrays sharing the tensors' memory (CPU)."""
        linears = TorchBackend._linears(model)
        return [_numpy(layer.weight) for layer in linears], [_numpy(layer.bias) for layer in linears]

    @staticmethod
    def grads(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every ``W[l].grad``, every ``b[l].grad``) as NumPy arrays, after ``objective``."""
        linears = TorchBackend._linears(model)
        return [_numpy(layer.weight.grad) for layer in linears], [_numpy(layer.bias.grad) for layer in linears]

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
