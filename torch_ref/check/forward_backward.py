"""``check_layer``, ``check_network`` and ``check_loss``: your forward and
backward against torch's, tensor by tensor.

What your code may look like
----------------------------
**Functions.** ``forward(x, **params)`` returns ``out`` or ``(out, cache)``;
``backward(upstream, cache)`` (or ``backward(upstream)`` when forward
returned no cache) returns the gradients as

* a dict: ``{"dX": ..., "dW": ..., "db": ...}`` (also ``"dx"``,
  ``"dA_prev"`` for dX; ``"W"`` or ``"grad_W"`` for dW),
* a tuple ``(dX, dW, db)`` or ``(dW, db)`` in the order of ``params``
  (CS231n's ``affine_backward``),
* or dX alone.

**An object** with ``forward(x)`` and ``backward(upstream)`` methods (the
CS229 notebook's ``NeuralNetwork``, nnfs-style layer classes): its
parameters are read from its attributes (``layer.W`` or ``layer.params["W"]``)
and loaded into torch, and backward's gradients are taken from its return
value as above, or else from attributes ``layer.dW`` / ``layer.grads["dW"]``.

An object's parameters are converted to the check's dtype in place when
they differ (as ``model.to(dtype)`` would), so that a float32 check runs your
code in float32.

``upstream`` is dJ/d(out) for a layer (an upstream gradient drawn once,
handed to torch's autograd too, so no loss is needed), and the *target* for
a network checked with a ``loss`` (the network's backward starts from its
own loss, as CS229's ``backward(Y)`` does).

``params`` maps your names to torch's: ``{"W": "weight", "b": "bias"}`` for a
layer, ``{"W1": "0.weight", "b1": "0.bias", ...}`` (state-dict keys) for a
network. ``layout`` declares your axes (:mod:`torch_ref.check.layout`).
"""

from __future__ import annotations

import inspect

import numpy as np
import torch
from torch import nn

from . import core
from . import diagnose as dg
from .bounds import resolve_dtype
from .layout import Layout, LayoutError, resolve, role_of, torch_axes_for
from .report import Report


def _reference_params(reference) -> tuple[dict, dict]:
    if isinstance(reference, nn.Module):
        return ({n: tuple(p.shape) for n, p in reference.named_parameters()},
                {n: tuple(b.shape) for n, b in reference.named_buffers()})
    return {}, {}


def _describe(reference) -> str:
    if isinstance(reference, nn.Module):
        text = repr(reference)
        return text if "\n" not in text else f"{type(reference).__name__}({', '.join(type(m).__name__ for m in reference.children())})"
    return getattr(reference, "__name__", repr(reference))


def _check_mapping(params: dict | None, buffers: dict | None, reference, values) -> tuple[dict, dict]:
    params = dict(params or {})
    buffers = dict(buffers or {})
    for what, mapping in (("params", params), ("buffers", buffers)):
        for k, v in mapping.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"{what} maps your names to torch's names, both strings; got {k!r}: {v!r}")
        if len(set(mapping.values())) != len(mapping):
            raise ValueError(f"{what} maps two of your names to the same torch name: {mapping}")
    ref_params, ref_buffers = _reference_params(reference)
    if isinstance(reference, nn.Module):
        kind = type(reference).__name__
        for mine, theirs in params.items():
            if theirs not in ref_params:
                raise ValueError(f"params maps {mine!r} to {theirs!r}, but torch's {kind} has no parameter "
                                 f"{theirs!r}; its parameters are {', '.join(map(repr, ref_params)) or 'none'}")
        for mine, theirs in buffers.items():
            if theirs not in ref_buffers:
                raise ValueError(f"buffers maps {mine!r} to {theirs!r}, but torch's {kind} has no buffer "
                                 f"{theirs!r}; its buffers are {', '.join(map(repr, ref_buffers)) or 'none'}")
        unmapped = [n for n, p in reference.named_parameters() if p.requires_grad and n not in params.values()]
        if unmapped:
            example = ", ".join(f"'{n.replace('.', '_')}': '{n}'" for n in unmapped[:2])
            raise ValueError(f"torch's {kind} has parameter(s) {', '.join(map(repr, unmapped))} that params does "
                             f"not name: map each to your name (e.g. params={{{example}}}), or use a reference "
                             "without them (e.g. bias=False)")
    elif params and values is None:
        raise ValueError("a torch function has no parameters to take shapes from: give their values "
                         "(values={'W': W, ...}, in your layout)")
    return params, buffers


