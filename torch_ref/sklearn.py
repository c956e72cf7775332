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

from scratchnet._sklearn_backend import ScratchnetBackend
from scratchnet.sklearn import BaseMLPClassifier, BaseMLPRegressor

from .convert import from_torch, to_torch
from .models import twin

__all__ = ["MLPClassifier", "MLPRegressor"]


class TorchBackend:
    """The operations of ``scratchnet._sklearn_backend.ScratchnetBackend``, in PyTorch."""

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
            J = J + l2 / 2 * sum((W * W).sum() for W in TorchBackend._weights(model))
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
    def _weights(model):
        return [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]

    @staticmethod
    def _biases(model):
        return [layer.bias for layer in model if isinstance(layer, torch.nn.Linear)]

    @staticmethod
    def get_vector(model) -> np.ndarray:
        """θ in scikit-learn's order: every W[l]ᵀ row by row, then every b[l]; float64."""
        parts = [W.detach().t().reshape(-1) for W in TorchBackend._weights(model)]
        parts += [b.detach() for b in TorchBackend._biases(model)]
        return torch.cat(parts).numpy().astype(np.float64)

    @staticmethod
    def set_vector(model, theta: np.ndarray) -> None:
        start = 0
        with torch.no_grad():
            for W in TorchBackend._weights(model):
                n_out, n_in = W.shape
                W.copy_(torch.from_numpy(theta[start:start + n_in * n_out].reshape(n_in, n_out).T))
                start += n_in * n_out
            for b in TorchBackend._biases(model):
                b.copy_(torch.from_numpy(theta[start:start + b.numel()]))
                start += b.numel()

    @staticmethod
    def grad_vector(model) -> np.ndarray:
        parts = [W.grad.t().reshape(-1) for W in TorchBackend._weights(model)]
        parts += [b.grad for b in TorchBackend._biases(model)]
        return torch.cat(parts).numpy().astype(np.float64)

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
