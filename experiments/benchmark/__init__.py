"""A benchmark of scratchnet against PyTorch and scikit-learn: one epoch of MLP
training, timed interleaved, with the roofline, peak memory and scaling with
width and batch size. See :mod:`experiments.benchmark.run` for the command
line, :mod:`.workload` for what is trained and :mod:`.measure` for how it is
measured."""

from .run import FULL, QUICK, Config, benchmark, main

__all__ = ["Config", "FULL", "QUICK", "benchmark", "main"]
