"""Saving and loading state: ``scratchnet.save(state, path)`` and
``scratchnet.load(path)`` (mirror ``torch.save`` / ``torch.load(weights_only=True)``).

A file is a NumPy ``.npz`` archive — a zip of ``.npy`` arrays — that any NumPy
can read, written and read with pickling disabled, so **loading a file can
never run code**, whoever made it:

* every array is stored under its own name (``"0.weight"`` for a model's
  state dict; ``"state/0/momentum_buffer"`` for nested state), readable with
  plain ``numpy.load(path)``;
* the structure around the arrays (nested dicts and lists as in an optimizer's
  ``state_dict()``, ints, floats, strings, ``None``) is kept as one JSON string
  in the member ``__scratchnet__`` — JSON describes data, it cannot describe
  code;
* an array whose ``.npy`` header declares Python objects (the only kind NumPy
  would unpickle) is refused before a byte of it is read.

A save never damages an earlier file: it writes a temporary file in the same
folder, flushes it to disk (``fsync``) and only then renames it over ``path``
(``os.replace``, atomic on POSIX and Windows). If anything fails first — an
unsaveable value, a full disk, Ctrl-C — the temporary file is removed and the
file at ``path``, if any, is left byte for byte as it was. The file gets the
permissions a plain write would give (the umask's for a new file, the old
file's when replacing one), and saving to a symbolic link writes to the file
it points to (see :mod:`scratchnet._fileio`).

What can be saved: mappings with ``str`` or ``int`` keys (``dict``,
``OrderedDict``, ``Counter`` — a scheduler's milestones), lists, tuples, ``None``, ``bool``, ``int``, ``float``,
``str``, NumPy scalars and NumPy arrays of booleans, integers, floats or
complex numbers, nested up to ``MAX_DEPTH`` (100) levels deep (a state dict
uses four; deeper nesting — or a list that contains itself — is refused with a
``ValueError``, and a file whose structure nests deeper is refused on loading
rather than exhausting Python's recursion limit). Everything comes back with its type and,
for arrays and NumPy scalars, its dtype and bits (float ``NaN`` and ``inf``
included). Anything else (object arrays, strings arrays, sets, arbitrary
objects, torch tensors) is refused with a ``TypeError`` before any file is
touched.

Loading an ``.npz`` written by plain NumPy (``numpy.savez``, no
``__scratchnet__`` member) gives an ``OrderedDict`` of its arrays.

Loading into a model is the model's job: ``model.load_state_dict(load(path))``
raises a ``RuntimeError`` naming every missing or unexpected key and every
shape that does not fit, and changes nothing unless all of them fit.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections import Counter, OrderedDict

import numpy as np

from ._fileio import atomic_write, resolve_target

__all__ = ["save", "load", "SerializationError"]

#: The archive member that holds the JSON structure.
META_KEY = "__scratchnet__"
FORMAT_VERSION = 1
#: How deeply containers may nest, in a saved value and in a file's structure.
MAX_DEPTH = 100
_ARRAY_KINDS = "biufc"  # bool, signed/unsigned int, float, complex: never objects


class SerializationError(ValueError):
    """A file that is not a readable scratchnet/NumPy archive (missing members,
    truncated, corrupt, or holding pickled objects)."""


# ================================================================== encoding


def _check_array(arr: np.ndarray, where: str) -> None:
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.hasobject or arr.dtype.fields is not None:
        raise TypeError(f"cannot save {where}: an array of dtype {arr.dtype} "
                        "(only arrays of booleans, integers, floats or complex numbers are saved; "
                        "object arrays would need pickling, which scratchnet never uses)")


class _Encoder:
    """Turns a nested value into (JSON tree, {member name: array})."""

    def __init__(self):
        self.arrays: "OrderedDict[str, np.ndarray]" = OrderedDict()

    def _name(self, path: tuple) -> str:
        base = "/".join(str(p) for p in path) or "value"
        name, n = base, 1
        while name in self.arrays or name == META_KEY:
            name, n = f"{base}#{n}", n + 1
        return name

    def encode(self, value, path: tuple = ()):
        if len(path) > MAX_DEPTH:
            raise ValueError(f"cannot save a value nested more than {MAX_DEPTH} levels deep "
                             f"(at state{''.join(f'[{p!r}]' for p in path[:4])}...; does a list or dict "
                             "contain itself?)")
        where = "state" + "".join(f"[{p!r}]" for p in path)
        if value is None or isinstance(value, (bool, str)):
            return {"t": "json", "v": value}
        if isinstance(value, np.ndarray):
            _check_array(value, where)
            name = self._name(path)
            self.arrays[name] = value
            return {"t": "array", "k": name}
        if isinstance(value, np.generic):  # a NumPy scalar keeps its dtype: stored as a 0-d array
            arr = np.asarray(value)
            _check_array(arr, where)
            name = self._name(path)
            self.arrays[name] = arr
            return {"t": "scalar", "k": name}
        if type(value) is int:
            return {"t": "json", "v": value}
        if type(value) is float:
            # JSON has no NaN/inf; repr() round-trips every float exactly.
            return {"t": "float", "v": repr(value)}
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(f"cannot save {where}: dict keys must be str or int, "
                                    f"got {type(key).__name__} {key!r}")
                items.append([key, self.encode(item, path + (key,))])
            kind = ("odict" if isinstance(value, OrderedDict) else
                    "counter" if isinstance(value, Counter) else "dict")
            return {"t": kind, "v": items}
        if isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"t": kind, "v": [self.encode(v, path + (i,)) for i, v in enumerate(value)]}
        hint = ""
        if type(value).__module__.startswith("torch"):
            hint = " (a torch object: convert it first, e.g. torch_ref.from_torch, or use torch_ref.serialization)"
        elif hasattr(value, "state_dict"):
            hint = " (save its .state_dict() instead)"
        raise TypeError(f"cannot save {where}: values of type {type(value).__name__} are not supported"
                        f"{hint}; supported are arrays, numbers, str, None and dicts/lists/tuples of them")


# ================================================================== decoding


class _Decoder:
    def __init__(self, arrays: dict, path: str):
        self.arrays = arrays
        self.path = path
        self.used: set = set()

    def _corrupt(self, what: str) -> SerializationError:
        return SerializationError(f"{self.path}: corrupt scratchnet file ({what})")

    def _array(self, node) -> np.ndarray:
        name = node.get("k")
        if not isinstance(name, str) or name not in self.arrays:
            raise self._corrupt(f"the structure names an array {name!r} that the archive does not hold")
        self.used.add(name)
        return self.arrays[name]

    def decode(self, node, depth: int = 0):
        if depth > MAX_DEPTH:
            raise self._corrupt(f"its structure nests more than {MAX_DEPTH} levels deep; "
                                "scratchnet never writes such a file")
        if not isinstance(node, dict) or "t" not in node:
            raise self._corrupt(f"unexpected structure entry {node!r:.80}")
        t = node["t"]
        if t == "json":
            v = node.get("v")
            if v is not None and type(v) not in (bool, int, str):
                raise self._corrupt(f"unexpected value {v!r:.80}")
            return v
        if t == "float":
            try:
                return float(node["v"])
            except (KeyError, TypeError, ValueError):
                raise self._corrupt(f"unreadable float {node.get('v')!r:.80}") from None
        if t == "array":
            return self._array(node)
        if t == "scalar":
            arr = self._array(node)
            if arr.shape != ():
                raise self._corrupt(f"scalar {node['k']!r} has shape {arr.shape}")
            return arr[()]
        if t in ("dict", "odict", "counter"):
            items = node.get("v")
            if not isinstance(items, list):
                raise self._corrupt("a dict entry without items")
            out = {"odict": OrderedDict, "counter": Counter, "dict": dict}[t]()
            for pair in items:
                if (not isinstance(pair, list) or len(pair) != 2 or isinstance(pair[0], bool)
                        or not isinstance(pair[0], (str, int))):
                    raise self._corrupt(f"unreadable dict item {pair!r:.80}")
                out[pair[0]] = self.decode(pair[1], depth + 1)
            return out
        if t in ("list", "tuple"):
            items = node.get("v")
            if not isinstance(items, list):
                raise self._corrupt(f"a {t} entry without items")
            values = [self.decode(v, depth + 1) for v in items]
            return tuple(values) if t == "tuple" else values
        raise self._corrupt(f"unknown entry type {t!r:.40}")


# ================================================================== save


def save(state, path) -> None:
    """Save ``state`` (a state dict, or any nesting of dicts, lists, numbers,
    strings and arrays) to ``path`` as an ``.npz`` archive, atomically.

    The file is written to exactly ``path`` (no ``.npz`` is appended, unlike
    ``numpy.savez``). Raises ``TypeError`` for a value that cannot be saved
    without pickling — before any file is touched — and re-raises any error
    of the write itself (``OSError`` for a full disk, ...) after removing the
    temporary file; in both cases an earlier file at ``path`` is unchanged.
    """
    target = resolve_target(path)
    encoder = _Encoder()
    tree = encoder.encode(state)
    meta = json.dumps({"format": "scratchnet", "version": FORMAT_VERSION, "tree": tree},
                      allow_nan=False, ensure_ascii=True)

    def write(fh):
        with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            members = [(META_KEY, np.array(meta))] + list(encoder.arrays.items())
            for name, arr in members:
                with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)

    atomic_write(target, write)


# ================================================================== load


def _read_header(fp, name: str, path: str):
    """(shape, dtype) from a member's ``.npy`` header, without reading its data."""
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise SerializationError(f"{path}: member {name!r} uses .npy format version {version}, "
                                     "which scratchnet does not read")
    except SerializationError:
        raise
    except (ValueError, EOFError, OSError) as exc:
        raise SerializationError(f"{path}: member {name!r} is not a readable .npy array ({exc})") from None
    return shape, dtype


