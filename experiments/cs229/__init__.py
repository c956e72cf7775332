"""CS229 Lecture 11, Autumn 2018 (Andrew Ng, "Introduction to Neural Networks"): the
lecture's code and data in ``lecture.py``, one experiment per module."""
