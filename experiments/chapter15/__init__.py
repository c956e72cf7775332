"""Chapter 15 "Introduction to Neural Networks" (seed 002_9091aa63c327fb13.txt)."""
