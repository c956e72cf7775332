"""The engine behind ``check_layer``, ``check_loss`` and ``check_network``.

One run: draw (or take) the input, parameters and upstream gradient or
target; hand them to your code in your declared layout; run torch's
reference on the same numbers in torch's layout, with autograd giving the
reference gradients for the same upstream gradient (or the same loss); put
torch's values into your layout; compare tensor by tensor; diagnose what
differs. This module holds the pieces: calling your code, running torch,
building the rows.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import diagnose as dg
from .bounds import bound_for, errors
from .layout import Layout, LayoutError
from .report import Row
from .variants import DROPOUT_VARIANTS, NETWORK_VARIANTS, MaskedDropout

#: Default batch size: not 1, 2 or 4, so that a factor m is never mistaken for MSE's 2 or ½.
DEFAULT_M = 8
#: Default feature count where the reference does not fix one (element-wise layers).
DEFAULT_FEATURES = 5

INPUT_GRAD_KEYS = ("dX", "dx", "dA_prev", "dA0", "dinput", "dinputs", "d_input", "input")


def single_threaded(fn):
    """Run a check with torch on one thread, restoring the caller's setting after.

    A check's tensors are tiny (a few hundred entries): waking a second thread costs more
    than it saves (measured: half the CPU time and wall time single-threaded, on a loaded
    2-core machine), and a check must not oversubscribe a machine that runs other work."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)
    return wrapper


# ============================================================================ your code
def is_object(x) -> bool:
    """A layer/network object with ``forward`` and ``backward`` methods (not a function)."""
    return (not inspect.isroutine(x) and callable(getattr(x, "forward", None))
            and callable(getattr(x, "backward", None)) and not isinstance(x, nn.Module))


def describe_callable(x) -> str:
    return getattr(x, "__qualname__", None) or type(x).__name__


def read_attr(obj, name: str, what: str):
    """``obj.name``, or ``obj.params[name]`` — where homework code keeps its arrays."""
    if hasattr(obj, name):
        value = getattr(obj, name)
    elif isinstance(getattr(obj, "params", None), dict) and name in obj.params:
        value = obj.params[name]
    else:
        raise ValueError(f"your {what} ({type(obj).__name__}) has no attribute {name!r} (nor params[{name!r}]); "
                         "the names in params/buffers must be your own attribute names")
    data = getattr(value, "data", value)  # a Parameter-like object
    return np.asarray(data)


def write_attr(obj, name: str, value: np.ndarray) -> None:
    if hasattr(obj, name):
        current = getattr(obj, name)
        if hasattr(current, "data") and isinstance(current.data, np.ndarray):
            current.data = value
        else:
            setattr(obj, name, value)
    else:
        obj.params[name] = value


def split_cache(result):
    """(out, cache, has_cache) from what a forward returned: ``out``, ``(out, cache)``,
    or ``(out, c1, c2, ...)`` (the cache is then the tuple of the rest)."""
    if isinstance(result, tuple) and len(result) >= 2:
        return result[0], (result[1] if len(result) == 2 else result[1:]), True
    return result, None, False


def call_forward(forward, obj, x, params_user: dict, what: str):
    if obj is not None:
        result = obj.forward(x)
    else:
        try:
            result = forward(x, **params_user)
        except TypeError as exc:
            names = ", ".join(params_user)
            raise TypeError(f"calling your forward as forward(x{', ' if names else ''}"
                            f"{', '.join(f'{n}=...' for n in params_user)}) failed: {exc}. A {what} check calls "
                            "forward(x, **params) with your parameter names (the keys of params)") from exc
    return split_cache(result)


def call_backward(backward, obj, upstream, cache, has_cache):
    if obj is not None:
        return obj.backward(upstream)
    return backward(upstream, cache) if has_cache else backward(upstream)


