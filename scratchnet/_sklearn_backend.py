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
* ``arrays``/``grads``: every W[l] and b[l] (their gradients) as NumPy
  arrays that share the parameters' memory. On them :class:`Backend`, the base
  class of both, writes ``get_vector``/``set_vector``/``grad_vector`` once: θ
  and ∇J flattened in scikit-learn's order, for L-BFGS;
* ``get_state``/``set_state`` (the best early-stopping epoch's weights).

It needs SciPy (for sparse X) but not scikit-learn; ``import scratchnet`` never
loads it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from . import models, nn

__all__ = ["Backend", "ScratchnetBackend"]


class Backend:
    """What both backends share: θ, the network's parameters as one float64 vector
    in scikit-learn's order, for L-BFGS — every W[l]ᵀ row by row (``coefs_[l-1]``),
    then every b[l] (``intercepts_[l-1]``) — written once on the arrays that a
    backend's ``arrays`` and ``grads`` hand out.
    """

    @staticmethod
    def arrays(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every W[l], every b[l]) as NumPy arrays sharing the parameters' memory:
        writing into them sets the weights."""
        raise NotImplementedError

    @staticmethod
    def grads(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every dJ/dW[l], every dJ/db[l]) as NumPy arrays, after ``objective``."""
        raise NotImplementedError

    @staticmethod
    def _flatten(weights, biases) -> np.ndarray:
        return np.concatenate([W.T.ravel() for W in weights] + [b.ravel() for b in biases]).astype(np.float64)

    @classmethod
    def get_vector(cls, model) -> np.ndarray:
        """θ: every W[l]ᵀ row by row, then every b[l]; float64 (a new array)."""
        return cls._flatten(*cls.arrays(model))

    @classmethod
    def set_vector(cls, model, theta: np.ndarray) -> None:
        """Load θ (the layout of :meth:`get_vector`) into the weights, in place."""
        weights, biases = cls.arrays(model)
        if not all(a.flags.writeable for a in weights + biases):
            raise ValueError(f"{cls.__name__} can load θ only into parameters whose memory NumPy "
                             "can write (a network on the CPU)")
        start = 0
        for W in weights:
            n_out, n_in = W.shape
            W[...] = theta[start:start + n_in * n_out].reshape(n_in, n_out).T
            start += n_in * n_out
        for b in biases:
            b[...] = theta[start:start + b.size]
            start += b.size

    @classmethod
    def grad_vector(cls, model) -> np.ndarray:
        """∇J in the layout of :meth:`get_vector` (float64, a new array)."""
        return cls._flatten(*cls.grads(model))


class ScratchnetBackend(Backend):
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
            for layer in ScratchnetBackend._linears(model):
                W = layer.weight
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
    def _linears(model) -> list:
        return [layer for layer in model if isinstance(layer, nn.Linear)]

    @staticmethod
    def arrays(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every ``W[l].data``, every ``b[l].data``): the parameters' own arrays."""
        linears = ScratchnetBackend._linears(model)
        return [layer.weight.data for layer in linears], [layer.bias.data for layer in linears]

    @staticmethod
    def grads(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(every ``W[l].grad``, every ``b[l].grad``)."""
        linears = ScratchnetBackend._linears(model)
        return [layer.weight.grad for layer in linears], [layer.bias.grad for layer in linears]

    @staticmethod
    def get_state(model):
        """A copy of the weights (``state_dict`` as NumPy arrays)."""
        return model.state_dict()

    @staticmethod
    def set_state(model, state):
        model.load_state_dict(state)
