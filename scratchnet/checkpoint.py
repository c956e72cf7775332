"""Training checkpoints: everything a scratchnet run needs to resume and reach
exactly (bit for bit) the result of an uninterrupted run.

    save_checkpoint("run.npz", model=model, optimizer=opt, scheduler=sched,
                    epoch=epoch + 1, loader=loader, extra={"history": losses})
    ...
    info = load_checkpoint("run.npz", model=model, optimizer=opt, scheduler=sched, loader=loader)
    for epoch in range(info["epoch"], epochs): ...

A checkpoint holds:

* the model's ``state_dict()`` (parameters and buffers);
* the optimizer's and the scheduler's ``state_dict()`` (momentum buffers, Adam's
  moments and step counts, the current learning rates, ...);
* ``epoch``, the number of finished epochs;
* the random states: scratchnet's default generator (initializers, dropout
  masks; see :func:`scratchnet.manual_seed`), the generators modules hold
  themselves (a ``Dropout(generator=...)``, as ``models.mlp(generator=...)``
  builds them) and, if given, the ``numpy.random.Generator`` that shuffles
  the data — ``loader=`` takes it from a :class:`scratchnet.data.DataLoader`
  (which shuffles from a stream of its own, not from the default generator:
  without ``loader=`` or ``generator=`` a resumed run would shuffle anew);
* ``extra``: anything else :func:`scratchnet.save` can store (a loss history).

It is an ordinary scratchnet file (:mod:`scratchnet.serialization`): pickle-free,
written atomically, so an interrupted save never damages the previous checkpoint.

Resuming restores all of it into freshly built objects of the same shapes.
Restoring is all or nothing: every random state is checked first, the
current states are remembered, and if any part does not fit (another
architecture, another optimizer layout, a checkpoint without the optimizer
state asked for) a clear error is raised and the model, optimizer, scheduler
and random states are put back as they were.

A ``LambdaLR``'s functions are not saved (as in torch, its ``state_dict``
holds ``None`` for a plain function and the ``__dict__`` of a callable
object): the resuming run builds the scheduler with the same function, and the
checkpoint restores ``last_epoch``, the rates and any such object's attributes.

Checkpoints are taken between epochs (or between steps, if the loop that
resumes skips the batches already done): a data loader's position inside an
epoch is not part of them.

The torch side's counterpart is :func:`torch_ref.serialization.save_checkpoint`.
"""

from __future__ import annotations

import copy
import os

import numpy as np

from . import random as _random
from .serialization import load, save

__all__ = ["save_checkpoint", "load_checkpoint"]

FORMAT = "scratchnet.checkpoint"
VERSION = 1


def _check_generator(generator):
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError("generator must be the numpy.random.Generator that shuffles the data (or None), "
                        f"got {type(generator).__name__}")


def _check_stateful(obj, name: str):
    if obj is not None and not (callable(getattr(obj, "state_dict", None))
                                and callable(getattr(obj, "load_state_dict", None))):
        raise TypeError(f"{name} must have state_dict() and load_state_dict() methods, got {type(obj).__name__}")


def _check_rng_state(state, what: str) -> None:
    """Refuse (``ValueError``) a saved bit-generator state that cannot be restored."""
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    bit_generator = getattr(np.random, kind, None) if isinstance(kind, str) else None
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        raise ValueError(f"{what} is not a NumPy bit-generator state (bit_generator {kind!r})")
    try:
        bit_generator().state = state
    except (TypeError, ValueError, KeyError):
        raise ValueError(f"{what} is not a valid {kind} state") from None


def _module_generators(model) -> dict:
    """{module name: its own numpy Generator} for modules holding one (e.g. Dropout)."""
    return {name: m.__dict__["generator"] for name, m in model.named_modules()
            if isinstance(m.__dict__.get("generator"), np.random.Generator)}


