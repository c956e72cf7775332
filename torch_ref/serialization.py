"""The torch side of saving: safe torch files, training checkpoints, and exact
conversion between scratchnet ``.npz`` files and torch ``state_dict``s.

* Torch files are only ever loaded with ``torch.load(..., weights_only=True)``:
  torch's restricted unpickler, which rebuilds tensors, numbers, strings and
  containers and refuses everything else, so a downloaded file cannot run
  code. (A plain ``torch.load`` before torch 2.6 would run any pickle.)
* Saves are atomic, as in :func:`scratchnet.save`: a temporary file in the same
  folder, ``fsync``, then ``os.replace`` — a failed save leaves an earlier file
  byte for byte as it was. The file gets a plain write's permissions (the
  umask's; an existing file's are kept) and a symbolic link is written
  through, not replaced (:mod:`scratchnet._fileio`).
* A save refuses, before writing anything, what ``weights_only=True`` loading
  could not read back (see :func:`check_weights_only`), so a file that saved
  can always be loaded.
* Conversion is exact in both directions: every tensor becomes a NumPy array of
  the same dtype, shape and bits and back; dicts (with their ``int`` keys, as
  in optimizer state), lists, tuples, numbers, strings and ``None`` are kept.

    torch_model.load_state_dict(npz_to_state_dict("model.npz"))     # scratchnet file → torch
    state_dict_to_npz(torch_model, "model.npz")                      # torch → scratchnet file
    scratch_model.load_state_dict(scratchnet.load("model.npz"))
"""

from __future__ import annotations

import collections
import os
import pickle
from collections import OrderedDict

import numpy as np
import torch

import scratchnet
from scratchnet._fileio import atomic_write, resolve_target
from scratchnet.checkpoint import load_states, loader_generator, snapshot
from scratchnet.serialization import MAX_DEPTH

from .device import resolve_device

__all__ = ["save", "load", "check_weights_only", "to_numpy_tree", "to_torch_tree", "npz_to_state_dict", "state_dict_to_npz",
           "save_checkpoint", "load_checkpoint"]


# ================================================================== conversion


def to_numpy_tree(obj):
    """Every tensor in a nested state (dicts, lists, tuples) as a NumPy array, exactly.

    Tensors are copied to the CPU; their dtype and bits are kept (a 0-d tensor
    such as Adam's ``step`` becomes a 0-d array). Other values pass through.
    """
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        try:
            return t.numpy().copy()
        except TypeError:
            raise TypeError(f"cannot convert a tensor of dtype {t.dtype} to NumPy exactly "
                            "(NumPy has no such dtype)") from None
    if isinstance(obj, dict):
        out = type(obj)() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            out[k] = to_numpy_tree(v)
        return out
    if isinstance(obj, (list, tuple)):
        values = [to_numpy_tree(v) for v in obj]
        return tuple(values) if isinstance(obj, tuple) else values
    return obj


def to_torch_tree(obj, device="cpu"):
    """Every NumPy array (and NumPy scalar) in a nested state as a tensor on
    ``device``, exactly; other values pass through."""
    device = resolve_device(device)
    return _to_torch(obj, device)


def _to_torch(obj, device):
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.array(obj, copy=True)  # writable, owned: torch.from_numpy shares memory
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"cannot convert an array of dtype {arr.dtype} to a tensor")
        return torch.from_numpy(arr).to(device)
    if isinstance(obj, dict):
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _to_torch(v, device)
        return out
    if isinstance(obj, (list, tuple)):
        values = [_to_torch(v, device) for v in obj]
        return tuple(values) if isinstance(obj, tuple) else values
    return obj


def npz_to_state_dict(source, device="cpu") -> "OrderedDict[str, torch.Tensor]":
    """A scratchnet file (a path for :func:`scratchnet.load`) or a loaded
    scratchnet state as torch tensors, for ``torch_model.load_state_dict``."""
    state = scratchnet.load(source) if isinstance(source, (str, os.PathLike)) else source
    return to_torch_tree(state, device)


def state_dict_to_npz(source, path) -> None:
    """Write a torch ``state_dict`` (or module, or optimizer state) as a scratchnet
    ``.npz`` file that :func:`scratchnet.load` reads back exactly."""
    if isinstance(source, torch.optim.Optimizer):
        source = source.state_dict()
    scratchnet.save(to_numpy_tree(source), path)


# ================================================================== torch files


def _check_path(path) -> str:
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


#: Exactly the types torch 2.x's ``weights_only=True`` unpickler rebuilds by default
#: (checked against the installed torch by tests/parity: every one round-trips).
_WEIGHTS_ONLY_ATOMS = (type(None), bool, int, float, complex, str, bytes, bytearray, torch.dtype, torch.device,
                       torch.layout, torch.qscheme)
