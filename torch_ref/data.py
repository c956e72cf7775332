"""The torch side of ``scratchnet.data``: the same batches, as tensors.

``DataLoader`` here draws its batch orders with scratchnet's own sampler
(:func:`scratchnet.data.batch_order`, a NumPy generator), not with torch's
``RandomSampler`` — NumPy's and torch's random streams never match, so this is
how both backends see identical batches. :meth:`DataLoader.from_scratchnet`
copies a scratchnet loader's dataset *and generator state*: from then on both
draw the same order every epoch. Batches are converted with
``torch.from_numpy`` (float arrays keep their dtype, integer labels become
int64 as torch's losses expect).
"""

from __future__ import annotations

import copy

import numpy as np
import torch

import scratchnet

from .device import resolve_device


class DataLoader:
    """scratchnet's ``DataLoader`` (same arguments), yielding tensors on ``device``."""

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: np.random.Generator | None = None, device="cpu"):
        self._loader = scratchnet.data.DataLoader(dataset, batch_size, shuffle, drop_last, generator)
        self.device = resolve_device(device)

    @classmethod
    def from_scratchnet(cls, loader: "scratchnet.data.DataLoader", device="cpu") -> "DataLoader":
        """A torch loader that will draw exactly the batch orders ``loader`` will draw."""
        if not isinstance(loader, scratchnet.data.DataLoader):
            raise TypeError(f"from_scratchnet expects a scratchnet.data.DataLoader, got {type(loader).__name__}")
        generator = copy.deepcopy(loader.generator) if loader.generator is not None else None
        return cls(loader.dataset, loader.batch_size, loader.shuffle, loader.drop_last, generator, device)

    @property
    def dataset(self):
        return self._loader.dataset

    @property
    def last_order(self):
        return self._loader.last_order

    def __len__(self) -> int:
        return len(self._loader)

    def next_order(self):
        return self._loader.next_order()

    def batches(self, order):
        for arrays in self._loader.batches(order):
            yield tuple(self._tensor(a) for a in arrays)

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        a = np.ascontiguousarray(a)
        t = torch.from_numpy(a.astype(np.int64) if a.dtype.kind in "iu" else a)
        return t.to(self.device)

    def __iter__(self):
        self._loader.last_order = self._loader.next_order()
        return self.batches(self._loader.last_order)
