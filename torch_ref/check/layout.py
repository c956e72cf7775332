"""Layouts by named axes: how your arrays are laid out, declared, never guessed.

Every tensor a check handles has named axes. torch's layouts are fixed:

==========  ===============  ==========================================
tensor      torch's axes     what the names mean
==========  ===============  ==========================================
input X     ``m in``         m examples (rows) of ``in`` features
output      ``m out``        m examples of ``out`` features
target      ``m out``        (class indices: ``m``)
weight      ``out in``       every 2-D parameter (``Linear.weight``)
bias        ``out``          every 1-D parameter or buffer (``Linear.bias``,
                             BatchNorm's weight, bias, running statistics)
==========  ===============  ==========================================

You declare yours with the same names, in your order, and ``1`` for an axis
of size one. The lectures' layouts, for example:

* CS229 (examples as columns, ``Z = W @ X + b``): X ``in m``, W ``out in``,
  b ``out 1``, output ``out m`` — the preset ``"cs229"``;
* Chapter 15 and CS231n (``z = X @ W + b``): X ``m in``, W ``in out``,
  b ``1 out``, output ``m out`` — the preset ``"x@w"``;
* torch's own: the preset ``"torch"`` (the default).

A layout argument is a preset name, or a dict whose keys are your tensor
names (the names in ``params``) or the roles ``"input"``, ``"output"``,
``"target"``, ``"weight"``, ``"bias"``, mapped to axis strings; what it does
not name keeps torch's layout. Presets combine as dicts:
``{**check.CS229, "b": "out"}``.

Your arrays are converted into torch's layout by these declarations alone.
When a shape does not fit its declaration, the check fails (or, for an
array you hand in, raises ``ValueError``) and *suggests* the layouts the
shape would fit — a suggestion only; nothing is ever converted by a guess.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

#: The axis names a layout may use (and "1" for a singleton axis).
AXES = ("m", "in", "out")

#: The roles a layout dict may name besides your own tensor names.
ROLES = ("input", "output", "target", "weight", "bias")

TORCH = {"input": "m in", "output": "m out", "target": "m out", "weight": "out in", "bias": "out"}
CS229 = {"input": "in m", "output": "out m", "target": "out m", "weight": "out in", "bias": "out 1"}
X_AT_W = {"input": "m in", "output": "m out", "target": "m out", "weight": "in out", "bias": "1 out"}
PRESETS = {"torch": TORCH, "cs229": CS229, "x@w": X_AT_W}


class LayoutError(ValueError):
    """An array's shape does not fit its declared layout (a ``ValueError``)."""


@dataclass(frozen=True)
class Layout:
    """The named axes of one of your tensors, in your order (``("in", "m")``)."""

    axes: tuple[str, ...]

    @classmethod
    def parse(cls, text, what: str) -> "Layout":
        if isinstance(text, Layout):
            return text
        if not isinstance(text, str):
            raise TypeError(f"the layout of {what} must be a string of axis names such as 'm in', "
                            f"got {type(text).__name__} {text!r}")
        axes = tuple(a for a in text.replace(",", " ").split() if a)
        bad = [a for a in axes if a not in AXES and a != "1"]
        if bad:
            raise ValueError(f"the layout {text!r} of {what} has unknown axis name(s) {', '.join(map(repr, bad))}; "
                             f"use {', '.join(map(repr, AXES))} and '1' for an axis of size one")
        named = [a for a in axes if a != "1"]
        if len(set(named)) != len(named):
            raise ValueError(f"the layout {text!r} of {what} names an axis twice")
        return cls(axes)

    def __str__(self) -> str:
        return " ".join(self.axes) if self.axes else "(scalar)"

    def named(self) -> tuple[str, ...]:
        return tuple(a for a in self.axes if a != "1")

    def check_against(self, torch_axes: tuple[str, ...], what: str) -> None:
        """The named axes must be torch's, in any order."""
        if sorted(self.named()) != sorted(torch_axes):
            raise ValueError(f"the layout '{self}' of {what} must name the axes {' '.join(torch_axes)!r} "
                             f"(in your order, with '1' for axes of size one); it names "
                             f"{' '.join(self.named())!r}")

    def sizes(self, shape: tuple[int, ...], what: str) -> dict[str, int]:
        """The size of each named axis of your ``shape`` in this layout (``{"in": 4, "m": 8}``);
        ``LayoutError`` when the shape has another number of axes, or a size other than 1
        where the layout has ``1``."""
        shape = tuple(shape)
        if len(shape) != len(self.axes):
            raise LayoutError(f"your {what} has {len(shape)} dimension(s) (shape {shape}), but its declared "
                              f"layout '{self}' has {len(self.axes)}")
        for axis, size in zip(self.axes, shape):
            if axis == "1" and size != 1:
                raise LayoutError(f"your {what} has size {size} where its layout '{self}' has an axis of "
                                  f"size 1 (shape {shape})")
        return {axis: size for axis, size in zip(self.axes, shape) if axis != "1"}

    def shape(self, torch_axes: tuple[str, ...], sizes: dict[str, int]) -> tuple[int, ...]:
        """Your shape of a tensor with torch's axes ``torch_axes`` of ``sizes``."""
        return tuple(1 if a == "1" else sizes[a] for a in self.axes)

    def to_torch(self, array: np.ndarray, torch_axes: tuple[str, ...], sizes: dict[str, int],
                 what: str) -> np.ndarray:
        """``array`` (your layout) in torch's layout; ``LayoutError`` when its shape does not fit."""
        array = np.asarray(array)
        expected = self.shape(torch_axes, sizes)
        if array.shape != expected:
            raise LayoutError(shape_message(what, array.shape, expected, self, torch_axes, sizes))
        squeezed = array.reshape([sizes[a] for a in self.named()])
        order = [self.named().index(a) for a in torch_axes]
        return np.transpose(squeezed, order) if order else squeezed

    def from_torch(self, array: np.ndarray, torch_axes: tuple[str, ...]) -> np.ndarray:
        """``array`` (torch's layout) in your layout."""
        array = np.asarray(array)
        order = [torch_axes.index(a) for a in self.named()]
        moved = np.transpose(array, order) if order else array
        return moved.reshape([1 if a == "1" else array.shape[torch_axes.index(a)] for a in self.axes])


