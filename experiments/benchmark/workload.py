"""The workload: one epoch of MLP training, the same in three libraries.

The reference workload (the issue's): an MLP 784-256-128-10 with ReLU,
cross-entropy on the logits, Adam(lr=1e-3), mini-batches of 128 from 20,000
synthetic samples (Gaussian inputs, labels from a random linear teacher so
there is something to learn), one epoch.

* **scratchnet** — ``scratchnet.models.mlp`` + ``optim.Adam`` +
  ``nn.CrossEntropyLoss`` + a shuffling ``data.DataLoader``, trained by
  ``scratchnet.train.fit``; Adam takes its default path (``foreach=None``: the
  fast ``_multi_tensor_adam``). **scratchnet_readable** is the same with
  ``Adam(foreach=False)``: the readable ``_single_tensor_adam``, the
  docstring's formulas line for line.
* **torch** — the twin with the very same initial weights
  (``torch_ref.models.twin``), ``torch.optim.Adam``, ``torch.nn.CrossEntropyLoss``
  and a loader that draws the very same batches
  (``torch_ref.data.DataLoader.from_scratchnet``), trained by
  ``torch_ref.train.fit``: the two libraries do the same arithmetic, so their
  final losses agree (a check that the timings compare like with like).
* **sklearn** — ``MLPClassifier(hidden_layer_sizes=(256, 128), solver="adam",
  batch_size=128, max_iter=1, learning_rate_init=1e-3, alpha=0)``: its own
  initialization (Glorot) and shuffling, the same sizes of work. Its ``fit``
  also validates the input and encodes the labels; that cannot be separated
  from its epoch and is included. scikit-learn computes in the input's dtype
  (float32 is preserved, checked and reported as ``sklearn_dtype``).

Only the training call is timed; building the model, optimizer and loader is not.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

#: The libraries, in table order; "torch_cuda" joins when a GPU is present.
LIBRARIES = ("scratchnet", "torch", "sklearn")
#: The reference workload also times scratchnet's readable optimizer path.
REFERENCE_LIBRARIES = ("scratchnet", "scratchnet_readable", "torch", "sklearn")


@dataclass(frozen=True)
class Workload:
    """One training job: an MLP ``sizes``, ReLU, cross-entropy, Adam, one epoch."""

    sizes: tuple[int, ...] = (784, 256, 128, 10)
    batch_size: int = 128
    n_samples: int = 20_000
    lr: float = 1e-3
    seed: int = 0

    @property
    def parameters(self) -> int:
        """Weights and biases: Σ (n_in + 1) n_out."""
        return sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def flops(self) -> float:
        """The epoch's matrix-multiply work, counted as the three libraries do it.

        Per sample and layer (n_in → n_out): the forward product Z = X Wᵀ and the
        backward dW = dZᵀ X cost 2·n_in·n_out each; dX = dZ W costs 2·n_in·n_out
        for every layer but the first (no library computes dJ/d(input) of the
        network: scratchnet's ``fit`` skips it, torch's input needs no gradient,
        scikit-learn never forms it). Bias additions are not matrix products::

            FLOPs = N · (4 Σ_l n_in n_out + 2 Σ_{l ≥ 2} n_in n_out)

        (``6 · parameters · N``, the textbook estimate, overcounts this
        workload by 1.4×; ``tests/test_benchmark.py`` checks this count
        against ``torch.utils.flop_counter``.)
        """
        products = [a * b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        return float(self.n_samples * (4 * sum(products) + 2 * sum(products[1:])))

    def to_json(self) -> dict:
        return dict(asdict(self), sizes=list(self.sizes), activation="relu", loss="cross_entropy",
                    optimizer="Adam", epochs=1, parameters=self.parameters, flops=self.flops)


def make_data(wl: Workload, dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: standard-normal inputs drawn directly in ``dtype`` (no float64
    intermediate, so no transient copy inflates the memory baseline) and
    labels y = argmax(X T) of a random linear teacher T."""
    rng = np.random.default_rng(wl.seed)
    X = rng.standard_normal((wl.n_samples, wl.sizes[0]), dtype=np.dtype(dtype).type)
    teacher = rng.standard_normal((wl.sizes[0], wl.sizes[-1])).astype(X.dtype)
    y = np.argmax(X @ teacher, axis=1).astype(np.int64)
    return X, y


