"""Experiments reproducing three lectures on both backends: CS229 Lecture 11,
Autumn 2018 (``cs229/``), ICDSS Lecture 4 (``icdss/``) and Chapter 15,
Introduction to Neural Networks (``chapter15/``).

``python -m experiments`` runs them all; see :mod:`experiments.cli`. The shape
of one experiment is ``template.py``; the harness every one uses is
:mod:`experiments.common`.
"""

import os

# Figures go to files only: no window, whichever module imports pyplot first.
os.environ.setdefault("MPLBACKEND", "Agg")
