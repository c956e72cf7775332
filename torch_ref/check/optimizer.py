"""``check_optimizer``: your update rule against ``torch.optim``, step by step.

Both sides start from the same parameters; at every step each computes the
gradient of the same smooth loss from its *own* parameters (so a difference
carries forward, as in training), takes one step, and the parameters and the
state entries you map are compared. The report's first failing row is the
first step where the trajectories part, and which tensor.

Your update is called once per parameter tensor and step::

    update(param, grad, state, **hyper)

* ``param``, ``grad``: NumPy arrays; update ``param`` in place and return
  None, or return the new array, or ``(new_param, new_state)`` (CS231n's
  ``sgd_momentum(w, dw, config)`` form);
* ``state``: a dict that is yours, one per parameter, kept across steps
  (keep your velocity, moments and step count t there);
* ``hyper``: the hyperparameters given to torch (``lr``, ``momentum``,
  ``betas``, ...), by torch's names — those your function accepts by name
  (all, if it takes ``**kwargs``); ``lr`` follows ``lr_schedule``.

``state_map`` maps your state keys to torch's: ``{"v": "momentum_buffer"}`` (SGD),
``{"m": "exp_avg", "v": "exp_avg_sq", "t": "step"}`` (Adam, AdamW),
``{"v": "square_avg"}`` (RMSprop), ``{"s": "sum", "t": "step"}`` (Adagrad); a value
``("momentum_buffer", -0.1)`` says yours is −0.1 × torch's (Chapter 15's
velocity v = −lr·b).
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from . import diagnose as dg
from .core import measure, single_threaded, torch_dtype
from .bounds import MAX_STEPS, bound_for, errors, resolve_dtype
from .optim_variants import OPTIM_VARIANTS, adagrad_step, adam_step, rmsprop_step, sgd_step
from .report import Report, Row

DEFAULT_SHAPES = [(4, 3), (5,)]
#: torch.optim options that choose an implementation, not the arithmetic: not passed to your update.
IMPLEMENTATION_FLAGS = ("params", "foreach", "capturable", "differentiable", "fused", "initial_lr")


def quadratic_problem(shapes, seed: int = 0):
    """A smooth loss per parameter, J(θ) = ½ θᵀAθ − bᵀθ + Σθ⁴/40 (A symmetric,
    eigenvalues in [0.5, 2]; the parity suite's optimizer problem), and its gradient
    ∇J = Aθ − b + θ³/10 as a NumPy function of the list of parameters."""
    rng = np.random.default_rng(seed + 1)
    terms = []
    for shape in shapes:
        n = int(np.prod(shape))
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        a = (q * rng.uniform(0.5, 2.0, n)) @ q.T
        terms.append(((a + a.T) / 2, rng.standard_normal(n)))

    def grad_fn(params):
        out = []
        for p, (a, b) in zip(params, terms):
            x = np.asarray(p).ravel()
            dt = np.asarray(p).dtype
            out.append((a.astype(dt) @ x - b.astype(dt) + x ** 3 / 10).reshape(np.shape(p)).astype(dt))
        return out

    return grad_fn


def _accepted(fn, hyper: dict) -> dict:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return dict(hyper)
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return dict(hyper)
    return {k: v for k, v in hyper.items() if k in sig.parameters}


def _lr_at(lr_schedule, step: int, default: float) -> float:
    if lr_schedule is None:
        return default
    if callable(lr_schedule):
        return float(lr_schedule(step))
    if step - 1 >= len(lr_schedule):
        raise ValueError(f"lr_schedule has {len(lr_schedule)} entries for {step} steps")
    return float(lr_schedule[step - 1])


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().astype(np.float64) if value.dim() == 0 else value.detach().cpu().numpy()
    return np.asarray(value)


@single_threaded
def check_optimizer(update, optimizer, *, hyper: dict, state_map: dict | None = None, steps: int = 5,
                    params=None, grad_fn=None, lr_schedule=None, dtype="float64", seed=0) -> Report:
    """Check ``update`` (see the module docstring) against ``optimizer`` (a
    ``torch.optim`` class, e.g. ``torch.optim.SGD``) built with ``hyper``.

    steps: how many steps (1 to 100; the trajectory bounds hold up to 100).
    params: the starting parameters (arrays) or their shapes (default two
        tensors, (4, 3) and (5,), drawn N(0, 1) from ``seed``).
    grad_fn: ``grad_fn(list_of_params) -> list_of_grads`` in NumPy, used by both
        sides (default: :func:`quadratic_problem`).
    lr_schedule: the learning rate at each step (a list, or ``f(step)`` with
        step = 1, 2, ...); torch's group lr is set to it before each step.
        A changing lr is what tells Sutskever's momentum from torch's.
    dtype: "float64" (1e-10 after one step, 1e-9 after more) or "float32"
        (1e-5, then 1e-4).
    """
    dtype = resolve_dtype(dtype)
    if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
        raise TypeError(f"optimizer must be a torch.optim class such as torch.optim.SGD, got {optimizer!r}")
    if not callable(update):
        raise TypeError(f"update must be your update function, got {type(update).__name__}")
    if not isinstance(hyper, dict) or "lr" not in hyper:
        raise ValueError("hyper must be a dict of torch's hyperparameters including 'lr' "
                         "(e.g. {'lr': 0.1, 'momentum': 0.9})")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an integer from 1 to {MAX_STEPS}, got {steps!r}")
    try:
        probe = optimizer([torch.zeros(1, requires_grad=True)], **hyper)
    except TypeError as exc:
        raise ValueError(f"torch.optim.{optimizer.__name__} does not take these hyperparameters: {exc}") from None
    # Your update receives torch's full set of hyperparameters, defaults included (betas, eps, ...).
    full_hyper = {k: v for k, v in probe.param_groups[0].items() if k not in IMPLEMENTATION_FLAGS}
    state_map = dict(state_map or {})
    mapping = {}
    for mine, theirs in state_map.items():
        key, factor = (theirs, 1.0) if isinstance(theirs, str) else (theirs[0], float(theirs[1]))
        mapping[mine] = (key, factor)
    rng = np.random.default_rng(seed)
    if params is None:
        params = DEFAULT_SHAPES
    start = [rng.standard_normal(p) if isinstance(p, tuple) else np.asarray(p, dtype=np.float64) for p in params]
    start = [p.astype(dtype) for p in start]
    if grad_fn is None:
        grad_fn = quadratic_problem([p.shape for p in start], seed)

    # ------------------------------------------------------------------ torch
    tdt = torch_dtype(dtype)
    tparams = [torch.tensor(p.copy(), dtype=tdt, requires_grad=True) for p in start]
    opt = optimizer(tparams, **hyper)
    torch_traj = []  # per step: (params, states)
    for t in range(1, steps + 1):
        lr = _lr_at(lr_schedule, t, hyper["lr"])
        for group in opt.param_groups:
            group["lr"] = lr
        grads = grad_fn([p.detach().numpy().copy() for p in tparams])
        for p, g in zip(tparams, grads):
            p.grad = torch.as_tensor(np.asarray(g), dtype=tdt).clone()
        opt.step()
        torch_traj.append(([p.detach().numpy().copy() for p in tparams],
                           [{k: _to_numpy(v).copy() for k, v in opt.state[p].items()} for p in tparams]))

    # ------------------------------------------------------------------ yours
    mine = [p.copy() for p in start]
    states = [dict() for _ in mine]
    my_traj = []
    for t in range(1, steps + 1):
        lr = _lr_at(lr_schedule, t, hyper["lr"])
        step_hyper = dict(full_hyper, lr=lr)
        grads = [np.asarray(g) for g in grad_fn([p.copy() for p in mine])]
        for i in range(len(mine)):
            result = update(mine[i], grads[i], states[i], **_accepted(update, step_hyper))
            if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
                mine[i], states[i] = np.asarray(result[0]), result[1]
            elif result is not None:
                mine[i] = np.asarray(result)
        my_traj.append(([np.array(p, copy=True) for p in mine],
                        [{k: np.array(v, copy=True) for k, v in s.items()} for s in states]))

    # ------------------------------------------------------------------ rows
    rows_by_step = []
    family = optimizer.__name__
    if family == "Adam" and full_hyper.get("decoupled_weight_decay"):
        family = "AdamW"  # torch's AdamW is Adam(decoupled_weight_decay=True)
    for t in range(1, steps + 1):
        bound = bound_for(dtype, step=t)
        ref_params, ref_states = torch_traj[t - 1]
        my_params, my_states = my_traj[t - 1]
        step_rows = []
        for i, (a, b) in enumerate(zip(my_params, ref_params)):
            step_rows.append(_row(f"step {t} · θ{i}", a, b, bound, dtype, "parameter", t))
        for i in range(len(my_params)):
            for mine_key, (key, factor) in mapping.items():
                name = f"step {t} · θ{i}: {mine_key}" + (f" (= {factor:g} × {key})" if factor != 1 else
                                                           (f" ({key})" if key != mine_key else ""))
                if key not in ref_states[i]:
                    step_rows.append(Row(name, my_states[i].get(mine_key), None, np.nan, np.nan, bound, False,
                                         f"torch's {optimizer.__name__} keeps no {key!r} here (its state: "
                                         f"{', '.join(ref_states[i]) or 'none'})", "state", t, key))
                    continue
                expected = factor * ref_states[i][key]
                if mine_key not in my_states[i]:
                    step_rows.append(Row(name, None, expected, np.nan, np.nan, bound, False,
                                         f"your state has no {mine_key!r} after step {t} (its keys: "
                                         f"{', '.join(map(str, my_states[i])) or 'none'})", "state", t, key))
                    continue
                step_rows.append(_row(name, np.asarray(my_states[i][mine_key]), expected, bound, dtype, "state", t, key))
        rows_by_step.append(step_rows)

    failing_step = next((t for t, rs in enumerate(rows_by_step, 1) if not all(r.ok for r in rs)), None)
    shown = [r for rs in rows_by_step[:failing_step or steps] for r in rs]
    notes = [dtype.name, f"{steps} step{'s' if steps > 1 else ''}", f"seed {seed}",
             "hyper " + ", ".join(f"{k}={v}" for k, v in hyper.items())]
    if lr_schedule is not None:
        notes.append("lr by step " + ", ".join(f"{_lr_at(lr_schedule, t, hyper['lr']):g}" for t in range(1, steps + 1)))
    if failing_step is not None:
        if failing_step < steps:
            later = f"step {steps}" if failing_step + 1 == steps else f"steps {failing_step + 1}–{steps}"
            notes.append(f"{later} not shown: the trajectories parted at step {failing_step}")
        # the variants are torch's algorithms: they run with torch's full hyperparameters, as your update does
        _diagnose(shown, failing_step, my_traj, torch_traj, start, mapping, family, full_hyper, lr_schedule, steps,
                  dtype, grad_fn)
    title = f"check_optimizer: {getattr(update, '__qualname__', 'update')} against torch.optim.{optimizer.__name__}"
    return Report(title, shown, notes)


def _row(name, mine, expected, bound, dtype, kind, step, torch_name=None) -> Row:
    """One row, by the rules of every check (:func:`core.measure`); torch's ``step`` is a count."""
    mine, expected = np.asarray(mine), np.asarray(expected)
    measured = measure(mine, expected, bound, dtype, counts=torch_name == "step")
    if measured is None:
        return Row(name, mine, expected, np.nan, np.nan, bound, False,
                   f"shape {mine.shape}, expected {expected.shape}", kind, step, torch_name)
    if mine.shape != expected.shape:  # size 1 either way
        mine = mine.reshape(expected.shape)
    max_abs, max_rel, ok = measured
    return Row(name, mine, expected, max_abs, max_rel, bound, ok, None, kind, step, torch_name)


#: Each family's step in optim_variants: torch's algorithm, with a variant's one change.
VARIANT_STEPS = {"SGD": sgd_step, "Adam": adam_step, "AdamW": adam_step, "RMSprop": rmsprop_step,
                 "Adagrad": adagrad_step}


def _variant_trajectory(change, family, hyper, start, grad_fn, lr_schedule, steps, dtype):
    """The trajectory of torch's algorithm with ``change``, from torch's full ``hyper``
    (each step function takes the options it models, by name)."""
    step = VARIANT_STEPS[family]
    decoupled = {"decoupled": family == "AdamW"} if step is adam_step else {}
    tdt = torch_dtype(dtype)
    ps = [torch.tensor(p.copy(), dtype=tdt) for p in start]
    states = [dict() for _ in ps]
    traj = []
    for t in range(1, steps + 1):
        h = _accepted(step, dict(hyper, lr=_lr_at(lr_schedule, t, hyper["lr"])))
        grads = grad_fn([p.numpy().copy() for p in ps])
        for p, g, s in zip(ps, grads, states):
            step(p, torch.as_tensor(np.asarray(g), dtype=tdt), s, change=change, **decoupled, **h)
        traj.append(([p.numpy().copy() for p in ps], [{k: _to_numpy(v).copy() for k, v in s.items()} for s in states]))
    return traj


def _diagnose(rows, failing_step, my_traj, torch_traj, start, mapping, family, hyper, lr_schedule, steps, dtype,
              grad_fn):
    failing = [r for r in rows if not r.ok]
    # 1. a known variant that reproduces every parameter and mapped state entry, at every step
    for v in OPTIM_VARIANTS:
        if not v.applies(family, hyper):
            continue
        try:
            traj = _variant_trajectory(v.change, family, hyper, start, grad_fn, lr_schedule, steps, dtype)
        except (ArithmeticError, ValueError, RuntimeError):
            # your grad_fn or torch refusing what a variant's trajectory reached (an overflow under
            # np.seterr, a NaN): that variant explains nothing. Anything else is a bug of the check's.
            continue
        if _reproduces(traj, my_traj, mapping, dtype):
            for r in failing:
                if r.diagnosis is None:
                    r.diagnosis = v.says
            return
    # 2. generic: the step θ_t − θ_{t−1} (or the state) against torch's, at the first failing step
    lr = _lr_at(lr_schedule, failing_step, hyper["lr"])
    factors = [dg.Factor(-1.0, "−1", "the step goes the wrong way (a sign)"),
               dg.Factor(lr, f"{lr:g} = lr", "the learning rate applied twice?"),
               dg.Factor(1 / lr, f"1/lr = {1 / lr:g}", "the learning rate missing?"),
               dg.Factor(-lr, f"−{lr:g} = −lr", "Sutskever's velocity v = μv − γg holds −γ × torch's buffer "
                                                "(map it with a factor: (key, −lr))")]
    mu = hyper.get("momentum")
    if mu and family == "SGD":  # RMSprop's momentum sums normalised steps: these hints are SGD's
        factors += [dg.Factor(1 - mu, f"{1 - mu:g} = 1 − momentum", "an exponential average (1 − β)g where torch "
                                                                      "sums g (dampening)?"),
                    dg.Factor(1 / (1 - mu), f"1/(1 − momentum) = {1 / (1 - mu):g}",
                              "torch's first step is undampened (b₁ = g₁)?")]
    prev_mine = start if failing_step == 1 else my_traj[failing_step - 2][0]
    prev_ref = start if failing_step == 1 else torch_traj[failing_step - 2][0]
    for r in failing:
        if r.diagnosis is not None or r.mine is None or r.expected is None:
            continue
        ctx = dg.Context(dtype=np.dtype(dtype), bound=r.bound, factors=factors)
        if r.kind == "parameter":
            i = int(r.name.split("θ")[1])
            step_mine = np.asarray(r.mine, dtype=np.float64) - prev_mine[i]
            step_ref = np.asarray(r.expected, dtype=np.float64) - prev_ref[i]
            text = dg.diagnose(step_mine, step_ref, ctx)
            r.diagnosis = ("the update θ_t − θ_{t−1}: " + text) if r.step == failing_step else \
                "the trajectories parted earlier"
        else:
            r.diagnosis = dg.diagnose(r.mine, r.expected, ctx)


def _reproduces(traj, my_traj, mapping, dtype) -> bool:
    for t, ((v_params, v_states), (m_params, m_states)) in enumerate(zip(traj, my_traj), 1):
        bound = bound_for(dtype, step=t)
        for a, b in zip(m_params, v_params):
            if np.shape(a) != np.shape(b) or errors(a, b)[1] > bound:
                return False
        for ms, vs in zip(m_states, v_states):
            for mine_key, (key, _factor) in mapping.items():
                if mine_key not in ms or key not in vs:
                    continue
                a, b = np.asarray(ms[mine_key], dtype=np.float64), np.asarray(vs[key], dtype=np.float64)
                if a.size != b.size or errors(a.reshape(b.shape), b)[1] > bound:
                    return False
    return True