def _cast(x, dtype):
    x = np.asarray(x)
    return x.astype(dtype) if x.dtype.kind == "f" and x.dtype != dtype else x


def _backward_order(torch_names: list[str]) -> list[str]:
    """Parameters from the last module to the first (weight before bias within one)."""
    modules, order = [], {}
    for n in torch_names:
        prefix = n.rsplit(".", 1)[0] if "." in n else ""
        if prefix not in order:
            order[prefix] = []
            modules.append(prefix)
        order[prefix].append(n)
    return [n for prefix in reversed(modules) for n in order[prefix]]


def _run(kind: str, user, backward, reference, *, loss=None, params=None, buffers=None, layout=None,
         inputs=None, target=None, upstream=None, values=None, dtype="float64", seed=0, one_hot=False,
         cost=None, m=None) -> Report:
    dtype = resolve_dtype(dtype)
    rng = np.random.default_rng(seed)
    obj = user if core.is_object(user) else None
    if obj is None and not callable(user):
        raise TypeError(f"the first argument must be your forward function or an object with forward and "
                        f"backward methods, got {type(user).__name__}")
    if obj is None and not callable(backward):
        raise TypeError("give your backward function as the second argument (or pass an object with "
                        "forward and backward methods)")
    if not (isinstance(reference, nn.Module) or callable(reference)):
        raise TypeError(f"reference must be a torch.nn.Module or a torch function, got {type(reference).__name__}")
    if loss is not None and not isinstance(loss, nn.Module):
        raise TypeError(f"loss must be a torch loss module (torch.nn.MSELoss(), ...), got {type(loss).__name__}")
    if kind == "network" and core.training_dropouts(reference):
        raise ValueError("check_network cannot share dropout masks with your network: check each dropout layer "
                         "with check_layer (it recovers your mask from your output), or put the reference "
                         "and your network in eval mode")
    params, buffers = _check_mapping(params, buffers, reference, values)
    if buffers and obj is None:
        raise ValueError("buffers (running statistics) are read from an object's attributes: pass an object "
                         "with forward and backward methods")
    if obj is not None and not buffers and isinstance(reference, nn.Module):
        # BatchNorm-style objects that use torch's own buffer names are compared without asking.
        buffers = {n: n for n, _ in reference.named_buffers()
                   if not n.endswith("num_batches_tracked") and hasattr(obj, n)}
    ref_params, ref_buffers = _reference_params(reference)
    if isinstance(reference, nn.Module):
        torch_shapes = {**{theirs: ref_params[theirs] for theirs in params.values()},
                        **{theirs: ref_buffers[theirs] for theirs in buffers.values()}}
    else:
        torch_shapes = {}
    index_target = isinstance(loss, (nn.CrossEntropyLoss, nn.NLLLoss)) and not one_hot

    # ------------------------------------------------------------ layouts
    names = {"input": ("input", 2), "output": ("output", 2)}
    user_values = {}
    for mine, theirs in params.items():
        if obj is not None:
            user_values[mine] = core.read_attr(obj, mine, "object")
        elif values is not None and mine in values:
            user_values[mine] = np.asarray(values[mine])
    for mine, theirs in params.items():
        ndim = len(torch_shapes[theirs]) if theirs in torch_shapes else \
            len([s for s in np.shape(user_values[mine]) if s != 1]) or np.ndim(user_values[mine])
        names[mine] = (role_of(theirs.rsplit(".", 1)[-1], ndim), ndim)
    for mine, theirs in buffers.items():
        names[mine] = ("bias", len(ref_buffers[theirs]))
    if loss is not None:
        names["target"] = ("target", 1 if index_target else 2)
    layouts = resolve(layout, names, target_indices=index_target)

    # ------------------------------------------------------------ parameters (torch layout)
    params_t, params_u = {}, {}
    for mine, theirs in params.items():
        role, ndim = names[mine]
        axes = torch_axes_for(role, ndim)
        if mine in user_values:
            arr = _cast(user_values[mine], dtype)
            shape_t = torch_shapes.get(theirs)
            if shape_t is None:  # a torch function: sizes from your array and its layout
                try:
                    sizes = layouts[mine].sizes(arr.shape, f"parameter {mine!r}")
                except LayoutError as exc:
                    raise ValueError(str(exc)) from None
                shape_t = tuple(sizes.get(a, 0) for a in axes)
            try:
                params_t[theirs] = layouts[mine].to_torch(arr, axes, dict(zip(axes, shape_t)),
                                                          f"your parameter {mine!r}")
            except LayoutError as exc:
                raise ValueError(f"{exc}. torch's {theirs!r} has shape {shape_t} (axes "
                                 f"'{' '.join(axes)}')") from None
            params_u[mine] = arr
            if obj is not None and arr is not user_values[mine] and user_values[mine].dtype != dtype:
                core.write_attr(obj, mine, arr)  # as model.to(dtype): your object computes in the check's dtype
        else:
            params_t[theirs] = core.draw_param(rng, theirs, torch_shapes[theirs], dtype).astype(dtype)
            params_u[mine] = layouts[mine].from_torch(params_t[theirs], axes)
    buffers_t = {}
    for mine, theirs in buffers.items():
        arr = _cast(core.read_attr(obj, mine, "object"), dtype)
        try:
            buffers_t[theirs] = layouts[mine].to_torch(arr, ("out",), {"out": ref_buffers[theirs][0]},
                                                       f"your buffer {mine!r}")
        except LayoutError as exc:
            raise ValueError(str(exc)) from None

    # ------------------------------------------------------------ the input
    expected_in = core.first_in_features(reference)
    if expected_in is None:  # a torch function: its 2-D weight (out, in) fixes the input's features
        weights = [v for v in params_t.values() if np.ndim(v) == 2]
        expected_in = weights[0].shape[1] if weights else None
    lay_in = layouts["input"]
    dropout_layer = kind == "layer" and bool(core.training_dropouts(reference))
    if isinstance(inputs, np.ndarray) or (inputs is not None and not isinstance(inputs, tuple)):
        x_user = np.asarray(inputs)
        if x_user.dtype.kind not in "fiub":
            raise TypeError(f"inputs must be a numeric array, got dtype {x_user.dtype}")
        sizes = core.input_sizes(x_user, lay_in, expected_in, "input")
        x_t = lay_in.to_torch(x_user.astype(np.float64), ("m", "in"), sizes, "your input").astype(dtype)
        x_user = _cast(x_user.astype(np.float64), dtype)
    else:
        if inputs is not None:
            if not all(isinstance(s, (int, np.integer)) and s > 0 for s in inputs):
                raise ValueError(f"inputs given as a shape must be positive integers, got {inputs}")
            sizes = core.input_sizes(np.empty(inputs), lay_in, expected_in, "input shape")
        else:
            sizes = {"m": m or core.DEFAULT_M, "in": expected_in or core.DEFAULT_FEATURES}
        x_t = core.draw_input(rng, (sizes["m"], sizes["in"]), reference,
                              zero_row=not dropout_layer).astype(dtype)
        x_user = lay_in.from_torch(x_t, ("m", "in"))
    m_size = x_t.shape[0]

    # torch's output shape (a throwaway forward on a copy)
    try:
        out_shape = _output_shape(reference, x_t, params_t, dtype)
    except RuntimeError as exc:
        raise ValueError(f"torch's reference {_describe(reference)} cannot take the input of shape {x_t.shape} "
                         f"(torch's layout 'm in') with these parameters: {exc}") from None
    if len(out_shape) != 2:
        raise ValueError(f"the reference's output has shape {out_shape}; checks compare (examples, features) outputs")

    # ------------------------------------------------------------ upstream gradient or target
    target_t = dout_t = None
    if loss is not None:
        t_axes = ("m",) if index_target else ("m", "out")
        if target is not None:
            t_user = np.asarray(target)
            t_sizes = {"m": m_size, "out": out_shape[1]}
            try:
                target_t = layouts["target"].to_torch(t_user, t_axes, t_sizes, "your target")
            except LayoutError as exc:
                raise ValueError(str(exc)) from None
            if one_hot:
                target_t = np.argmax(target_t, axis=1)
        else:
            target_t = core.draw_target(rng, loss, out_shape)
            if one_hot:
                t_user = layouts["target"].from_torch(np.eye(out_shape[1])[target_t], ("m", "out"))
            else:
                t_user = layouts["target"].from_torch(target_t, t_axes)
        upstream_user = _cast(t_user, dtype) if np.asarray(t_user).dtype.kind == "f" else t_user
    else:
        if upstream is not None:
            try:
                dout_t = layouts["output"].to_torch(np.asarray(upstream, dtype=np.float64), ("m", "out"),
                                                    dict(zip(("m", "out"), out_shape)), "your upstream gradient")
            except LayoutError as exc:
                raise ValueError(str(exc)) from None
        else:
            dout_t = rng.standard_normal(out_shape)
        dout_t = dout_t.astype(dtype)
        upstream_user = layouts["output"].from_torch(dout_t, ("m", "out"))

    # ------------------------------------------------------------ your code
    forward = user if obj is None else None
    out_u, cache, has_cache = core.call_forward(forward, obj, x_user, params_u, kind)
    out_u = None if out_u is None else np.asarray(out_u)
    keep = None
    if dropout_layer:
        if out_u is None:
            raise ValueError("your forward returned nothing; a dropout check recovers your mask from your output")
        try:
            keep = torch.as_tensor(layouts["output"].to_torch(out_u, ("m", "out"), dict(zip(("m", "out"), out_shape)),
                                                              "your output") != 0)
        except LayoutError as exc:
            raise ValueError(f"{exc}: a dropout check recovers your mask from your output") from None
    cost_value = None
    if cost is not None:
        arity = len(inspect.signature(cost).parameters)
        cost_value = cost(upstream_user) if arity == 1 else cost(out_u, upstream_user)
    returned = core.call_backward(backward, obj, upstream_user, cache, has_cache)
    user_names = list(params)
    grads_u, dx_u, how = core.parse_grads(returned, obj, user_names, kind)
    buffers_after = {mine: core.read_attr(obj, mine, "object") for mine in buffers}

    # ------------------------------------------------------------ torch
    run_args = dict(x=x_t, params=params_t, buffers=buffers_t, target=target_t, upstream=dout_t, dtype=dtype,
                    keep=keep)
    base = core.run_torch(reference, loss, **run_args)

    # ------------------------------------------------------------ rows
    n_out = out_shape[1]
    factors = dg.network_factors(m_size, n_out if isinstance(loss, nn.MSELoss) or loss is None else None)
    if dropout_layer:
        p = core.training_dropouts(reference)[0].p
        factors += [dg.Factor(1 - p, f"{1 - p:g} = 1 − p", "inverted dropout scales the kept units by "
                                                             "1/(1 − p); is it missing?"),
                    dg.Factor(1 / (1 - p), f"1/(1 − p) = {1 / (1 - p):g}", "the 1/(1 − p) applied twice?")]
    elementwise = isinstance(reference, (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.ELU, nn.GELU, nn.SiLU,
                                         nn.Softplus)) or (not isinstance(reference, nn.Module) and not params)
    tensors = [core.Tensor("output", "output", "output", out_u, layouts["output"], ("m", "out"),
                           missing="your forward returned nothing")]
    if cost is not None:
        tensors.append(core.Tensor("loss", "loss", "loss", None if cost_value is None else np.asarray(cost_value),
                                   Layout(()), ()))
    for mine, theirs in buffers.items():
        tensors.append(core.Tensor(mine, "state", f"buffer:{theirs}", _cast(buffers_after[mine], dtype)
                                   if buffers_after[mine].dtype.kind == "f" else buffers_after[mine],
                                   layouts[mine], ("out",), torch_name=theirs))
    by_torch = {theirs: mine for mine, theirs in params.items()}
    linear_of_bias = {}
    for lname, lin in core.linear_modules(reference):
        linear_of_bias[f"{lname}.bias" if lname else "bias"] = lname
        linear_of_bias[f"{lname}.weight" if lname else "weight"] = lname
    sum_hint = ""
    out_axes = layouts["output"].axes
    if "m" in out_axes:
        sum_hint = f"axis={out_axes.index('m')} of your dZ, where your layout '{layouts['output']}' has the examples"
    for theirs in _backward_order(list(params.values())):
        mine = by_torch[theirs]
        role, ndim = names[mine]
        ctx = {}
        if theirs in linear_of_bias and theirs.endswith("bias"):
            dz = base.dz.get(linear_of_bias[theirs])
            if dz is not None:
                ctx = {"dz": dz, "sum_axis_hint": sum_hint}
        elif theirs in linear_of_bias and theirs.endswith("weight"):
            ctx = {"weight_hint": core.weight_hint(layouts[mine], layouts["input"])}
        tensors.append(core.Tensor(
            f"d{mine}", "gradient", f"grad:{theirs}", grads_u.get(mine), layouts[mine], torch_axes_for(role, ndim),
            torch_name=theirs, ctx=ctx,
            missing=f"no gradient for {mine!r} in {how} (looked for 'd{mine}', '{mine}', 'grad_{mine}')"))
    if dx_u is not None or kind == "layer":
        ctx = {"z": x_user} if elementwise else {}
        tensors.append(core.Tensor("dX", "gradient", "dX", dx_u, layouts["input"], ("m", "in"), ctx=ctx,
                                   missing=f"your backward returned no dX ({how})"))
    rows = [core.compare(t, base, dtype) for t in tensors]
    if not all(r.ok for r in rows):
        runs = core.variant_runs(reference, loss, run_args, kind)
        core.diagnose_rows(rows, tensors, runs, dtype, factors)

    # ------------------------------------------------------------ the report
    what = {"layer": "layer", "network": "network", "loss": "loss"}[kind]
    mine_name = core.describe_callable(obj if obj is not None else user)
    title = f"check_{what}: {mine_name} against torch's {_describe(reference)}" + \
        (f" with {type(loss).__name__}()" if loss is not None else "")
    notes = [f"{dtype.name}", f"m = {m_size}", f"seed {seed}",
             "layout " + ", ".join(f"{k} '{v}'" for k, v in layouts.items())]
    if keep is not None:
        notes.append("dropout: torch uses your mask, recovered from your output")
    return Report(title, rows, notes)