def scratchnet_job(wl: Workload, X, y, foreach: bool | None = None):
    """``(model, train)``: a fresh scratchnet model and a function that trains it one
    epoch (Adam's path: ``foreach``, None = the default, the fast one)."""
    import scratchnet as sn

    model = sn.models.mlp(list(wl.sizes), "relu", dtype=X.dtype, generator=np.random.default_rng(wl.seed + 1))
    loader = sn.data.DataLoader(sn.data.TensorDataset(X, y), batch_size=wl.batch_size, shuffle=True,
                                generator=np.random.default_rng(wl.seed + 2))
    opt = sn.optim.Adam(model.parameters(), lr=wl.lr, foreach=foreach)
    loss_fn = sn.nn.CrossEntropyLoss()
    return model, lambda: sn.train.fit(model, loss_fn, opt, loader, 1, progress=False).epoch_loss[-1]


def torch_job(wl: Workload, X, y, device: str = "cpu"):
    """The torch twin of :func:`scratchnet_job`: same weights, same batches."""
    import torch

    import scratchnet as sn
    import torch_ref

    scratch_model, _ = scratchnet_job(wl, X, y)
    model = torch_ref.models.twin(scratch_model, device=device)
    loader = torch_ref.data.DataLoader.from_scratchnet(
        sn.data.DataLoader(sn.data.TensorDataset(X, y), batch_size=wl.batch_size, shuffle=True,
                           generator=np.random.default_rng(wl.seed + 2)), device=device)
    opt = torch.optim.Adam(model.parameters(), lr=wl.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train():
        loss = torch_ref.train.fit(model, loss_fn, opt, loader, 1, progress=False).epoch_loss[-1]
        if device != "cpu":
            torch.cuda.synchronize()
        return loss

    return model, train


def sklearn_job(wl: Workload, X, y):
    """``MLPClassifier`` set up for exactly one epoch of the same work."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=tuple(wl.sizes[1:-1]), activation="relu", solver="adam",
                          batch_size=wl.batch_size, max_iter=1, learning_rate_init=wl.lr, alpha=0.0,
                          shuffle=True, random_state=wl.seed, tol=0.0, n_iter_no_change=10**9)

    def train():
        with warnings.catch_warnings():
            # max_iter=1 is the point: one epoch, never "converged".
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return float(model.loss_)

    return model, train


def job(library: str, wl: Workload, X, y):
    """``(model, train)`` for one library name (see :data:`LIBRARIES`, plus "torch_cuda")."""
    if library == "scratchnet":
        return scratchnet_job(wl, X, y)
    if library == "scratchnet_readable":
        return scratchnet_job(wl, X, y, foreach=False)
    if library == "torch":
        return torch_job(wl, X, y)
    if library == "torch_cuda":
        return torch_job(wl, X, y, device="cuda")
    if library == "sklearn":
        return sklearn_job(wl, X, y)
    raise ValueError(f"unknown library {library!r}")


def timed_epoch(library: str, wl: Workload, X, y) -> tuple[float, float, float]:
    """``(seconds, final loss, CPU seconds)`` of one epoch on a freshly built model
    (CPU time: the process's, all its threads — on a loaded machine the wall-clock
    time also counts the time the process waited for a core)."""
    _, train = job(library, wl, X, y)
    start, cpu = time.perf_counter(), time.process_time()
    loss = train()
    return time.perf_counter() - start, float(loss), time.process_time() - cpu


def sklearn_dtype(wl: Workload, X, y) -> str:
    """The dtype scikit-learn actually trains in for input ``X`` (its weights' dtype)."""
    small = Workload(wl.sizes, min(wl.batch_size, 16), 32, wl.lr, wl.seed)
    model, train = sklearn_job(small, X[:32], y[:32])
    train()
    return str(model.coefs_[0].dtype)
