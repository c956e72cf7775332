"""The lectures' own from-scratch code, checked against PyTorch with ``torch_ref.check``.

* CS229 Lecture 11's notebook ``NeuralNetwork`` (examples as columns: X
  ``in m``, W ``out in``, b ``out 1``; the preset ``"cs229"``) against
  ``nn.Sequential(Linear, ReLU, Linear, Sigmoid)`` with ``nn.BCELoss`` — its
  ``backward(Y)`` starts from its own loss — on the notebook's XOR data, on a
  drawn batch, and after the notebook's training.
* Chapter 15's XOR listing (examples as rows: X ``m in``, W ``in out``, b
  ``1 out``; the preset ``"x@w"``), from its own ``np.random.seed(42)``
  weights, against the MSE it prints (``nn.MSELoss``), then against ½·MSE.
* Chapter 15's "Gradient Descent Variants" momentum and Adam updates against
  ``torch.optim.SGD`` and ``torch.optim.Adam``.
* In full mode, the catalogue of classic bugs (``parity_tests/classic_bugs``):
  what the check says about each, and which parity test catches it when it
  is planted into scratchnet.

The lecture code is each lecture's own, as printed, in ``cs229/lecture.py`` and
``chapter15/lecture.py``. The checks run on torch only (the lecture code is the
other side), whatever ``--backend``.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from torch_ref.check import check_network, check_optimizer
from torch_ref.check.report import HEADERS

from ..base import Context, Result, Table
from ..chapter15 import lecture as ch15
from ..cs229 import lecture as cs229
from ..cs229.lecture import experiment

WHERE = "NeuralNetwork class (§6.3); Chapter 15 'Building a Neural Network from Scratch: XOR Problem'"

CS229_PARAMS = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}
X_XOR_COLUMNS = cs229.X_xor.astype(np.float64)   # the notebook's X_xor, examples as columns
Y_XOR_COLUMNS = cs229.Y_xor.astype(np.float64)


class HalfMSELoss(nn.Module):
    """½·MSE: the loss whose gradient Chapter 15's backward computes."""

    def forward(self, input, target):
        return 0.5 * nn.functional.mse_loss(input, target)


def _cs229_reference():
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())


def _ch15_reference():
    return nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())


def _table(title: str, report) -> Table:
    """The report as a table; a passing optimizer check shows its last step only (its title says so)."""
    rows = report.rows
    steps = sorted({r.step for r in rows if r.step is not None})
    if report.ok and len(steps) > 1:
        rows = [r for r in rows if r.step == steps[-1]]
        title += f" (the last step shown; steps 1–{steps[-2]} agree too, all {len(report.rows)} rows ok)"
    return Table(f"{title} — {'OK' if report.ok else 'FAIL'}", list(HEADERS), [r.cells() for r in rows])


