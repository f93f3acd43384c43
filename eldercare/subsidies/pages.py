"""HTML pages of the subsidies (being written)."""

from __future__ import annotations

PAGES: list = []
