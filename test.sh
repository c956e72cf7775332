#!/usr/bin/env bash
# Quick start, command 2: set everything up, then run the whole test suite on every
# core (pytest-xdist: one worker per core, each module's tests in one worker so a
# module's fixtures are built once; arguments are passed on to pytest, e.g.
# `./test.sh parity_tests -x`, and `-n 0` runs everything in one process).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest -n "${SCRATCHNET_TEST_WORKERS:-auto}" --dist loadscope "$@"
