"""Run the lecture notebooks top to bottom and check them against the experiments.

    python -m notebooks                       # all three, full settings -> out/notebooks/NAME.ipynb and .html
    python -m notebooks --quick --out DIR     # the experiments' --quick settings (what the test suite runs)
    python -m notebooks cs229_lecture11 ...   # some of them
    python -m notebooks --results DIR         # check against DIR/<experiment>/result.json (default: out/)
    python -m notebooks --no-check            # execute and write only

Each notebook is executed in a fresh Jupyter kernel (nbclient) with its working
directory in ``notebooks/``. ``--quick`` puts ``QUICK = True`` after the cell
tagged ``parameters``, as papermill does; the executed copy keeps that cell, so
it says how it was run. Each notebook's kernel runs with one BLAS/OpenMP thread
(``OMP_NUM_THREADS`` and friends, unless already set): the lectures' networks
are tiny, and kernels started side by side on a 2-core machine must not
oversubscribe it.

After executing, the numbers named in :data:`notebooks.checks.CHECKS` are read
out of the kernel (a probe cell appended for that, dropped from the written
copy) and compared with the experiments' ``result.json`` of the same mode, so
a notebook and the report cannot disagree. A notebook that prints to stderr
(a warning, say) or raises fails the run as well: a learner's copy shows no
stray warnings. The exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent

#: The notebooks, one per lecture, in report order.
NOTEBOOKS = ("cs229_lecture11", "icdss_lecture4", "chapter15_neural_networks")

#: The cell put after the ``parameters`` cell by ``--quick``.
QUICK_SOURCE = "QUICK = True  # injected by `python -m notebooks --quick`: the experiments' --quick settings"

#: The line the probe cell prints its JSON after.
PROBE_MARK = "__scratchnet_notebook_values__"

#: Thread settings for the kernels (kept when already set in the environment).
KERNEL_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def path_of(name: str) -> pathlib.Path:
    """``notebooks/NAME.ipynb``; a ``ValueError`` naming the notebooks for an unknown name."""
    if name not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {name!r}; the notebooks are {', '.join(NOTEBOOKS)}")
    return HERE / f"{name}.ipynb"


def load(name: str):
    """The stored notebook (no outputs) as an ``nbformat`` node."""
    import nbformat

    return nbformat.read(path_of(name), as_version=4)


def inject_quick(nb) -> None:
    """Put ``QUICK = True`` in a cell right after the one tagged ``parameters``."""
    import nbformat

    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(QUICK_SOURCE,
                                                             metadata={"tags": ["injected-parameters"]}))
            return
    raise ValueError("the notebook has no cell tagged 'parameters' to put QUICK = True after")


def probe_source(expressions: dict[str, str]) -> str:
    """A cell that evaluates each expression in the notebook's namespace and
    prints the values as JSON (NumPy arrays and tensors as lists; an
    expression that fails is reported as its error, not raised)."""
    return "\n".join([
        "def _scratchnet_probe(expressions):",
        "    import json, numpy",
        "    def plain(v):",
        "        if hasattr(v, 'detach'):",
        "            v = v.detach().cpu().numpy()",
        "        if isinstance(v, dict):",
        "            return {str(k): plain(x) for k, x in v.items()}",
        "        if isinstance(v, (list, tuple)):",
        "            return [plain(x) for x in v]",
        "        if isinstance(v, (numpy.ndarray, numpy.generic)):",
        "            return v.tolist()",
        "        return v",
        "    out = {}",
        "    for key, expression in expressions.items():",
        "        try:",
        "            out[key] = {'value': plain(eval(expression, globals()))}",
        "        except Exception as exc:",
        "            out[key] = {'error': f'{type(exc).__name__}: {exc}'}",
        f"    print({PROBE_MARK!r} + json.dumps(out))",
        f"_scratchnet_probe({json.dumps(expressions, ensure_ascii=False)})",
    ])


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this one, one BLAS/OpenMP thread unless set,
    and debugpy's frozen-modules notice off (it is not the notebook's output)."""
    env = dict(os.environ)
    for key, value in KERNEL_THREADS.items():
        env.setdefault(key, value)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures into the notebook
    return env


