"""Training checkpoints: a run interrupted, saved, reloaded into fresh objects
and continued ends bit-identical to the uninterrupted run; bad checkpoints and
misuse get clear errors and change nothing."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn
from scratchnet.checkpoint import load_checkpoint, save_checkpoint
from scratchnet.serialization import SerializationError


def _data():
    rng = np.random.default_rng(99)
    x = rng.normal(size=(30, 3))
    return x, (x[:, 0] - x[:, 1] * x[:, 2] > 0).astype(int)


def build(seed: int = 0, optimizer=None, scheduler=None):
    """A dropout + batch-norm MLP (random masks, running statistics) and its optimizer."""
    model = sn.models.mlp([3, 12, 12, 2], activation="relu", dropout=0.25, batch_norm=True,
                          generator=np.random.default_rng(seed))
    opt = optimizer(model.parameters()) if optimizer is not None else None
    sched = scheduler(opt) if scheduler is not None else None
    return model, opt, sched


def train(model, opt, sched, shuffle, epochs, start=0):
    """Mini-batch epochs; without an optimizer, a plain θ ← θ − 0.05·∇J."""
    x, y = _data()
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(start, epochs):
        for idx in np.array_split(shuffle.permutation(len(x)), 3):
            if opt is not None:
                opt.zero_grad()
            else:
                model.zero_grad()
            losses.append(float(loss_fn(model(x[idx]), y[idx])))
            model.backward(loss_fn.backward())
            if opt is not None:
                opt.step()
            else:
                for p in model.parameters():
                    p.data -= np.float32(0.05) * p.grad
        if sched is not None:
            sched.step()
    return losses


def interrupted_run(tmp_path, optimizer=None, scheduler=None, epochs=6, stop=3, restore_rng=True):
    """Train ``stop`` epochs, checkpoint, disturb everything, resume in fresh objects."""
    sn.manual_seed(5)
    model, opt, sched = build(0, optimizer, scheduler)
    shuffle = np.random.default_rng(11)
    first = train(model, opt, sched, shuffle, stop)
    path = tmp_path / "run.npz"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=stop, generator=shuffle,
                    extra={"losses": np.array(first)})
    # The interruption: a new process would start from other random states and other weights.
    sn.manual_seed(12345)
    model, opt, sched = build(1, optimizer, scheduler)
    shuffle = np.random.default_rng(0)
    if restore_rng:
        info = load_checkpoint(path, model=model, optimizer=opt, scheduler=sched, generator=shuffle)
    else:
        info = {"epoch": stop, "extra": {"losses": np.array(first)}}
        model.load_state_dict(sn.load(path)["model"])
    rest = train(model, opt, sched, shuffle, epochs, start=info["epoch"])
    return list(info["extra"]["losses"]) + rest, model.state_dict()


def uninterrupted_run(optimizer=None, scheduler=None, epochs=6):
    sn.manual_seed(5)
    model, opt, sched = build(0, optimizer, scheduler)
    return train(model, opt, sched, np.random.default_rng(11), epochs), model.state_dict()


def assert_bit_identical(a, b):
    assert np.array(a[0]).tobytes() == np.array(b[0]).tobytes(), "loss curves differ"
    for key in a[1]:
        assert a[1][key].tobytes() == b[1][key].tobytes(), key


def test_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path):
    assert_bit_identical(interrupted_run(tmp_path), uninterrupted_run())


def test_without_the_random_states_the_resumed_run_differs(tmp_path):
    """Guard against a vacuous test: dropout masks and shuffles do depend on the
    random states the checkpoint restores."""
    resumed = interrupted_run(tmp_path, restore_rng=False)
    full = uninterrupted_run()
    assert resumed[0][:9] == full[0][:9]
    assert resumed[0][9:] != full[0][9:]


def test_module_generators_must_match(tmp_path):
    """A Dropout holding its own generator has its state in the checkpoint; a
    model built differently (dropout on the default generator) is refused."""
    model, _, _ = build(0)
    save_checkpoint(tmp_path / "c.npz", model=model)
    other = sn.models.mlp([3, 12, 12, 2], activation="relu", dropout=0.25, batch_norm=True)
    with pytest.raises(ValueError, match=r"random states of the modules \['3', '7'\].*generators in \[\]"):
        load_checkpoint(tmp_path / "c.npz", model=other)


def test_batchnorm_running_statistics_are_in_the_checkpoint(tmp_path):
    model, _, _ = build(0)
    model.train()
    model(np.random.default_rng(0).normal(size=(8, 3)))
    save_checkpoint(tmp_path / "c.npz", model=model)
    fresh, _, _ = build(1)
    load_checkpoint(tmp_path / "c.npz", model=fresh)
    for key in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        assert fresh.state_dict()[key].tobytes() == model.state_dict()[key].tobytes()


class Refuses:
    """A stateful object whose load_state_dict fails, to test all-or-nothing restores."""

    def __init__(self):
        self.value = 1

    def state_dict(self):
        return {"value": self.value}

    def load_state_dict(self, state):
        raise ValueError("this state does not fit")


def test_restore_is_all_or_nothing(tmp_path):
    model, _, _ = build(0)
    save_checkpoint(tmp_path / "c.npz", model=model, scheduler=Refuses())
    fresh, _, _ = build(1)
    before = fresh.state_dict()
    sn.manual_seed(77)
    rng_before = sn.get_rng_state()
    with pytest.raises(ValueError, match="this state does not fit"):
        load_checkpoint(tmp_path / "c.npz", model=fresh, scheduler=Refuses())
    for key, value in before.items():
        assert fresh.state_dict()[key].tobytes() == value.tobytes(), f"{key} changed"
    assert sn.get_rng_state() == rng_before


def test_checkpoint_of_another_architecture_changes_nothing(tmp_path):
    save_checkpoint(tmp_path / "c.npz", model=sn.models.mlp([3, 5, 2]))
    other = sn.models.mlp([3, 6, 2])
    before = other.state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        load_checkpoint(tmp_path / "c.npz", model=other)
    assert all(other.state_dict()[k].tobytes() == v.tobytes() for k, v in before.items())


def test_checkpoint_misuse(tmp_path):
    model = sn.models.mlp([3, 2])
    path = tmp_path / "c.npz"
    with pytest.raises(TypeError, match="model must be a scratchnet Module, got OrderedDict"):
        save_checkpoint(path, model=model.state_dict())
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        save_checkpoint(path, model=model, epoch=-1)
    with pytest.raises(TypeError, match="generator must be the numpy.random.Generator"):
        save_checkpoint(path, model=model, generator=3)
    with pytest.raises(TypeError, match="optimizer must have state_dict"):
        save_checkpoint(path, model=model, optimizer=object())
    save_checkpoint(path, model=model)
    with pytest.raises(ValueError, match="holds no optimizer state, but an optimizer was given"):
        load_checkpoint(path, model=model, optimizer=Refuses())
    with pytest.raises(ValueError, match="holds no data generator state"):
        load_checkpoint(path, model=model, generator=np.random.default_rng(0))
    save_checkpoint(path, model=model, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="the saved data generator is a PCG64, the given one a MT19937"):
        load_checkpoint(path, model=model, generator=np.random.Generator(np.random.MT19937(0)))
    sn.save(model.state_dict(), tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="not a scratchnet checkpoint .*model.load_state_dict"):
        load_checkpoint(tmp_path / "weights.npz", model=model)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz", model=model)
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(SerializationError, match="truncated or corrupt"):
        load_checkpoint(tmp_path / "cut.npz", model=model)


def test_a_failed_checkpoint_save_keeps_the_previous_checkpoint(tmp_path):
    model = sn.models.mlp([3, 2])
    path = tmp_path / "c.npz"
    save_checkpoint(path, model=model, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot save state\\['extra'\\]\\['note'\\]"):
        save_checkpoint(path, model=model, epoch=2, extra={"note": object()})
    assert path.read_bytes() == before
    assert load_checkpoint(path, model=model)["epoch"] == 1


# ---------------------------------------------------------------- optimizers and schedulers

from scratchnet import optim  # noqa: E402
from scratchnet.data import DataLoader, TensorDataset  # noqa: E402
from scratchnet.optim import lr_scheduler as lrs  # noqa: E402


def _halving(epoch):
    return 1.0 / (1.0 + epoch)


#: Each optimizer with the options that give it the most state, and a schedule.
#: LambdaLR's function is not saved (torch's state_dict stores None for a plain
#: function, and scratchnet mirrors it): the resuming run builds the scheduler
#: with the same function and the checkpoint restores last_epoch and the rates.
OPTIMIZER_SCHEDULES = {
    "SGD-nesterov+StepLR": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
                            lambda o: lrs.StepLR(o, step_size=2, gamma=0.5)),
    "Adam-amsgrad+ExponentialLR": (lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
                                   lambda o: lrs.ExponentialLR(o, gamma=0.8)),
    "AdamW+CosineAnnealingLR": (lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1),
                                lambda o: lrs.CosineAnnealingLR(o, T_max=4, eta_min=1e-4)),
    "RMSprop-centered-momentum+MultiStepLR": (lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
                                              lambda o: lrs.MultiStepLR(o, milestones=[2, 4, 4], gamma=0.3)),
    "Adagrad+LambdaLR": (lambda ps: optim.Adagrad(ps, lr=0.05, lr_decay=0.01),
                         lambda o: lrs.LambdaLR(o, _halving)),
}


def loader_run(case, epochs=6, stop=None, tmp_path=None, skip_optimizer_state=False):
    """Mini-batch training through a shuffled DataLoader (a generator of its own), a
    dropout + batch-norm model, an optimizer and a schedule; optionally stopped
    after ``stop`` epochs, checkpointed, and resumed in fresh objects.
    Returns (every step's loss, the last lrs, final state dict, optimizer state)."""
    make_opt, make_sched = OPTIMIZER_SCHEDULES[case]
    x, y = _data()
    loss_fn = nn.CrossEntropyLoss()

    def fresh(seed, shuffle_seed):
        sn.manual_seed(seed)
        model, opt, sched = build(seed, make_opt, make_sched)
        loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True,
                            generator=np.random.default_rng(shuffle_seed))
        return model, opt, sched, loader

    def epochs_of(model, opt, sched, loader, start, end):
        out = []
        for _ in range(start, end):
            model.train()
            for xb, yb in loader:
                opt.zero_grad()
                out.append(float(loss_fn(model(xb), yb)))
                model.backward(loss_fn.backward())
                opt.step()
            sched.step()
        return out

    model, opt, sched, loader = fresh(0, 11)
    if stop is None:
        losses = epochs_of(model, opt, sched, loader, 0, epochs)
    else:
        losses = epochs_of(model, opt, sched, loader, 0, stop)
        path = tmp_path / "run.npz"
        save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=stop,
                        generator=loader.generator, extra={"losses": losses})
        model, opt, sched, loader = fresh(1, 99)  # another process: other weights, streams
        if skip_optimizer_state:
            info = load_checkpoint(path, model=model, scheduler=sched, generator=loader.generator)
        else:
            info = load_checkpoint(path, model=model, optimizer=opt, scheduler=sched, generator=loader.generator)
        losses = list(info["extra"]["losses"]) + epochs_of(model, opt, sched, loader, info["epoch"], epochs)
    return losses, sched.get_last_lr(), model.state_dict(), opt.state_dict()


