"""One builder, two frameworks: ``scratchnet.models.mlp`` and
``torch_ref.models.mlp`` take the same arguments and build networks with the
same layer indices, hence the same ``state_dict`` keys (``"0.weight"``,
``"0.bias"``, ``"2.weight"``, ...). Tests and experiments write an architecture
once and build it in both libraries.

    >>> import scratchnet as sn
    >>> sn.models.mlp([2, 4, 1], activation="sigmoid", output="sigmoid")
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Sigmoid()
      (2): Linear(in_features=4, out_features=1, bias=True)
      (3): Sigmoid()
    )
"""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from . import nn
from ._dtype import resolve_dtype
from ._validation import check_positive_int

#: Hidden activations by name: the class in the library's ``nn`` and its arguments.
#: Both builders look these names up in their own library (:func:`build`):
#: scratchnet in ``scratchnet.nn``, ``torch_ref.models`` in ``torch.nn``.
ACTIVATIONS: dict[str, tuple[str, dict]] = {
    "identity": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {}),
    "elu": ("ELU", {}),
    "gelu": ("GELU", {"approximate": "none"}),
    "gelu_tanh": ("GELU", {"approximate": "tanh"}),
    "silu": ("SiLU", {}),
    "softplus": ("Softplus", {}),
}

#: Output layers by name, likewise (``None`` means no output activation: raw logits).
OUTPUTS: dict[str, tuple[str, dict]] = {
    "identity": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "softmax": ("Softmax", {"dim": -1}),
    "log_softmax": ("LogSoftmax", {"dim": -1}),
}


def build(library_nn, table: dict[str, tuple[str, dict]], name: str):
    """``library_nn.<class>(**arguments)`` for ``table[name]``: the module named
    ``name`` in one library (``scratchnet.nn`` or ``torch.nn``)."""
    class_name, arguments = table[name]
    return getattr(library_nn, class_name)(**arguments)


def name_of(module, table: dict[str, tuple[str, dict]]) -> str | None:
    """The table's name for a module of either library (its class name and
    arguments), or None: the inverse of :func:`build`."""
    for name, (class_name, arguments) in table.items():
        if type(module).__name__ == class_name and all(getattr(module, k, None) == v for k, v in arguments.items()):
            return name
    return None


def check_mlp_args(sizes: Sequence[int], activation: str, output: str | None) -> list[int]:
    """Validate the builder's arguments (shared by both frameworks' builders)."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [64, 32, 10], got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    widths = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if output is not None and (not isinstance(output, str) or output not in OUTPUTS):
        raise ValueError(f"unknown output {output!r}; choose None (logits) or one of {sorted(OUTPUTS)}")
    return widths


def check_block_args(widths: list[int], dropout, batch_norm, residual) -> float:
    """Validate the deep-network options of the builders (shared by both
    frameworks' builders); returns the dropout probability as a float."""
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
    for name, flag in (("batch_norm", batch_norm), ("residual", residual)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if residual:
        hidden = widths[1:-1]
        if len(hidden) < 2:
            raise ValueError(f"residual=True needs at least two hidden layers (the first maps the input "
                             f"width to the hidden width; the next ones get skip connections), got sizes {widths}")
        if len(set(hidden)) != 1:
            raise ValueError(f"residual=True needs all hidden widths equal (y = x + F(x) adds vectors of one "
                             f"width), got hidden widths {hidden}")
    return float(dropout)


def hidden_block(n_in: int, n_out: int, activation_layer, *, bias: bool, dropout: float, batch_norm: bool,
                 linear, batch_norm_layer, dropout_layer) -> list:
    """The layers of one hidden block, in the order both builders use::

        Linear → [BatchNorm1d] → activation → [Dropout]

    (BatchNorm before the nonlinearity, as Ioffe & Szegedy place it; dropout
    on the activation, as Srivastava et al.)."""
    layers = [linear(n_in, n_out, bias)]
    if batch_norm:
        layers.append(batch_norm_layer(n_out))
    layers.append(activation_layer())
    if dropout > 0:
        layers.append(dropout_layer(dropout))
    return layers


def mlp(sizes: Sequence[int], activation: str = "relu", output: str | None = None, *,
        bias: bool = True, dropout: float = 0.0, batch_norm: bool = False, residual: bool = False,
        dtype=None, generator: np.random.Generator | None = None) -> nn.Sequential:
    """A multilayer perceptron ``sizes[0] → sizes[1] → … → sizes[-1]``.

    Layers: one hidden block per hidden layer, then the last ``Linear`` and,
    if ``output`` is given, the output activation. A hidden block is
    ``Linear, activation``, with a ``BatchNorm1d`` before the activation when
    ``batch_norm=True`` and a ``Dropout(dropout)`` after it when
    ``dropout > 0``. With ``residual=True`` every hidden block after the
    first becomes ``Residual(Sequential(block))``, y = x + F(x) (all hidden
    widths must then be equal). Weights use PyTorch's ``Linear``
    initialization, drawn from ``generator`` (or the default generator, see
    :func:`scratchnet.manual_seed`); so are the dropout masks, later.

    ``torch_ref.models.mlp`` builds the same layers at the same indices, so
    the ``state_dict`` keys agree, e.g. for ``mlp([4, 8, 8, 2], batch_norm=True,
    residual=True)``: ``0.weight``, ``1.running_var``, ``3.fn.0.weight``,
    ``3.fn.1.num_batches_tracked``, ``4.weight``.
    """
    widths = check_mlp_args(sizes, activation, output)
    p = check_block_args(widths, dropout, batch_norm, residual)
    dtype = resolve_dtype(dtype)

    def linear(n_in, n_out, bias):
        layer = nn.Linear(n_in, n_out, bias=bias, dtype=dtype)
        if generator is not None:
            layer.reset_parameters(generator=generator)
        return layer

    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-2], widths[1:-1])):
        block = hidden_block(n_in, n_out, lambda: build(nn, ACTIVATIONS, activation), bias=bias, dropout=p,
                             batch_norm=batch_norm, linear=linear, batch_norm_layer=lambda n: nn.BatchNorm1d(n, dtype=dtype),
                             dropout_layer=lambda q: nn.Dropout(q, generator=generator))
        if residual and i > 0:
            layers.append(nn.Residual(nn.Sequential(*block)))
        else:
            layers.extend(block)
    layers.append(linear(widths[-2], widths[-1], bias))
    if output is not None:
        layers.append(build(nn, OUTPUTS, output))
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """Number of learnable scalars: "edges + neurons" in the CS229 lecture's count trick."""
    return sum(p.numel() for p in model.parameters())
