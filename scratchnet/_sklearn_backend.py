"""The scratchnet backend of :mod:`scratchnet.sklearn`: how its estimators build,
train and run a network with ``scratchnet.nn`` and ``scratchnet.optim``.

The estimators' logic (validation, labels, sample weights, epochs, early
stopping, the L-BFGS driver) is written once, in ``scratchnet.sklearn.BaseMLP``,
against the operations of :class:`ScratchnetBackend` below;
``torch_ref.sklearn.TorchBackend`` supplies the same operations with
``torch.nn``, ``torch.optim`` and autograd, so the two estimators differ in
nothing else. The operations:

* ``build``, ``loss``, ``optimizer``, ``set_lr``: the network
  (:func:`scratchnet.models.mlp`, outputs Z[L]), its per-example loss ℓ
  (``reduction='none'``), the ``SGD`` or ``Adam`` optimizer;
* ``objective``: J = Σ_i c_i Σ_k ℓ_ik + l2/2 · Σ_l ‖W[l]‖² on a batch, with its
  gradient in every ``param.grad`` — backpropagation by hand: dJ/dℓ_ik = c_i
  into the loss's ``backward``, the chain rule through the layers, then the
  penalty's gradient l2 · W[l] added to each ``W[l].grad``;
* ``forward``: Z[L] for prediction. For scipy.sparse X the first layer is the
  sparse × dense product Z[1] = X W[1]ᵀ + b[1], and dW[1] = (Xᵀ dZ[1])ᵀ, so X
  is never densified;
* ``get_vector``/``set_vector``/``grad_vector`` (θ and ∇J flattened in
  scikit-learn's order, for L-BFGS) and ``get_state``/``set_state`` (the best
  early-stopping epoch's weights).

It needs SciPy (for sparse X) but not scikit-learn; ``import scratchnet`` never
loads it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from . import models, nn

__all__ = ["ScratchnetBackend"]


class ScratchnetBackend:
    """How the estimators build, train and run a network in scratchnet.

    The estimators' logic (validation, labels, sample weights, epochs, early
    stopping, L-BFGS) is written once in ``scratchnet.sklearn.BaseMLP``; a backend supplies
    the operations below. ``torch_ref.sklearn.TorchBackend`` supplies the same
    ones with ``torch.nn``, ``torch.optim`` and autograd.
    """

    name = "scratchnet"

    @staticmethod
    def build(sizes, activation, dtype, generator):
        """The network, its initial weights drawn from ``generator``."""
        return models.mlp(sizes, activation, output=None, dtype=dtype, generator=generator)

    @staticmethod
    def loss(kind):
        """The per-example loss ℓ (``reduction='none'``) for ``kind``; Poisson on
        log-rates (``log_input=True``, ``full=False``: the defaults)."""
        return {"cross_entropy": nn.CrossEntropyLoss, "bce": nn.BCEWithLogitsLoss,
                "mse": nn.MSELoss, "poisson": nn.PoissonNLLLoss}[kind](reduction="none")

    @staticmethod
    def optimizer(model, solver, lr, momentum, nesterov, betas, eps):
        from . import optim

        if solver == "sgd":
            return optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov)
        return optim.Adam(model.parameters(), lr=lr, betas=betas, eps=eps)

    @staticmethod
    def set_lr(optimizer, lr):
        for group in optimizer.param_groups:
            group["lr"] = lr

    @staticmethod
    def objective(model, loss_fn, X, T, c, l2):
        """J = Σ_i c_i Σ_k ℓ_ik + l2/2 · Σ_l ‖W[l]‖² on the batch (X, T); the
        gradient of J is left in every ``param.grad``. Returns J.

        (``BaseMLP._objective_weights`` gives c_i = s_i/(K Σs) and l2 = α/Σs.)
        Backprop by hand: dJ/dℓ_ik = c_i into the loss's backward, the chain
        rule through the layers, then the penalty's gradient l2 · W[l].
        """
        model.zero_grad()
        if sparse.issparse(X):
            rest, Z1 = ScratchnetBackend._sparse_first_layer(model, X)
            Z = rest(Z1)
        else:
            Z = model(X)
        losses = loss_fn(Z, T)  # ℓ: (m,) for cross-entropy, (m, K) otherwise
        dJ_dloss = c if losses.ndim == 1 else np.broadcast_to(c[:, None], losses.shape)
        J = float(np.sum(dJ_dloss * losses))
        dZ = loss_fn.backward(dJ_dloss)
        if sparse.issparse(X):
            # dZ[1] from the layers after the first; then dW[1] = dZ[1]ᵀ X, computed as
            # (Xᵀ dZ[1])ᵀ (sparse × dense again), and db[1] = Σ_i dZ[1].
            dZ1 = rest.backward(dZ)
            first = model[0]
            first.weight.accumulate_grad(np.ascontiguousarray(np.asarray(X.T @ dZ1).T))
            first.bias.accumulate_grad(dZ1.sum(axis=0))
        else:
            model.backward(dZ, needs_input_grad=False)
        if l2 > 0:
            for W in ScratchnetBackend._weights(model):
                J += l2 / 2 * float(np.sum(W.data * W.data))
                W.accumulate_grad(l2 * W.data)
        return J

    @staticmethod
    def forward(model, X):
        """Z[L] for X (a NumPy array, or a scipy.sparse matrix of the network's dtype)."""
        if not sparse.issparse(X):
            return model(X)
        rest, Z1 = ScratchnetBackend._sparse_first_layer(model, X)
        return rest(Z1)

    @staticmethod
    def _sparse_first_layer(model, X):
        """(the layers after the first, Z[1]) for sparse X.

        The first layer is applied by hand, Z[1] = X W[1]ᵀ + b[1], as scipy's
        sparse × dense product, which never densifies X; the rest of the
        network (one ``Sequential`` for its forward and its backward) then
        runs as usual on the dense Z[1].
        """
        first = model[0]
        return model[1:], np.asarray(X @ first.weight.data.T) + first.bias.data

    @staticmethod
    def _weights(model):
        return [layer.weight for layer in model if isinstance(layer, nn.Linear)]

    @staticmethod
    def _biases(model):
        return [layer.bias for layer in model if isinstance(layer, nn.Linear)]

    @staticmethod
    def get_vector(model) -> np.ndarray:
        """θ: every W[l]ᵀ row by row (scikit-learn's ``coefs_``), then every b[l]; float64."""
        weights, biases = ScratchnetBackend._weights(model), ScratchnetBackend._biases(model)
        return np.concatenate([W.data.T.ravel() for W in weights] + [b.data for b in biases]).astype(np.float64)

    @staticmethod
    def set_vector(model, theta: np.ndarray) -> None:
        """Load θ (the layout of :meth:`get_vector`) into the weights, in place."""
        start = 0
        for W in ScratchnetBackend._weights(model):
            n_out, n_in = W.data.shape
            W.data[...] = theta[start:start + n_in * n_out].reshape(n_in, n_out).T
            start += n_in * n_out
        for b in ScratchnetBackend._biases(model):
            b.data[...] = theta[start:start + b.data.size]
            start += b.data.size

    @staticmethod
    def grad_vector(model) -> np.ndarray:
        """∇J in the layout of :meth:`get_vector`."""
        weights, biases = ScratchnetBackend._weights(model), ScratchnetBackend._biases(model)
        return np.concatenate([W.grad.T.ravel() for W in weights] + [b.grad for b in biases]).astype(np.float64)

    @staticmethod
    def get_state(model):
        """A copy of the weights (``state_dict`` as NumPy arrays)."""
        return model.state_dict()

    @staticmethod
    def set_state(model, state):
        model.load_state_dict(state)
