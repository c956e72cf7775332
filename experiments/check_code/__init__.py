"""Checking one's own from-scratch code against PyTorch: the lectures' own code (in each
lecture's ``lecture.py``) checked with ``torch_ref.check`` (``lecture_code_check``)."""
