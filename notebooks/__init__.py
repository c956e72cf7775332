"""The three lectures as Jupyter notebooks, and the command that runs them.

``notebooks/*.ipynb`` are stored without outputs (``notebooks/percent/*.py`` hold
the same cells in jupytext's percent format). ``python -m notebooks`` executes
them, writes executed copies and their HTML to ``out/notebooks/``, and checks
every number a notebook shows that the experiments also compute against the
experiments' ``result.json`` (:mod:`notebooks.checks`). See
:mod:`notebooks.runner`.
"""