def parse_grads(returned, obj, names: list[str], what: str) -> tuple[dict, np.ndarray | None, str]:
    """Your gradients by your parameter names, and dX, from what backward returned.

    Accepted: a dict (keys ``d<name>``, ``<name>``, ``grad_<name>``; dX as
    ``dX``/``dx``/``dA_prev``/...), a tuple ``(dX, d<p1>, d<p2>, ...)`` or
    ``(d<p1>, d<p2>, ...)`` in the order of ``params``, a single array (dX;
    parameter gradients then from the object's ``d<name>`` attributes or its
    ``grads`` dict). Returns (grads, dX, how): ``how`` says where they came from.
    """
    grads, dx, how = {}, None, ""
    if isinstance(returned, dict):
        for n in names:
            for key in (f"d{n}", n, f"grad_{n}", f"{n}_grad", f"d_{n}"):
                if key in returned:
                    grads[n] = returned[key]
                    break
        dx = next((returned[k] for k in INPUT_GRAD_KEYS if k in returned), None)
        how = "the dict backward returned"
    elif isinstance(returned, (tuple, list)):
        items = list(returned)
        if len(items) == len(names) + 1:
            dx, rest = items[0], items[1:]
        elif len(items) == len(names):
            rest = items
        else:
            raise ValueError(f"your backward returned {len(items)} arrays; a {what} check expects "
                             f"(dX, {', '.join('d' + n for n in names)}) or ({', '.join('d' + n for n in names)}), "
                             "in the order of params")
        grads = dict(zip(names, rest))
        how = "the tuple backward returned, in the order of params"
    elif returned is None or isinstance(returned, np.ndarray) or np.isscalar(returned):
        dx = returned
        how = "backward's return value (dX)"
    else:
        raise TypeError(f"your backward returned {type(returned).__name__}; expected a dict, a tuple of arrays "
                        "or an array")
    if obj is not None:
        store = getattr(obj, "grads", None)
        for n in names:
            if n in grads:
                continue
            for key in (f"d{n}", f"grad_{n}", f"{n}_grad"):
                if hasattr(obj, key):
                    grads[n] = getattr(obj, key)
                    how += f"; {key} from your object"
                    break
            else:
                if isinstance(store, dict):
                    for key in (f"d{n}", n):
                        if key in store:
                            grads[n] = store[key]
                            break
    return {n: np.asarray(getattr(v, "data", v)) for n, v in grads.items() if v is not None}, \
        (None if dx is None else np.asarray(dx)), how


# ============================================================================ torch's side
def torch_dtype(dtype) -> torch.dtype:
    return torch.float64 if np.dtype(dtype) == np.float64 else torch.float32


def first_in_features(module) -> int | None:
    if not isinstance(module, nn.Module):
        return None
    for m in module.modules():
        for attr in ("in_features", "num_features"):
            if isinstance(getattr(m, attr, None), int):
                return getattr(m, attr)
    return None


def linear_modules(module) -> list[tuple[str, nn.Linear]]:
    if not isinstance(module, nn.Module):
        return []
    return [(n, m) for n, m in module.named_modules() if isinstance(m, nn.Linear)]


def training_dropouts(module) -> list[nn.Dropout]:
    if not isinstance(module, nn.Module):
        return []
    return [m for m in module.modules() if isinstance(m, nn.Dropout) and m.training and m.p > 0]


@dataclass
class TorchRun:
    """What one run of the reference gave, in torch's layout (NumPy)."""

    output: np.ndarray
    loss: float | None
    input_grad: np.ndarray | None
    grads: dict[str, np.ndarray]             # by torch parameter name
    buffers: dict[str, np.ndarray]           # by torch buffer name, after the forward
    dz: dict[str, np.ndarray] = field(default_factory=dict)   # Linear name -> dJ/d(its output)


