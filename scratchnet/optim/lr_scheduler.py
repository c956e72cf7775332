r"""Learning-rate schedules (mirrors ``torch.optim.lr_scheduler``).

A scheduler changes ``group["lr"]`` of an optimizer's parameter groups. Call
``scheduler.step()`` once per epoch (or per step), *after* ``optimizer.step()``.
As in torch:

* constructing a scheduler sets ``group["initial_lr"]`` (once; kept if
  present) and makes an initial step that moves ``last_epoch`` from −1 to 0;
  ``base_lrs`` are the ``initial_lr`` values;
* ``get_last_lr()`` returns the learning rates the last step set;
* ``state_dict()`` holds every attribute but the optimizer, ``load_state_dict``
  restores them.

The schedules, with e = ``last_epoch`` (0 after construction) and γ₀ =
``base_lr``. Several are computed *recursively* from the current
``group["lr"]``, as torch does — which matters for parity (a closed form
rounds differently) and for behaviour (a change of ``group["lr"]`` by hand
carries on into later epochs):

* ``StepLR(step_size, gamma)``: γ_e = γ_{e-1}·gamma when e is a multiple of
  step_size (e > 0), else unchanged; closed form γ₀·gamma^⌊e/step_size⌋.
* ``MultiStepLR(milestones, gamma)``: γ_e = γ_{e-1}·gamma^k when e appears k
  times in milestones.
* ``ExponentialLR(gamma)``: γ_e = γ_{e-1}·gamma = γ₀·gammaᵉ. The CS229
  decay α_t = α₀ e^(−kt) is ``ExponentialLR(gamma=exp(−k))`` (same values up to
  rounding: the recursion multiplies by a rounded e^(−k) t times).
* ``CosineAnnealingLR(T_max, eta_min)``: the closed form is
  γ_e = η_min + (γ₀ − η_min)(1 + cos(π e / T_max))/2, but torch steps it
  recursively::

      γ_e = η_min + (γ_{e-1} − η_min) · (1 + cos(π e/T)) / (1 + cos(π (e−1)/T))

  and, at e − 1 − T ≡ 0 (mod 2T) (where that ratio would be 0/0),
  γ_e = γ_{e-1} + (γ₀ − η_min)(1 − cos(π/T))/2. Past T_max the rate rises
  again (a cosine, not a clamp).
* ``LambdaLR(lr_lambda)``: γ_e = γ₀ · lr_lambda(e) (one function, or one per group).

Hyperparameters are checked when the scheduler is built (torch checks few of
them and fails later, inside a multiplication, or silently sets a NaN
learning rate): ``gamma`` and ``eta_min`` must be finite real numbers ≥ 0 (a
negative one would make the learning rate negative: gradient *ascent*),
``step_size`` and ``T_max`` positive integers, ``milestones`` a list of
integers, ``lr_lambda`` a function (or one per group) returning a real number.
"""

from __future__ import annotations

import math
import numbers
import types
from collections import Counter

import numpy as np

from .optimizer import Optimizer


class MissingInitialLRError(KeyError, ValueError):
    """A scheduler resumed with ``last_epoch >= 0`` over groups without ``'initial_lr'``.

    torch raises a ``KeyError`` here, so this is one (torch-style code catching
    it works unchanged); it is also a ``ValueError``, scratchnet's type for a bad
    argument, and prints its message without ``KeyError``'s quotes.
    """

    __str__ = ValueError.__str__


def _check_factor(value, name: str) -> float:
    """A finite real number >= 0 (``gamma``, ``eta_min``), else TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r:.40}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r} "
                         "(a negative or non-finite factor would make the learning rate negative or NaN)")
    return value


def _check_positive_integer(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r:.40}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class LRScheduler:
    """Base class: subclasses write ``get_lr()`` (the rates for ``last_epoch``)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral):
            raise TypeError(f"last_epoch must be an integer >= -1, got {type(last_epoch).__name__} {last_epoch!r:.40}")
        if last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise MissingInitialLRError(
                        f"{type(self).__name__}(last_epoch={last_epoch}) resumes a schedule, so every "
                        f"parameter group needs 'initial_lr' (its lr at epoch 0, which a scheduler built "
                        f"with last_epoch=-1 sets); param_groups[{i}] has none. Build the scheduler with "
                        "last_epoch=-1 and load its state_dict() to resume, or set group['initial_lr']")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch: ``last_epoch += 1`` and set each group's lr."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Every attribute except the optimizer (as torch)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)


class LambdaLR(LRScheduler):
    """γ_e = γ₀ · lr_lambda(e); ``lr_lambda`` is a function or a list, one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factors = []
        for fn in self.lr_lambdas:
            f = fn(self.last_epoch)
            # A real number, or a 0-d array of one (np.where(...) returns those; torch accepts them).
            real = (isinstance(f, numbers.Real) and not isinstance(f, bool)) or (
                isinstance(f, np.ndarray) and f.ndim == 0 and f.dtype.kind in "iuf")
            if not real:
                raise TypeError(f"lr_lambda must return a real number, but lr_lambda({self.last_epoch}) "
                                f"returned {type(f).__name__} {f!r:.40}")
            factors.append(f.item() if isinstance(f, np.ndarray) else f)
        return [base_lr * f for f, base_lr in zip(factors, self.base_lrs)]

    def state_dict(self) -> dict:
        """As torch: plain functions are not saved (``None``); callable objects save their ``__dict__``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size = _check_positive_integer(step_size, "step_size")
        self.gamma = _check_factor(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``."""

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(milestones, (str, bytes, dict)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"milestones must be a list of epoch numbers (integers), got "
                            f"{type(milestones).__name__} {milestones!r:.40}")
        milestones = list(milestones)
        if any(isinstance(m, bool) or not isinstance(m, numbers.Integral) for m in milestones):
            raise TypeError(f"milestones must be integers, got {milestones!r:.80}")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = _check_factor(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: γ_e = γ₀·gammaᵉ (recursively)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _check_factor(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from γ₀ to ``eta_min`` over ``T_max`` epochs (torch's recursive form)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max = _check_positive_integer(T_max, "T_max")
        self.eta_min = _check_factor(eta_min, "eta_min")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, T = self.last_epoch, self.T_max
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and e > 0:
            return [self.eta_min + (base - self.eta_min) * (1 + math.cos(e * math.pi / T)) / 2
                    for base in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [lr + (base - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._current())]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (lr - self.eta_min) + self.eta_min for lr in self._current()]
