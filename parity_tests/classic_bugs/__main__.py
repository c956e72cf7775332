"""``python -m parity_tests.classic_bugs``: see :mod:`parity_tests.classic_bugs.cli`."""

if __name__ == "__main__":  # guarded: the runner's forkserver imports this module as __mp_main__
    import sys

    from .cli import main

    sys.exit(main())