def run_torch(reference, loss, x: np.ndarray, params: dict[str, np.ndarray], buffers: dict[str, np.ndarray],
              *, target=None, upstream=None, dtype, keep=None, dropout_change=None,
              module_variant=None, loss_variant=None) -> TorchRun:
    """Run the reference once: forward, then backward from ``upstream`` (dJ/dout)
    or from ``loss(out, target)``. Nothing of the caller's reference is changed."""
    tdt = torch_dtype(dtype)
    if isinstance(reference, nn.Module):
        module = copy.deepcopy(reference).to(device="cpu", dtype=tdt)  # your NumPy side is on the CPU
        if keep is not None:
            module = _swap_dropout(module, keep, dropout_change)
        if module_variant is not None:
            module = module_variant(module)
        named = dict(module.named_parameters())
        named_buffers = dict(module.named_buffers())
        with torch.no_grad():
            for name, value in params.items():
                named[name].copy_(torch.as_tensor(value, dtype=tdt))
            for name, value in buffers.items():
                named_buffers[name].copy_(torch.as_tensor(value).to(named_buffers[name].dtype))
        leaves = [named[n] for n in params]
        for p in module.parameters():
            p.grad = None
        call = module
    else:
        module = None
        leaves = [torch.tensor(np.asarray(v), dtype=tdt, requires_grad=True) for v in params.values()]
        by_name = dict(zip(params, leaves))

        def call(inp):
            return reference(inp, **by_name)

    xt = torch.tensor(np.asarray(x), dtype=tdt, requires_grad=True)
    dz_tensors = {}
    hooks = []
    if module is not None:
        for lname, lin in linear_modules(module):
            def hook(mod, inp, out, lname=lname):
                out.retain_grad()
                dz_tensors[lname] = out
            hooks.append(lin.register_forward_hook(hook))
    out = call(xt)
    for h in hooks:
        h.remove()
    loss_value = None
    if loss is not None or loss_variant is not None:
        fn = loss_variant if loss_variant is not None else loss
        tt = torch.as_tensor(np.asarray(target))
        tt = tt.long() if tt.dtype in (torch.int32, torch.int64) else tt.to(tdt)
        value = fn(out, tt)
        loss_value = float(value.detach())
        value.backward()
    else:
        out.backward(torch.as_tensor(np.asarray(upstream), dtype=tdt))
    grads = {n: (leaf.grad.detach().numpy().copy() if leaf.grad is not None else np.zeros(tuple(leaf.shape)))
             for n, leaf in zip(params, leaves)}
    buffer_values = {}
    if module is not None:
        named_buffers = dict(module.named_buffers())
        for name in buffers:
            buffer_values[name] = named_buffers[name].detach().numpy().copy()
    dz = {n: t.grad.detach().numpy().copy() for n, t in dz_tensors.items() if t.grad is not None}
    return TorchRun(output=out.detach().numpy().copy(), loss=loss_value,
                    input_grad=None if xt.grad is None else xt.grad.numpy().copy(),
                    grads=grads, buffers=buffer_values, dz=dz)


def _swap_dropout(module, keep, change):
    if isinstance(module, nn.Dropout):
        return MaskedDropout(module.p, keep, change)
    for parent in module.modules():
        for cname, sub in list(parent.named_children()):
            if isinstance(sub, nn.Dropout):
                setattr(parent, cname, MaskedDropout(sub.p, keep, change))
    return module


# ============================================================================ comparing
@dataclass
class Tensor:
    """One tensor to compare: yours (your layout), torch's (torch layout), how to convert."""

    name: str
    kind: str
    key: str                     # where a TorchRun keeps torch's value: "output", "loss", "dX", "grad:W", "buffer:b"
    mine: np.ndarray | None
    layout: Layout
    torch_axes: tuple[str, ...]
    torch_name: str | None = None
    missing: str | None = None   # why yours is absent
    ctx: dict = field(default_factory=dict)


def torch_value(run: TorchRun, key: str):
    if key == "output":
        return run.output
    if key == "loss":
        return None if run.loss is None else np.asarray(run.loss)
    if key == "dX":
        return run.input_grad
    kind, name = key.split(":", 1)
    return run.grads.get(name) if kind == "grad" else run.buffers.get(name)


def mine_in_torch_layout(t: Tensor, ref_torch: np.ndarray):
    """Your array in torch's layout, or None when its shape does not fit your declaration."""
    if t.mine is None:
        return None
    sizes = dict(zip(t.torch_axes, np.shape(ref_torch)))
    try:
        return t.layout.to_torch(t.mine, t.torch_axes, sizes, t.name)
    except LayoutError:
        return None