def load_states(states: dict, model, optimizer=None, scheduler=None) -> None:
    """``load_state_dict`` of each part given, from ``states["model"]``,
    ``states["optimizer"]`` and ``states["scheduler"]`` (both backends'
    ``load_checkpoint`` use it, to apply a checkpoint and to roll back)."""
    model.load_state_dict(states["model"])
    if optimizer is not None:
        optimizer.load_state_dict(states["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(states["scheduler"])


def snapshot(model, optimizer=None, scheduler=None) -> dict:
    """The parts' current ``state_dict()``s, deep-copied (for :func:`load_states` to roll back to)."""
    return copy.deepcopy({"model": model.state_dict(),
                          "optimizer": optimizer.state_dict() if optimizer is not None else None,
                          "scheduler": scheduler.state_dict() if scheduler is not None else None})


def loader_generator(loader, generator, kind=None):
    """The data generator to checkpoint: ``generator``, or the shuffling generator of ``loader``."""
    if loader is None:
        return generator
    if generator is not None:
        raise ValueError("give loader= or generator= (the loader's shuffling generator), not both")
    orders = getattr(loader, "orders", loader)  # torch_ref's DataLoader draws its orders with a scratchnet one
    if not hasattr(orders, "next_order") or not hasattr(orders, "generator"):
        raise TypeError(f"loader must be a {kind or 'scratchnet.data.DataLoader'}, got {type(loader).__name__}")
    return orders.generator if orders.shuffle else None


def save_checkpoint(path, *, model, optimizer=None, scheduler=None, epoch: int = 0,
                    generator: np.random.Generator | None = None, extra=None, loader=None) -> None:
    """Save model, optimizer, scheduler, ``epoch``, random states and ``extra`` to ``path``.

    ``epoch`` is the number of finished epochs (where the resumed run starts).
    ``loader`` (a shuffling ``DataLoader``) or ``generator`` saves the data's
    shuffling stream, so that the resumed run draws the batches the
    uninterrupted one would.
    Written atomically; raises ``TypeError`` for an ``extra`` value that
    cannot be saved without pickling (before anything is written).
    """
    from .nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"model must be a scratchnet Module, got {type(model).__name__}")
    _check_stateful(optimizer, "optimizer")
    _check_stateful(scheduler, "scheduler")
    generator = loader_generator(loader, generator)
    _check_generator(generator)
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer (the number of finished epochs), got {epoch!r}")
    save({
        "format": FORMAT, "version": VERSION, "epoch": int(epoch),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "rng": {"default": _random.get_rng_state(),
                "generator": generator.bit_generator.state if generator is not None else None,
                "modules": {name: g.bit_generator.state for name, g in _module_generators(model).items()}},
        "extra": extra,
    }, path)


def load_checkpoint(path, *, model, optimizer=None, scheduler=None,
                    generator: np.random.Generator | None = None, loader=None) -> dict:
    """Restore a checkpoint from :func:`save_checkpoint` into the given objects.

    Also restores scratchnet's default random generator and, if given,
    ``generator`` or ``loader``'s shuffling generator (which must be of the
    saved kind, e.g. PCG64). Returns
    ``{"epoch": finished epochs, "extra": what was saved as extra}``.
    All or nothing: on any error nothing is changed.
    """
    from .nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"model must be a scratchnet Module, got {type(model).__name__}")
    _check_stateful(optimizer, "optimizer")
    _check_stateful(scheduler, "scheduler")
    generator = loader_generator(loader, generator)
    _check_generator(generator)
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{name}: not a scratchnet checkpoint (write one with save_checkpoint; "
                         "a bare state dict loads with model.load_state_dict(scratchnet.load(path)))")
    if ckpt.get("version") != VERSION:
        raise ValueError(f"{name}: checkpoint version {ckpt.get('version')!r}; this scratchnet reads {VERSION}")
    for part, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None and ckpt.get(part) is None:
            raise ValueError(f"{name}: the checkpoint holds no {part} state, but "
                             f"{'an' if part == 'optimizer' else 'a'} {part} was given to restore")
    saved_generator = ckpt["rng"]["generator"]
    if generator is not None:
        if saved_generator is None:
            raise ValueError(f"{name}: the checkpoint holds no data generator state, but a generator was given")
        kind = type(generator.bit_generator).__name__
        if saved_generator.get("bit_generator") != kind:
            raise ValueError(f"{name}: the saved data generator is a {saved_generator.get('bit_generator')}, "
                             f"the given one a {kind}")

    module_generators = _module_generators(model)
    saved_modules = ckpt["rng"].get("modules", {})
    if sorted(module_generators) != sorted(saved_modules):
        raise ValueError(f"{name}: the checkpoint holds the random states of the modules "
                         f"{sorted(saved_modules)} (their own generators), the given model has generators in "
                         f"{sorted(module_generators)}: build the model as it was built for the checkpoint "
                         "(e.g. the same generator= argument to models.mlp)")

    _check_rng_state(ckpt["rng"]["default"], f"{name}: scratchnet's default random state")
    if generator is not None:
        _check_rng_state(saved_generator, f"{name}: the data generator's state")
    for module, state in saved_modules.items():
        _check_rng_state(state, f"{name}: the random state of module {module!r}")

    # Apply; should a part not fit, restore the states remembered here (all or nothing).
    before = snapshot(model, optimizer, scheduler)
    rng_before = _random.get_rng_state()
    generator_before = generator.bit_generator.state if generator is not None else None
    modules_before = {n: g.bit_generator.state for n, g in module_generators.items()}
    try:
        load_states(ckpt, model, optimizer, scheduler)
        _random.set_rng_state(ckpt["rng"]["default"])
        if generator is not None:
            generator.bit_generator.state = saved_generator
        for n, g in module_generators.items():
            g.bit_generator.state = saved_modules[n]
    except BaseException:
        load_states(before, model, optimizer, scheduler)
        _random.set_rng_state(rng_before)
        if generator is not None:
            generator.bit_generator.state = generator_before
        for n, g in module_generators.items():
            g.bit_generator.state = modules_before[n]
        raise
    return {"epoch": ckpt["epoch"], "extra": ckpt["extra"]}
