"""The PyTorch twin of :mod:`scratchnet.models`: same builder, same arguments,
same layer indices and ``state_dict`` keys, the same activation and output
names (``scratchnet.models.ACTIVATIONS``/``OUTPUTS``, looked up here in
``torch.nn``). Everything here is plain ``torch.nn``; nothing re-implements
what torch provides."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from scratchnet.models import (ACTIVATIONS, OUTPUTS, build, check_block_args, check_mlp_args,  # noqa: F401
                               hidden_block, name_of)

from .device import resolve_device
from .modules import Residual

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def torch_dtype(dtype) -> torch.dtype:
    """A torch dtype from a NumPy dtype, a string or a torch dtype (default: float32)."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    import numpy as np

    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return _DTYPES[name]


def mlp(sizes: Sequence[int], activation: str = "relu", output: str | None = None, *,
        bias: bool = True, dropout: float = 0.0, batch_norm: bool = False, residual: bool = False,
        dtype=None, device="cpu", generator: torch.Generator | np.random.Generator | None = None
        ) -> nn.Sequential:
    """``torch.nn.Sequential`` twin of :func:`scratchnet.models.mlp` (same layers,
    same indices, same ``state_dict`` keys; residual blocks are
    :class:`torch_ref.modules.Residual`)."""
    widths = check_mlp_args(sizes, activation, output)
    p = check_block_args(widths, dropout, batch_norm, residual)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-2], widths[1:-1])):
        block = hidden_block(n_in, n_out, lambda: build(nn, ACTIVATIONS, activation), bias=bias, dropout=p,
                             batch_norm=batch_norm,
                             linear=lambda a, b, bias: nn.Linear(a, b, bias=bias),
                             batch_norm_layer=nn.BatchNorm1d, dropout_layer=nn.Dropout)
        if residual and i > 0:
            layers.append(Residual(nn.Sequential(*block)))
        else:
            layers.extend(block)
    layers.append(nn.Linear(widths[-2], widths[-1], bias=bias))
    if output is not None:
        layers.append(build(nn, OUTPUTS, output))
    model = nn.Sequential(*layers)
    if generator is not None and not isinstance(generator, (torch.Generator, np.random.Generator)):
        raise TypeError("generator must be a torch.Generator (torch's own draws) or a numpy.random.Generator "
                        f"(scratchnet's draws, copied), got {type(generator).__name__}")
    if isinstance(generator, torch.Generator):  # torch's initialization, from this generator (on the CPU)
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                _reset_linear(layer, generator)
    model = model.to(device=resolve_device(device), dtype=torch_dtype(dtype))
    if isinstance(generator, np.random.Generator):
        # The shared signature's NumPy generator: draw exactly the weights
        # scratchnet.models.mlp draws from it (same order, same distribution,
        # same dtype), then copy them — NumPy's and torch's streams never match.
        import scratchnet

        from .convert import to_torch

        drawn = scratchnet.models.mlp(sizes, activation, output, bias=bias, dropout=dropout, batch_norm=batch_norm,
                                      residual=residual, dtype=dtype, generator=generator)
        model.load_state_dict(to_torch(drawn, device=model[0].weight.device))
    return model


def _reset_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    import math

    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        bound = 1 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def twin(scratch_model, device="cpu"):
    """The torch twin of a scratchnet ``mlp`` with its weights copied exactly.

    Reads the architecture back from the scratchnet model (Linear widths,
    activation and output names), builds it with :func:`mlp` and loads the
    weights; the result computes the same function.
    """
    import scratchnet

    from .convert import to_torch

    layers = list(scratch_model)
    every = list(scratch_model.modules())[1:]
    linears = [m for m in every if isinstance(m, scratchnet.nn.Linear)]
    if not linears:
        raise ValueError("twin() expects a scratchnet model built by scratchnet.models.mlp")
    sizes = [linears[0].in_features] + [m.out_features for m in linears]
    hidden = [m for m in every[1:] if name_of(m, ACTIVATIONS) is not None and m is not layers[-1]]
    activation = name_of(hidden[0], ACTIVATIONS) if hidden else "relu"
    dropouts = [m.p for m in every if isinstance(m, scratchnet.nn.Dropout)]
    options = dict(dropout=dropouts[0] if dropouts else 0.0,
                   batch_norm=any(isinstance(m, scratchnet.nn.BatchNorm1d) for m in every),
                   residual=any(isinstance(m, scratchnet.nn.Residual) for m in every))
    last = layers[-1]
    output = None  # raw logits: the model ends with its last Linear
    if not isinstance(last, scratchnet.nn.Linear):
        output = name_of(last, OUTPUTS)
        if output is None:
            raise ValueError(f"twin() expects a model built by scratchnet.models.mlp, whose last layer is a Linear "
                             f"or one of the outputs {sorted(OUTPUTS)}; this one ends with {type(last).__name__}")
    model = mlp(sizes, activation, output, bias=linears[0].bias is not None,
                dtype=scratch_model.dtype, device=device, **options)
    if list(model.state_dict()) != list(scratch_model.state_dict()):
        raise ValueError("twin() could not rebuild this model's architecture with torch_ref.models.mlp "
                         "(its state_dict keys differ); build both with the mlp builders instead")
    model.load_state_dict(to_torch(scratch_model, device=device))
    return model.train(scratch_model.training)