_WEIGHTS_ONLY_CONTAINERS = (dict, OrderedDict, collections.Counter, list, tuple, set, torch.Size)


def check_weights_only(obj, where: str = "obj", _depth: int = 0) -> None:
    """Refuse (``TypeError``) anything ``torch.load(weights_only=True)`` would not load.

    Allowed, as torch's restricted unpickler allows them by default: tensors
    (``torch.Tensor`` and ``nn.Parameter``, any dtype or layout), ``None``,
    ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``,
    ``bytearray``, ``torch.dtype``, ``torch.device``, ``torch.layout``,
    ``torch.qscheme``, ``torch.Size``, and
    ``dict`` / ``OrderedDict`` / ``Counter`` / ``list`` / ``tuple`` / ``set``
    of them (the exact types, not subclasses: a ``defaultdict`` or a named
    tuple is refused), nested at most ``MAX_DEPTH`` levels. Refused, among
    others: NumPy arrays and scalars (convert with :func:`to_torch_tree`),
    ``frozenset``, ``range``, ``slice``, ``torch.Generator`` (save its
    ``get_state()``), modules and optimizers (save their ``state_dict()``).
    """
    if _depth > MAX_DEPTH:
        raise ValueError(f"cannot save {where}: nested more than {MAX_DEPTH} levels deep "
                         "(does a list or dict contain itself?)")
    kind = type(obj)
    if kind in (torch.Tensor, torch.nn.Parameter) or kind in _WEIGHTS_ONLY_ATOMS:
        return
    if kind in _WEIGHTS_ONLY_CONTAINERS:
        if isinstance(obj, dict):
            for key, value in obj.items():
                check_weights_only(key, f"a key of {where}", _depth + 1)
                check_weights_only(value, f"{where}[{key!r:.40}]", _depth + 1)
        else:
            for i, value in enumerate(obj):
                check_weights_only(value, f"{where}[{i}]" if kind is not set else f"an item of {where}",
                                   _depth + 1)
        return
    hint = ""
    if isinstance(obj, (np.ndarray, np.generic)):
        hint = " (convert NumPy values first: torch_ref.serialization.to_torch_tree)"
    elif isinstance(obj, torch.Generator):
        hint = " (save generator.get_state() instead)"
    elif hasattr(obj, "state_dict"):
        hint = " (save its .state_dict() instead)"
    raise TypeError(f"cannot save {where}: a {kind.__module__}.{kind.__qualname__} could not be read back, since "
                    "files are only ever loaded with torch.load(weights_only=True), which rebuilds tensors, "
                    "numbers, str, bytes, None, torch dtypes/devices/sizes and dicts/lists/tuples/sets of "
                    f"them{hint}; nothing was written")


def save(obj, path) -> None:
    """``torch.save(obj, path)``, atomically: an earlier file survives a failed save.

    Raises ``TypeError`` (before any file is touched) for a value that
    ``weights_only=True`` loading could not read (:func:`check_weights_only`).
    """
    target = resolve_target(path)
    check_weights_only(obj)
    atomic_write(target, lambda fh: torch.save(obj, fh))


