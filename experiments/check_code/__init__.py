"""Checking one's own from-scratch code against PyTorch: the lectures' code (lecture_code.py) and its experiment."""
