"""Run the lecture notebooks top to bottom and check them against the experiments.

    python -m notebooks                       # all three, full settings -> out/notebooks/NAME.ipynb and .html
    python -m notebooks --quick --out DIR     # the experiments' --quick settings (what the test suite runs)
    python -m notebooks cs229_lecture11 ...   # some of them
    python -m notebooks --results DIR         # check against DIR/<experiment>/result.json (default: out/)
    python -m notebooks --no-check            # execute and write only
    python -m notebooks --jobs 1              # one notebook at a time (default: up to 3 side by side)

Each notebook is executed in a fresh Jupyter kernel (nbclient) with its working
directory in ``notebooks/``. ``--quick`` puts ``QUICK = True`` after the cell
tagged ``parameters``, as papermill does; the executed copy keeps that cell, so
it says how it was run. Each notebook's kernel runs with one BLAS/OpenMP thread
(``OMP_NUM_THREADS`` and friends, unless already set): the lectures' networks
are tiny, and the kernels run side by side (``--jobs``, one per core up to
three), so they must not oversubscribe the machine.

The HTML typesets the notebooks' formulas with MathJax. With the
``jupyter-server-mathjax`` package installed (the ``[notebooks]`` extra pins
it) a copy of its MathJax goes to ``OUT/mathjax/`` and the pages load it from
there, so they typeset offline and the folder can be moved as a whole;
without it they load MathJax from nbconvert's CDN.

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


def execute_all(names, *, quick: bool = False, probes: dict | None = None, jobs: int = 1, timeout: int = 1800) -> dict:
    """:func:`execute` for each of ``names``, up to ``jobs`` at once (threads, each waiting on its own kernel
    process). Returns ``{name: ((nb, values), seconds)}``, or ``{name: (exception, seconds)}`` where it raised."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(name):
        t0 = time.perf_counter()
        try:
            result = execute(name, quick=quick, probe=(probes or {}).get(name), timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, who reports it
            result = exc
        return result, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names)))) as pool:
        futures = {name: pool.submit(timed, name) for name in names}
    return {name: future.result() for name, future in futures.items()}


#: MathJax's configuration as nbconvert asks for it (its CDN URL's ``config=``), for the copy shipped by
#: ``jupyter-server-mathjax`` (MathJax 2.7, which has the HTML-CSS output, not CommonHTML).
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: What the copy leaves out: translations (MathJax speaks English without them) and the SVG output jax.
MATHJAX_SKIP = ("localization", "jax/output/SVG")
#: The copy has the STIX-Web fonts only; MathJax 2 looks for its TeX fonts unless told (without this the
#: formulas come out in the browser's text fonts, italics and accents misplaced). Read before MathJax.js runs.
MATHJAX_FONTS = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": '
                 '{availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});</script>\n')


def local_mathjax(out: pathlib.Path) -> str | None:
    """Copy ``jupyter-server-mathjax``'s MathJax to ``out/mathjax/`` (once) and return the page-relative URL
    that loads it; ``None`` when that package is not installed."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    import shutil

    source = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    target = out / "mathjax"
    if not (target / "MathJax.js").exists():
        skip = {source / part for part in MATHJAX_SKIP}
        shutil.copytree(source, target, dirs_exist_ok=True,
                        ignore=lambda folder, files: [f for f in files if pathlib.Path(folder, f) in skip])
    return f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"


def title_of(nb, name: str) -> str:
    """The page's title: the notebook's first heading (its ``# ...`` line), else its name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return name


def write(nb, name: str, out: pathlib.Path, html: bool = True) -> list[pathlib.Path]:
    """Write the executed copy ``out/NAME.ipynb`` and, with ``html``, ``out/NAME.html``
    (nbconvert's lab template, figures embedded; MathJax from ``out/mathjax/`` where it can be, see
    :func:`local_mathjax`)."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.ipynb"]
    nbformat.write(nb, paths[0])
    if html:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab")
        mathjax = local_mathjax(out)
        if mathjax:
            exporter.mathjax_url = mathjax
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title_of(nb, name)}})
        if mathjax:
            body = body.replace("<!-- Load mathjax -->", MATHJAX_FONTS + "<!-- Load mathjax -->", 1)
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
    p.add_argument("--jobs", type=int, default=min(3, os.cpu_count() or 1),
                   help="notebooks executed side by side, one kernel each (default: one per core, at most 3)")
    args = p.parse_args(argv)
    names = args.names or list(NOTEBOOKS)
    for name in names:
        try:
            path_of(name)
        except ValueError as e:  # an unknown name: a usage error, in path_of's words
            p.error(str(e))
    if args.check:
        missing = sorted({e for n in names for e in experiments_of(n, args.quick)
                          if not (args.results / e / "result.json").exists()})
        if missing:
            p.error(f"no result.json under {args.results}/ for {', '.join(missing)}: run the experiments first "
                    f"(python -m experiments{' --quick' if args.quick else ''} --out {args.results}), "
                    "or pass --no-check")
    if args.jobs < 1:
        p.error(f"--jobs must be at least 1, got {args.jobs}")
    probes = {n: {c.key: c.expr for c in CHECKS[n]} for n in names} if args.check else None  # (a key may repeat: same expr)
    executed = execute_all(names, quick=args.quick, probes=probes, jobs=args.jobs)
    failed = 0
    for name in names:
        result, seconds = executed[name]
        if isinstance(result, Exception):
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(result))  # the traceback without its terminal colours
            print(f"{name}: FAILED while executing: {type(result).__name__}: {text[-3000:]}", file=sys.stderr)
            failed += 1
            continue
        nb, values = result
        problems = stray_outputs(nb)
        if args.check:
            problems += compare(name, values, args.results, quick=args.quick)
        paths = write(nb, name, args.out, html=args.html)
        status = "ok" if not problems else f"{len(problems)} problem(s)"
        checked = f", {len(checks_for(name, args.quick))} numbers checked against {args.results}/" if args.check else ""
        print(f"{name}: {status} (executed in {seconds:.1f} s{checked}) -> {', '.join(map(str, paths))}")
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        failed += bool(problems)
    return 1 if failed else 0
