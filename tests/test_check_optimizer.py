"""torch_ref.check.check_optimizer: correct hand-written update rules pass
against torch.optim in float64 and float32 (every step, every mapped state
entry); the first step where trajectories part is reported with its cause;
misuse is refused in the check's words."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_ref.check import check_optimizer

DTYPES = ["float64", "float32"]


def sgd(p, g, state, lr, momentum, dampening, weight_decay, nesterov):
    g = g + weight_decay * p
    if momentum:
        b = state.get("b")
        b = g.copy() if b is None else momentum * b + (1 - dampening) * g
        state["b"] = b
        g = g + momentum * b if nesterov else b
    p -= lr * g


def adam(p, g, state, lr, betas, eps, weight_decay, amsgrad):
    b1, b2 = betas
    t = state["t"] = state.get("t", 0) + 1
    g = g + weight_decay * p
    state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
    state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
    v = state["v"]
    if amsgrad:
        v = state["vmax"] = np.maximum(state.get("vmax", 0), v)
    p -= lr * (state["m"] / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)


def rmsprop(p, g, state, lr, alpha, eps):
    state["v"] = alpha * state.get("v", 0) + (1 - alpha) * g * g
    return p - lr * g / (np.sqrt(state["v"]) + eps)          # returns the new array


def cs231n_sgd_momentum(w, dw, config, lr, momentum):       # CS231n: returns (next_w, config)
    v = config.get("velocity", np.zeros_like(w))
    v = momentum * v - lr * dw
    config["velocity"] = v
    return w + v, config


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hyper", [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
                                   dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)],
                         ids=["plain", "momentum", "dampening", "nesterov+decay"])
def test_sgd_passes(hyper, dtype):
    r = check_optimizer(sgd, torch.optim.SGD, hyper=hyper, dtype=dtype, steps=10,
                        state_map={"b": "momentum_buffer"} if hyper.get("momentum") else None)
    assert r.ok, r
    assert len([row for row in r.rows if row.step == 10]) == (4 if hyper.get("momentum") else 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer,hyper", [(torch.optim.Adam, dict(lr=0.05)),
                                             (torch.optim.Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
                                             (torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3))],
                         ids=["Adam", "amsgrad+L2", "betas+eps"])
def test_adam_passes(optimizer, hyper, dtype):
    r = check_optimizer(adam, optimizer, hyper=hyper, state_map={"m": "exp_avg", "v": "exp_avg_sq", "t": "step"},
                        steps=10, dtype=dtype)
    assert r.ok, r


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_update_returning_the_new_array_and_one_returning_its_state(dtype):
    assert check_optimizer(rmsprop, torch.optim.RMSprop, hyper=dict(lr=0.01), state_map={"v": "square_avg"},
                           dtype=dtype).ok
    r = check_optimizer(cs231n_sgd_momentum, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9),
                        state_map={"velocity": ("momentum_buffer", -0.1)}, dtype=dtype)
    assert r.ok, r


def test_sutskever_momentum_is_named_by_its_state_and_by_a_schedule():
    r = check_optimizer(cs231n_sgd_momentum, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9),
                        state_map={"velocity": "momentum_buffer"})
    assert [row.ok for row in r.rows if "θ" in row.name and ":" not in row.name] == [True, True]
    assert r.first_failure.name == "step 1 · θ0: velocity (momentum_buffer)"
    assert "Sutskever" in r.first_failure.diagnosis
    r = check_optimizer(cs231n_sgd_momentum, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9),
                        lr_schedule=lambda t: 0.1 if t < 3 else 0.02, steps=4)
    assert r.first_failure.name == "step 3 · θ0" and "Sutskever" in r.first_failure.diagnosis
    assert any("trajectories parted at step 3" in n for n in r.notes)


def test_an_unknown_difference_gets_a_generic_diagnosis_of_the_step():
    def double_step(p, g, state, lr):
        p -= 2 * lr * g

    r = check_optimizer(double_step, torch.optim.SGD, hyper=dict(lr=0.1))
    assert r.first_failure.name == "step 1 · θ0"
    assert "the update θ_t − θ_{t−1}: mine ≈ 2 × torch's" in r.first_failure.diagnosis


def test_state_entries_that_do_not_exist():
    r = check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1), state_map={"b": "momentum_buffer"})
    assert not r.ok and "keeps no 'momentum_buffer'" in r.first_failure.diagnosis
    r = check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9), state_map={"velocity": "momentum_buffer"})
    assert "your state has no 'velocity'" in r.first_failure.diagnosis and "its keys: b" in r.first_failure.diagnosis


def test_given_parameters_and_gradient():
    start = [np.array([4.0, 3.0])]
    r = check_optimizer(adam, torch.optim.Adam, hyper=dict(lr=0.1), params=start, steps=20,
                        grad_fn=lambda ps: [np.array([2 * ps[0][0], 6 * ps[0][1]])])   # Chapter 15's x² + 3y²
    assert r.ok, r
    np.testing.assert_array_equal(start[0], [4.0, 3.0])   # the caller's arrays are not stepped


def test_optimizer_misuse():
    with pytest.raises(TypeError, match="torch.optim class"):
        check_optimizer(sgd, torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), hyper=dict(lr=0.1))
    with pytest.raises(ValueError, match="including 'lr'"):
        check_optimizer(sgd, torch.optim.SGD, hyper=dict(momentum=0.9))
    with pytest.raises(ValueError, match="from 1 to 100"):
        check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1), steps=0)
    with pytest.raises(ValueError, match="from 1 to 100"):
        check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1), steps=101)
    with pytest.raises(ValueError, match="does not take"):
        check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1, beta=0.9))
    with pytest.raises(ValueError, match="lr_schedule has 2 entries"):
        check_optimizer(sgd, torch.optim.SGD, hyper=dict(lr=0.1), lr_schedule=[0.1, 0.1], steps=3)
    with pytest.raises(TypeError, match="update"):
        check_optimizer("sgd", torch.optim.SGD, hyper=dict(lr=0.1))


def adam_l2(p, g, state, lr, betas, eps, weight_decay):        # AdamW's decay added to the gradient instead
    b1, b2 = betas
    t = state["t"] = state.get("t", 0) + 1
    g = g + weight_decay * p
    state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
    state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
    p -= lr * (state["m"] / (1 - b1 ** t)) / (np.sqrt(state["v"] / (1 - b2 ** t)) + eps)


@pytest.mark.parametrize("flags", [dict(foreach=True), dict(foreach=False, differentiable=False)],
                         ids=["foreach", "foreach=False+differentiable"])
def test_a_diagnosis_survives_torchs_implementation_flags(flags):
    """foreach= and the like choose torch's kernels, not its arithmetic: the variants that explain
    a failure run with torch's hyperparameters without them, and still explain it."""
    schedule = lambda t: 0.1 if t < 3 else 0.02  # noqa: E731
    plain = check_optimizer(cs231n_sgd_momentum, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9),
                            lr_schedule=schedule, steps=4)
    flagged = check_optimizer(cs231n_sgd_momentum, torch.optim.SGD, hyper=dict(lr=0.1, momentum=0.9, **flags),
                              lr_schedule=schedule, steps=4)
    assert flagged.first_failure.name == plain.first_failure.name == "step 3 · θ0"
    assert flagged.first_failure.diagnosis == plain.first_failure.diagnosis
    assert flagged.first_failure.diagnosis.startswith("Sutskever's momentum reproduces yours")