def measure(mine: np.ndarray, expected: np.ndarray, bound: float, dtype, *, counts: bool = False):
    """(max abs error, max rel error, ok) of your array against torch's (in your layout),
    or None when the shapes differ (a size-1 array fits any size-1 shape).

    ok: within ``bound``; in floating point; and not float32 numbers in a float64 check
    (within 1e-10 only by luck). A ``counts`` array (an optimizer's step count t: an int,
    or torch's own float32 scalar) is held to its value only."""
    if mine.shape != expected.shape:
        if not (mine.size == 1 and expected.size == 1):
            return None
        mine = mine.reshape(expected.shape)
    max_abs, max_rel = errors(mine, expected)
    ok = bool(max_rel <= bound)
    if not counts:
        ok = ok and mine.dtype.kind in "fc" and not (np.dtype(dtype) == np.float64 and mine.dtype == np.float32)
    return max_abs, max_rel, ok


def compare(t: Tensor, run: TorchRun, dtype) -> Row:
    ref = torch_value(run, t.key)
    bound = bound_for(dtype)
    if ref is None:
        return Row(t.name, t.mine, None, np.nan, np.nan, bound, False,
                   "torch computes no such tensor here", t.kind, torch_name=t.torch_name)
    expected = t.layout.from_torch(ref, t.torch_axes) if t.torch_axes or np.ndim(ref) == 0 else ref
    if t.mine is None:
        return Row(t.name, None, expected, np.nan, np.nan, bound, False, t.missing, t.kind, torch_name=t.torch_name)
    measured = measure(np.asarray(t.mine), expected, bound, dtype)
    if measured is None:
        return Row(t.name, t.mine, expected, np.nan, np.nan, bound, False, None, t.kind, torch_name=t.torch_name)
    max_abs, max_rel, ok = measured
    return Row(t.name, t.mine, expected, max_abs, max_rel, bound, ok, None, t.kind, torch_name=t.torch_name)


def matched_rows(tensors: list[Tensor], run: TorchRun, dtype, rows: list[Row]) -> list[bool]:
    """For each tensor: whether yours equals this run's (a variant's) within the bound.

    A loss value that already agrees with torch's counts as matched: a gradient can be
    that of another loss than the one your code reports (Chapter 15's ½·MSE gradient of a
    printed MSE). Tensors you did not return count as matched (nothing contradicts)."""
    bound = bound_for(dtype)
    out = []
    for t, row in zip(tensors, rows):
        ref = torch_value(run, t.key)
        if (t.kind == "loss" and row.ok) or t.mine is None or ref is None:
            out.append(True)
            continue
        mine = mine_in_torch_layout(t, ref)
        out.append(mine is not None and errors(mine, ref)[1] <= bound)
    return out


def explaining_variant(tensors, rows, variant_runs, dtype):
    """(says, matched) of the variant that explains your tensors best, or None.

    First choice: a variant reproducing every tensor. Else one reproducing the first
    failing tensor and every tensor before it (the first wrong tensor is then explained;
    later ones may differ for reasons of their own, e.g. a backward formula that is not
    the derivative of a changed forward)."""
    first = next((i for i, r in enumerate(rows) if not r.ok), None)
    if first is None:
        return None
    partial = None
    for name, says, run in variant_runs:
        matched = matched_rows(tensors, run, dtype, rows)
        if all(matched):
            return says, matched
        if partial is None and all(matched[: first + 1]):
            partial = (says, matched)
    return partial


def diagnose_rows(rows: list[Row], tensors: list[Tensor], variant_runs, dtype,
                  factors: list[dg.Factor]) -> None:
    """Fill in the diagnosis of every failing row."""
    bound = bound_for(dtype)
    explained = explaining_variant(tensors, rows, variant_runs, dtype)
    for i, (row, t) in enumerate(zip(rows, tensors)):
        if row.ok or row.diagnosis or row.mine is None:
            continue
        ctx = dg.Context(dtype=np.dtype(dtype), bound=bound, factors=factors, axis_names=t.layout.axes,
                         **t.ctx)
        if explained is not None and explained[1][i] and np.shape(row.mine) == np.shape(row.expected):
            head = dg.factor_head(row.mine, row.expected, ctx)
            row.diagnosis = (head + "; " if head else "") + explained[0]
        else:
            row.diagnosis = dg.diagnose(row.mine, row.expected, ctx)


