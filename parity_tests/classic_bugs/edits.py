"""Source edits: each bug is planted as exact text replacements, never a regex.

An :class:`Edit` names a file (relative to the repository root), the exact
old text and the new text. Applying it requires the old text to occur
exactly once in the file; anything else raises :class:`PlantError`, naming
the file and the text, so that a refactor of the planted code (engineer C's
rewrite of ``scratchnet/optim`` and ``scratchnet/nn/modules``) makes the
runner refuse loudly instead of silently planting nothing.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass


#: Edits of the hand-written code (the catalogue's NumPy variants) are written against this path.
HANDWRITTEN = "parity_tests/classic_bugs/handwritten.py"


class PlantError(RuntimeError):
    """An edit's old text is not in its file exactly once."""


@dataclass(frozen=True)
class Edit:
    path: str   # relative to the repository root, e.g. "scratchnet/nn/modules/linear.py"
    old: str
    new: str


def apply_to_text(text: str, edit: Edit) -> str:
    count = text.count(edit.old)
    if count != 1:
        where = "not found" if count == 0 else f"found {count} times (it must be unique)"
        raise PlantError(f"cannot plant into {edit.path}: the old text is {where}:\n"
                         f"---\n{edit.old}\n---\n(has the file changed? re-target the edit in "
                         "parity_tests/classic_bugs/catalogue.py)")
    return text.replace(edit.old, edit.new, 1)


def edited_texts(root: pathlib.Path, edits: list[Edit]) -> dict[pathlib.Path, str]:
    """The new text of every file ``edits`` touch under ``root`` (nothing is written);
    :class:`PlantError` unless every edit applies."""
    texts: dict[pathlib.Path, str] = {}
    for edit in edits:
        path = pathlib.Path(root) / edit.path
        if path not in texts:
            if not path.is_file():
                raise PlantError(f"cannot plant into {edit.path}: no such file under {root}")
            texts[path] = path.read_text(encoding="utf-8")
        texts[path] = apply_to_text(texts[path], edit)
    return texts


def apply_edits(root: pathlib.Path, edits: list[Edit]) -> None:
    """Apply ``edits`` in place to the files under ``root`` (all checked before any is written)."""
    for path, text in edited_texts(root, edits).items():
        path.write_text(text, encoding="utf-8")


def check_applies(root: pathlib.Path, edits: list[Edit]) -> None:
    """Raise :class:`PlantError` unless every edit applies to the files under ``root`` (nothing is written)."""
    edited_texts(root, edits)
