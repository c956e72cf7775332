"""ICDSS Lecture 4 "Neural Networks" (seed 001_606f2352aff19854.txt)."""
