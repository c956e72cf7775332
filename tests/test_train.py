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


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "class weights"])
def test_validation_loss_is_the_loss_over_the_whole_validation_set(reduction, weighted):
    """val_loss = loss_fn(model(X_val), y_val) computed directly, in the loss's own
    reduction, whatever the validation batches (7 uneven batches of 50 samples)."""
    X, y = _moons()
    model, _, opt = _setup()
    weight = np.array([0.3, 1.7]) if weighted else None
    loss_fn = sn.nn.CrossEntropyLoss(weight=weight, reduction=reduction)
    val = sn.data.DataLoader((X[150:], y[150:]), batch_size=8)
    h = fit(model, loss_fn, opt, (X[:150], y[:150]), epochs=2, val_data=val, progress=False)
    direct = float(sn.nn.CrossEntropyLoss(weight=weight, reduction=reduction)(model.eval()(X[150:]), y[150:]))
    assert h.val_loss[-1] == pytest.approx(direct, rel=1e-13)
    assert sn.train.evaluate(model, loss_fn, val)[0] == pytest.approx(direct, rel=1e-13)
    losses = -np.log(np.exp(model(X[150:]))[np.arange(50), y[150:]] / np.exp(model(X[150:])).sum(1))
    w = np.ones(50) if weight is None else weight[y[150:]]
    by_hand = np.dot(w, losses) / (w.sum() if reduction == "mean" else 1.0)
    assert h.val_loss[-1] == pytest.approx(by_hand, rel=1e-12)


def test_epoch_loss_follows_the_reduction():
    """'sum': the epoch loss is the sum of the step losses (the loss over the epoch's
    samples); 'mean': their sample-weighted mean (batches of 32, 32, 32, 32, 22)."""
    X, y = _moons()
    sizes = np.array([32, 32, 32, 32, 22])
    for reduction, expected in [("sum", lambda s: np.sum(s)), ("mean", lambda s: np.dot(s, sizes) / 150)]:
        model, _, opt = _setup(lr=0.001)
        loader = sn.data.DataLoader((X[:150], y[:150]), batch_size=32)
        h = fit(model, sn.nn.CrossEntropyLoss(reduction=reduction), opt, loader, epochs=2, progress=False)
        assert h.epoch_loss[1] == pytest.approx(expected(h.step_loss[5:]), rel=1e-14)


def test_reduction_none_is_refused_by_name():
    X, y = _moons()
    model, _, opt = _setup()
    with pytest.raises(ValueError, match="reduction='none'.*'mean' or 'sum'"):
        fit(model, sn.nn.CrossEntropyLoss(reduction="none"), opt, (X, y), epochs=1, progress=False)
    with pytest.raises(ValueError, match="reduction='none'"):
        sn.train.evaluate(model, sn.nn.CrossEntropyLoss(reduction="none"), (X, y))


def test_clip_grad_value_option_clamps_every_step():
    """fit(clip_grad_value=v) clamps each gradient entry into [−v, v] before each step:
    the same weights as a hand-written loop calling nn.utils.clip_grad_value_."""
    X, y = _moons()
    model, loss_fn, opt = _setup()
    ref, ref_loss, ref_opt = _setup()
    loader = sn.data.DataLoader((X, y), batch_size=50)
    fit(model, loss_fn, opt, loader, epochs=2, clip_grad_value=0.01, progress=False)
    clipped = 0
    for _ in range(2):
        for xb, yb in loader:
            ref_opt.zero_grad()
            ref_loss(ref(xb), yb)
            ref.backward(ref_loss.backward())
            clipped += sum(int(np.sum(np.abs(p.grad) > 0.01)) for p in ref.parameters())
            sn.nn.utils.clip_grad_value_(ref.parameters(), 0.01)
            ref_opt.step()
    assert clipped > 0                                    # the clamp was active
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    with pytest.raises(ValueError, match="clip_grad_value must be a positive number"):
        fit(model, loss_fn, opt, loader, epochs=1, clip_grad_value=0)
    with pytest.raises(ValueError, match="not both"):
        fit(model, loss_fn, opt, loader, epochs=1, clip_grad_norm=1.0, clip_grad_value=1.0)


def test_step_replaces_the_optimizer_with_a_rule_written_by_hand():
    """fit(step=...) with optimizer=None: the gradients are zeroed by the model, the rule
    updates in place — W := W − α dW by hand gives the weights of the loop written out
    (the same arithmetic, bit for bit); no learning rate is recorded."""
    X, y = _moons()
    model, loss_fn, _ = _setup()
    ref, ref_loss, _ = _setup()

    def gradient_descent():
        for p in model.parameters():
            p.data -= 0.05 * p.grad

    h = fit(model, loss_fn, None, (X, y), epochs=4, step=gradient_descent, progress=False)
    for _ in range(4):
        ref.zero_grad()
        ref_loss(ref(X), y)
        ref.backward(ref_loss.backward())
        for p in ref.parameters():
            p.data -= 0.05 * p.grad
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert h.lr == [[], [], [], []] and len(h.step_loss) == 4
    with pytest.raises(TypeError, match="needs an optimizer, or step="):
        fit(model, loss_fn, None, (X, y), epochs=1)
    with pytest.raises(TypeError, match="step must be a function"):
        fit(model, loss_fn, None, (X, y), epochs=1, step=0.1)


def test_on_step_sees_the_gradients_before_the_update_and_may_change_them():
    """on_step(step, loss) runs after backward (and clipping), before optimizer.step():
    the gradients it sees are the ones used, and zeroing them there freezes the model.
    on_epoch(epoch, history) runs after each epoch, the epoch's numbers recorded."""
    X, y = _moons()
    model, loss_fn, opt = _setup()
    start = [p.data.copy() for p in model.parameters()]
    calls, epochs = [], []

    def on_step(step, loss):
        calls.append((step, loss))
        for p in model.parameters():
            assert p.grad is not None and np.any(p.grad != 0)
            p.grad[...] = 0

    loader = sn.data.DataLoader((X, y), batch_size=64)      # 200 samples: 4 batches per epoch
    h = fit(model, loss_fn, opt, loader, epochs=2, on_step=on_step,
            on_epoch=lambda epoch, history: epochs.append((epoch, history.epochs)), progress=False)
    assert [c[0] for c in calls] == list(range(8)) and [c[1] for c in calls] == h.step_loss
    assert epochs == [(0, 1), (1, 2)]
    for p, q in zip(model.parameters(), start):            # SGD with momentum on zero gradients: no move
        np.testing.assert_array_equal(p.data, q)


def test_a_nan_loss_under_a_hand_written_step_says_so():
    X, y = _moons()
    model = sn.models.mlp([2, 16, 1], dtype=np.float64, generator=np.random.default_rng(0))

    def explode():
        for p in model.parameters():
            p.data -= 1e3 * p.grad

    with pytest.raises(NonFiniteLossError, match=r"with a hand-written update \(step=\)"):
        fit(model, sn.nn.MSELoss(), None, (X, y[:, None].astype(float) * 1e3), epochs=50, step=explode,
            progress=False)
