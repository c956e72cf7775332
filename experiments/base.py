"""What an experiment is: a function ``run(ctx) -> Result`` registered by name.

One module per lecture result, in ``experiments/cs229/``, ``experiments/icdss/``
and ``experiments/chapter15/``; each lecture's folder has a ``lecture.py`` with
the lecture's own code and data and its ``experiment`` decorator (this module's
:func:`experiment` with the lecture's ``source`` filled in). Each module
decorates its ``run``::

    from .lecture import experiment

    @experiment("ch15_xor", "XOR from scratch", section="Building a Neural Network from Scratch: XOR Problem")
    def run(ctx: Context) -> Result:
        ...

``experiments/template.py`` is the whole shape of one, to copy. The CLI
(``python -m experiments``) builds a :class:`Context` for each one, calls
``run`` (:mod:`experiments.runner`) and hands the :class:`Result` to
:mod:`experiments.report`, which prints its tables and writes ``result.json``,
the claims and the Markdown report. An experiment computes; it never prints or
writes JSON itself (it does save its PNG figures, with
:func:`experiments.common.save_fig`).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Callable

#: Both backends, in the order tables show them.
BACKENDS = ("scratchnet", "torch")


@dataclass
class Context:
    """What an experiment is run with.

    backends: subset of ("scratchnet", "torch") to compute.
    device:   "cpu" or "cuda" — where the torch backend runs (resolved from "auto").
    out:      this experiment's own folder, OUT/<name>/ (created by the runner).
    quick:    quick mode: seconds in total, for the test suite (fewer epochs,
              smaller data); claims about full-length runs are skipped or
              marked as such by the experiment.
    seed:     the seed of anything the lecture does not fix itself.
    plots:    whether to draw PNG figures (``save_fig`` returns ``None`` and
              draws nothing when False: the test suite's quick runs skip the
              drawing, which costs more than the quick computations).
    """

    backends: tuple[str, ...]
    device: str
    out: pathlib.Path
    quick: bool
    seed: int = 0
    plots: bool = True


@dataclass
class Table:
    """A table for the console (tabulate) and the report (Markdown).

    timing: the table holds wall-clock measurements, which differ run to run;
    ``result.json`` keeps it under ``timings``, apart from the deterministic tables.
    """

    title: str
    headers: list[str]
    rows: list[list]
    timing: bool = False


@dataclass
class Result:
    """What an experiment returns.

    summary:     a short paragraph for the report: what it shows, where the
                 two backends differ.
    tables:      :class:`Table` s, printed and written to the report.
    figures:     PNG files written under ``ctx.out``.
    numbers:     JSON-able numbers of the result (for ``result.json`` and tests).
    backend_gap: quantity -> max relative error between the backends
                 (``parity_tests.compare.errors(mine, theirs)[1]``). A quantity
                 whose gap is None (only one backend ran:
                 :func:`experiments.common.pair_gap`) is dropped here, so with
                 one backend it is empty.
    claims:      audit records (see :func:`experiments.audit.claim`).
    timings:     wall-clock seconds and the like: shown, but kept out of
                 ``numbers`` (``result.json`` stores them under ``timings``,
                 which the determinism tests leave out; everything else must
                 be the same on a second run).
    """

    summary: str
    tables: list[Table] = field(default_factory=list)
    figures: list[pathlib.Path] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    backend_gap: dict[str, float] = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def __post_init__(self):
        self.backend_gap = {q: v for q, v in self.backend_gap.items() if v is not None}


@dataclass
class Experiment:
    """A registered experiment: its metadata and its ``run`` function."""

    name: str
    title: str
    source: str      # the lecture's key (its text's file name, as result.json and claims.json record it)
    section: str     # where in the lecture, e.g. "Code Examples: XOR"
    run: Callable[[Context], Result]
    module: str = ""
    slow: bool = False   # a hint for a parallel run's first time: start it first (see runner.longest_first)

    @property
    def lecture(self) -> str:
        """The lecture's title, e.g. "CS229 Lecture 11, Autumn 2018" (:data:`LECTURES`)."""
        return lecture_title(self.source)


#: The three lectures' titles, by the key experiments and claims record them under (``source``).
LECTURES = {
    "000_cf38cdbe29059033.txt": "CS229 Lecture 11, Autumn 2018",
    "001_606f2352aff19854.txt": "ICDSS Lecture 4",
    "002_9091aa63c327fb13.txt": "Chapter 15, Introduction to Neural Networks",
}


def lecture_title(source: str) -> str:
    """The title of the lecture recorded as ``source`` (the key itself if it is not one of :data:`LECTURES`)."""
    return LECTURES.get(source, source)

#: Every registered experiment, by name, in registration order.
REGISTRY: dict[str, Experiment] = {}


def experiment(name: str, title: str, source: str, section: str, *, slow: bool = False):
    """Register ``run(ctx) -> Result`` under ``name`` (a decorator).

    ``source`` is the lecture's key in :data:`LECTURES`, ``section`` the place in it
    (each lecture's ``lecture.py`` fills ``source`` in). ``slow=True`` marks one of the
    few experiments that take many times the others' time: a parallel run into a folder
    with no earlier timings starts those first (only the wall time depends on it).
    Registering a second experiment under the same name is an error.
    """
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"experiment name must be letters, digits and underscores, got {name!r}")

    def register(run: Callable[[Context], Result]) -> Callable[[Context], Result]:
        if name in REGISTRY and REGISTRY[name].module != run.__module__:
            raise ValueError(f"experiment {name!r} is registered twice "
                             f"({REGISTRY[name].module} and {run.__module__})")
        REGISTRY[name] = Experiment(name, title, source, section, run, run.__module__, slow=slow)
        return run

    return register
