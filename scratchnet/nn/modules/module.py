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

Subclasses write plain ``forward`` and ``backward`` methods. The base class
wraps them (in ``__init_subclass__``) with the bookkeeping a learner should not
have to repeat in every layer:

* ``backward`` before ``forward``, or twice after one ``forward`` (PyTorch's
  "backward through the graph a second time"), raises ``RuntimeError``;
* a ``grad_output`` whose shape differs from the forward output's raises
  ``ValueError``;
* forward and backward hooks run (``register_forward_hook``,
  ``register_full_backward_hook``);
* NaN and infinity follow IEEE arithmetic without warnings, as in PyTorch
  (an overflow gives inf; inf − inf and 0·inf give NaN).
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from typing import Callable, Iterator, NamedTuple

import numpy as np

from ..._dtype import resolve_dtype
from ..._validation import UsageError, as_float_array, describe
from ..parameter import Parameter


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns, as ``torch.nn.modules.module._IncompatibleKeys``."""

    missing_keys: list
    unexpected_keys: list


class RemovableHandle:
    """Returned by ``register_*_hook``; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict, *extra: set):
        self._hooks = hooks
        self._extra = extra  # the sets of hook ids with options (with_kwargs, always_call)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        for ids in self._extra:
            ids.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


#: NaN and infinity follow IEEE arithmetic silently inside forward and backward,
#: as in PyTorch: an overflow gives inf, inf − inf and 0·inf give NaN, no warning.
_IEEE_SILENT = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


def _wrap_forward(forward: Callable) -> Callable:
    @functools.wraps(forward)
    def wrapped(self, *args, **kwargs):
        with np.errstate(**_IEEE_SILENT):
            out = forward(self, *args, **kwargs)
        # What backward needs to check its argument against.
        d = self.__dict__
        d["_out_shape"] = np.shape(out)
        d["_out_dtype"] = getattr(out, "dtype", None)
        d["_backward_pending"] = True
        return out

    wrapped._scratchnet_wrapped = True
    return wrapped


def _wrap_backward(backward: Callable) -> Callable:
    @functools.wraps(backward)
    def wrapped(self, grad_output=None, *args, **kwargs):
        d = self.__dict__
        if d.get("_in_backward", False):  # a subclass's backward calling super().backward(...)
            return backward(self, grad_output, *args, **kwargs)
        name = type(self).__name__
        if not getattr(self, "_backward_pending", False):
            if getattr(self, "_out_shape", None) is None:
                raise UsageError(f"{name}.backward() called before forward(): "
                                 "run the module on an input first, then backward")
            raise UsageError(
                f"{name}.backward() called twice after one forward(): gradients would be "
                "accumulated twice (PyTorch refuses this too: 'Trying to backward through the "
                "graph a second time'). Run forward again before the next backward.")
        if grad_output is None and self._out_shape != ():
            raise UsageError(f"{name}.backward() needs grad_output, dJ/d(output) of shape "
                             f"{self._out_shape}: it can be implied only for a scalar output")
        if grad_output is not None:
            if isinstance(grad_output, Parameter):
                grad_output = grad_output.data
            dtype = self._out_dtype if self._out_dtype is not None else np.float64
            grad_output = as_float_array(grad_output, dtype, f"{name}.backward: grad_output")
            if grad_output.shape != self._out_shape:
                raise ValueError(
                    f"{name}.backward: grad_output must have the shape of the forward output "
                    f"{self._out_shape}, got {grad_output.shape}")
        d["_backward_pending"] = False
        d["_in_backward"] = True
        try:
            with np.errstate(**_IEEE_SILENT):
                grad_input = backward(self, grad_output, *args, **kwargs)
        finally:
            d["_in_backward"] = False
        if self._backward_hooks:
            for hook in list(self._backward_hooks.values()):
                result = hook(self, (grad_input,), (grad_output,))
                if result is not None:
                    grad_input = result[0] if isinstance(result, tuple) else result
        return grad_input

    wrapped._scratchnet_wrapped = True
    return wrapped