def _output_shape(reference, x_t, params_t, dtype) -> tuple[int, ...]:
    import copy

    tdt = core.torch_dtype(dtype)
    with torch.no_grad():
        xt = torch.as_tensor(x_t, dtype=tdt)
        if isinstance(reference, nn.Module):
            module = copy.deepcopy(reference).to(device="cpu", dtype=tdt)  # your NumPy side is on the CPU
            named = dict(module.named_parameters())
            for n, v in params_t.items():
                named[n].copy_(torch.as_tensor(v, dtype=tdt))
            out = module(xt)
        else:
            out = reference(xt, **{n: torch.as_tensor(v, dtype=tdt) for n, v in params_t.items()})
    return tuple(out.shape)


# ================================================================================ public API
@core.single_threaded
def check_layer(forward, backward=None, reference=None, *, params=None, layout="torch", inputs=None,
                upstream=None, values=None, buffers=None, dtype="float64", seed=0) -> Report:
    """Check one layer's forward and backward against a torch module or function.

    Call it as ``check_layer(forward, backward, reference, ...)`` with your two
    functions, or ``check_layer(layer, reference, ...)`` with an object that has
    ``forward(x)`` and ``backward(dout)`` methods (see the module docstring for
    the signatures accepted).

    reference: a ``torch.nn.Module`` (``torch.nn.Linear(4, 3)``, ``nn.ReLU()``,
        ``nn.BatchNorm1d(4)``, ``nn.Dropout(0.3)``) or a torch function
        (``torch.sigmoid``; with params, called as ``reference(x, **params)``).
    params: your parameter names → torch's (``{"W": "weight", "b": "bias"}``).
    layout: your axes (a preset ``"torch"``, ``"cs229"``, ``"x@w"``, or a dict;
        :mod:`torch_ref.check.layout`).
    inputs: your input (an array in your layout), its shape, or None (drawn:
        m = 8 examples, N(0, 1), example 0 all zeros so that kinks are hit).
    upstream: dJ/d(out) in your layout (default: drawn, N(0, 1)); torch's
        autograd gets the same one.
    values: your parameters' values (your layout) for functions (default: drawn).
    buffers: your names → torch's buffer names (``running_mean``...), read from an
        object after forward; an object with attributes of torch's buffer names
        is compared without asking.
    dtype: "float64" (bound 1e-10) or "float32" (1e-5).
    seed: the draws' seed.

    Returns a :class:`~torch_ref.check.report.Report`: rows output, the state,
    d<param> for each parameter, dX.
    """
    if core.is_object(forward):
        if reference is not None:
            raise TypeError("check_layer(layer, reference): with a layer object, give the reference second "
                            "(there is no separate backward function)")
        reference, backward = backward, None
    if reference is None:
        raise TypeError("check_layer needs a reference: a torch.nn.Module or a torch function")
    return _run("layer", forward, backward, reference, params=params, layout=layout, inputs=inputs,
                upstream=upstream, values=values, buffers=buffers, dtype=dtype, seed=seed)