def execute(name: str, *, quick: bool = False, probe: dict[str, str] | None = None, timeout: int = 1800):
    """Execute notebook ``name`` top to bottom in a fresh kernel.

    Returns ``(nb, values)``: the executed notebook (without the probe cell)
    and ``{key: {"value": ...} or {"error": ...}}`` for each probe expression.
    A cell that raises raises ``nbclient.exceptions.CellExecutionError``.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = load(name)
    if quick:
        inject_quick(nb)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(probe_source(probe), metadata={"tags": ["probe"]}))
    with tempfile.TemporaryDirectory(prefix="scratchnet-kernel-") as runtime:
        # IPC sockets in a private folder: no TCP port is opened (and the kernel has nothing to warn about)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(pathlib.Path(runtime) / "kernel"))
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(HERE)}})
        try:
            client.execute(env=kernel_env())
        finally:
            if km.has_kernel:  # a kernel manager handed in is ours to shut down, not nbclient's
                km.shutdown_kernel(now=False)
    values: dict = {}
    if probe:
        cell = nb.cells.pop()
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        line = next((ln for ln in text.splitlines() if ln.startswith(PROBE_MARK)), None)
        if line is None:
            raise RuntimeError(f"{name}: the probe cell printed nothing readable: {text[:500]!r}")
        values = json.loads(line[len(PROBE_MARK):])
    return nb, values


def stray_outputs(nb) -> list[str]:
    """What a learner should never see in an executed copy: text on stderr
    (warnings), errors, and warning text printed to stdout."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            text = out.get("text", "") if kind == "stream" else ""
            if kind == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif kind == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i} wrote to stderr: {text[:300]!r}")
            elif "Warning:" in text:
                found.append(f"cell {i} printed a warning: {text[:300]!r}")
    return found


def write(nb, name: str, out: pathlib.Path, html: bool = True) -> list[pathlib.Path]:
    """Write the executed copy ``out/NAME.ipynb`` and, with ``html``, ``out/NAME.html``
    (nbconvert's lab template, figures embedded)."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.ipynb"]
    nbformat.write(nb, paths[0])
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        paths.append(out / f"{name}.html")
        paths[-1].write_text(body, encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    from .checks import CHECKS, checks_for, compare, experiments_of

    p = argparse.ArgumentParser(prog="python -m notebooks",
                                description="Execute the lecture notebooks, write executed copies and HTML, "
                                            "and check their numbers against the experiments' result.json.")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"notebooks to run (default: all: {', '.join(NOTEBOOKS)})")
    p.add_argument("--quick", action="store_true", help="the experiments' --quick settings (seconds each)")
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out/notebooks"),
                   help="where the executed copies go (default: out/notebooks/)")
    p.add_argument("--results", type=pathlib.Path, default=pathlib.Path("out"),
                   help="the experiments' output folder to check against (default: out/)")
    p.add_argument("--no-check", dest="check", action="store_false", help="do not compare with the experiments")
    p.add_argument("--no-html", dest="html", action="store_false", help="write the executed .ipynb only")
    args = p.parse_args(argv)
    names = args.names or list(NOTEBOOKS)
    for name in names:
        if name not in NOTEBOOKS:
            p.error(f"unknown notebook {name!r}; the notebooks are {', '.join(NOTEBOOKS)}")
    if args.check:
        missing = sorted({e for n in names for e in experiments_of(n, args.quick)
                          if not (args.results / e / "result.json").exists()})
        if missing:
            p.error(f"no result.json under {args.results}/ for {', '.join(missing)}: run the experiments first "
                    f"(python -m experiments{' --quick' if args.quick else ''} --out {args.results}), "
                    "or pass --no-check")
    failed = 0
    for name in names:
        t0 = time.perf_counter()
        probe = {c.key: c.expr for c in CHECKS[name]} if args.check else None  # (a key may appear twice: same expr)
        try:
            nb, values = execute(name, quick=args.quick, probe=probe)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the traceback without its terminal colours
            print(f"{name}: FAILED while executing: {type(exc).__name__}: {text[-3000:]}", file=sys.stderr)
            failed += 1
            continue
        problems = stray_outputs(nb)
        if args.check:
            problems += compare(name, values, args.results, quick=args.quick)
        paths = write(nb, name, args.out, html=args.html)
        status = "ok" if not problems else f"{len(problems)} problem(s)"
        checked = f", {len(checks_for(name, args.quick))} numbers checked against {args.results}/" if args.check else ""
        print(f"{name}: {status} ({time.perf_counter() - t0:.1f} s{checked}) -> {', '.join(map(str, paths))}")
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        failed += bool(problems)
    return 1 if failed else 0
