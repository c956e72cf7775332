"""scratchnet.train.fit without torch: it learns, records, stops early, and
refuses to train through a NaN."""

from __future__ import annotations

import io
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_moons

import scratchnet as sn
from scratchnet.train import NonFiniteLossError, fit


def _moons(dtype=np.float64):
    X, y = make_moons(200, noise=0.1, random_state=0)
    return X.astype(dtype), y


def _setup(lr=0.1, seed=0):
    model = sn.models.mlp([2, 16, 2], dtype=np.float64, generator=np.random.default_rng(seed))
    return model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def test_learns_moons_and_records_history():
    X, y = _moons()
    model, loss_fn, opt = _setup()
    loader = sn.data.DataLoader((X[:150], y[:150]), batch_size=32, shuffle=True,
                                generator=np.random.default_rng(0))
    sched = sn.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    h = fit(model, loss_fn, opt, loader, epochs=30, scheduler=sched, val_data=(X[150:], y[150:]),
            progress=False)
    assert len(h.step_loss) == 30 * 5 and h.epochs == 30
    assert len(h.val_loss) == len(h.val_accuracy) == 30
    assert h.lr[0] == [0.1] and h.lr[10] == [0.05] and h.lr[29] == [0.025]
    assert h.epoch_loss[-1] < 0.35 * h.epoch_loss[0]
    assert h.val_accuracy[-1] >= 0.9
    # the epoch loss is the sample-weighted mean of the step losses (batches 32,32,32,32,22)
    sizes = np.array([32, 32, 32, 32, 22])
    assert h.epoch_loss[3] == pytest.approx(np.dot(h.step_loss[15:20], sizes) / 150, rel=1e-14)
    # validation numbers are the model's on the validation set after the last epoch
    out = model.eval()(X[150:])
    assert h.val_accuracy[-1] == np.mean(np.argmax(out, 1) == y[150:])
    assert h.val_loss[-1] == pytest.approx(float(loss_fn(out, y[150:])), rel=1e-14)


def test_full_batch_pair_and_clipping():
    X, y = _moons()
    model, loss_fn, opt = _setup()
    h = fit(model, loss_fn, opt, (X, y), epochs=3, clip_grad_norm=1e-3, progress=False)
    assert len(h.step_loss) == 3 and h.epoch_loss == h.step_loss
    # with the total gradient norm clipped to 1e-3 and lr 0.1, the weights barely move
    ref, _, _ = _setup()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert np.max(np.abs(p.data - q.data)) < 3 * 0.1 * 1e-3 * 3


def test_early_stopping_on_validation_loss():
    X, y = _moons()
    model, loss_fn, opt = _setup(lr=0.0)     # lr 0: the validation loss never improves
    h = fit(model, loss_fn, opt, (X[:100], y[:100]), epochs=50, val_data=(X[100:], y[100:]), patience=3,
            progress=False)
    assert h.stopped_early and h.epochs == 4 and h.best_epoch == 0


def test_nan_loss_names_step_and_lr():
    X, y = _moons()
    model = sn.models.mlp([2, 16, 1], dtype=np.float64, generator=np.random.default_rng(0))
    opt = sn.optim.SGD(model.parameters(), lr=1e3)
    loader = sn.data.DataLoader((X, y[:, None].astype(float) * 1e3), batch_size=50)
    with pytest.raises(NonFiniteLossError, match=r"at step \d+ \(epoch \d+.*learning rate 1000"):
        fit(model, sn.nn.MSELoss(), opt, loader, epochs=20, progress=False)


def test_argument_errors():
    X, y = _moons()
    model, loss_fn, opt = _setup()
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(model, loss_fn, opt, (X, y), epochs=0)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, loss_fn, opt, (X, y), epochs=1, clip_grad_norm=-1)
    with pytest.raises(ValueError, match="patience"):
        fit(model, loss_fn, opt, (X, y), epochs=1, patience=0)
    with pytest.raises(TypeError, match="DataLoader or an \\(X, y\\) pair"):
        fit(model, loss_fn, opt, 3, epochs=1)


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys, monkeypatch):
    X, y = _moons()
    model, loss_fn, opt = _setup()
    fit(model, loss_fn, opt, (X, y), epochs=2)              # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    fit(model, loss_fn, opt, (X, y), epochs=2, progress=True)
    assert "step" in capsys.readouterr().err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, and keeps what is written to it."""

    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(monkeypatch):
    """progress=None shows tqdm's bar when stderr is a terminal: one update per step."""
    pytest.importorskip("tqdm")
    X, y = _moons()
    model, loss_fn, opt = _setup()
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    h = fit(model, loss_fn, opt, (X, y), epochs=3)
    out = terminal.getvalue()
    assert "3/3" in out and "step" in out and "epoch=2" in out
    assert h.epochs == 3


def test_without_tqdm_fit_trains_without_a_bar(monkeypatch):
    """tqdm is optional: on a terminal without tqdm, fit trains silently with no bar;
    progress=True without tqdm warns (and trains)."""
    X, y = _moons()
    model, loss_fn, opt = _setup()
    ref, ref_loss, ref_opt = _setup()
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm", None)        # `import tqdm` now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(model, loss_fn, opt, (X, y), epochs=3)
    assert terminal.getvalue() == "" and h.epochs == 3
    with pytest.warns(UserWarning, match="tqdm is not installed"):
        fit(ref, ref_loss, ref_opt, (X, y), epochs=3, progress=True)
    assert terminal.getvalue() == ""
    for p, q in zip(model.parameters(), ref.parameters()):    # trained all the same
        np.testing.assert_array_equal(p.data, q.data)


def test_first_layer_skips_dJ_dX():
    """fit() calls backward with needs_input_grad=False: the first Linear returns None
    (its dJ/dX is never computed), the later layers still pass gradients on."""
    X, y = _moons()
    model, loss_fn, opt = _setup()
    seen = []
    model[0].register_full_backward_hook(lambda m, gin, gout: seen.append(gin[0]))
    model[2].register_full_backward_hook(lambda m, gin, gout: seen.append(gin[0]))
    fit(model, loss_fn, opt, (X, y), epochs=1, progress=False)
    assert seen[0].shape == (200, 16) and seen[1] is None
