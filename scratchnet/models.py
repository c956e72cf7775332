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

from typing import Callable, Sequence

import numpy as np

from . import nn
from ._dtype import resolve_dtype
from ._validation import check_positive_int

#: Hidden activations by name; ``torch_ref.models.ACTIVATIONS`` has the same keys.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
}

#: Output layers by name (``None`` means no output activation: raw logits).
OUTPUTS: dict[str, Callable[[], nn.Module]] = {
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "softmax": lambda: nn.Softmax(dim=-1),
    "log_softmax": lambda: nn.LogSoftmax(dim=-1),
}


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


def mlp(sizes: Sequence[int], activation: str = "relu", output: str | None = None, *,
        bias: bool = True, dtype=None, generator: np.random.Generator | None = None) -> nn.Sequential:
    """A multilayer perceptron ``sizes[0] → sizes[1] → … → sizes[-1]``.

    Layers: ``Linear, activation`` for each hidden layer, then the last
    ``Linear`` and, if ``output`` is given, the output activation. Weights use
    PyTorch's ``Linear`` initialization, drawn from ``generator`` (or the
    default generator, see :func:`scratchnet.manual_seed`).
    """
    widths = check_mlp_args(sizes, activation, output)
    dtype = resolve_dtype(dtype)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(n_in, n_out, bias=bias, dtype=dtype)
        if generator is not None:
            linear.reset_parameters(generator=generator)
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    if output is not None:
        layers.append(OUTPUTS[output]())
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """Number of learnable scalars: "edges + neurons" in the CS229 lecture's count trick."""
    return sum(p.numel() for p in model.parameters())