def load(path):
    """Load what :func:`save` wrote (or any pickle-free ``.npz``), never running code.

    Raises ``FileNotFoundError`` for a missing file, :class:`SerializationError`
    (a ``ValueError``) for a file that is not an ``.npz`` archive, is truncated
    or corrupt, or holds pickled object arrays.
    """
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot load {path!r}: it is a directory")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"":
        raise SerializationError(f"{path}: the file is empty (an interrupted copy?)")
    if magic[:2] != b"PK":
        hint = ""
        if magic[:1] == b"\x80":
            hint = " — it looks like a pickle (e.g. a torch.save file): scratchnet never unpickles"
        elif magic[:4] == b"\x93NUM"[:4]:
            hint = " — it is a single .npy array; load it with numpy.load(path, allow_pickle=False)"
        raise SerializationError(f"{path}: not a scratchnet file (not an .npz archive){hint}")

    arrays: "OrderedDict[str, np.ndarray]" = OrderedDict()
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise SerializationError(f"{path}: unexpected member {info.filename!r} "
                                             "(an .npz archive holds only .npy arrays)")
                name = info.filename[:-4]
                with zf.open(info) as fp:
                    shape, dtype = _read_header(fp, name, path)
                if dtype.hasobject or dtype.kind not in _ARRAY_KINDS + "U":
                    raise SerializationError(
                        f"{path}: member {name!r} holds Python objects (dtype {dtype}), which only "
                        "unpickling could restore — and unpickling can run arbitrary code. "
                        "scratchnet refuses to load it; nothing from the file was executed.")
                with zf.open(info) as fp:
                    arrays[name] = np.lib.format.read_array(fp, allow_pickle=False)
    except SerializationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError, OSError,
            KeyError, NotImplementedError) as exc:
        raise SerializationError(f"{path}: truncated or corrupt file ({type(exc).__name__}: {exc})") from None

    if META_KEY not in arrays:  # a plain numpy.savez archive
        for name, arr in arrays.items():
            if arr.dtype.kind == "U":
                raise SerializationError(f"{path}: member {name!r} holds strings, not numbers")
        return arrays
    meta_arr = arrays.pop(META_KEY)
    try:
        meta = json.loads(str(meta_arr[()]))
    except RecursionError:
        raise SerializationError(f"{path}: corrupt scratchnet file (its structure nests too deeply to "
                                 f"read; scratchnet writes at most {MAX_DEPTH} levels)") from None
    except (ValueError, TypeError, IndexError) as exc:
        raise SerializationError(f"{path}: corrupt scratchnet file (unreadable structure: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != "scratchnet" or "tree" not in meta:
        raise SerializationError(f"{path}: corrupt scratchnet file (unrecognised structure header)")
    if meta.get("version") != FORMAT_VERSION:
        raise SerializationError(f"{path}: scratchnet file format version {meta.get('version')!r}; "
                                 f"this scratchnet reads version {FORMAT_VERSION}")
    for name, arr in arrays.items():
        if arr.dtype.kind == "U":
            raise SerializationError(f"{path}: member {name!r} holds strings, not numbers")
    decoder = _Decoder(arrays, path)
    state = decoder.decode(meta["tree"])
    unused = [k for k in arrays if k not in decoder.used]
    if unused:
        raise SerializationError(f"{path}: corrupt scratchnet file (arrays {unused[:5]} "
                                 "are not named by its structure)")
    return state

