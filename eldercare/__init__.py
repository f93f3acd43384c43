"""eldercare: an eldercare service-booking marketplace for a civil-affairs bureau."""

from __future__ import annotations

import os

# Piccolo finds its engine through this module path; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "eldercare.piccolo_conf")

__version__ = "0.1.0"
