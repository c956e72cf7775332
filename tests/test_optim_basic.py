"""scratchnet.optim without torch: hand-worked steps, validation, groups, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.nn import Parameter
from scratchnet.optim import SGD, Adagrad, Adam, AdamW, RMSprop

ALL = [SGD, Adam, AdamW, RMSprop, Adagrad]


def _param(value, grad):
    p = Parameter(np.array(value, dtype=np.float64))
    p.grad = np.array(grad, dtype=np.float64)
    return p


# -- hand-worked steps -------------------------------------------------------------------
def test_sgd_momentum_by_hand():
    # θ0 = 1, g = 1 every step, γ = 0.1, μ = 0.9:
    # b1 = g = 1 → θ1 = 0.9;  b2 = 0.9·1 + 1 = 1.9 → θ2 = 0.71;  b3 = 2.71 → θ3 = 0.439
    p = _param([1.0], [1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    expected = [(0.9, 1.0), (0.71, 1.9), (0.439, 2.71)]
    for theta, buf in expected:
        p.grad = np.array([1.0])
        opt.step()
        assert p.data[0] == pytest.approx(theta, abs=1e-15)
        assert opt.state[p]["momentum_buffer"][0] == pytest.approx(buf, abs=1e-15)


def test_sgd_first_buffer_is_not_dampened():
    # τ = 0.5: b1 = g1 = 1 (no dampening on step 1!), b2 = 0.9·1 + 0.5·1 = 1.4
    p = _param([0.0], [1.0])
    opt = SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    opt.step()
    assert opt.state[p]["momentum_buffer"][0] == 1.0
    p.grad = np.array([1.0])
    opt.step()
    assert opt.state[p]["momentum_buffer"][0] == pytest.approx(1.4, abs=1e-15)
    assert p.data[0] == pytest.approx(-2.4, abs=1e-15)


def test_sgd_nesterov_weight_decay_maximize_by_hand():
    # g = 1, λ = 0.1, θ0 = 2: g ← 1 + 0.2 = 1.2; b1 = 1.2; nesterov g ← 1.2 + 0.9·1.2 = 2.28
    p = _param([2.0], [1.0])
    SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1).step()
    assert p.data[0] == pytest.approx(2.0 - 0.228, abs=1e-15)
    q = _param([2.0], [1.0])
    SGD([q], lr=0.1, maximize=True).step()
    assert q.data[0] == pytest.approx(2.1, abs=1e-15)


def test_sgd_without_momentum_keeps_no_state():
    p = _param([1.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.step()
    assert opt.state_dict()["state"] == {}


def test_adam_first_step_is_lr_times_sign():
    # m1 = (1−β1)g, v1 = (1−β2)g²; bias-corrected: m̂ = g, v̂ = g² → step γ·g/(|g| + ε)
    p = _param([1.0, 1.0], [2.0, -0.5])
    opt = Adam([p], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p.data, [1 - 0.1 * 2 / (2 + 1e-8), 1 + 0.1 * 0.5 / (0.5 + 1e-8)], rtol=0, atol=1e-15)
    st = opt.state[p]
    assert float(st["step"]) == 1.0 and st["step"].dtype == np.float32 and st["step"].shape == ()
    np.testing.assert_allclose(st["exp_avg"], [0.2, -0.05], atol=1e-16)
    np.testing.assert_allclose(st["exp_avg_sq"], [0.004, 0.00025], atol=1e-17)
    assert "max_exp_avg_sq" not in st


def test_adam_amsgrad_keeps_the_max():
    p = _param([0.0], [10.0])
    opt = Adam([p], lr=0.1, amsgrad=True)
    opt.step()
    p.grad = np.array([0.0])
    opt.step()
    st = opt.state[p]
    assert st["max_exp_avg_sq"][0] == pytest.approx(0.1, abs=1e-15)   # (1−β2)·100
    assert st["exp_avg_sq"][0] == pytest.approx(0.0999, abs=1e-15)    # β2·0.1


def test_adam_l2_versus_adamw_decoupled_decay():
    # With g = 0, Adam's L2 term λθ becomes the whole gradient (then normalised to ~γ);
    # AdamW shrinks θ by the factor (1 − γλ) and takes a zero Adam step.
    a, w = _param([1.0], [0.0]), _param([1.0], [0.0])
    Adam([a], lr=0.1, weight_decay=0.1).step()
    AdamW([w], lr=0.1, weight_decay=0.1).step()
    assert a.data[0] == pytest.approx(1 - 0.1 * 0.1 / (0.1 + 1e-8), abs=1e-15)
    assert w.data[0] == pytest.approx(0.99, abs=1e-15)
    assert AdamW([_param([1.0], [0.0])]).defaults["weight_decay"] == 1e-2


def test_rmsprop_first_step_by_hand():
    # v1 = (1−α)g² = 0.01·4 → √v1 = 0.2 → step γ·g/(0.2 + ε) = 0.01·2/0.2 = 0.1
    p = _param([0.0], [2.0])
    RMSprop([p], lr=0.01).step()
    assert p.data[0] == pytest.approx(-0.01 * 2 / (0.2 + 1e-8), abs=1e-15)
    # centered: ḡ1 = 0.02, v1 − ḡ1² = 0.04 − 0.0004
    q = _param([0.0], [2.0])
    opt = RMSprop([q], lr=0.01, centered=True, momentum=0.9)
    opt.step()
    d = np.sqrt(0.04 - 0.0004) + 1e-8
    assert q.data[0] == pytest.approx(-0.01 * 2 / d, abs=1e-15)
    assert opt.state[q]["momentum_buffer"][0] == pytest.approx(2 / d, abs=1e-13)


def test_adagrad_by_hand_and_state_from_the_start():
    p = _param([0.0], [3.0])
    opt = Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=16.0)
    assert opt.state[p]["sum"][0] == 16.0 and float(opt.state[p]["step"]) == 0.0
    opt.step()   # s1 = 16 + 9 = 25, step γ·3/5
    assert p.data[0] == pytest.approx(-0.1 * 3 / (5 + 1e-10), abs=1e-15)
    p.grad = np.array([0.0])
    opt.step()   # decayed rate γ/(1 + 0.5) — but g = 0, so no move; sum unchanged
    assert p.data[0] == pytest.approx(-0.06, abs=1e-9)
    p.grad = np.array([5.0])
    opt.step()   # t = 3: γ̃ = 0.1/(1 + 2·0.5) = 0.05; s = 50
    assert p.data[0] == pytest.approx(-0.1 * 3 / 5 - 0.05 * 5 / np.sqrt(50), abs=1e-9)


def test_adagrad_state_of_an_added_group_from_the_start():
    # add_param_group creates the group's state at once, s_0 = the constructor's
    # initial_accumulator_value (16), as torch does — the group's own (1) is kept in the group
    # but not used: θ0 = 0, g = 3, γ = 0.1, s_0 = 16 → s1 = 25, θ1 = −0.1·3/(5 + ε) for both
    a, b = _param([0.0], [3.0]), _param([0.0], [3.0])
    opt = Adagrad([a], lr=0.1, initial_accumulator_value=16.0)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 1.0})
    assert opt.param_groups[1]["initial_accumulator_value"] == 1.0
    assert opt.state[a]["sum"][0] == 16.0 and opt.state[b]["sum"][0] == 16.0
    assert float(opt.state[b]["step"]) == 0.0
    opt.step()
    for p in (a, b):
        assert p.data[0] == pytest.approx(-0.1 * 3 / (5 + 1e-10), abs=1e-15)
    assert opt.state[b]["sum"][0] == 25.0 and float(opt.state[b]["step"]) == 1.0


def test_adagrad_load_state_dict_without_a_parameters_state():
    # torch makes the state of a parameter added by add_param_group on its first step, so its
    # state dict can lack that parameter: loading one gives the parameter a fresh state
    # (s_0 = 4, t = 0), and the other keeps the loaded one (s = 9, t = 1).
    a, b = _param([0.0], [3.0]), _param([0.0], [3.0])
    opt = Adagrad([{"params": [a]}, {"params": [b]}], lr=0.1, initial_accumulator_value=4.0)
    saved = {"state": {0: {"step": np.array(1.0, np.float32), "sum": np.array([9.0])}},
             "param_groups": opt.state_dict()["param_groups"]}
    opt.load_state_dict(saved)
    assert opt.state[b]["sum"][0] == 4.0 and float(opt.state[b]["step"]) == 0.0
    opt.step()   # a: t = 2, s = 18, γ̃ = γ;  b: t = 1, s = 13
    assert a.data[0] == pytest.approx(-0.1 * 3 / (np.sqrt(18) + 1e-10), abs=1e-15)
    assert b.data[0] == pytest.approx(-0.1 * 3 / (np.sqrt(13) + 1e-10), abs=1e-15)
    assert sorted(opt.state_dict()["state"]) == [0, 1]


@pytest.mark.parametrize("cls", ALL)
def test_float32_stays_float32(cls):
    p = Parameter(np.ones(3, dtype=np.float32))
    p.grad = np.ones(3, dtype=np.float32)
    opt = cls([p], lr=0.01)
    opt.step()
    assert p.data.dtype == np.float32
    for k, v in opt.state[p].items():
        assert v.dtype == np.float32, k


# -- validation ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_negative_lr_and_empty_list(cls):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        cls([_param([1.0], [1.0])], lr=-0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        cls([{"params": [_param([1.0], [1.0])], "lr": -1.0}], lr=0.1)


@pytest.mark.parametrize("kwargs,match", [
    (dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    (dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (dict(eps=-1.0), "Invalid epsilon value"),
    (dict(weight_decay=-1.0), "Invalid weight_decay value"),
])
def test_adam_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam([_param([1.0], [1.0])], **kwargs)


def test_sgd_validation():
    p = _param([1.0], [1.0])
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        SGD([p], nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid momentum value"):
        SGD([p], momentum=-0.5)
    with pytest.raises(ValueError, match="Invalid alpha value"):
        RMSprop([p], alpha=-0.5)
    with pytest.raises(ValueError, match="Invalid lr_decay value"):
        Adagrad([p], lr_decay=-1)
    with pytest.raises(TypeError, match="lr must be a real number"):
        SGD([p], lr="0.1")


def test_parameter_checks():
    p = _param([1.0], [1.0])
    with pytest.raises(TypeError, match="iterable of Parameters"):
        SGD(p)
    with pytest.raises(TypeError, match="only optimize Parameters"):
        SGD([np.ones(3)])
    with pytest.raises(TypeError, match="ordered collections"):
        SGD({p})
    with pytest.raises(ValueError, match="duplicate"):
        SGD([p, p])
    opt = SGD([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="shape"):
        q = _param(np.ones(3), np.ones(2))
        SGD([q], lr=0.1).step()


# -- groups, zero_grad, state dicts -------------------------------------------------------
def test_param_groups_get_defaults_and_own_options():
    a, b, c = _param([1.0], [1.0]), _param([1.0], [1.0]), _param([1.0], [1.0])
    opt = SGD([{"params": [a], "lr": 0.5}, {"params": [b]}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": c, "momentum": 0.0})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9, 0.0]
    opt.step()
    assert (a.data[0], b.data[0], c.data[0]) == (0.5, 0.9, 0.9)
    assert set(opt.state) == {a, b}   # no buffer without momentum


def test_named_parameters_and_model_parameters():
    model = sn.models.mlp([3, 4, 2], dtype=np.float64)
    opt = Adam(model.named_parameters(), lr=0.01)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_zero_grad():
    p = _param([1.0], [3.0])
    opt = SGD([p])
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad[0] == 0.0
    opt.zero_grad()
    assert p.grad is None
    opt.step()   # a parameter without a gradient is skipped
    assert p.data[0] == 1.0


def _run(opt, params, grads):
    for g in grads:
        for p, gi in zip(params, g):
            p.grad = gi.copy()
        opt.step()


@pytest.mark.parametrize("cls,kwargs", [(SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.1, amsgrad=True)),
                                        (AdamW, dict(lr=0.1)), (RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
                                        (Adagrad, dict(lr=0.1))])
def test_state_dict_round_trip_continues_the_trajectory(cls, kwargs):
    rng = np.random.default_rng(1)
    grads = [[rng.standard_normal((2, 3)), rng.standard_normal(3)] for _ in range(10)]
    init = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    ps = [Parameter(x) for x in init]
    opt = cls([{"params": ps[:1], "lr": 0.05}, {"params": ps[1:]}], **kwargs)
    _run(opt, ps, grads[:5])
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert list(sd["param_groups"][0])[-1] == "params"
    # a copy: later steps do not change it
    before = {k: v.copy() for k, v in sd["state"][0].items()}
    qs = [Parameter(p.data) for p in ps]
    _run(opt, ps, grads[5:])
    for k, v in sd["state"][0].items():
        np.testing.assert_array_equal(v, before[k])
    opt2 = cls([{"params": qs[:1]}, {"params": qs[1:]}], lr=123.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.param_groups[0]["params"] == qs[:1]
    _run(opt2, qs, grads[5:])
    for p, q in zip(ps, qs):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_checks_shape_of_groups():
    a, b = _param([1.0], [1.0]), _param([1.0], [1.0])
    sd = SGD([a, b], momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        SGD([a]).load_state_dict(sd)
    with pytest.raises(TypeError, match="'state' and 'param_groups'"):
        SGD([a]).load_state_dict({"lr": 1})


def test_load_state_dict_casts_to_param_dtype_but_not_step():
    p = Parameter(np.ones(2, dtype=np.float32))
    p.grad = np.ones(2, dtype=np.float32)
    src = Adam([Parameter(np.ones(2))], lr=0.1)
    src.param_groups[0]["params"][0].grad = np.ones(2)
    src.step()
    opt = Adam([p])
    opt.load_state_dict(src.state_dict())
    assert opt.state[p]["exp_avg"].dtype == np.float32
    assert opt.state[p]["step"].dtype == np.float32 and float(opt.state[p]["step"]) == 1.0


def test_closure_value_is_returned():
    p = _param([1.0], [1.0])
    assert SGD([p], lr=0.1).step(lambda: 42.0) == 42.0


@pytest.mark.parametrize("amsgrad", [False, True])
def test_readable_path_in_pieces_equals_whole_arrays(monkeypatch, amsgrad):
    """The readable path hands big parameters to its formulas in pieces
    (optimizer.in_pieces, so that NumPy's temporaries stay small). The formulas
    are elementwise: tiny pieces give the same parameters, bit for bit; a
    non-contiguous gradient is updated whole (a flat view of it would be a copy)."""
    import scratchnet.optim.optimizer as optimizer

    rng = np.random.default_rng(0)
    start = rng.standard_normal((9, 7))
    grads = [rng.standard_normal((7, 9)).T for _ in range(4)]  # transposed views: not C-contiguous
    results = []
    for piece_bytes in (optimizer.PIECE_BYTES, 40):
        monkeypatch.setattr(optimizer, "PIECE_BYTES", piece_bytes)
        for contiguous in (True, False):
            p = sn.nn.Parameter(start)
            opt = sn.optim.Adam([p], lr=0.01, amsgrad=amsgrad, foreach=False)
            for g in grads:
                p.grad = np.ascontiguousarray(g) if contiguous else g
                opt.step()
            results.append(p.data)
    assert all(np.array_equal(results[0], r) for r in results[1:])
    # 40-byte pieces: five float64 entries each; an empty list (an unused state) stays
    # empty; what is not of the parameter's shape (a step count) repeats; non-contiguous: whole.
    step = np.array(1.0, np.float32)
    params, unused, steps = optimizer.in_pieces([np.zeros(12)], [], [step])
    assert [len(p) for p in params] == [5, 5, 2] and unused == [] and all(s is step for s in steps)
    assert len(optimizer.in_pieces([np.zeros((4, 3)).T], [np.zeros((3, 4))])[0]) == 1


def test_rmsprop_maximize_negates_before_the_weight_decay():
    # torch's order: g ← −g (maximize), then g ← g + λθ, so the decay keeps pulling θ to 0.
    # θ0 = 1, λ = 0.5, α = 0.99, γ = 0.01, ε = 1e-8; g1 = 2, g2 = 1, worked step by step.
    # (The first RMSprop step is ≈ γ·sign(g)/√(1 − α) whatever |g|, so step 2 is what tells.)
    p = _param([1.0], [2.0])
    opt = RMSprop([p], lr=0.01, weight_decay=0.5, maximize=True)
    opt.step()
    g = -2.0 + 0.5 * 1.0                    # −1.5
    v = 0.01 * g * g                        # 0.0225
    theta = 1.0 - 0.01 * g / (v ** 0.5 + 1e-8)
    assert p.data[0] == pytest.approx(theta, abs=1e-15)
    p.grad = np.array([1.0])
    opt.step()
    g = -1.0 + 0.5 * theta                  # −0.45: the decay term has the opposite sign to −g
    v = 0.99 * v + 0.01 * g * g
    theta = theta - 0.01 * g / (v ** 0.5 + 1e-8)
    assert p.data[0] == pytest.approx(theta, abs=1e-15)
    assert opt.state[p]["square_avg"][0] == pytest.approx(v, rel=1e-14)  # a few ulp: other order of operations


def test_adagrad_eps_is_added_outside_the_root():
    # std = √(Σg²) + ε, as torch (not √(Σg² + ε)); a large ε makes the difference plain:
    # θ0 = 0, g = 3, γ = 0.1, ε = 1: Σg² = 9, std = 3 + 1 = 4, θ1 = −0.1·3/4 = −0.075
    # (√(9 + 1) would give −0.0949).
    p = _param([0.0], [3.0])
    Adagrad([p], lr=0.1, eps=1.0).step()
    assert p.data[0] == pytest.approx(-0.075, abs=1e-15)
    # and with the default ε = 1e-10 at a gradient of the same size, √(g² + ε) = √2·10⁻⁵
    # against |g| + ε ≈ 10⁻⁵: the step is γ·g/(|g| + ε) ≈ γ, not γ/√2
    q = _param([0.0], [1e-5])
    Adagrad([q], lr=0.1).step()
    assert q.data[0] == pytest.approx(-0.1 * 1e-5 / (1e-5 + 1e-10), abs=1e-15)
