"""The README tells the truth: every code block marked ``<!-- test: run this
block -->`` runs as written (and asserts what it claims), and the two
quick-start commands exist and are what ``.ci/run`` and the README name."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARK = "<!-- test: run this block -->"
BLOCKS = re.findall(re.escape(MARK) + r"\s*```python\n(.*?)```", README, flags=re.S)


def test_the_marked_blocks_are_found():
    assert README.count(MARK) == len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index, capsys):
    pytest.importorskip("torch")
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out.strip()  # each block prints what it shows


def test_quick_start_commands_exist_and_ci_runs_the_test_command():
    assert "./run.sh" in README and "./test.sh" in README
    for script in ("run.sh", "test.sh"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert "test.sh" in (ROOT / ".ci" / "run").read_text()
