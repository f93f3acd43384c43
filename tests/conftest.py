"""Test configuration shared by every layer: the environment is set before eldercare loads.

With no ``DATABASE_URL`` the suite runs on a fresh SQLite file; ``.ci/run`` runs it again
with ``DATABASE_URL`` naming a fresh PostgreSQL database.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='eldercare-test-')}/test.sqlite3"
)
os.environ.setdefault("ELDERCARE_ARGON2_PROFILE", "light")
os.environ.setdefault("ELDERCARE_SECRET_KEY", "test-secret-key-" + "x" * 24)

# Hypothesis's 200 ms deadline per example measures the machine, not the code: CI runs the
# SQLite and PostgreSQL passes side by side on two cores. Properties are checked, not speed.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("eldercare", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("eldercare")
