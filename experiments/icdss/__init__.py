"""ICDSS Lecture 4, "Neural Networks": what the experiments share in ``lecture.py``,
one experiment per module."""
