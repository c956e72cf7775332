"""The torch side of ``scratchnet.data``: the same batches, from a real
``torch.utils.data.DataLoader``.

``DataLoader`` here *is* torch's ``DataLoader`` (a subclass that only adds a
constructor and the batch-order accessors) over a ``TensorDataset`` of the
data; what it does not take from torch is the shuffling. NumPy's and torch's
random streams never match, so instead of torch's ``RandomSampler`` its
``batch_sampler`` (:class:`ReplaySampler`) yields the index arrays that
scratchnet's sampler (:func:`scratchnet.data.batch_order`, a NumPy generator)
draws, one new order per epoch. :meth:`DataLoader.from_scratchnet` copies a
scratchnet loader's dataset *and generator state*: from then on both draw the
same order every epoch (a scratchnet loader built without ``generator=``
shuffles from a private stream, so later draws from scratchnet's default
generator — dropout masks, initialisations — cannot make the two drift)::

    loader = scratchnet.data.DataLoader((X, y), batch_size=64, shuffle=True)
    torch_loader = torch_ref.data.DataLoader.from_scratchnet(loader, device="cuda")
    isinstance(torch_loader, torch.utils.data.DataLoader)   # True
    torch_loader.last_order          # after iterating: the index arrays of that epoch

The arrays become tensors once, on ``device`` (``torch.from_numpy``: float
arrays keep their dtype, integer labels become int64 as torch's losses
expect). Each batch is cut with one indexing per tensor (the dataset's
``__getitems__``), not gathered sample by sample and stacked by torch's
default ``collate_fn``, which costs Python calls per sample. Measured on 2
CPU cores, an epoch of 1500×64 float64 samples in batches of 64: 0.7 ms this
way, 5.6 ms with the default collate; ``batch_size=None`` with a sampler of
index tensors costs the same as this (0.6 ms), and ``batch_sampler`` is the
documented way to hand torch batches of indices. What torch's iterator adds
over a bare loop is ~20–30 µs per epoch and ~10 µs per batch (its
``record_function`` bookkeeping) — immaterial for the experiments (their
test run's CPU time is unchanged).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.utils.data

import scratchnet

from .device import resolve_device


class BatchTensorDataset(torch.utils.data.TensorDataset):
    """torch's ``TensorDataset``, serving a whole batch at once: ``__getitems__``
    (which torch's fetcher calls with a batch of indices when a dataset has it)
    returns ``tuple(t[indices] for t in tensors)``."""

    def __getitems__(self, indices):
        index = torch.as_tensor(indices, dtype=torch.int64, device=self.tensors[0].device)
        return tuple(t[index] for t in self.tensors)


class ReplaySampler(torch.utils.data.Sampler):
    """A ``batch_sampler`` that yields, each epoch, the next batch order of a
    scratchnet ``DataLoader`` (index arrays), recording it as that loader's
    ``last_order``."""

    def __init__(self, orders: "scratchnet.data.DataLoader"):
        self.orders = orders

    def __len__(self) -> int:
        return len(self.orders)

    def __iter__(self):
        self.orders.last_order = self.orders.next_order()
        return iter(self.orders.last_order)


def _batch(tensors):
    """``collate_fn``: the dataset already returns the batch as a tuple of tensors."""
    return tensors


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    a = np.ascontiguousarray(a)
    return torch.from_numpy(a.astype(np.int64) if a.dtype.kind in "iu" else a).to(device)


class DataLoader(torch.utils.data.DataLoader):
    """scratchnet's ``DataLoader`` (same arguments), as a ``torch.utils.data.DataLoader``
    yielding tensors on ``device``; ``generator`` is a NumPy generator, as in scratchnet.

    The shuffling stream is ``self.orders.generator`` (NumPy). ``self.generator``
    is torch's own attribute, a private ``torch.Generator`` that torch's iterator
    draws its per-epoch base seed from; it shuffles nothing, so checkpoint the
    shuffling with ``torch_ref.serialization.save_checkpoint(..., loader=loader)``.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: np.random.Generator | None = None, device="cpu"):
        orders = scratchnet.data.DataLoader(dataset, batch_size, shuffle, drop_last, generator)
        device = resolve_device(device)
        arrays = getattr(orders.dataset, "arrays", None)
        if arrays is None:   # any other indexable dataset: all samples, as arrays
            arrays = orders.dataset[np.arange(len(orders.dataset))]
        # generator: torch's iterator draws a (worker) base seed every epoch; from a private
        # generator, so that iterating leaves torch's global random stream alone.
        super().__init__(BatchTensorDataset(*(_tensor(a, device) for a in arrays)),
                         batch_sampler=ReplaySampler(orders), collate_fn=_batch,
                         generator=torch.Generator().manual_seed(0))
        self.orders = orders          #: the scratchnet loader that draws the batch orders
        self.device = device
        # torch's attributes read as for DataLoader(batch_size=..., drop_last=...): torch sets them to
        # None/False when a batch_sampler is given, and refuses assignments after construction.
        object.__setattr__(self, "batch_size", orders.batch_size)
        object.__setattr__(self, "drop_last", orders.drop_last)

    @classmethod
    def from_scratchnet(cls, loader: "scratchnet.data.DataLoader", device="cpu") -> "DataLoader":
        """A torch loader that will draw exactly the batch orders ``loader`` will draw."""
        if not isinstance(loader, scratchnet.data.DataLoader):
            raise TypeError(f"from_scratchnet expects a scratchnet.data.DataLoader, got {type(loader).__name__}")
        generator = copy.deepcopy(loader.generator) if loader.generator is not None else None
        return cls(loader.dataset, loader.batch_size, loader.shuffle, loader.drop_last, generator, device)

    @property
    def last_order(self):
        """The index arrays of the epoch being (or last) iterated."""
        return self.orders.last_order

    def next_order(self):
        """Draw the batch order of the next epoch (advancing the generator when shuffling)."""
        return self.orders.next_order()

    def batches(self, order):
        """The batches of a given order (index arrays), e.g. one recorded elsewhere."""
        for index in order:
            yield self.collate_fn(self.dataset.__getitems__(index))
