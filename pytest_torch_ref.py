"""The pytest plugin of ``torch_ref.check``: a ``parity`` fixture.

Registered by the package's entry points (``[project.entry-points.pytest11]``
in ``pyproject.toml``), so installing scratchnet is enough::

    def test_my_layer(parity):
        parity.layer(affine_forward, affine_backward, torch.nn.Linear(4, 3),
                     params={"w": "weight", "b": "bias"}, layout="x@w").assert_ok()

``parity.layer``, ``parity.loss``, ``parity.network`` and ``parity.optimizer``
are :func:`torch_ref.check.check_layer`, ``check_loss``, ``check_network``
and ``check_optimizer``; a failing ``assert_ok()`` shows the whole report
(one row per tensor, with the diagnosis) as the assertion message.

This module imports neither torch nor torch_ref until the fixture is used,
so the plugin costs nothing in test runs that do not use it.
"""

from __future__ import annotations

import pytest


class Parity:
    """The checks of :mod:`torch_ref.check`, as the ``parity`` fixture hands them out."""

    @staticmethod
    def layer(*args, **kwargs):
        from torch_ref.check import check_layer

        return check_layer(*args, **kwargs)

    @staticmethod
    def loss(*args, **kwargs):
        from torch_ref.check import check_loss

        return check_loss(*args, **kwargs)

    @staticmethod
    def network(*args, **kwargs):
        from torch_ref.check import check_network

        return check_network(*args, **kwargs)

    @staticmethod
    def optimizer(*args, **kwargs):
        from torch_ref.check import check_optimizer

        return check_optimizer(*args, **kwargs)


@pytest.fixture
def parity() -> Parity:
    """Check your own NumPy code against PyTorch: ``parity.layer(...)``, ``.loss``,
    ``.network``, ``.optimizer`` (see :mod:`torch_ref.check`); each returns a
    report with ``.ok``, ``.rows`` and ``.assert_ok()``."""
    return Parity()
