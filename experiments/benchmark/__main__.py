"""``python -m experiments.benchmark``: see :mod:`experiments.benchmark.run`."""

import sys

from .run import main

sys.exit(main())
