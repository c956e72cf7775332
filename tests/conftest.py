"""Settings shared by the torch-free tests: the same hypothesis profiles as
``parity_tests/conftest.py`` (a fixed, fast "ci" profile by default;
HYPOTHESIS_PROFILE=dev explores more), so ``pytest tests`` alone is fast too."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
