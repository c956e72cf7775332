"""Chapter 15, Introduction to Neural Networks: the chapter's code listings in
``lecture.py``, one experiment per module."""
