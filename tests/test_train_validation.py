"""fit's validation data, in both backends: turned into a loader once, before the
first step — so a malformed ``val_data`` is refused before any training, and an
``(X, y)`` pair is not converted again every epoch — and evaluated the same as
``evaluate`` would."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn

torch = pytest.importorskip("torch")
import torch_ref  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    return X, (X[:, 0] > 0).astype(np.int64)


def _scratchnet():
    model = sn.models.mlp([3, 5, 2], dtype=np.float64, generator=np.random.default_rng(0))
    return sn.train, model, sn.optim.SGD(model.parameters(), lr=0.1), sn.nn.CrossEntropyLoss()


def _torch():
    model = torch_ref.models.mlp([3, 5, 2], dtype=np.float64, generator=np.random.default_rng(0))
    return torch_ref.train, model, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.CrossEntropyLoss()


BACKENDS = pytest.mark.parametrize("make", [_scratchnet, _torch], ids=["scratchnet", "torch_ref"])


@BACKENDS
@pytest.mark.parametrize("val_data,error,match", [
    (lambda X, y: (X[20:], y[21:]), ValueError, "Size mismatch"),
    (lambda X, y: (X[20:], y[20:], y[20:]), TypeError, "val_data must be a DataLoader or an"),
    (lambda X, y: "validation.csv", TypeError, "val_data must be a DataLoader or an"),
    (lambda X, y: iter([(X[20:], y[20:])]), TypeError, "val_data must be a DataLoader or an"),
], ids=["lengths-differ", "three-items", "a-string", "an-iterator"])
def test_malformed_val_data_is_refused_before_the_first_step(make, val_data, error, match):
    train, model, opt, loss_fn = make()
    X, y = _data()
    before = [p.detach().clone() if hasattr(p, "detach") else p.data.copy() for p in model.parameters()]
    steps = []
    with pytest.raises(error, match=match):
        train.fit(model, loss_fn, opt, (X[:20], y[:20]), epochs=2, val_data=val_data(X, y), progress=False,
                  on_step=lambda step, loss: steps.append(step))
    assert steps == []  # not one step was taken
    for p, q in zip(model.parameters(), before):
        data = p.detach() if hasattr(p, "detach") else p.data
        assert np.array_equal(np.asarray(data), np.asarray(q))


@BACKENDS
def test_an_xy_pair_becomes_a_loader_once_and_validates_as_evaluate(make, monkeypatch):
    train, model, opt, loss_fn = make()
    X, y = _data()
    made = []
    real = train.as_loader
    monkeypatch.setattr(train, "as_loader", lambda data, name, *a: made.append(name) or real(data, name, *a))
    seen = []
    h = train.fit(model, loss_fn, opt, (X[:20], y[:20]), epochs=3, val_data=(X[20:], y[20:]), progress=False,
                  on_epoch=lambda epoch, history: seen.append(train.evaluate(model, loss_fn, (X[20:], y[20:]))))
    assert made.count("val_data") == 1 + 3  # once by fit, and once by each evaluate call of on_epoch
    assert made.count("data") == 1
    assert h.val_loss == [loss for loss, _ in seen]  # the same numbers as evaluate's, exactly
    assert h.val_accuracy == [accuracy for _, accuracy in seen]
