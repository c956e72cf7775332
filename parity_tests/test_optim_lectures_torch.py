"""The lecture-formula tests of ``tests/test_optim_lectures.py``, run on ``torch.optim``
itself: which PyTorch settings reproduce Chapter 15's and CS229's optimizer
formulas, proven on PyTorch (the same test bodies, a torch backend)."""

from __future__ import annotations

import pytest

from tests.test_optim_lectures import (  # noqa: F401  (collected here with the torch backend)
    test_ch15_adam_is_adam, test_ch15_momentum_is_sgd_momentum_while_lr_is_constant,
    test_ch15_momentum_parts_from_sgd_when_lr_changes, test_cs229_decay_is_exponential_lr,
    test_cs229_momentum_is_sgd_with_lr_times_one_minus_beta,
    test_cs229_momentum_with_dampening_differs_on_the_first_step)


@pytest.fixture(params=["torch"])
def backend(request):
    return request.param
