"""Mini-batches (mirrors ``torch.utils.data.TensorDataset`` / ``DataLoader``).

A :class:`DataLoader` cuts a dataset into mini-batches, in order or shuffled
by a seeded NumPy generator, one new order per epoch (per ``iter()``), as
torch's does. What torch's hides, ours exposes: the batch order itself, a
list of index arrays (``next_order()``, ``last_order``), so that another
loader — ``torch_ref.data.DataLoader`` — can be handed the very same batches::

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True,
                        generator=np.random.default_rng(0))
    torch_loader = torch_ref.data.DataLoader.from_scratchnet(loader)
    # both now draw identical batch orders, epoch after epoch

An epoch with m samples and batch size B has ⌈m/B⌉ batches, the last one
smaller when B does not divide m; ``drop_last=True`` drops it (⌊m/B⌋ batches).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, check_positive_int, describe
from .random import get_generator


class TensorDataset:
    """Arrays with the same first dimension, indexed together (sample i is
    ``tuple(a[i] for a in arrays)``), as ``torch.utils.data.TensorDataset``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        converted = []
        for i, a in enumerate(arrays):
            if type(a).__module__.startswith("torch"):
                raise TypeError(f"array {i} is a torch.Tensor; pass NumPy arrays "
                                "(torch_ref.data.DataLoader converts batches for torch)")
            arr = as_array(a, f"TensorDataset array {i}")
            if arr.ndim == 0:
                raise ValueError(f"array {i} is a scalar; each array needs a first (sample) dimension")
            converted.append(arr)
        sizes = [a.shape[0] for a in converted]
        if len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between arrays: first dimensions {sizes} must be equal")
        self.arrays = tuple(converted)

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


def batch_order(n: int, batch_size: int, shuffle: bool = False, drop_last: bool = False,
                generator: np.random.Generator | None = None) -> list[np.ndarray]:
    """The index arrays of one epoch: ``arange(n)`` (or a permutation drawn from
    ``generator`` when ``shuffle``), cut into consecutive pieces of ``batch_size``."""
    n = check_positive_int(n, "number of samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    perm = get_generator(generator).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [perm[i:i + batch_size] for i in range(0, stop, batch_size)]


class DataLoader:
    """Mini-batches of a dataset, one new (shuffled) order per epoch.

    Parameters (torch's names and defaults)
    ----------
    dataset : TensorDataset, or a tuple of arrays (wrapped in one), or one array
    batch_size : int, default 1
    shuffle : bool, default False — a fresh permutation every epoch
    drop_last : bool, default False — drop the last, smaller batch
    generator : numpy.random.Generator, optional — the shuffling stream. If
        omitted, the loader seeds a private generator from one draw of
        scratchnet's default generator, at construction (see below).

Where the shuffling stream comes from. Without ``generator``, torch's
DataLoader derives its seeds from draws of the global generator
(``torch.empty((), dtype=torch.int64).random_()``); ours draws one 63-bit seed
from scratchnet's default generator when it is built (so ``manual_seed(s)``
before building it fixes every epoch's order) and shuffles from a private
``np.random.default_rng(seed)`` from then on. Unlike torch's (which draws a
fresh seed from the global stream every epoch), the epochs' orders therefore
do not depend on what else draws from the default generator later — a
dropout mask or a layer's initialisation between two epochs — which is what
lets ``torch_ref.data.DataLoader.from_scratchnet`` replay them. A generator
you pass is used as given and shared, as in torch: drawing from it elsewhere
changes this loader's later orders (and not those of a torch_ref copy), so
give each loader a generator of its own. A checkpoint of the default
generator does not hold this private stream: pass the loader to
``scratchnet.checkpoint.save_checkpoint(..., loader=loader)`` (and to
``load_checkpoint``) so that a resumed run draws the uninterrupted run's orders.

    Iterating yields tuples of arrays (one per dataset array); ``last_order``
    holds the index arrays of the epoch being (or last) iterated.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: np.random.Generator | None = None):
        if isinstance(dataset, np.ndarray):
            dataset = TensorDataset(dataset)
        elif isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if (isinstance(dataset, (str, bytes, dict)) or not hasattr(dataset, "__len__")
                or not hasattr(dataset, "__getitem__")):
            raise TypeError(f"dataset must be a TensorDataset or a tuple of arrays, got {describe(dataset)}")
        self.dataset = dataset
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.last_order: list[np.ndarray] | None = None
        if len(dataset) == 0:
            raise ValueError("dataset is empty: a DataLoader needs at least one sample")
        if len(self) == 0:
            raise ValueError(f"batch_size={batch_size} with drop_last=True leaves no batch "
                             f"of a dataset of {len(dataset)} samples")
        if shuffle and generator is None:   # a private stream, seeded from the default one
            generator = np.random.default_rng(int(get_generator(None).integers(2 ** 63)))
        self.generator = get_generator(generator) if shuffle else generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def next_order(self) -> list[np.ndarray]:
        """Draw the batch order of the next epoch (advancing the generator when shuffling)."""
        return batch_order(len(self.dataset), self.batch_size, self.shuffle, self.drop_last, self.generator)

    def batches(self, order: list[np.ndarray]):
        """The batches of a given order (index arrays), e.g. one recorded elsewhere."""
        for index in order:
            yield self.dataset[index]

    def __iter__(self):
        self.last_order = self.next_order()
        return self.batches(self.last_order)
