"""The mirror principle, checked by introspection: every public scratchnet
class and function that has a PyTorch namesake takes the same arguments, in
the same positions, with the same defaults.

Rules (what "the same" means here):

* scratchnet's positional parameters are a prefix of torch's — all of
  torch's, the ones scratchnet leaves out included — so a positional call
  written for torch lands on the same parameters (or is refused);
* every torch parameter exists in scratchnet with torch's default, except
  torch's implementation switches that have no meaning for NumPy code
  (``fused``, ``capturable``, ``differentiable``: kernel, CUDA-graph and
  autograd choices) and torch's private ``_stacklevel`` (which scratchnet's
  softmax does have). ``foreach`` is mirrored: it picks the optimizers' fast
  or readable path, by torch's default rule;
* scratchnet's own additions are keyword-only or trailing with a default,
  and listed in ``EXTRAS`` with the reason.

torch's deprecated arguments keep their places but are refused with a
``TypeError`` that names what to use (``size_average``/``reduce``, the
positional ``state_dict(destination, prefix, keep_vars)``): see the last tests.
"""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch")

import scratchnet as sn  # noqa: E402

TORCH_ONLY = {"fused", "capturable", "differentiable", "_stacklevel"}
EXTRAS = {
    # Parity without shared randomness: a module or initializer can be given its
    # own NumPy generator (torch uses its global generator or ``generator=``).
    ("Dropout", "generator"),
}
_P = inspect.Parameter


def _params(fn) -> list[inspect.Parameter]:
    params = list(inspect.signature(fn).parameters.values())
    return [p for p in params if p.name != "self" and p.kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)]


def _positional(params):
    return [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]


def check_mirror(name: str, ours, theirs, torch_only=frozenset()) -> None:
    mine, torch_params = _params(ours), _params(theirs)
    # Positions against all of torch's parameters: leaving out one of torch's switches
    # in the middle (RMSprop's capturable, before foreach) would shift what follows.
    pos_mine, pos_torch = _positional(mine), _positional(torch_params)
    assert pos_mine == pos_torch[:len(pos_mine)], (
        f"{name}: positional parameters differ — scratchnet {pos_mine}, torch {pos_torch}")
    mine = [p for p in mine if p.name not in TORCH_ONLY | torch_only]
    torch_params = [p for p in torch_params if p.name not in TORCH_ONLY | torch_only]
    by_name = {p.name: p for p in mine}
    for p in torch_params:
        assert p.name in by_name, f"{name}: torch's parameter {p.name!r} is missing in scratchnet"
        ours_default = by_name[p.name].default
        assert ours_default == p.default, (
            f"{name}({p.name}=...): default {ours_default!r} in scratchnet, {p.default!r} in torch")
    for p in mine:
        if p.name not in {q.name for q in torch_params}:
            assert (name, p.name) in EXTRAS, f"{name}: parameter {p.name!r} is not torch's and not a listed extra"
            assert p.kind == _P.KEYWORD_ONLY or p.default is not _P.empty


NN_CLASSES = [n for n in sn.nn.modules.__all__ if hasattr(torch.nn, n) and isinstance(getattr(sn.nn, n), type)]
OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
SCHEDULERS = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR"]
INIT = ["zeros_", "ones_", "constant_", "normal_", "uniform_", "xavier_uniform_", "xavier_normal_",
        "kaiming_uniform_", "kaiming_normal_", "calculate_gain"]


@pytest.mark.parametrize("name", NN_CLASSES)
def test_nn_module_signature(name):
    check_mirror(name, getattr(sn.nn, name).__init__, getattr(torch.nn, name).__init__)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_signature(name):
    check_mirror(name, getattr(sn.optim, name).__init__, getattr(torch.optim, name).__init__)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_signature(name):
    check_mirror(name, getattr(sn.optim.lr_scheduler, name).__init__,
                 getattr(torch.optim.lr_scheduler, name).__init__)


@pytest.mark.parametrize("name", INIT)
def test_init_signature(name):
    ours, theirs = getattr(sn.nn.init, name), getattr(torch.nn.init, name)
    # torch's initializers take ``generator: torch.Generator``; ours a NumPy Generator, same name.
    check_mirror(name, ours, theirs)


@pytest.mark.parametrize("name", ["clip_grad_norm_", "clip_grad_value_"])
def test_clip_grad_signature(name):
    """(torch's ``foreach`` here picks its kernel for the norm over many tensors; scratchnet's
    clipping has one path, so it has no such argument.)"""
    check_mirror(name, getattr(sn.nn.utils, name), getattr(torch.nn.utils, name), torch_only={"foreach"})


def test_the_lists_cover_the_library():
    """Nothing public escapes the checks above because a list forgot it."""
    assert {"Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softmax", "LogSoftmax", "Identity", "Sequential",
            "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "PoissonNLLLoss", "Dropout",
            "BatchNorm1d",
            "ELU", "GELU", "SiLU", "Softplus"} <= set(NN_CLASSES)


