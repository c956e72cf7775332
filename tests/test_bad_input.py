"""Bad input gets a clear error in scratchnet's own words: what was expected,
what came — never a NumPy broadcasting message or a silently wrong result."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn


def test_linear_wrong_feature_count():
    layer = sn.nn.Linear(4, 2)
    with pytest.raises(ValueError, match=r"Linear\(in_features=4\) expects input of shape \(batch, 4\).*got shape \(3, 5\)"):
        layer(np.ones((3, 5)))


def test_linear_wrong_rank():
    layer = sn.nn.Linear(64, 2)
    with pytest.raises(ValueError, match="got a scalar"):
        layer(np.float64(3.0))
    with pytest.raises(ValueError, match="flatten each example"):
        layer(np.ones((5, 8, 8)))


def test_linear_refuses_non_numeric_input():
    layer = sn.nn.Linear(2, 1)
    with pytest.raises(TypeError, match="booleans"):
        layer(np.array([[True, False]]))
    with pytest.raises(TypeError, match="complex"):
        layer(np.array([[1 + 2j, 0]]))
    with pytest.raises(TypeError, match="numeric array"):
        layer(np.array([["a", "b"]]))
    # Integers are real numbers: converted to the layer's dtype, as documented.
    assert layer(np.array([[1, 0]])).dtype == np.float32


def test_backward_before_forward():
    with pytest.raises(ValueError, match=r"Linear.backward\(\) called before forward\(\)"):
        sn.nn.Linear(2, 2).backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"MSELoss.backward\(\) called before forward\(\)"):
        sn.nn.MSELoss().backward()


def test_misuse_order_errors_are_valueerrors_and_torchs_runtimeerror():
    """``UsageError`` is a ValueError (scratchnet's type for bad input) and a
    RuntimeError (what PyTorch raises here, so code written for torch still
    catches it)."""
    with pytest.raises(sn.UsageError) as info:
        sn.nn.ReLU().backward(np.ones(3))
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    with pytest.raises(sn.UsageError):
        sn.nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))})


def test_backward_twice():
    model = sn.models.mlp([2, 3, 1])
    model(np.ones((4, 2)))
    model.backward(np.ones((4, 1)))
    with pytest.raises(ValueError, match="called twice after one forward"):
        model.backward(np.ones((4, 1)))


def test_gradient_of_the_wrong_shape():
    model = sn.models.mlp([2, 3, 1])
    model(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of the forward output \(4, 1\), got \(4,\)"):
        model.backward(np.ones(4))
    # The failed call consumed nothing: a correct one still works.
    assert model.backward(np.ones((4, 1))).shape == (4, 2)


def test_non_scalar_output_needs_an_explicit_gradient():
    loss = sn.nn.MSELoss(reduction="none")
    loss(np.ones((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="needs grad_output"):
        loss.backward()


@pytest.mark.parametrize("loss_cls", [sn.nn.MSELoss, sn.nn.BCELoss, sn.nn.BCEWithLogitsLoss, sn.nn.PoissonNLLLoss])
def test_loss_shape_mismatch_is_refused_not_broadcast(loss_cls):
    """torch warns and broadcasts (4, 1) against (4,) into a (4, 4) loss; scratchnet refuses."""
    with pytest.raises(ValueError, match=r"prediction shape \(4, 1\) and target shape \(4,\) differ.*y.reshape\(-1, 1\)"):
        loss_cls()(np.full((4, 1), 0.5), np.zeros(4))


def test_bce_predictions_outside_unit_interval():
    with pytest.raises(ValueError, match=r"probability in \[0, 1\], got 1.5.*BCEWithLogitsLoss"):
        sn.nn.BCELoss()(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="probability"):
        sn.nn.BCELoss()(np.array([np.nan, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        sn.nn.BCELoss()(np.array([0.5, 0.5]), np.array([0.0, 2.0]))


def test_poisson_targets_and_rates_below_zero_and_bad_options():
    """Counts and rates are ≥ 0: PyTorch computes a number (or NaN) for y = −1 or
    λ = −0.5 without a word; scratchnet says what was expected."""
    with pytest.raises(ValueError, match=r"^PoissonNLLLoss: targets must be counts or rates >= 0, got -1.0$"):
        sn.nn.PoissonNLLLoss()(np.zeros(3), np.array([0.0, -1.0, 2.0]))
    with pytest.raises(ValueError, match=r"targets must be counts or rates >= 0, got nan"):
        sn.nn.PoissonNLLLoss()(np.zeros(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"^PoissonNLLLoss\(log_input=False\): every prediction must be a rate "
                                         r">= 0, got -0.5 \(for log-rates.*use log_input=True\)"):
        sn.nn.PoissonNLLLoss(log_input=False)(np.array([1.0, -0.5]), np.array([1.0, 1.0]))
    # log-rates may be any real number; a rate of exactly 0 is fine (ε keeps log(0) away)
    assert np.isfinite(sn.nn.PoissonNLLLoss()(np.array([-3.0, 2.0]), np.array([1.0, 0.0])))
    assert np.isfinite(sn.nn.PoissonNLLLoss(log_input=False)(np.array([0.0, -0.0]), np.array([1.0, 0.0])))
    with pytest.raises(TypeError, match=r"^PoissonNLLLoss: log_input must be True or False, got int 1$"):
        sn.nn.PoissonNLLLoss(log_input=1)
    with pytest.raises(TypeError, match=r"^PoissonNLLLoss: full must be True or False, got str 'yes'$"):
        sn.nn.PoissonNLLLoss(full="yes")
    with pytest.raises(ValueError, match=r"^PoissonNLLLoss: eps must be >= 0, got -1e-08$"):
        sn.nn.PoissonNLLLoss(eps=-1e-8)
    with pytest.raises(TypeError, match=r"^PoissonNLLLoss: eps must be a real number, got str '1e-8'$"):
        sn.nn.PoissonNLLLoss(eps="1e-8")
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        sn.nn.PoissonNLLLoss(reduction="avg")
    with pytest.raises(TypeError, match="^PoissonNLLLoss: size_average and reduce .* use reduction='none' instead"):
        sn.nn.PoissonNLLLoss(True, False, None, 1e-8, False)  # torch's positions: reduce=False


@pytest.mark.parametrize("loss_cls", [sn.nn.CrossEntropyLoss, sn.nn.NLLLoss])
def test_class_indices_out_of_range_negative_or_not_integers(loss_cls):
    z = np.zeros((3, 4))
    with pytest.raises(IndexError, match=r"target 4 is out of bounds: class indices must lie in \[0, 3\] for 4 classes"):
        loss_cls()(z, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        loss_cls()(z, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="whole numbers, got 1.5"):
        loss_cls()(z, np.array([0.0, 1.5, 1.0]))
    with pytest.raises(TypeError, match="must be integers"):
        loss_cls()(z, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"one per example\), got \(3, 1\)"):
        loss_cls()(z, np.array([[0], [1], [2]]))
    # The ignore_index is allowed, and whole-number floats are accepted.
    assert np.isfinite(loss_cls()(z, np.array([0.0, 1.0, 3.0])))
    assert np.isfinite(loss_cls()(z, np.array([0, -100, 3])))


def test_cross_entropy_rank_and_reduction_errors():
    with pytest.raises(ValueError, match=r"shape \(batch, classes\) or \(classes,\), got \(2, 3, 4\)"):
        sn.nn.CrossEntropyLoss()(np.zeros((2, 3, 4)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        sn.nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        sn.nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(4,\), got \(3,\)"):
        sn.nn.CrossEntropyLoss(weight=np.ones(3))(np.zeros((2, 4)), np.array([0, 1]))


def test_softmax_dim_out_of_range():
    with pytest.raises(IndexError, match=r"dim 2 is out of range for an input of rank 2"):
        sn.nn.Softmax(dim=2)(np.zeros((2, 3)))


def test_builder_arguments():
    with pytest.raises(ValueError, match="at least an input and an output width"):
        sn.models.mlp([3])
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        sn.models.mlp([3, 2], activation="relu6")
    with pytest.raises(ValueError, match="sizes\\[1\\] must be positive"):
        sn.models.mlp([3, 0, 2])
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        sn.nn.Linear(2, 2, dtype=np.int32)


def test_torch_tensor_input_is_refused_with_a_hint():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="torch.Tensor.*numpy"):
        sn.nn.Linear(2, 1)(torch.ones(1, 2))