def _with_global_seed(seed: int, fn):
    """Run ``fn`` with NumPy's global stream seeded as the lecture does, and leave it as found."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        return fn()
    finally:
        np.random.set_state(state)


def cs229_checks(ctx: Context) -> dict:
    iterations = 100 if ctx.quick else 5000   # the notebook trains XOR for 5,000 iterations
    net = _with_global_seed(ctx.seed, lambda: cs229.NeuralNetwork(input_size=2, hidden_size=4, learning_rate=0.5))

    def check(**kw):
        return check_network(net, _cs229_reference(), params=CS229_PARAMS, loss=nn.BCELoss(), layout="cs229",
                             cost=net.compute_cost, **kw)

    reports = {"xor": check(inputs=X_XOR_COLUMNS, target=Y_XOR_COLUMNS), "drawn": check(seed=ctx.seed)}
    net.train(X_XOR_COLUMNS, Y_XOR_COLUMNS, num_iterations=iterations)
    reports["trained"] = check(inputs=X_XOR_COLUMNS, target=Y_XOR_COLUMNS)
    return {"reports": reports, "iterations": iterations}


def ch15_checks(ctx: Context) -> dict:
    W1, b1, W2, b2 = _with_global_seed(42, ch15.xor_init)
    values = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    params = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}
    common = dict(params=params, layout="x@w", values=values, inputs=ch15.XOR_X, target=ch15.XOR_Y,
                  cost=ch15.xor_loss)
    reports = {"mse": check_network(ch15.xor_forward, ch15.xor_backward, _ch15_reference(), loss=nn.MSELoss(),
                                    **common),
               "half_mse": check_network(ch15.xor_forward, ch15.xor_backward, _ch15_reference(), loss=HalfMSELoss(),
                                         **{**common, "cost": None})}
    steps = 20  # the listing's steps
    schedule = [0.1, 0.1] + [0.05] * (steps - 2)
    reports["momentum"] = check_optimizer(ch15.sgd_momentum_step, torch.optim.SGD, hyper={"lr": 0.1, "momentum": 0.9},
                                          state_map={"velocity": ("momentum_buffer", -0.1)}, steps=steps)
    reports["momentum_schedule"] = check_optimizer(ch15.sgd_momentum_step, torch.optim.SGD,
                                                   hyper={"lr": 0.1, "momentum": 0.9}, steps=4,
                                                   lr_schedule=schedule[:4])
    reports["adam"] = check_optimizer(lambda p, g, s, lr: ch15.adam_step(p, g, s, lr=lr), torch.optim.Adam,
                                      hyper={"lr": 0.1}, state_map={"m": "exp_avg", "v": "exp_avg_sq", "t": "step"},
                                      steps=steps)
    return {"reports": reports}


def catalogue_table(ctx: Context):
    """The classic bugs: what the check says, and which parity test catches each (full mode only:
    the test suite proves both in tests/test_classic_bugs.py, so quick mode skips the 3 s)."""
    from parity_tests.classic_bugs.catalogue import CATALOGUE
    from parity_tests.classic_bugs.cli import rows_for, run

    if ctx.quick:
        return None, {"bugs": len(CATALOGUE), "flagged": None, "caught": None, "baseline_passed": None}, {}
    # One plant at a time: the main job's runner gives each experiment one core (experiments.runner).
    h, baseline, s, timings = run(CATALOGUE, jobs=1, progress=lambda *_: None)
    rows = rows_for(CATALOGUE, h, s)
    flagged = sum(r.ok for r in h.values())
    caught = sum(r.caught and not r.error for r in s.values())
    title = (f"The classic bugs ({len(CATALOGUE)}): torch_ref.check on a hand-written NumPy network or optimizer, "
             "and the parity test that catches each when planted into scratchnet "
             "(python -m parity_tests.classic_bugs)")
    table = Table(title, ["bug", "what torch_ref.check says (first failing tensor: diagnosis)",
                          "caught in scratchnet by"], rows)
    return table, {"flagged": flagged, "caught": caught, "bugs": len(CATALOGUE),
                   "baseline_passed": None if baseline is None else not baseline.failed and not baseline.error}, timings


@experiment("check_lecture_code", "The lectures' own NumPy code checked against PyTorch (torch_ref.check)",
            section=WHERE, slow=True)
def run(ctx: Context) -> Result:
    start = time.perf_counter()
    cs = cs229_checks(ctx)
    ch = ch15_checks(ctx)
    r = {**{f"cs229_{k}": v for k, v in cs["reports"].items()}, **{f"ch15_{k}": v for k, v in ch["reports"].items()}}
    tables = [
        _table("CS229 NeuralNetwork, as written, on the notebook's XOR data (layout 'cs229', BCELoss)", r["cs229_xor"]),
        _table("CS229 NeuralNetwork on a drawn batch of 8 (example 0 all zeros: every Z1 there is 0, ReLU's kink)",
               r["cs229_drawn"]),
        _table(f"CS229 NeuralNetwork after the notebook's training ({cs['iterations']:,} iterations on XOR)",
               r["cs229_trained"]),
        _table("Chapter 15 XOR code, as written, from its np.random.seed(42) weights, against the MSE it prints "
               "(layout 'x@w', MSELoss)", r["ch15_mse"]),
        _table("Chapter 15 XOR code against ½·MSE", r["ch15_half_mse"]),
        _table("Chapter 15 momentum (v = μv − lr·g; θ += v) against torch.optim.SGD(lr=0.1, momentum=0.9), "
               "velocity mapped as −lr × momentum_buffer", r["ch15_momentum"]),
        _table("Chapter 15 momentum when the learning rate halves after step 2", r["ch15_momentum_schedule"]),
        _table("Chapter 15 Adam against torch.optim.Adam(lr=0.1)", r["ch15_adam"]),
    ]
    numbers = {name: {"ok": rep.ok, "first_failure": None if rep.ok else rep.first_failure.name,
                      "diagnosis": None if rep.ok else rep.first_failure.diagnosis,
                      "worst_max_rel_of_passing": max((row.max_rel for row in rep.rows if row.ok), default=0.0)}
               for name, rep in r.items()}
    cat_table, cat_numbers, cat_timings = catalogue_table(ctx)
    if cat_table is not None:
        tables.append(cat_table)
    numbers["classic_bugs"] = cat_numbers
    worst_cs229 = max(numbers[f"cs229_{k}"]["worst_max_rel_of_passing"] for k in ("xor", "drawn", "trained"))
    first = r["ch15_mse"].first_failure
    half = r["ch15_mse"]["dW2"]
    summary = (
        "The CS229 notebook's NeuralNetwork, checked as written with its layout declared (examples as columns), "
        f"agrees with torch's Linear-ReLU-Linear-Sigmoid and BCELoss in every tensor — output, loss, dW2, db2, "
        f"dW1, db1 — to {worst_cs229:.0e} relative (float64 rounding), on the XOR data (where every first-layer "
        "Z is exactly 0 at the input (0, 0) with the zero biases: its relu_derivative (z > 0) is torch's "
        "ReLU'(0) = 0), on a drawn batch and after training. Chapter 15's XOR code does not match the MSE it "
        f"prints: the first failing tensor going backward is {first.name}, and every gradient is "
        f"{half.mine.ravel()[0] / half.expected.ravel()[0]:.2f} × torch's — the check names the cause, the 2 of "
        "d(ŷ − y)²/dŷ missing from dz2 = (a2 − y)·σ'. Against ½·MSE every tensor agrees: the code descends "
        "½·MSE (its lr 1.0 is lr 0.5 on the MSE, as the ch15_xor experiment finds by training). Chapter 15's "
        "momentum is Sutskever's form: torch's parameters exactly while lr is constant, with its velocity = "
        "−lr × torch's momentum buffer; when lr halves, the trajectories part at step 3 and the check names "
        "Sutskever's form. Its Adam is torch's.")
    if not ctx.quick:
        n, flagged, caught = cat_numbers["bugs"], cat_numbers["flagged"], cat_numbers["caught"]
        if flagged == caught == n:
            summary += (f" All {n} catalogued bugs are flagged by the check on the expected tensor ({flagged} of {n}) "
                        f"and caught by scratchnet's parity suite when planted ({caught} of {n}).")
        else:
            summary += (f" Of the {n} catalogued bugs, {flagged} are flagged by the check on the expected tensor and "
                        f"{caught} caught by scratchnet's parity suite when planted.")
    return Result(summary=summary, tables=tables, numbers=numbers,
                  timings={"seconds": time.perf_counter() - start, "classic_bugs": cat_timings})