class Module:
    """Base class of all scratchnet modules (see the module docstring).

    Attributes set to a :class:`Parameter` or a :class:`Module` are registered
    automatically, in order, exactly as in PyTorch, so ``state_dict()`` keys
    (``"0.weight"``, ``"3.bias"``, ...) match the equivalent torch module's.
    """

    training: bool

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fwd = cls.__dict__.get("forward")
        if fwd is not None and not getattr(fwd, "_scratchnet_wrapped", False):
            cls.forward = _wrap_forward(fwd)
        bwd = cls.__dict__.get("backward")
        if bwd is not None and not getattr(bwd, "_scratchnet_wrapped", False):
            cls.backward = _wrap_backward(bwd)

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
        d["_out_shape"] = None
        d["_out_dtype"] = None
        d["_backward_pending"] = False

    # -- registration ----------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)")
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            modules.pop(name, None)
            buffers.pop(name, None)
            d.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            buffers.pop(name, None)
            d.pop(name, None)
            modules[name] = value
        elif name in params or name in modules:
            if value is not None:
                kind = "parameter" if name in params else "child module"
                raise TypeError(f"cannot assign {describe(value)} as {kind} {name!r} "
                                f"(a {'Parameter' if name in params else 'Module'} or None is required; "
                                "to change a parameter's values assign to its .data)")
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, np.ndarray):
                raise TypeError(f"buffer {name!r} must be a numpy array or None, got {describe(value)}")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {describe(param)} as parameter {name!r} (Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: np.ndarray | None, persistent: bool = True) -> None:
        """A state array that is not learned (e.g. BatchNorm's running mean).

        ``tensor`` is a NumPy array (torch's argument name, kept so that calls
        read the same). Persistent buffers appear in ``state_dict()``, as in PyTorch."""
        if tensor is not None and not isinstance(tensor, np.ndarray):
            raise TypeError(f"buffer {name!r} must be a numpy array or None, got {describe(tensor)}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def register_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{describe(module)} is not a Module subclass")
        self._modules[name] = module

    add_module = register_module

    # -- forward and backward --------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} has no backward()")

    def __call__(self, *args, **kwargs):
        if not self._forward_hooks:
            return self.forward(*args, **kwargs)
        try:
            out = self.forward(*args, **kwargs)
        except Exception:
            for hook_id, hook in list(self._forward_hooks.items()):  # torch's always_call
                if hook_id in self._forward_hooks_always_called:
                    try:
                        self._run_forward_hook(hook_id, hook, args, kwargs, None)
                    except Exception as hook_error:  # noqa: BLE001 - the forward's own error is the one to see
                        warnings.warn("module forward hook with ``always_call=True`` raised an exception that was "
                                      f"silenced as another error was raised in forward: {hook_error}",
                                      stacklevel=2)
            raise
        for hook_id, hook in list(self._forward_hooks.items()):
            result = self._run_forward_hook(hook_id, hook, args, kwargs, out)
            if result is not None:
                out = result
        return out

    def _run_forward_hook(self, hook_id, hook, args, kwargs, out):
        if hook_id in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, out)
        return hook(self, args, out)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
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
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {describe(hook)}")
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                                 self._forward_hooks_always_called)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs after each backward; both
        are 1-tuples of arrays. It may return a replacement ``grad_input`` tuple
        (as ``torch.nn.Module.register_full_backward_hook``); ``prepend`` runs it
        before the hooks already registered."""
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {describe(hook)}")
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

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
        ``prefix`` goes before every key. As in torch, the deprecated
        positional form ``state_dict(destination, prefix, keep_vars)`` is
        accepted with a warning.
        """
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict"
                          " for details.", FutureWarning, stacklevel=2)
            if len(args) > 3:
                raise TypeError(f"state_dict() takes at most 3 positional arguments, got {len(args)}")
            destination, prefix, keep_vars = (*args, *(destination, prefix, keep_vars)[len(args):])
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
                module._buffers[name] = value
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
                    m._buffers[name] = b.astype(dtype, copy=False)
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