def test_legacy_reduction_arguments_keep_their_places_and_are_refused():
    """torch keeps the deprecated ``size_average``/``reduce`` slots, so a positional
    call such as ``NLLLoss(None, None, 2)`` means ignore_index=2 in both; passing either
    one is torch's warning and scratchnet's TypeError, naming the reduction they stand for."""
    assert sn.nn.NLLLoss(None, None, 2).ignore_index == torch.nn.NLLLoss(None, None, 2).ignore_index == 2
    for args, kwargs, reduction in [((None, False), {}, "sum"), ((None, None, False), {}, "none"),
                                    ((), {"size_average": True}, "mean"), ((), {"reduce": False}, "none")]:
        with pytest.warns(UserWarning):
            assert torch.nn.BCELoss(*args, **kwargs).reduction == reduction
        with pytest.raises(TypeError, match=rf"BCELoss: size_average and reduce .* use reduction='{reduction}'"):
            sn.nn.BCELoss(*args, **kwargs)
    for cls in ["MSELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "PoissonNLLLoss"]:
        with pytest.raises(TypeError, match=f"^{cls}: size_average and reduce .* use reduction='sum' instead"):
            getattr(sn.nn, cls)(size_average=False)
    # PoissonNLLLoss(log_input, full, size_average, eps, reduce, reduction): eps sits between the pair
    assert sn.nn.PoissonNLLLoss(False, True, None, 0.5).eps == torch.nn.PoissonNLLLoss(False, True, None, 0.5).eps
    with pytest.warns(UserWarning):
        assert torch.nn.PoissonNLLLoss(True, False, None, 1e-8, False).reduction == "none"
    with pytest.raises(TypeError, match=r"^PoissonNLLLoss: size_average and reduce .* use reduction='none'"):
        sn.nn.PoissonNLLLoss(True, False, None, 1e-8, False)


def test_positional_state_dict_is_refused_with_the_keyword_form():
    """torch accepts ``state_dict(destination, prefix, keep_vars)`` with a FutureWarning
    ("Positional args are being deprecated"); scratchnet refuses it, showing the keywords."""
    mine, theirs = sn.models.mlp([3, 2]), torch.nn.Sequential(torch.nn.Linear(3, 2))
    with pytest.warns(FutureWarning, match="Positional args"):
        assert list(theirs.state_dict(None, "p.")) == ["p.0.weight", "p.0.bias"]
    with pytest.raises(TypeError, match=r"state_dict\(destination=\.\.\., prefix=\.\.\.\)"):
        mine.state_dict(None, "p.")
    assert list(mine.state_dict(destination=None, prefix="p.")) == ["p.0.weight", "p.0.bias"]


def test_device_argument_takes_cpu_and_refuses_others():
    import numpy as np

    layer = sn.nn.Linear(2, 3, True, "cpu", np.float64)  # torch's positional order
    assert layer.weight.dtype == np.float64
    sn.nn.BatchNorm1d(3, device=torch.device("cpu"))
    with pytest.raises(ValueError, match="scratchnet runs on the CPU"):
        sn.nn.Linear(2, 3, device="cuda")


MODULE_METHODS = ["state_dict", "load_state_dict", "named_parameters", "parameters", "named_buffers", "buffers",
                  "named_modules", "modules", "named_children", "children", "register_forward_hook",
                  "register_full_backward_hook", "register_buffer", "register_parameter", "register_module",
                  "train", "eval", "zero_grad", "requires_grad_", "apply", "float", "double"]


@pytest.mark.parametrize("name", MODULE_METHODS)
def test_module_method_signature(name):
    check_mirror(f"Module.{name}", getattr(sn.nn.Module, name), getattr(torch.nn.Module, name))


FUNCTIONAL = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "elu", "silu"]


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_signature(name):
    """``torch.nn.functional``'s Python functions (gelu, softplus and linear are C builtins
    without an inspectable signature: their arguments are checked by calls below)."""
    check_mirror(f"F.{name}", getattr(sn.nn.functional, name), getattr(torch.nn.functional, name))


def test_functional_builtins_take_torchs_keywords():
    import numpy as np

    F, TF = sn.nn.functional, torch.nn.functional
    z = np.linspace(-3, 3, 7)
    t = torch.tensor(z)
    np.testing.assert_allclose(F.gelu(input=z, approximate="tanh"), TF.gelu(input=t, approximate="tanh"), rtol=1e-12)
    np.testing.assert_allclose(F.softplus(input=z, beta=2.0, threshold=1.0),
                               TF.softplus(input=t, beta=2.0, threshold=1.0), rtol=1e-12)
    w, b = np.ones((2, 7)), np.arange(2.0)
    np.testing.assert_allclose(F.linear(input=z[None], weight=w, bias=b),
                               TF.linear(input=t[None], weight=torch.tensor(w), bias=torch.tensor(b)), rtol=1e-12)


def test_functional_inplace_and_implicit_softmax_dim_as_torch():
    import numpy as np

    F, TF = sn.nn.functional, torch.nn.functional
    z = np.array([[-1.0, 2.0, -3.0]])
    out = F.relu(z, inplace=True)
    assert out is z and np.array_equal(z, [[0.0, 2.0, 0.0]])
    with pytest.raises(TypeError, match="inplace=True"):
        F.elu([1.0, -1.0], inplace=True)
    for x in [np.arange(3.0), np.arange(6.0).reshape(2, 3), np.arange(24.0).reshape(2, 3, 4)]:
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            ours = F.softmax(x)
        with pytest.warns(UserWarning):
            theirs = TF.softmax(torch.tensor(x))
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)
    assert F.log_softmax(np.zeros(2, np.float32), dim=0, dtype=np.float64).dtype == np.float64


def test_deprecation_warnings_point_at_the_callers_line():
    """Like torch's, the implicit-dim warnings name the line that made the call, not a
    line inside the library."""
    import numpy as np

    calls = [lambda: sn.nn.Softmax()(np.zeros((2, 3))), lambda: sn.nn.functional.log_softmax(np.zeros(3))]
    for call in calls:
        with pytest.warns(UserWarning) as record:
            call()
        assert record[0].filename == __file__
