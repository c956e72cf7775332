#!/usr/bin/env bash
# Create .venv and install scratchnet with every extra, pinned by constraints.txt.
# Idempotent: re-installs only when pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"scratchnet needs Python >= 3.10, this is {sys.version.split()[0]}")
PY
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "[setup] installing scratchnet[all] (torch pinned to the CPU build by constraints.txt)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[all]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