def suggest(shape: tuple[int, ...], torch_axes: tuple[str, ...], sizes: dict[str, int]) -> list[str]:
    """Every layout of torch's axes (permuted, with at most two singleton axes)
    that gives ``shape`` — the fixes a message may *suggest*."""
    found = []
    extra = len(shape) - len(torch_axes)
    if not 0 <= extra <= 2:
        return found
    for perm in itertools.permutations(torch_axes):
        for ones in itertools.combinations(range(len(shape)), extra):
            axes, it = [], iter(perm)
            for i in range(len(shape)):
                axes.append("1" if i in ones else next(it))
            if tuple(1 if a == "1" else sizes[a] for a in axes) == tuple(shape):
                text = " ".join(axes)
                if text not in found:
                    found.append(text)
    return found


def shape_message(what: str, shape, expected, layout: Layout, torch_axes, sizes) -> str:
    sized = ", ".join(f"{a}={sizes[a]}" for a in torch_axes)
    text = (f"{what} has shape {tuple(shape)}, but its declared layout '{layout}' ({sized}) "
            f"gives {tuple(expected)}")
    fits = suggest(tuple(shape), torch_axes, sizes)
    if fits:
        text += f"; the shape would fit the layout {' or '.join(repr(f) for f in fits)} (a guess: declare it if that is what it is)"
    return text


def role_of(torch_name: str, ndim: int) -> str:
    """The role a torch tensor's default layout comes from."""
    if torch_name in ("input", "output", "target"):
        return torch_name
    return "weight" if ndim == 2 else "bias"


def torch_axes_for(role: str, ndim: int, target_indices: bool = False) -> tuple[str, ...]:
    """torch's named axes for a tensor of ``role`` with ``ndim`` dimensions."""
    if role == "target":
        return ("m",) if target_indices else ("m", "out")
    if role in ("input", "output"):
        return ("m", "in") if role == "input" else ("m", "out")
    if ndim == 2:
        return ("out", "in")
    if ndim == 1:
        return ("out",)
    if ndim == 0:
        return ()
    raise ValueError(f"a parameter with {ndim} dimensions has no named layout here "
                     "(checks cover 0-, 1- and 2-dimensional parameters)")


def resolve(layout, names: dict[str, tuple[str, int]], *, target_indices: bool = False) -> dict[str, Layout]:
    """Your layout of every tensor in ``names`` ({your name: (role, ndim)}).

    ``layout`` is a preset name, a dict (keys: your names or roles), or None
    (torch's). Unknown keys and presets are errors, in the check's words."""
    if layout is None:
        layout = "torch"
    if isinstance(layout, str):
        if layout not in PRESETS:
            raise ValueError(f"unknown layout preset {layout!r}; the presets are "
                             f"{', '.join(map(repr, PRESETS))}, or give a dict of axis strings")
        given = dict(PRESETS[layout])
        given.pop("target") if target_indices else None  # a preset's target layout is for one-hot/real targets
    elif isinstance(layout, dict):
        unknown = [k for k in layout if k not in names and k not in ROLES]
        if unknown:
            raise ValueError(f"layout names {', '.join(map(repr, unknown))}, which is neither one of your "
                             f"tensors ({', '.join(map(repr, names))}) nor a role ({', '.join(ROLES)})")
        given = dict(layout)
    else:
        raise TypeError(f"layout must be a preset name ({', '.join(map(repr, PRESETS))}) or a dict, "
                        f"got {type(layout).__name__}")
    out = {}
    for name, (role, ndim) in names.items():
        axes = torch_axes_for(role, ndim, target_indices)
        if name in given:
            text, what = given[name], f"'{name}'"
        elif role in given:
            text, what = given[role], f"'{name}' (the {role} layout)"
        else:
            text, what = TORCH[role], f"'{name}'"
        if role == "target" and target_indices and name not in given:
            text = "m"  # class indices: one per example
        lay = Layout.parse(text, what)
        if role == "bias" and ndim == 0:
            lay = Layout(())
        lay.check_against(axes, what)
        out[name] = lay
    return out