def weight_hint(w_layout: Layout, x_layout: Layout) -> str:
    w, x = w_layout.named(), x_layout.named()
    formulas = {(("in", "out"), ("m", "in")): "for W of shape (in, out), dW = Xᵀ·dZ",
                (("out", "in"), ("m", "in")): "for W of shape (out, in), dW = dZᵀ·X",
                (("out", "in"), ("in", "m")): "for W of shape (out, in) and examples as columns, dW = dZ·Xᵀ",
                (("in", "out"), ("in", "m")): "for W of shape (in, out) and examples as columns, dW = X·dZᵀ"}
    return formulas.get((w, x), "")


def draw_param(rng, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A parameter value in torch's layout: W ~ N(0, 1/fan_in); a bias ~ N(0, ¼) with every
    third entry exactly 0 (so that zero pre-activations, where kinks are, occur); a
    scale (BatchNorm's weight) ~ U(0.5, 1.5)."""
    if len(shape) == 2:
        return rng.standard_normal(shape) / np.sqrt(max(shape[1], 1))
    if len(shape) == 1:
        if name.endswith("weight"):
            return rng.uniform(0.5, 1.5, shape)
        b = rng.standard_normal(shape) * 0.5
        b[::3] = 0.0
        return b
    return rng.standard_normal(shape)


def draw_input(rng, shape, reference, *, zero_row: bool) -> np.ndarray:
    """N(0, 1) input (BatchNorm's: N(1, 2²)), example 0 all zeros unless there is dropout
    (dropout masks are recovered from your output's zeros)."""
    x = rng.standard_normal(shape)
    if isinstance(reference, nn.Module) and any(isinstance(m, nn.BatchNorm1d) for m in reference.modules()):
        x = 2 * x + 1
    if zero_row:
        x[0] = 0.0
    return x


def draw_target(rng, loss, out_shape, one_hot: bool = False):
    """A target torch's loss accepts: class indices for CrossEntropy/NLL, 0/1 for BCE, N(0, 1) otherwise."""
    m = out_shape[0]
    if isinstance(loss, (nn.CrossEntropyLoss, nn.NLLLoss)):
        n = out_shape[1] if len(out_shape) > 1 else 1
        t = np.arange(m) % n
        rng.shuffle(t)
        return t.astype(np.int64)
    if isinstance(loss, (nn.BCELoss, nn.BCEWithLogitsLoss)):
        t = (np.arange(int(np.prod(out_shape))) % 2).astype(np.float64)
        rng.shuffle(t)
        return t.reshape(out_shape)
    return rng.standard_normal(out_shape)


def variant_runs(reference, loss, run_args: dict, kind: str):
    """(name, says, TorchRun) for every known variant that applies, each one run only when
    asked for: :func:`explaining_variant` stops at the first that reproduces every tensor.

    A layer check has no loss to change; a loss check (``reference`` the identity) no
    network to change, so only the loss variants apply."""
    for v in NETWORK_VARIANTS:
        if (kind == "layer" and v.loss is not None) or (kind == "loss" and v.loss is None):
            continue
        if not v.applies(reference if isinstance(reference, nn.Module) else None, loss):
            continue
        try:
            run = run_torch(reference, loss, module_variant=v.module,
                            loss_variant=None if v.loss is None else v.loss(loss), **run_args)
        except Exception:  # noqa: BLE001 - a variant that cannot run here explains nothing
            continue
        yield v.name, v.says, run
    if run_args.get("keep") is not None:
        for change, says in DROPOUT_VARIANTS:
            yield f"dropout_{change}", says, run_torch(reference, loss, **dict(run_args, dropout_change=change))


def input_sizes(x: np.ndarray, layout: Layout, expected_in: int | None, what: str) -> dict[str, int]:
    """Sizes (m, in) of your input from its declared layout; a clear error when it does not fit."""
    x = np.asarray(x)
    sizes = layout.sizes(x.shape, what)
    if expected_in is not None and sizes.get("in") != expected_in:
        hint = ""
        if x.ndim == 2:
            fits = [c for c in ("in m", "m in") if c != str(layout)
                    and x.shape[Layout.parse(c, what).axes.index("in")] == expected_in]
            if fits:
                hint = (f"; its shape fits the layout '{fits[0]}' (a guess: declare it if your examples are "
                        "laid out so)")
        raise ValueError(f"your {what} of shape {x.shape} in the layout '{layout}' has in = {sizes.get('in')} "
                         f"features, but the reference expects in = {expected_in}{hint}")
    return sizes
