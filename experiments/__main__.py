"""``python -m experiments``: for now, the XOR demo on both backends."""

from .xor_demo import main

main()