@core.single_threaded
def check_network(network, backward=None, reference=None, *, params=None, loss=None, layout="torch", inputs=None,
                  target=None, upstream=None, values=None, one_hot=False, cost=None, dtype="float64",
                  seed=0) -> Report:
    """Check a whole network's forward and backward against a torch model.

    ``check_network(net, reference, params=..., loss=...)`` with an object
    (``net.forward(X)``, ``net.backward(Y)`` — the CS229 notebook's form), or
    ``check_network(forward, backward, reference, ...)`` with functions.

    reference: the torch model (e.g. ``nn.Sequential(nn.Linear(2, 4), nn.ReLU(),
        nn.Linear(4, 1), nn.Sigmoid())``).
    params: your names → the model's state-dict keys (``{"W1": "0.weight", ...}``).
    loss: torch's loss module (``nn.BCELoss()``). Given a loss, your backward
        receives the *target* and computes its loss's gradient itself; torch
        differentiates ``loss(model(X), target)``. Without one, your backward
        receives an upstream gradient dJ/d(out), as a layer's.
    target: your target in your layout (default: drawn to suit the loss; class
        indices for CrossEntropyLoss/NLLLoss, one-hot rows with ``one_hot=True``).
    cost: optional, your loss value: ``cost(target)`` (CS229's
        ``compute_cost(Y)``) or ``cost(output, target)``; adds a "loss" row.
    layout, inputs, upstream, values, dtype, seed: as for :func:`check_layer`.

    The rows are the output, the loss, then your gradients in backward order
    (the last layer first), then dX if your backward returns it; the report's
    ``first_failure`` is the first wrong tensor going backward.
    """
    if core.is_object(network):
        if reference is not None:
            raise TypeError("check_network(net, reference): with a network object, give the reference second")
        reference, backward = backward, None
    if reference is None:
        raise TypeError("check_network needs a reference: a torch.nn.Module")
    if not isinstance(reference, nn.Module):
        raise TypeError(f"check_network's reference must be a torch.nn.Module, got {type(reference).__name__}")
    return _run("network", network, backward, reference, loss=loss, params=params, layout=layout, inputs=inputs,
                target=target, upstream=upstream, values=values, one_hot=one_hot, cost=cost, dtype=dtype,
                seed=seed)


