"""``python -m experiments``: see :mod:`experiments.cli`."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a worker process (multiprocessing) imports the main module again
    sys.exit(main())
