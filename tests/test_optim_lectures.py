"""The lectures' optimizer formulas, and exactly which (torch-mirroring) settings
reproduce them.

* Chapter 15 momentum (``/work/shared/seeds/002_*``, "SGD with Momentum"):
  ``v = μ v − α ∇J;  θ += v`` — the lr *inside* the velocity.
* CS229 exercise 3 (``000_*``): ``v = β v + (1 − β) ∇J`` (with θ −= α v) — an
  exponential average, lr outside.
* CS229 exercise 8: ``α_t = α₀ e^(−k t)``.
* Chapter 15 Adam: ``params -= lr * m_hat / (sqrt(v_hat) + eps)``.

Each test runs the lecture's own loop (as printed in the lecture) next to the
optimizer. The tests are written against a small *backend* adapter, so
``parity_tests/test_optim_lectures_torch.py`` runs the very same tests on
``torch.optim`` itself: the statements hold for PyTorch, not only for our mirror.
Problem: the lecture's f(x, y) = x² + 3y² from (4, 3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchnet as sn


def grad_f(theta):
    """∇f for f(x, y) = x² + 3y² (Chapter 15's example)."""
    return np.array([2 * theta[0], 6 * theta[1]])


class Runner:
    """One parameter θ ∈ R² driven by an optimizer of the chosen library."""

    def __init__(self, lib, name, theta0, scheduler=None, **kw):
        self.lib = lib
        if lib == "torch":
            import torch
            self.torch = torch
            self.p = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
            self.opt = getattr(torch.optim, name)([self.p], **kw)
            sched_mod = torch.optim.lr_scheduler
        else:
            self.p = sn.nn.Parameter(np.array(theta0, dtype=np.float64))
            self.opt = getattr(sn.optim, name)([self.p], **kw)
            sched_mod = sn.optim.lr_scheduler
        self.sched = None
        if scheduler is not None:
            self.sched = getattr(sched_mod, scheduler[0])(self.opt, **scheduler[1])

    @property
    def theta(self) -> np.ndarray:
        return self.p.detach().numpy().copy() if self.lib == "torch" else self.p.data.copy()

    def buffer(self) -> np.ndarray:
        b = self.opt.state[self.p]["momentum_buffer"]
        return b.numpy().copy() if self.lib == "torch" else b.copy()

    def set_lr(self, lr: float) -> None:
        self.opt.param_groups[0]["lr"] = lr

    def step(self) -> np.ndarray:
        g = grad_f(self.theta)
        if self.lib == "torch":
            self.p.grad = self.torch.tensor(g)
        else:
            self.p.grad = g
        self.opt.step()
        if self.sched is not None:
            self.sched.step()
        return self.theta


@pytest.fixture(params=["scratchnet"])
def backend(request):
    return request.param


def _close(a, b, rel=1e-14):
    a, b = np.asarray(a), np.asarray(b)
    assert np.max(np.abs(a - b)) <= rel * max(np.max(np.abs(b)), 1e-300), (a, b)


# -- Chapter 15: v = μv − α∇J; θ += v ----------------------------------------------------------
def test_ch15_momentum_is_sgd_momentum_while_lr_is_constant(backend):
    """Chapter 15's loop (lr=0.1, momentum=0.9, 20 steps) = SGD(lr=0.1, momentum=0.9):
    the same θ at every step, and the lecture's velocity is −lr × torch's buffer."""
    lr, mu = 0.1, 0.9
    theta, v = np.array([4.0, 3.0]), np.zeros(2)
    run = Runner(backend, "SGD", [4.0, 3.0], lr=lr, momentum=mu)
    for _ in range(20):
        v = mu * v - lr * grad_f(theta)        # the lecture's two lines
        theta = theta + v
        _close(run.step(), theta)
        _close(-lr * run.buffer(), v)


def test_ch15_momentum_parts_from_sgd_when_lr_changes(backend):
    """Halve the lr after 10 steps in both. Step 11 differs by exactly
    μ (α_new − α_old) b_10: the lecture's velocity still carries α_old, torch's
    buffer carries no lr and the new α scales all of it."""
    a_old, a_new, mu = 0.1, 0.05, 0.9
    theta, v = np.array([4.0, 3.0]), np.zeros(2)
    run = Runner(backend, "SGD", [4.0, 3.0], lr=a_old, momentum=mu)
    for _ in range(10):
        v = mu * v - a_old * grad_f(theta)
        theta = theta + v
        run.step()
    _close(run.theta, theta)
    b10 = run.buffer()
    v = mu * v - a_new * grad_f(theta)
    theta = theta + v
    run.set_lr(a_new)
    torch_theta = run.step()
    _close(theta - torch_theta, mu * (a_new - a_old) * b10, rel=1e-12)
    assert np.max(np.abs(theta - torch_theta)) > 1e-3          # a real difference, not rounding
    for _ in range(10):
        v = mu * v - a_new * grad_f(theta)
        theta = theta + v
        torch_theta = run.step()
    assert np.max(np.abs(theta - torch_theta)) > 1e-3


# -- CS229 exercise 3: v = βv + (1−β)∇J; θ −= αv ---------------------------------------------
@pytest.mark.parametrize("k", [0.0, 0.1])
def test_cs229_momentum_is_sgd_with_lr_times_one_minus_beta(backend, k):
    """SGD(lr = α(1−β), momentum = β, dampening = 0) reproduces the CS229 form at every
    step, the first included (v_t = (1−β) b_t) — and still does under the CS229
    decay α_t = α₀e^(−kt), run as ExponentialLR(gamma = e^(−k)) on the scaled lr."""
    alpha0, beta = 0.1, 0.9
    theta, v = np.array([4.0, 3.0]), np.zeros(2)
    sched = ("ExponentialLR", dict(gamma=math.exp(-k))) if k else None
    run = Runner(backend, "SGD", [4.0, 3.0], scheduler=sched, lr=alpha0 * (1 - beta), momentum=beta)
    for t in range(30):
        alpha_t = alpha0 * math.exp(-k * t)
        v = beta * v + (1 - beta) * grad_f(theta)
        theta = theta - alpha_t * v
        _close(run.step(), theta, rel=1e-13)
        _close((1 - beta) * run.buffer(), v, rel=1e-13)


def test_cs229_momentum_with_dampening_differs_on_the_first_step(backend):
    """The tempting SGD(lr=α, momentum=β, dampening=β) gives (1−τ)g = (1−β)g from step 2
    on, but torch's buffer starts undamped at b_1 = g_1 where CS229's is (1−β) g_1:
    step 1 is 1/(1−β) = 10× larger, and the buffer keeps the surplus β^t g_1."""
    alpha, beta = 0.01, 0.9
    theta, v = np.array([4.0, 3.0]), np.zeros(2)
    run = Runner(backend, "SGD", [4.0, 3.0], lr=alpha, momentum=beta, dampening=beta)
    g1 = grad_f(theta)
    v = (1 - beta) * g1
    cs229_step1 = alpha * v
    torch_step1 = np.array([4.0, 3.0]) - run.step()
    _close(torch_step1, cs229_step1 / (1 - beta), rel=1e-14)
    # from the same θ, the buffer recursions then agree except for the surplus β^t g_1
    b, vv = g1.copy(), (1 - beta) * g1
    for t in range(2, 12):
        g = grad_f(run.theta)
        run.step()
        b = beta * b + (1 - beta) * g
        vv = beta * vv + (1 - beta) * g
        _close(run.buffer(), b, rel=1e-13)
        _close(run.buffer() - vv, beta ** t * g1, rel=1e-12)


# -- CS229 exercise 8: α_t = α₀ e^(−kt) --------------------------------------------------------
def test_cs229_decay_is_exponential_lr(backend):
    alpha0, k = 0.5, 0.03
    run = Runner(backend, "SGD", [4.0, 3.0], scheduler=("ExponentialLR", dict(gamma=math.exp(-k))), lr=alpha0)
    for t in range(100):
        assert run.opt.param_groups[0]["lr"] == pytest.approx(alpha0 * math.exp(-k * t), rel=100 * 2.2e-16)
        run.step()


# -- Chapter 15 Adam ---------------------------------------------------------------------------
def test_ch15_adam_is_adam(backend):
    """The lecture's loop (lr=0.1, β=(0.9, 0.999), ε=1e-8, 20 steps): ε added to √v̂ after
    the bias correction, exactly torch's placement."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    theta, m, v = np.array([4.0, 3.0]), np.zeros(2), np.zeros(2)
    run = Runner(backend, "Adam", [4.0, 3.0], lr=lr)
    for t in range(1, 21):
        g = grad_f(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        _close(run.step(), theta, rel=1e-13)