@core.single_threaded
def check_loss(loss, backward=None, reference=None, *, layout="torch", inputs=None, target=None, one_hot=False,
               dtype="float64", seed=0) -> Report:
    """Check a loss function's value and gradient dJ/dŷ against a torch loss.

    Your loss may be

    * ``loss(pred, target) -> (J, dpred)`` (CS231n's ``softmax_loss``), with no backward;
    * ``loss(pred, target) -> J`` and ``backward(pred, target) -> dpred``;
    * ``loss(pred, target) -> (J, cache)`` and ``backward(cache) -> dpred``;
    * an object with ``forward(pred, target) -> J`` and ``backward() -> dpred``.

    reference: a torch loss module (``nn.MSELoss()``, ``nn.CrossEntropyLoss()``,
    ``nn.BCELoss()``). ``inputs`` is the prediction (default: drawn to suit the
    loss: logits, probabilities in (0, 1) for BCELoss, log-probabilities for
    NLLLoss); ``target`` as for :func:`check_network`. The rows are "loss" and
    "dpred".
    """
    if core.is_object(loss):
        if reference is not None:
            raise TypeError("check_loss(loss_object, reference): give the reference second")
        reference, backward = backward, None
    if not isinstance(reference, nn.Module):
        raise TypeError(f"check_loss's reference must be a torch loss module (e.g. torch.nn.MSELoss()), "
                        f"got {type(reference).__name__}")
    return _check_loss(loss, backward, reference, layout=layout, inputs=inputs, target=target, one_hot=one_hot,
                       dtype=dtype, seed=seed)


