"""Hooks: their handles and how they run (torch keeps the handles in
``torch/utils/hooks.py`` and the running in ``Module._call_impl``).

A module without hooks never comes here: ``Module.__call__`` runs ``forward``
directly when no forward hook is registered, and ``module.backward`` is the
class's own method until a backward hook is registered — torch's fast path.

* **Forward hooks** ``hook(module, args, output)`` (``with_kwargs``:
  ``hook(module, args, kwargs, output)``) run after ``forward``, in order
  (``prepend`` puts one first); one that returns something replaces the
  output. ``always_call`` hooks run (with ``output=None``) even when
  ``forward`` raises, and then the forward's error propagates.
* **Full backward hooks** ``hook(module, grad_input, grad_output)``, both
  1-tuples of arrays, run after the module's ``backward``; one that returns
  something replaces ``grad_input``. Registering the first one puts
  :func:`backward_with_hooks` on the instance (``module.__dict__["backward"]``,
  which Python finds before the class's method); after the last one is removed
  it takes itself off at the next call.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Callable

from ..._validation import check_grad_output, describe
from . import _ieee


class RemovableHandle:
    """Returned by ``register_*_hook``; ``handle.remove()`` unregisters the hook
    (also on leaving a ``with handle:`` block), as ``torch.utils.hooks.RemovableHandle``."""

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


def _add(hooks: OrderedDict, hook: Callable, prepend: bool, *extra: set) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {describe(hook)}")
    handle = RemovableHandle(hooks, *extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_forward_hook(module, hook: Callable, prepend: bool, with_kwargs: bool,
                          always_call: bool) -> RemovableHandle:
    handle = _add(module._forward_hooks, hook, prepend, module._forward_hooks_with_kwargs,
                  module._forward_hooks_always_called)
    if with_kwargs:
        module._forward_hooks_with_kwargs.add(handle.id)
    if always_call:
        module._forward_hooks_always_called.add(handle.id)
    return handle


def register_full_backward_hook(module, hook: Callable, prepend: bool) -> RemovableHandle:
    handle = _add(module._backward_hooks, hook, prepend)
    module.__dict__["backward"] = backward_with_hooks.__get__(module)  # see the module docstring
    return handle


# ------------------------------------------------------------------------------ running
def _run_forward_hook(module, hook_id, hook, args, kwargs, output):
    if hook_id in module._forward_hooks_with_kwargs:
        return hook(module, args, kwargs, output)
    return hook(module, args, output)


def call_with_forward_hooks(module, args: tuple, kwargs: dict):
    """``module(*args, **kwargs)`` for a module with forward hooks: ``Module.__call__``'s
    work (forward under IEEE arithmetic, its output kept for backward's checks), then the hooks."""
    try:
        if _ieee.depth.n:  # as Module.__call__: IEEE arithmetic is entered by the outermost call
            output = module.forward(*args, **kwargs)
        else:
            output = _ieee.silently(module.forward, *args, **kwargs)
    except Exception:
        for hook_id, hook in list(module._forward_hooks.items()):  # torch's always_call
            if hook_id in module._forward_hooks_always_called:
                try:
                    _run_forward_hook(module, hook_id, hook, args, kwargs, None)
                except Exception as hook_error:  # noqa: BLE001 - the forward's own error is the one to see
                    warnings.warn("module forward hook with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {hook_error}",
                                  stacklevel=3)
        raise
    module.__dict__["_output"] = output
    for hook_id, hook in list(module._forward_hooks.items()):
        result = _run_forward_hook(module, hook_id, hook, args, kwargs, output)
        if result is not None:
            output = result
    return output


def backward_with_hooks(module, grad_output=None, *args, **kwargs):
    """``module.backward`` while the module has full backward hooks: the class's
    ``backward``, then each hook on ``(grad_input,)`` and ``(grad_output,)``."""
    if not module._backward_hooks:  # the last hook was removed: back to the class's method
        del module.__dict__["backward"]
        return module.backward(grad_output, *args, **kwargs)
    output = module.__dict__.get("_output")
    if type(output).__module__ == "numpy":  # the hooks see grad_output as backward checks it
        grad_output = check_grad_output(module, grad_output, output)
    grad_input = type(module).backward(module, grad_output, *args, **kwargs)
    for hook in list(module._backward_hooks.values()):
        result = hook(module, (grad_input,), (grad_output,))
        if result is not None:
            grad_input = result[0] if isinstance(result, tuple) else result
    return grad_input
