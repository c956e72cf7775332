"""torch modules that ``torch.nn`` lacks but scratchnet has, with the same names
and ``state_dict`` keys as their scratchnet twins."""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """Y = X + fn(X), the twin of ``scratchnet.nn.Residual`` (autograd does the backward)."""

    def __init__(self, fn: nn.Module):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(x)


def dropout_keep_mask(inp: torch.Tensor, out: torch.Tensor):
    """The keep-mask torch's ``Dropout`` drew, read off its input and output (NumPy bool).

    Kept entries are scaled by 1/(1 − p) and dropped ones are 0, so
    keep = (out ≠ 0) wherever the input is non-zero. Where the input is
    exactly 0 the mask cannot be read off and counts as kept: the forward
    pass is the same either way, and only dJ/dinput at those entries may
    differ from torch's — which changes nothing upstream when the layer
    before has derivative 0 there (a ReLU, whose zeros these usually are)
    or when that input is the network's own (its gradient is unused).
    """
    return ((out != 0) | (inp == 0)).detach().cpu().numpy()


class DropoutMasks:
    """Record the masks of every ``nn.Dropout`` in a torch model, to replay them in
    the scratchnet twin (whose ``Dropout`` modules have the same names)::

        with DropoutMasks(torch_model) as masks:
            loss_t = loss_fn_t(torch_model(x_t), y_t)      # torch draws its masks
        masks.apply_to(scratch_model)                      # scratchnet uses them
        loss = loss_fn(scratch_model(x), y)

    ``masks.masks`` maps module names to the last mask each drew.
    """

    def __init__(self, model: nn.Module):
        self.masks: dict = {}
        self._handles = [m.register_forward_hook(self._hook(name))
                         for name, m in model.named_modules() if isinstance(m, nn.Dropout)]

    def _hook(self, name):
        def hook(module, inputs, output):
            if module.training:
                self.masks[name] = dropout_keep_mask(inputs[0], output)
        return hook

    def apply_to(self, scratch_model) -> None:
        """``fix_mask`` each scratchnet ``Dropout`` with the mask of its torch namesake."""
        import scratchnet

        drops = {n: m for n, m in scratch_model.named_modules() if isinstance(m, scratchnet.nn.Dropout)}
        missing = sorted(set(self.masks) ^ set(drops))
        if missing:
            raise ValueError(f"DropoutMasks.apply_to: the two models' Dropout modules differ (or torch's have "
                             f"not run in training mode yet): {missing}")
        for name, module in drops.items():
            module.fix_mask(self.masks[name])

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def __enter__(self) -> "DropoutMasks":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