@pytest.mark.parametrize("case", sorted(OPTIMIZER_SCHEDULES))
def test_resume_with_optimizer_scheduler_and_shuffling_loader_is_bit_identical(tmp_path, case):
    full = loader_run(case)
    resumed = loader_run(case, stop=3, tmp_path=tmp_path)
    assert np.array(resumed[0]).tobytes() == np.array(full[0]).tobytes(), "loss curves differ"
    assert resumed[1] == full[1], "learning rates differ"
    for key, value in full[2].items():
        assert resumed[2][key].tobytes() == value.tobytes(), key
    for index, state in full[3]["state"].items():
        for name, value in state.items():
            assert np.asarray(resumed[3]["state"][index][name]).tobytes() == np.asarray(value).tobytes(), \
                f"optimizer state {index}/{name}"
    assert resumed[3]["param_groups"] == full[3]["param_groups"]


@pytest.mark.parametrize("case", ["SGD-nesterov+StepLR", "Adam-amsgrad+ExponentialLR"])
def test_without_the_optimizer_state_the_resumed_run_differs(tmp_path, case):
    """Guard against a vacuous test: the momentum buffers / moments matter."""
    full = loader_run(case)
    resumed = loader_run(case, stop=3, tmp_path=tmp_path, skip_optimizer_state=True)
    assert resumed[0][:12] == full[0][:12]
    assert resumed[0][12:] != full[0][12:]