def load(path, map_location=None):
    """``torch.load(path, weights_only=True)`` — never anything else — with clear errors.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for one
    that holds anything but tensors, numbers, strings and containers of them
    (torch's restricted unpickler refuses it before any of it runs), or that is
    truncated or corrupt.
    """
    path = _check_path(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{path}: the file is empty (an interrupted copy?)")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: refused to load — the file holds objects other than tensors, numbers, "
                         "strings and containers, which could run code when unpickled; it was read with "
                         f"torch.load(weights_only=True) and nothing in it was executed ({first})") from None
    except (RuntimeError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        if "deserialize object on a CUDA device" in str(exc):
            raise ValueError(f"{path}: the file holds CUDA tensors and this machine has no CUDA device; "
                             "load it with map_location='cpu'") from None
        raise ValueError(f"{path}: truncated or corrupt torch file ({type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})") from None


# ================================================================== checkpoints


def _rng_state(generator: torch.Generator | None) -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if generator is not None:
        state["generator"] = generator.get_state()
    return state


def save_checkpoint(path, *, model, optimizer=None, scheduler=None, epoch: int = 0,
                    generator: torch.Generator | None = None, extra=None, loader=None) -> None:
    """Save everything a torch training run needs to resume exactly.

    Holds the model's, optimizer's and scheduler's ``state_dict``, ``epoch``
    (the number of finished epochs), the global CPU (and CUDA) random states and,
    if given, the state of the ``generator`` that shuffles the data (a
    ``torch.Generator``, for torch's own samplers) or of ``loader``'s shuffling
    stream (a :class:`torch_ref.data.DataLoader`, whose orders a NumPy
    generator draws, as scratchnet's); ``extra``
    is any tensors/numbers/strings/containers of them (e.g. a loss history).
    Written atomically (see :func:`save`).
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
    shuffle = loader_generator(loader, None, "torch_ref.data.DataLoader")
    save({
        "format": "torch_ref.checkpoint", "version": 1, "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "rng": _rng_state(generator),
        "loader": shuffle.bit_generator.state if shuffle is not None else None,
        "extra": extra,
    }, path)


def _cuda_states(rng: dict, path) -> list:
    """The checkpoint's CUDA random states to restore: one per device of this machine
    that the saving machine had (a checkpoint from a machine with more GPUs restores the
    first ones, with a warning; without CUDA here, none). Checked before anything changes."""
    states = rng.get("cuda")
    if not states or not torch.cuda.is_available():
        return []
    if not isinstance(states, (list, tuple)) or not all(
            isinstance(s, torch.Tensor) and s.dtype == torch.uint8 for s in states):
        raise ValueError(f"{os.fspath(path)}: the checkpoint's CUDA random states are not uint8 tensors")
    count = torch.cuda.device_count()
    if len(states) != count:
        import warnings

        warnings.warn(f"{os.fspath(path)}: saved with {len(states)} CUDA devices, restored on {count}: the random "
                      f"states of the first {min(len(states), count)} are restored", stacklevel=3)
    return [s.cpu() for s in states[:count]]


def load_checkpoint(path, *, model, optimizer=None, scheduler=None,
                    generator: torch.Generator | None = None, map_location=None, loader=None) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint` into the given
    objects (and the random states); returns ``{"epoch": ..., "extra": ...}``.

    Read with ``weights_only=True``. A checkpoint lacking a part that was asked
    for (an optimizer state when ``optimizer`` is given, ...) raises ``ValueError``.

    All or nothing: the random states are checked on scratch generators
    first and the current states remembered; if a part does not fit, the
    model, optimizer and scheduler are put back as they were.
    (``torch.nn.Module.load_state_dict`` alone is not atomic: it copies every
    tensor that fits before reporting the ones that do not.)
    """
    ckpt = load(path, map_location=map_location)
    if not isinstance(ckpt, dict) or ckpt.get("format") != "torch_ref.checkpoint":
        raise ValueError(f"{os.fspath(path)}: not a torch_ref checkpoint (save one with save_checkpoint)")
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None and ckpt.get(name) is None:
            raise ValueError(f"{os.fspath(path)}: the checkpoint holds no {name} state, but "
                             f"{'an' if name == 'optimizer' else 'a'} {name} was given to restore")
    if generator is not None and "generator" not in ckpt["rng"]:
        raise ValueError(f"{os.fspath(path)}: the checkpoint holds no data generator state, but a generator was given")
    shuffle = loader_generator(loader, None, "torch_ref.data.DataLoader")
    if shuffle is not None:
        saved = ckpt.get("loader")
        if not isinstance(saved, dict) or saved.get("bit_generator") != type(shuffle.bit_generator).__name__:
            raise ValueError(f"{os.fspath(path)}: the checkpoint holds no shuffling state of a "
                             f"{type(shuffle.bit_generator).__name__} loader, but a loader was given")
        type(shuffle.bit_generator)().state = saved  # raises for a malformed state
    rng = ckpt["rng"]
    for name in ("torch", "generator") if generator is not None else ("torch",):
        state = rng.get(name)
        if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8:
            raise ValueError(f"{os.fspath(path)}: the checkpoint's {name} random state is not a uint8 tensor")
    torch.Generator().set_state(rng["torch"].cpu())  # raises for a state of the wrong size
    if generator is not None:
        torch.Generator(device=generator.device).set_state(rng["generator"].cpu())
    cuda_states = _cuda_states(rng, path)
    # Apply; should a part not fit, put back what was there.
    before = snapshot(model, optimizer, scheduler)
    try:
        load_states(ckpt, model, optimizer, scheduler)
    except BaseException:
        load_states(before, model, optimizer, scheduler)
        raise
    torch.set_rng_state(ckpt["rng"]["torch"].cpu())
    for device, state in enumerate(cuda_states):
        torch.cuda.set_rng_state(state, device)
    if generator is not None:
        generator.set_state(ckpt["rng"]["generator"].cpu())
    if shuffle is not None:
        shuffle.bit_generator.state = ckpt["loader"]
    return {"epoch": ckpt["epoch"], "extra": ckpt["extra"]}
