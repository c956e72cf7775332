"""What ``pip install .`` gives a user: a wheel holding what a user imports —
``scratchnet``, its PyTorch twin ``torch_ref`` (with ``torch_ref.check``) and the
pytest plugin module ``pytest_torch_ref`` that pytest loads through the
``pytest11`` entry point — and nothing with a generic name (``experiments``,
``parity_tests``, ``tests``) that would shadow a user's own module.

The wheel is built from this checkout and installed into a bare virtual environment
(no pip, no site packages of its own); what lands in its site-packages is then
exactly those two packages and the distribution's metadata. The experiments and the
suites keep running from the checkout.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: The top-level packages a user imports, and the plugin module; nothing else may be in the wheel.
SHIPPED = {"scratchnet", "torch_ref"}
PLUGIN = "pytest_torch_ref"


def _run(*args, cwd=None) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_wheel_installed_in_a_bare_venv_holds_exactly_scratchnet_and_torch_ref(tmp_path):
    wheels = tmp_path / "wheels"
    # --no-build-isolation: build with this environment's setuptools (nothing is downloaded)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-q", "-w", wheels, ROOT)
    (wheel,) = wheels.glob("scratchnet-*.whl")
    env = tmp_path / "bare"
    venv.create(env, with_pip=False)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "-q", wheel)
    # Run from an empty folder, so that the checkout is not on sys.path.
    report = _run(python, "-c", """
import importlib.metadata, importlib.util, json, sysconfig, pathlib
site = pathlib.Path(sysconfig.get_paths()["purelib"])
files = importlib.metadata.distribution("scratchnet").files
print(json.dumps({
    "top": sorted(({f.parts[0] for f in files} | {p.name for p in site.iterdir()})
                  - {"__pycache__"}  # the plugin module's bytecode
                  - {n for n in {f.parts[0] for f in files} if n.endswith((".dist-info", ".data"))}
                  - {p.name for p in site.iterdir() if p.name.endswith(".dist-info")}),
    "found": {m: importlib.util.find_spec(m) is not None
              for m in ("scratchnet", "torch_ref", "experiments", "parity_tests", "tests")},
    "plugins": [e.value for e in importlib.metadata.distribution("scratchnet").entry_points if e.group == "pytest11"],
    "packages": sorted({"/".join(f.parts[:-1]) for f in files if f.suffix == ".py"}),
}))
""", cwd=tmp_path)
    found = json.loads(report)
    assert set(found["top"]) == SHIPPED | {PLUGIN + ".py"}, found["top"]
    assert found["plugins"] == [PLUGIN]
    assert found["found"] == {"scratchnet": True, "torch_ref": True, "experiments": False, "parity_tests": False,
                              "tests": False}
    # every subpackage of the two is there (scratchnet.nn.modules, scratchnet.optim, ...)
    expected = {p.parent.relative_to(ROOT).as_posix() for name in SHIPPED for p in (ROOT / name).rglob("__init__.py")}
    assert expected <= set(found["packages"]), expected - set(found["packages"])


def test_the_experiments_and_the_suites_run_from_the_checkout():
    """Not installed, yet importable from the checkout (pytest's ``pythonpath``; ``python -m``
    puts the working folder first): the editable install maps only scratchnet and torch_ref."""
    out = _run(sys.executable, "-c", "import experiments.cli, parity_tests.compare; print(experiments.__file__)",
               cwd=ROOT)
    assert pathlib.Path(out.strip()).parent == ROOT / "experiments"


def _pins() -> dict[str, str]:
    """constraints.txt's pins, by normalised name (PEP 503)."""
    import re

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not a name==version pin"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_constraints_pin_every_package_the_setup_step_installs():
    """The set-up step installs scratchnet[all] with ``-c constraints.txt``; the README
    says that file pins every package. Walk the installed requirement graph from
    scratchnet with all its extras (markers evaluated for this interpreter) and find
    each package pinned, at the version installed here."""
    import re
    from importlib import metadata

    from packaging.requirements import Requirement

    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = _pins()
    extras = set(metadata.metadata("scratchnet").get_all("Provides-Extra") or [])
    todo, seen, unpinned, wrong = [("scratchnet", frozenset(extras))], set(), [], []
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        dist = metadata.distribution(name)
        if name != "scratchnet":
            if name not in pins:
                unpinned.append(name)
            elif pins[name] != dist.version:
                wrong.append(f"{name}: pinned {pins[name]}, installed {dist.version}")
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((norm(req.name), frozenset(req.extras)))
    assert not unpinned, f"installed by the set-up step but not pinned in constraints.txt: {sorted(set(unpinned))}"
    assert not wrong, wrong
    assert len({n for n, _ in seen}) > 50   # the walk really went through the graph (torch, jupyter, ...)
