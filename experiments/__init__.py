"""Experiments reproducing the lectures in ../shared/seeds/ on both backends.

``python -m experiments`` runs them all; see :mod:`experiments.cli`.
"""

import os

# Figures go to files only: no window, whichever module imports pyplot first.
os.environ.setdefault("MPLBACKEND", "Agg")
