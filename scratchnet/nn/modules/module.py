"""``Module``: the base class of every layer, activation and loss (mirrors
``torch.nn.Module``).

The one thing that differs from PyTorch is the point of the lectures:
backpropagation is explicit. A module's ``forward(x)`` keeps what its
``backward`` will need; ``backward(grad_output)`` receives dJ/d(output),
*adds* each parameter's dJ/dθ into ``param.grad`` and returns dJ/d(input)::

    # scratchnet                               # PyTorch
    opt.zero_grad()                            opt.zero_grad()
    loss = loss_fn(model(x), y)                loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())         loss.backward()
    opt.step()                                 opt.step()

What runs is what you read:

* ``module(x)`` is :meth:`Module.__call__`: ``forward(x)``, and the forward
  hooks only when some are registered (``hooks.py``; torch's ``_call_impl``
  takes the same fast path). It keeps the output, for backward's checks.
* A layer's ``backward`` starts with one line,
  ``with checked_backward(self, grad_output) as dY:``, then the math. On
  entry it refuses a backward before any forward, or a second one after one
  forward (PyTorch's "backward through the graph a second time"), and a
  ``grad_output`` that does not have the output's shape; inside it, NaN and
  infinity follow IEEE arithmetic without warnings, as in PyTorch. A module
  of your own gets these checks by starting its ``backward`` the same way.
* Full backward hooks run only on a module that has some (``hooks.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Iterator, NamedTuple

import numpy as np

from ..._dtype import resolve_dtype
from ..._validation import UsageError, check_grad_output, describe
from ..parameter import Parameter
from . import _ieee, hooks
from ._ieee import depth as _depth


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns, as ``torch.nn.modules.module._IncompatibleKeys``."""

    missing_keys: list
    unexpected_keys: list


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: What a module holds as ``_output`` (else the last forward's output): before its
#: first forward, and once a backward has used the output.
NO_FORWARD_YET = _Marker("<no forward yet>")
BACKWARD_DONE = _Marker("<backward done>")


class _BackwardCheck:
    """The context manager behind :func:`checked_backward`, one per module (made
    once, in ``Module.__init__``: a backward allocates nothing for its checks).
    ``level`` counts nested entries — a ``backward`` that calls
    ``super().backward(...)`` enters it again — so that only the outer one
    checks and finishes."""

    __slots__ = ("module", "grad_output", "level", "errstate")

    def __init__(self, module: "Module"):
        self.module, self.grad_output, self.level, self.errstate = module, None, 0, None

    def __enter__(self):
        self.level += 1
        grad_output, self.grad_output = self.grad_output, None
        if self.level > 1:  # super().backward(...) inside this module's own backward
            return grad_output
        d = self.module.__dict__
        output = d["_output"]
        if grad_output is None and isinstance(output, np.floating):
            pass  # a loss's scalar J and its implied dJ/dJ = 1: nothing to check
        # An array of the output's shape and dtype needs nothing (the common case, tested
        # here rather than by a call); anything else goes to check_grad_output.
        elif type(output) is _Marker or type(grad_output) is not np.ndarray or type(output) is not np.ndarray \
                or grad_output.shape != output.shape or grad_output.dtype != output.dtype:
            if type(output) is _Marker:
                self.level = 0
                _refuse_backward(self.module, output)
            try:
                grad_output = check_grad_output(self.module, grad_output, output)
            except Exception:
                self.level = 0
                raise
        d["_output"] = BACKWARD_DONE
        if not _depth.n:  # the outermost call: IEEE arithmetic, once (see _ieee.py)
            self.errstate = np.errstate(**_ieee.IGNORE)
            self.errstate.__enter__()
            _depth.n = 1
        return grad_output

    def __exit__(self, *exc):
        self.level -= 1
        if self.level == 0 and self.errstate is not None:
            errstate, self.errstate = self.errstate, None
            _depth.n = 0
            errstate.__exit__(*exc)


def checked_backward(module: "Module", grad_output) -> _BackwardCheck:
    """``with checked_backward(self, grad_output) as dY:`` — the first line of a
    ``backward`` (see the module docstring). ``dY`` is ``grad_output`` checked
    against the output of the last forward: the same array when it already has
    that shape and dtype, converted when it is a list or another real dtype,
    ``None`` only for a scalar output (then dJ/dJ = 1 is meant).

    A ``backward`` that calls ``super().backward(...)`` is checked once, on
    the outer call."""
    check = module.__dict__["_backward_check"]
    check.grad_output = grad_output
    return check


def _refuse_backward(module: "Module", output) -> None:
    name = type(module).__name__
    if output is NO_FORWARD_YET:
        raise UsageError(f"{name}.backward() called before forward(): run the module on an input "
                         "first (module(x)), then backward")
    raise UsageError(
        f"{name}.backward() called twice after one forward(): gradients would be accumulated "
        "twice (PyTorch refuses this too: 'Trying to backward through the graph a second time'). "
        "Run forward again before the next backward.")


class Module:
    """Base class of all scratchnet modules (see the module docstring).

    Attributes set to a :class:`Parameter` or a :class:`Module` are registered
    automatically, in order, exactly as in PyTorch, so ``state_dict()`` keys
    (``"0.weight"``, ``"3.bias"``, ...) match the equivalent torch module's.
    """

    training: bool

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = set()
        d["_forward_hooks_always_called"] = set()
        d["_backward_hooks"] = OrderedDict()
        d["_output"] = NO_FORWARD_YET
        d["_backward_check"] = _BackwardCheck(self)

    # -- forward and backward --------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def backward(self, grad_output=None):
        """dJ/d(input) from ``grad_output`` = dJ/d(output) (each layer writes its own;
        ``None`` stands for dJ/dJ = 1 and is allowed only for a scalar output)."""
        raise NotImplementedError(f"{type(self).__name__} has no backward()")

    def __call__(self, *args, **kwargs):
        """``module(x)``: ``forward(x)``; the hooks only when some are registered."""
        if self._forward_hooks:
            return hooks.call_with_forward_hooks(self, args, kwargs)
        if _depth.n:  # inside another module's call: IEEE arithmetic is on already
            output = self.forward(*args, **kwargs)
        else:              # the outermost call: forward under IEEE arithmetic (_ieee.py)
            output = _ieee.silently(self.forward, *args, **kwargs)
        self.__dict__["_output"] = output  # what backward checks grad_output against
        return output

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> hooks.RemovableHandle:
        """``hook(module, input, output)`` runs after each call; it may return a
        replacement output (as ``torch.nn.Module.register_forward_hook``).

        Options as in torch: ``prepend`` runs it before the hooks already
        registered; ``with_kwargs`` calls ``hook(module, args, kwargs, output)``;
        ``always_call`` runs it (with ``output=None``) even when ``forward``
        raises, after which the forward's error propagates.

        Unlike PyTorch, which differentiates through whatever the hook
        computed, scratchnet has no autograd: ``backward`` treats a replaced
        output as the module's own (the hook counts as the identity in the
        chain rule — torch's "straight-through" ``new.detach() + (out −
        out.detach())``). Hooks that only read, like the recorder in
        :mod:`scratchnet.diagnostics`, are unaffected."""
        return hooks.register_forward_hook(self, hook, prepend, with_kwargs, always_call)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> hooks.RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs after each backward; both
        are 1-tuples of arrays. It may return a replacement ``grad_input`` tuple
        (as ``torch.nn.Module.register_full_backward_hook``); ``prepend`` runs it
        before the hooks already registered."""
        return hooks.register_full_backward_hook(self, hook, prepend)

    # -- registration ----------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if params is None:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)")
        if isinstance(value, (Parameter, Module)) or name in params or name in d["_modules"] or name in d["_buffers"]:
            self._register_attr(name, value)
        else:  # a plain attribute (what a forward keeps for its backward, say)
            object.__setattr__(self, name, value)

    def _register_attr(self, name: str, value) -> None:
        """``self.name = value`` for a Parameter, a Module, or a name already registered."""
        d = self.__dict__
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            self._put("_parameters", name, value)
        elif isinstance(value, Module):
            self._put("_modules", name, value)
        elif name in params or name in modules:
            if value is not None:
                kind = "parameter" if name in params else "child module"
                raise TypeError(f"cannot assign {describe(value)} as {kind} {name!r} "
                                f"(a {'Parameter' if name in params else 'Module'} or None is required; "
                                "to change a parameter's values assign to its .data)")
            self._put("_parameters" if name in params else "_modules", name, None)
        else:
            if value is not None and not isinstance(value, np.ndarray):
                raise TypeError(f"buffer {name!r} must be a numpy array or None, got {describe(value)}")
            self._put("_buffers", name, value)

    def _put(self, table: str, name: str, value) -> None:
        """Register ``value`` as ``name`` in ``table`` (``_parameters``, ``_buffers`` or
        ``_modules``, as torch keeps them), out of the other two. The instance's
        ``__dict__`` holds the same entry, so ``self.weight`` is an ordinary attribute
        lookup (torch finds it through ``__getattr__``, which costs a microsecond
        each time: a failed lookup first); every change of a table goes through here."""
        d = self.__dict__
        for other in ("_parameters", "_buffers", "_modules"):
            if other != table:
                d[other].pop(name, None)
        d[table][name] = value
        d[name] = value

    def __getattr__(self, name: str):
        # Only for names not in the instance's __dict__ (registered ones are there too).
        d = self.__dict__
        if "_parameters" in d:
            for table in ("_parameters", "_buffers", "_modules"):
                if name in d[table]:
                    return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self.__dict__.pop(name, None)
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {describe(param)} as parameter {name!r} (Parameter or None required)")
        self._put("_parameters", name, param)

    def register_buffer(self, name: str, tensor: np.ndarray | None, persistent: bool = True) -> None:
        """A state array that is not learned (e.g. BatchNorm's running mean).

        ``tensor`` is a NumPy array (torch's argument name, kept so that calls
        read the same). Persistent buffers appear in ``state_dict()``, as in PyTorch."""
        if tensor is not None and not isinstance(tensor, np.ndarray):
            raise TypeError(f"buffer {name!r} must be a numpy array or None, got {describe(tensor)}")
        self._put("_buffers", name, tensor)
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def register_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{describe(module)} is not a Module subclass")
        self._put("_modules", name, module)

    add_module = register_module

    # -- traversal ---------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, "Module"]]:
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self, remove_duplicate: bool = True) -> Iterator["Module"]:
        for _, m in self.named_modules(remove_duplicate=remove_duplicate):
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        for mod_prefix, module in modules:
            for name, p in module._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, np.ndarray]]:
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        for mod_prefix, module in modules:
            for name, b in module._buffers.items():
                if b is None or (remove_duplicate and id(b) in seen):
                    continue
                seen.add(id(b))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- state -------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False
                   ) -> "OrderedDict[str, np.ndarray]":
        """Parameters and persistent buffers by name, keys as in PyTorch.

        Unlike PyTorch, the arrays are *copies*: a state dict taken during
        training is a snapshot that later optimizer steps do not change (in
        PyTorch one needs ``copy.deepcopy(model.state_dict())`` for that).
        ``keep_vars=True`` gives the live objects instead (each parameter's
        :class:`Parameter`, each buffer's array), as torch gives its
        Parameters. ``destination`` is a mapping to fill and return;
        ``prefix`` goes before every key. All three are keyword-only: torch's
        deprecated positional form ``state_dict(destination, prefix,
        keep_vars)`` is refused with a ``TypeError`` saying so.
        """
        if args:
            names = ", ".join(f"{k}=..." for k in ("destination", "prefix", "keep_vars")[:len(args)])
            raise TypeError(f"state_dict() takes its options as keywords: state_dict({names}). "
                            "PyTorch deprecated the positional form state_dict(destination, prefix, keep_vars); "
                            "scratchnet does not support it")
        out = OrderedDict() if destination is None else destination
        for key, (module, name, kind) in self._state_targets().items():
            if kind == "param":
                p = module._parameters[name]
                out[prefix + key] = p if keep_vars else p.data.copy()
            else:
                b = module._buffers[name]
                out[prefix + key] = b if keep_vars else b.copy()
        return out

    def _state_targets(self) -> "OrderedDict[str, tuple[Module, str, str]]":
        targets = OrderedDict()
        # Every path to a shared module is a key, as torch's state_dict (no de-duplication).
        for mod_prefix, module in self.named_modules(remove_duplicate=False):
            for name, p in module._parameters.items():
                if p is not None:
                    targets[f"{mod_prefix}.{name}" if mod_prefix else name] = (module, name, "param")
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    targets[f"{mod_prefix}.{name}" if mod_prefix else name] = (module, name, "buffer")
        return targets

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        As in PyTorch: with ``strict=True`` missing or unexpected keys raise an
        error naming them; a shape mismatch always raises; the return value
        lists missing and unexpected keys. Values may be NumPy arrays (or CPU
        torch tensors, which convert through ``numpy.asarray``) and are cast to
        each parameter's dtype. Nothing is changed unless every entry fits.

        ``assign=True`` (torch's option) makes each parameter's ``.data`` (each
        buffer) the state dict's own array instead of copying into the current
        one — no copy, so the two then share memory. The arrays must already
        have the module's dtypes (a module computes in one dtype).
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict expects a mapping of names to arrays, got {describe(state_dict)}")
        targets = self._state_targets()
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict.keys() if k not in targets]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(repr(k) for k in unexpected))
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(repr(k) for k in missing))
        staged = []
        for key, (module, name, kind) in targets.items():
            if key not in state_dict:
                continue
            current = module._parameters[name].data if kind == "param" else module._buffers[name]
            value = state_dict[key]
            if type(value).__module__ == "torch":
                value = value.detach().cpu().numpy()
            try:
                value = np.asarray(value)
            except Exception:  # noqa: BLE001 - anything unconvertible gets our own message
                errors.append(f"{key!r}: cannot convert {describe(value)} to an array")
                continue
            if value.dtype.kind not in "fiub" or (value.dtype.kind == "b" and current.dtype.kind != "b"):
                errors.append(f"{key!r}: expected a numeric array, got {describe(value)}")
                continue
            if value.shape != current.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                              f"from checkpoint, the shape in current model is {current.shape}")
                continue
            if assign and not value.flags.writeable:
                errors.append(f"{key!r}: assign=True keeps the state dict's array, which is read-only "
                              "(e.g. a memory-mapped file) — an optimizer could not update it; "
                              "load without assign (a copy) or pass a writeable array")
                continue
            if assign and value.dtype != current.dtype:
                errors.append(f"{key!r}: assign=True keeps the state dict's array, which must have the "
                              f"module's dtype {current.dtype}; got {value.dtype}")
                continue
            staged.append((current, value, module, name, kind))
        if errors:
            raise UsageError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for current, value, module, name, kind in staged:
            if not assign:
                current[...] = value
            elif kind == "param":
                module._parameters[name].data = value
            else:
                module._put("_buffers", name, value)
        return _IncompatibleKeys(missing, unexpected)

    # -- modes, gradients, dtypes ---------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to ``None`` (PyTorch's default) or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def to(self, dtype) -> "Module":
        """Convert parameters, gradients and floating buffers to ``dtype`` (in place)."""
        dtype = resolve_dtype(dtype)
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                p.data = p.data.astype(dtype, copy=False)
                if p.grad is not None:
                    p.grad = p.grad.astype(dtype, copy=False)
            for name, b in m._buffers.items():
                if b is not None and b.dtype.kind == "f":
                    m._put("_buffers", name, b.astype(dtype, copy=False))
            m._convert_extra(dtype)
        return self

    def _convert_extra(self, dtype: np.dtype) -> None:
        """Hook for subclasses holding other dtype-bearing state (none by default)."""

    def float(self) -> "Module":
        return self.to(np.float32)

    def double(self) -> "Module":
        return self.to(np.float64)

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the first parameter (``None`` for a module without any)."""
        for p in self.parameters():
            return p.dtype
        return None

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # -- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        # Same layout as torch.nn.Module.__repr__.
        child_lines = []
        for key, module in self._modules.items():
            mod_str = repr(module).replace("\n", "\n  ")
            child_lines.append(f"({key}): {mod_str}")
        main = self._get_name() + "("
        extra = self.extra_repr()
        if extra:
            main += extra
        if child_lines:
            main += "\n  " + "\n  ".join(child_lines) + "\n"
        return main + ")"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))