def _check_loss(user, backward, reference, *, layout, inputs, target, one_hot, dtype, seed) -> Report:
    dtype = resolve_dtype(dtype)
    rng = np.random.default_rng(seed)
    obj = user if core.is_object(user) else None
    index_target = isinstance(reference, (nn.CrossEntropyLoss, nn.NLLLoss)) and not one_hot
    names = {"output": ("output", 2), "target": ("target", 1 if index_target else 2)}
    layouts = resolve(layout, names, target_indices=index_target)
    lay_pred = layouts["output"]
    if inputs is not None and not isinstance(inputs, tuple):
        pred_user = _cast(np.asarray(inputs, dtype=np.float64), dtype)
        if pred_user.ndim != len(lay_pred.axes):
            raise ValueError(f"your prediction has shape {pred_user.shape}, but its layout '{lay_pred}' has "
                             f"{len(lay_pred.axes)} axes")
        pred_t = lay_pred.to_torch(pred_user, ("m", "out"), lay_pred.sizes(pred_user.shape, "prediction"),
                                   "your prediction")
    else:
        if inputs is not None:
            sizes = lay_pred.sizes(inputs, "prediction shape")
            shape = (sizes["m"], sizes["out"])
        else:
            shape = (core.DEFAULT_M, 3 if not isinstance(reference, (nn.BCELoss, nn.BCEWithLogitsLoss)) else 1)
        if isinstance(reference, nn.BCELoss):
            pred_t = rng.uniform(0.05, 0.95, shape)
        elif isinstance(reference, nn.NLLLoss):
            z = rng.standard_normal(shape) * 2
            pred_t = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        else:
            pred_t = rng.standard_normal(shape) * 2
        pred_t = pred_t.astype(dtype)
        pred_user = lay_pred.from_torch(pred_t, ("m", "out"))
    out_shape = pred_t.shape
    t_axes = ("m",) if index_target else ("m", "out")
    if target is not None:
        try:
            target_t = layouts["target"].to_torch(np.asarray(target), t_axes,
                                                  {"m": out_shape[0], "out": out_shape[1]}, "your target")
        except LayoutError as exc:
            raise ValueError(str(exc)) from None
        t_user = np.asarray(target)
        if one_hot:
            target_t = np.argmax(target_t, axis=1)
    else:
        target_t = core.draw_target(rng, reference, out_shape)
        t_user = (layouts["target"].from_torch(np.eye(out_shape[1])[target_t], ("m", "out")) if one_hot
                  else layouts["target"].from_torch(target_t, t_axes))
    if np.asarray(t_user).dtype.kind == "f":
        t_user = _cast(t_user, dtype)

    # your code
    if obj is not None:
        value = obj.forward(pred_user, t_user)
        dpred = obj.backward()
    else:
        result = user(pred_user, t_user)
        if backward is None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise TypeError("without a backward, your loss must return (J, dpred) — or give backward")
            value, dpred = result
        elif isinstance(result, tuple) and len(result) == 2:
            value, cache = result
            dpred = backward(cache)
        else:
            value = result
            dpred = backward(pred_user, t_user)
    value = None if value is None else np.asarray(value, dtype=np.asarray(value).dtype)
    dpred = None if dpred is None else np.asarray(dpred)

    run_args = dict(x=pred_t, params={}, buffers={}, target=target_t, upstream=None, dtype=dtype, keep=None)
    identity = nn.Identity()
    base = core.run_torch(identity, reference, **run_args)
    tensors = [core.Tensor("loss", "loss", "loss", value, Layout(()), (), missing="your loss returned nothing"),
               core.Tensor("dpred", "gradient", "dX", dpred, lay_pred, ("m", "out"),
                           missing="your loss returned no gradient")]
    rows = [core.compare(t, base, dtype) for t in tensors]
    if not all(r.ok for r in rows):
        runs = core.variant_runs(identity, reference, run_args, "loss")
        n_out = out_shape[1] if isinstance(reference, nn.MSELoss) else None
        core.diagnose_rows(rows, tensors, runs, dtype, dg.network_factors(out_shape[0], n_out))
    title = f"check_loss: {core.describe_callable(obj if obj is not None else user)} against torch's {reference!r}"
    notes = [dtype.name, f"m = {out_shape[0]}", f"seed {seed}",
             "layout " + ", ".join(f"{k} '{v}'" for k, v in layouts.items())]
    return Report(title, rows, notes)
