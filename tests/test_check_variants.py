"""The known variants torch_ref.check re-runs to explain a failure.

A variant is only evidence if it differs from torch on the check's inputs (else
it would "explain" correct code), and the optimizer variants start from torch's
own algorithm: with ``change=None`` they must *be* torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from torch_ref.check import core
from torch_ref.check.bounds import errors
from torch_ref.check import check_optimizer
from torch_ref.check.optim_variants import OPTIM_VARIANTS, adagrad_step, adam_step, rmsprop_step, sgd_step
from torch_ref.check.variants import DROPOUT_VARIANTS, NETWORK_VARIANTS

#: A reference each network variant applies to.
REFERENCES = {
    "relu": (lambda: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)), nn.CrossEntropyLoss()),
    "sigmoid": (lambda: nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3)), nn.MSELoss()),
    "tanh": (lambda: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)), nn.MSELoss()),
    "softmax": (lambda: nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1)), nn.MSELoss()),
    "bn": (lambda: nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 1)), nn.BCEWithLogitsLoss()),
}


def _reference_for(variant):
    for make, loss in REFERENCES.values():
        module = make()
        if variant.applies(module, loss):
            return module, loss
    raise AssertionError(f"no test reference for variant {variant.name}")


@pytest.mark.parametrize("variant", NETWORK_VARIANTS, ids=[v.name for v in NETWORK_VARIANTS])
def test_each_network_variant_differs_from_torch_on_the_checks_inputs(variant):
    module, loss = _reference_for(variant)
    rng = np.random.default_rng(0)
    x = core.draw_input(rng, (8, 4), module, zero_row=True)
    params = {n: core.draw_param(rng, n, tuple(p.shape), np.float64) for n, p in module.named_parameters()}
    buffers = {n: b.numpy().copy() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked")}
    target = core.draw_target(rng, loss, (8, 1 if isinstance(loss, nn.BCEWithLogitsLoss) else 3))
    if isinstance(loss, nn.BCEWithLogitsLoss):
        target = target.reshape(8, 1)
    args = dict(x=x, params=params, buffers=buffers, target=target, upstream=None, dtype=np.float64)
    base = core.run_torch(module, loss, **args)
    run = core.run_torch(module, loss, module_variant=variant.module,
                         loss_variant=None if variant.loss is None else variant.loss(loss), **args)
    diffs = [errors(run.grads[n], base.grads[n])[1] for n in base.grads]
    diffs.append(errors(run.output, base.output)[1])
    diffs += [errors(run.buffers[k], base.buffers[k])[1] for k in base.buffers]
    if variant.loss is not None:
        diffs.append(errors(run.loss, base.loss)[1])
    assert max(diffs) > 1e-6, f"{variant.name} does not change anything here"
    # ... and the reference itself is untouched by a variant run
    again = core.run_torch(module, loss, **args)
    for n in base.grads:
        np.testing.assert_array_equal(again.grads[n], base.grads[n])


@pytest.mark.parametrize("change", [c for c, _ in DROPOUT_VARIANTS])
def test_each_dropout_variant_differs_from_torch_on_the_checks_inputs(change):
    """With your mask M, torch's dropout is x ⊙ M/(1 − p) with dX = dY ⊙ M/(1 − p) (by hand
    here); each variant changes the output or dX by a factor 1 − p or more."""
    p, module = 0.3, nn.Dropout(0.3)                     # training mode, as a check's reference
    rng = np.random.default_rng(0)
    x = core.draw_input(rng, (8, 5), module, zero_row=False)
    keep = rng.uniform(size=(8, 5)) >= p
    upstream = rng.standard_normal((8, 5))
    args = dict(x=x, params={}, buffers={}, upstream=upstream, dtype=np.float64, keep=torch.as_tensor(keep))
    base = core.run_torch(module, None, **args)
    np.testing.assert_allclose(base.output, x * keep / (1 - p), rtol=1e-15, atol=0)
    np.testing.assert_allclose(base.input_grad, upstream * keep / (1 - p), rtol=1e-15, atol=0)
    run = core.run_torch(module, None, dropout_change=change, **args)
    assert max(errors(run.output, base.output)[1], errors(run.input_grad, base.input_grad)[1]) >= p - 1e-12, \
        f"dropout variant {change} changes nothing"


SGD_CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.5),
             dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1), dict(lr=0.1, momentum=0.5, maximize=True)]
ADAM_CASES = [(torch.optim.Adam, dict(lr=0.1)), (torch.optim.Adam, dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
              (torch.optim.AdamW, dict(lr=0.1)), (torch.optim.AdamW, dict(lr=0.1, weight_decay=0.3, betas=(0.8, 0.9)))]

RMSPROP_CASES = [dict(lr=0.01), dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.1, maximize=True),
                 dict(lr=0.01, momentum=0.9, centered=True), dict(lr=0.005, momentum=0.5, weight_decay=0.05)]
ADAGRAD_CASES = [dict(lr=0.1), dict(lr=0.1, eps=0.1, lr_decay=0.1, weight_decay=0.1, maximize=True),
                 dict(lr=0.05, initial_accumulator_value=0.5, lr_decay=0.01)]


def _trajectory(step, make_torch, hyper, steps=6, **kw):
    rng = np.random.default_rng(1)
    start = rng.standard_normal((4, 3))
    a = torch.tensor(start.copy())
    b = torch.tensor(start.copy(), requires_grad=True)
    opt = make_torch([b], **hyper)
    state, out = {}, []
    for _ in range(steps):
        g = torch.tensor(np.cos(a.numpy()) + a.numpy() ** 3)      # each side from its own parameters
        step(a, g, state, **kw)
        b.grad = torch.tensor(np.cos(b.detach().numpy()) + b.detach().numpy() ** 3)
        opt.step()
        # snapshots: torch updates its state tensors in place
        out.append((a.clone(), b.detach().clone(), {k: v.clone() for k, v in state.items()},
                    {k: v.clone() for k, v in opt.state[b].items()}))
    return out


@pytest.mark.parametrize("hyper", SGD_CASES, ids=[str(h) for h in SGD_CASES])
def test_sgd_step_without_a_change_is_torch_optim_sgd(hyper):
    for mine, theirs, s, ts in _trajectory(sgd_step, torch.optim.SGD, hyper, **hyper):
        assert errors(mine, theirs)[1] <= 1e-14
        if "momentum_buffer" in ts:
            assert errors(s["momentum_buffer"], ts["momentum_buffer"])[1] <= 1e-14


@pytest.mark.parametrize("make,hyper", ADAM_CASES, ids=[f"{m.__name__}{h}" for m, h in ADAM_CASES])
def test_adam_step_without_a_change_is_torch_optim_adam(make, hyper):
    kw = dict(hyper)
    if make is torch.optim.AdamW:
        kw.setdefault("weight_decay", 1e-2)
    for mine, theirs, s, ts in _trajectory(adam_step, make, hyper, decoupled=make is torch.optim.AdamW, **kw):
        assert errors(mine, theirs)[1] <= 1e-14
        for key in ("exp_avg", "exp_avg_sq"):
            assert errors(s[key], ts[key])[1] <= 1e-14
        assert float(s["step"]) == float(ts["step"])


@pytest.mark.parametrize("make,step,hyper", [(torch.optim.RMSprop, rmsprop_step, h) for h in RMSPROP_CASES]
                         + [(torch.optim.Adagrad, adagrad_step, h) for h in ADAGRAD_CASES],
                         ids=[f"RMSprop{h}" for h in RMSPROP_CASES] + [f"Adagrad{h}" for h in ADAGRAD_CASES])
def test_rmsprop_and_adagrad_steps_without_a_change_are_torch_optim(make, step, hyper):
    """Every parameter and state entry (step exactly): the reference steps use torch's own
    operations (addcmul, lerp), so they agree to the last bits, not just within a bound."""
    for mine, theirs, s, ts in _trajectory(step, make, hyper, **hyper):
        assert errors(mine, theirs)[1] <= 1e-14
        assert sorted(s) == sorted(ts)
        for key in ts:
            if key == "step":
                assert float(s[key]) == float(ts[key]) and s[key].dtype == ts[key].dtype == torch.float32
            else:
                assert errors(s[key], ts[key])[1] <= 1e-14, key


#: For each RMSprop/Adagrad variant: torch's optimizer and hyperparameters under which it applies and
#: matters (ε = 0.1, of the size of √v: at 1e-8 where ε goes changes θ by ~1e-9 only; maximize with a
#: weight decay, else the order of the two does not arise; lr_decay for the decay's variants).
NEW_VARIANT_CASES = {
    "maximize_after_weight_decay": dict(lr=0.05, eps=1e-3, weight_decay=0.1, maximize=True),
    "eps_inside_sqrt": dict(lr=0.05, eps=0.1),
    "no_lr_decay": dict(lr=0.1, lr_decay=0.2),
    "lr_decay_from_step_one": dict(lr=0.1, lr_decay=0.2),
}
NEW_FAMILIES = {"RMSprop": (torch.optim.RMSprop, rmsprop_step), "Adagrad": (torch.optim.Adagrad, adagrad_step)}
NEW_VARIANTS = [v for v in OPTIM_VARIANTS if v.family in NEW_FAMILIES]


def _as_numpy_update(step, change):
    """A variant step as a learner's NumPy ``update(param, grad, state, **hyper)``, its state under torch's names."""
    def update(param, grad, state, **hyper):
        p = torch.from_numpy(param)                     # shares param's memory: p.sub_ updates it in place
        tstate = {k: torch.as_tensor(v) for k, v in state.items()}
        step(p, torch.from_numpy(np.array(grad)), tstate, change=change, **hyper)
        state.clear()
        state.update({k: v.numpy().copy() for k, v in tstate.items()})
    return update


@pytest.mark.parametrize("variant", NEW_VARIANTS, ids=[v.name for v in NEW_VARIANTS])
def test_each_rmsprop_and_adagrad_variant_is_the_diagnosis_of_code_that_has_it(variant):
    """A NumPy update with exactly the variant's difference fails check_optimizer at the first
    step it changes, and the diagnosis is that variant's (not another's: they are tried in order)."""
    make, step = NEW_FAMILIES[variant.family]
    hyper = NEW_VARIANT_CASES[variant.change]
    assert variant.applies(variant.family, hyper)
    keys = ["step", "square_avg"] if variant.family == "RMSprop" else ["step", "sum"]
    report = check_optimizer(_as_numpy_update(step, variant.change), make, hyper=hyper,
                             state_map={k: k for k in keys}, steps=4)
    first = report.first_failure
    first_step = 2 if variant.change == "no_lr_decay" else 1   # γ̃ = γ/(1 + (t − 1)η) is γ at t = 1
    assert first is not None and first.name == f"step {first_step} · θ0", report
    assert first.diagnosis == variant.says, report
    # ... and without the change the same update passes
    assert check_optimizer(_as_numpy_update(step, None), make, hyper=hyper, state_map={k: k for k in keys},
                           steps=4).ok


@pytest.mark.parametrize("variant", OPTIM_VARIANTS, ids=[v.name for v in OPTIM_VARIANTS])
def test_each_optimizer_variant_changes_the_trajectory_or_the_state(variant):
    family = variant.family
    if family in NEW_FAMILIES:
        make, step = NEW_FAMILIES[family]
        hyper = NEW_VARIANT_CASES[variant.change]
        assert variant.applies(family, hyper)
        differs = False
        for mine, theirs, s, ts in _trajectory(step, make, hyper, change=variant.change, **hyper):
            differs |= errors(mine, theirs)[1] > 1e-8
        assert differs, f"{variant.name} changes nothing"
        return
    hyper = dict(lr=0.1, momentum=0.9, dampening=0.5 if variant.change == "dampened_first_step" else 0.0,
                 weight_decay=0.1 if "decay" in variant.change else 0.0) if family == "SGD" else \
        dict(lr=0.1, eps=1e-3, weight_decay=0.1 if "decoupled" in variant.change or "decay" in variant.change
             or "l2" in variant.change else 0.0)   # ε = 1e-3: at 1e-8, where ε goes changes θ by ~1e-9 only
    make = torch.optim.SGD if family == "SGD" else torch.optim.Adam
    if variant.change in ("decay_without_lr", "l2_instead_of_decoupled"):
        make = torch.optim.AdamW
    name = {torch.optim.SGD: "SGD", torch.optim.Adam: "Adam", torch.optim.AdamW: "AdamW"}[make]
    assert variant.applies(name, hyper)
    step = sgd_step if family == "SGD" else adam_step
    kw = dict(hyper, change=variant.change)
    if family != "SGD":
        kw["decoupled"] = make is torch.optim.AdamW
    differs = False
    for mine, theirs, s, ts in _trajectory(step, make, hyper, **kw):
        differs |= errors(mine, theirs)[1] > 1e-8
        for key in ts:
            if key in s:
                differs |= errors(np.asarray(s[key], dtype=float), np.asarray(ts[key], dtype=float))[1] > 1e-8
    assert differs, f"{variant.name} changes nothing"
