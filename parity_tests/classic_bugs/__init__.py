"""Classic from-scratch-MLP bugs, catalogued and proven caught (see catalogue.py and runner.py)."""
