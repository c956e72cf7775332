"""CS229 Lecture 11 "Introduction to Neural Networks" (seed 000_cf38cdbe29059033.txt)."""