@pytest.mark.parametrize("optimizer,hyper", [(torch.optim.AdamW, dict(lr=0.05)),
                                             (torch.optim.AdamW, dict(lr=0.05, foreach=True)),
                                             (torch.optim.Adam, dict(lr=0.05, weight_decay=1e-2,
                                                                     decoupled_weight_decay=True))],
                         ids=["AdamW", "AdamW-foreach", "Adam(decoupled_weight_decay)"])
def test_the_variants_run_with_torchs_defaults(optimizer, hyper):
    """AdamW's weight decay 1e-2 is torch's default, not the user's: the variant reproducing
    an L2 decay takes it from torch's hyperparameters (and Adam(decoupled_weight_decay=True)
    is AdamW)."""
    r = check_optimizer(adam_l2, optimizer, hyper=hyper, state_map={"m": "exp_avg", "v": "exp_avg_sq"}, steps=3)
    assert r.first_failure.name == "step 1 · θ0"
    assert r.first_failure.diagnosis.startswith("Adam's L2 (λθ added to the gradient) reproduces yours"), r


def test_float32_numbers_fail_a_float64_check_even_where_they_happen_to_agree():
    """The rule of every check: in float64, float32 numbers are within 1e-10 only by luck.
    Here they agree exactly (θ − γg = 1 − 0.25 is a float32 number); a float32 update is still
    not a float64 one. torch's step count is a count: an int t in your state passes."""
    def float32_sgd(p, g, state, lr):
        state["t"] = state.get("t", 0) + 1
        return (p - lr * g).astype(np.float32)

    def float64_sgd(p, g, state, lr):
        state["t"] = state.get("t", 0) + 1
        return p - lr * g

    kw = dict(hyper=dict(lr=0.5), params=[np.array([1.0, 2.0])], grad_fn=lambda ps: [np.full(2, 0.5)], steps=1)
    r = check_optimizer(float32_sgd, torch.optim.SGD, **kw)
    assert r.first_failure.name == "step 1 · θ0" and r.first_failure.max_rel == 0.0
    assert check_optimizer(float64_sgd, torch.optim.SGD, **kw).ok
    adam_kw = dict(kw, hyper=dict(lr=0.5), steps=3)
    assert check_optimizer(adam, torch.optim.Adam, state_map={"t": "step"}, **adam_kw).ok   # t an int