class Warmup:
    """A callable object as lr_lambda: torch saves its ``__dict__`` (a plain function
    is saved as None), and so does scratchnet."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.steps)


def test_lambda_lr_saves_callable_objects_but_not_functions(tmp_path):
    model, opt, _ = build(0, lambda ps: optim.SGD(ps, lr=0.1))
    opt.add_param_group({"params": [nn.Parameter(np.zeros(2, np.float32))]})
    sched = lrs.LambdaLR(opt, [_halving, Warmup(4)])
    sched.step()
    assert sched.state_dict()["lr_lambdas"] == [None, {"steps": 4}]
    save_checkpoint(tmp_path / "c.npz", model=model, optimizer=opt, scheduler=sched)
    model2, opt2, _ = build(0, lambda ps: optim.SGD(ps, lr=0.1))
    opt2.add_param_group({"params": [nn.Parameter(np.zeros(2, np.float32))]})
    warmup = Warmup(10)
    sched2 = lrs.LambdaLR(opt2, [_halving, warmup])
    load_checkpoint(tmp_path / "c.npz", model=model2, optimizer=opt2, scheduler=sched2)
    assert warmup.steps == 4 and sched2.last_epoch == 1 and sched2.get_last_lr() == sched.get_last_lr()
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_a_failing_optimizer_state_leaves_the_model_untouched(tmp_path, monkeypatch):
    """All or nothing: the optimizer state does not fit (another optimizer layout),
    so the model, already loaded, is rolled back to what it held."""
    model, opt, sched = build(0, lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                              lambda o: lrs.StepLR(o, 1))
    model(np.ones((4, 3)))
    model.backward(np.ones((4, 2), np.float32))
    opt.step()
    save_checkpoint(tmp_path / "c.npz", model=model, optimizer=opt, scheduler=sched, epoch=1)
    fresh, _, _ = build(1)
    params = list(fresh.parameters())
    other = optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.1, momentum=0.9)
    before = fresh.state_dict()
    loaded_into = []
    original = type(fresh).load_state_dict
    monkeypatch.setattr(type(fresh), "load_state_dict",
                        lambda self, *a, **k: (loaded_into.append(self), original(self, *a, **k))[1])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        load_checkpoint(tmp_path / "c.npz", model=fresh, optimizer=other)
    assert loaded_into == [fresh, fresh]  # the checkpoint's weights, then the remembered ones back
    assert all(fresh.state_dict()[k].tobytes() == v.tobytes() for k, v in before.items())
    assert other.state == {} and len(other.param_groups) == 2


def test_an_unsaveable_extra_never_replaces_the_previous_checkpoint(tmp_path):
    model, opt, sched = build(0, lambda ps: optim.Adam(ps), lambda o: lrs.ExponentialLR(o, 0.5))
    path = tmp_path / "c.npz"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    before = path.read_bytes()
    for extra, error in (({"rng": np.random.default_rng(0)}, TypeError), ({"s": {1, 2}}, TypeError),
                         ({"a": np.array([object()])}, TypeError), (_deep(150), ValueError)):
        with pytest.raises(error, match="cannot save"):
            save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2, extra=extra)
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]  # no temporary file left


def _deep(n):
    value = []
    for _ in range(n):
        value = [value]
    return value


def test_loader_without_a_generator_resumes_through_loader_argument(tmp_path):
    """A DataLoader built without ``generator=`` shuffles from a stream of its own
    (seeded once from the default generator); ``loader=`` checkpoints that stream,
    so the resumed epochs draw the uninterrupted run's batch orders."""
    x, y = _data()

    def make():
        sn.manual_seed(5)
        return DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)

    straight = make()
    orders = [[b.tolist() for b in straight.next_order()] for _ in range(4)]
    first = make()
    resumed_orders = [[b.tolist() for b in first.next_order()] for _ in range(2)]
    model = sn.models.mlp([3, 4, 2])
    save_checkpoint(tmp_path / "c.npz", model=model, epoch=2, loader=first)
    sn.manual_seed(123)
    again = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)  # another process, another stream
    load_checkpoint(tmp_path / "c.npz", model=model, loader=again)
    resumed_orders += [[b.tolist() for b in again.next_order()] for _ in range(2)]
    assert resumed_orders == orders
    with pytest.raises(ValueError, match="not both"):
        save_checkpoint(tmp_path / "d.npz", model=model, loader=first, generator=first.generator)
    with pytest.raises(TypeError, match="loader must be"):
        save_checkpoint(tmp_path / "d.npz", model=model, loader=[1, 2])


def test_restoring_never_copies_the_model(tmp_path):
    """Restoring touches only state dicts: a model whose hook holds an open file (which
    cannot be deep-copied) restores fine, and the hook stays the same object."""
    model, opt, sched = build(0, lambda ps: optim.Adam(ps, lr=0.01), lambda o: lrs.StepLR(o, 1))
    save_checkpoint(tmp_path / "c.npz", model=model, optimizer=opt, scheduler=sched, epoch=1)

    class LogShapes:
        def __init__(self, fh):
            self.fh = fh

        def __call__(self, module, inputs, output):
            self.fh.write(f"{output.shape}\n")

    with open(tmp_path / "log.txt", "w") as fh:
        hook = LogShapes(fh)
        model[0].register_forward_hook(hook)
        info = load_checkpoint(tmp_path / "c.npz", model=model, optimizer=opt, scheduler=sched)
        assert info["epoch"] == 1 and list(model[0]._forward_hooks.values()) == [hook]
        model(np.ones((2, 3)))
    assert (tmp_path / "log.txt").read_text() == "(2, 12)\n"
