"""The report a check returns: one row per tensor, a table, a verdict.

A :class:`Report` prints as a table (tabulate), one :class:`Row` per tensor —
the forward output, the loss, dX, each parameter gradient, each optimizer
state entry per step — with both shapes (yours, and torch's in *your*
declared layout), the max abs and max rel error, the bound, ok, and for a
failing row a diagnosis. ``report.ok`` is the verdict; ``report.assert_ok()``
raises ``AssertionError`` with the table, so the same call works in pytest,
in a notebook and in an autograder (otter-grader, nbgrader and Gradescope
show assertion messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tabulate import tabulate

HEADERS = ["tensor", "shape (mine)", "shape (torch)", "max abs", "max rel", "bound", "ok", "diagnosis"]


@dataclass
class Row:
    """One compared tensor.

    name:      your name for it (``"dW1"``, ``"output"``, ``"step 2 · v"``)
    mine:      your array, as your code returned it (None if it returned none)
    expected:  torch's value in your declared layout (None if torch has none)
    ok:        whether ``mine`` has the expected shape and is within ``bound``
    diagnosis: why it differs, when it does (None when ok)
    kind:      "output", "loss", "gradient", "parameter" or "state"
    step:      the optimizer step, for optimizer checks
    """

    name: str
    mine: np.ndarray | None
    expected: np.ndarray | None
    max_abs: float
    max_rel: float
    bound: float
    ok: bool
    diagnosis: str | None = None
    kind: str = "gradient"
    step: int | None = None
    torch_name: str | None = None

    @property
    def shape_mine(self):
        return None if self.mine is None else tuple(np.shape(self.mine))

    @property
    def shape_ref(self):
        return None if self.expected is None else tuple(np.shape(self.expected))

    def cells(self) -> list:
        def num(x):
            return "—" if x is None or np.isnan(x) else f"{x:.2e}"

        return [self.name, _shape(self.shape_mine), _shape(self.shape_ref), num(self.max_abs), num(self.max_rel),
                f"{self.bound:.0e}", "ok" if self.ok else "FAIL", self.diagnosis or ""]


def _shape(shape) -> str:
    if shape is None:
        return "—"
    return "()" if shape == () else str(tuple(shape))


@dataclass
class Report:
    """The result of a check.

    title:  what was checked against what
    rows:   the :class:`Row` s, in the order the tensors are computed
            (forward, loss, then the gradients in backward order; an
            optimizer's steps in order)
    notes:  the settings (dtype, layouts, batch size, seed), for the header
    """

    title: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every row within its bound and of the expected shape."""
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    @property
    def first_failure(self) -> Row | None:
        """The first failing row in computation order (for a network: the
        first wrong tensor going backward; for an optimizer: the first step
        where the trajectories part)."""
        return next((r for r in self.rows if not r.ok), None)

    def __getitem__(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no row {name!r} in this report; its rows are {', '.join(repr(r.name) for r in self.rows)}")

    def summary(self) -> str:
        if self.ok:
            worst = max((r.max_rel for r in self.rows if np.isfinite(r.max_rel)), default=0.0)
            return f"OK: all {len(self.rows)} tensors agree with torch (worst max rel {worst:.1e})."
        first = self.first_failure
        text = f"FAIL: {len(self.failures)} of {len(self.rows)} tensors differ; the first is {first.name}"
        return text + (f": {first.diagnosis}" if first.diagnosis else ".")

    def table(self, tablefmt: str = "simple", wrap: int | None = 70) -> str:
        rows = [r.cells() for r in self.rows]
        widths = [None] * (len(HEADERS) - 1) + [wrap] if wrap else None
        return tabulate(rows, headers=HEADERS, tablefmt=tablefmt, disable_numparse=True, maxcolwidths=widths)

    def __str__(self) -> str:
        head = self.title + (f"\n({'; '.join(self.notes)})" if self.notes else "")
        return f"{head}\n{self.table()}\n{self.summary()}"

    __repr__ = __str__

    def to_markdown(self) -> str:
        """The report as Markdown: the title, the settings, a pipe table and the verdict."""
        def line(cells):
            return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

        table = "\n".join([line(HEADERS), "|" + "---|" * len(HEADERS)] + [line(r.cells()) for r in self.rows])
        notes = f"\n\n{'; '.join(self.notes)}" if self.notes else ""
        return f"**{self.title}**{notes}\n\n{table}\n\n{self.summary()}"

    def _repr_markdown_(self) -> str:  # Jupyter shows this
        return self.to_markdown()

    def assert_ok(self) -> "Report":
        """Raise ``AssertionError`` with the whole report unless every row is ok; return self."""
        if not self.ok:
            raise AssertionError("\n" + str(self))
        return self
