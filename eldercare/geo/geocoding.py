"""Optional geocoding: an address to coordinates, behind an interface, off by default.

Government intranets are often offline, and every geopy geocoder needs the network, so the
default is no geocoder: coordinates come from the form (typed or a map pin) or, failing that,
the region's centroid from the shipped gazetteer. A configured geocoder runs in a thread with
a timeout and any failure falls back the same way; it never blocks a request for long.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

import anyio
import anyio.to_thread

from eldercare.settings import get_settings

log = logging.getLogger("eldercare.geo")

GIVEN = "given"
GEOCODED = "geocoded"
REGION_CENTROID = "region_centroid"


class Geocoder(Protocol):
    async def locate(self, address: str) -> tuple[float, float] | None: ...


class NoGeocoder:
    async def locate(self, address: str) -> tuple[float, float] | None:
        return None


class GeopyGeocoder:
    """Any geopy geocoder by name (``nominatim``, ``baidu``, …), with a hard timeout."""

    def __init__(self, backend: object, timeout_seconds: float) -> None:
        self.backend = backend
        self.timeout_seconds = timeout_seconds

    async def locate(self, address: str) -> tuple[float, float] | None:
        from geopy.exc import GeopyError

        try:
            with anyio.fail_after(self.timeout_seconds):
                found = await anyio.to_thread.run_sync(
                    lambda: self.backend.geocode(address, timeout=self.timeout_seconds),  # type: ignore[attr-defined]
                    abandon_on_cancel=True,
                )
        except (GeopyError, TimeoutError, OSError) as error:
            log.warning("geocoding failed, falling back: %s", error)
            return None
        return (found.latitude, found.longitude) if found else None


@lru_cache(maxsize=1)
def configured_geocoder() -> Geocoder:
    settings = get_settings()
    if not settings.geocoder:
        return NoGeocoder()
    from geopy.geocoders import get_geocoder_for_service

    backend = get_geocoder_for_service(settings.geocoder)(user_agent="eldercare")
    return GeopyGeocoder(backend, settings.geocoder_timeout_seconds)


_override: Geocoder | None = None


def use_geocoder(geocoder: Geocoder | None) -> None:
    """Swap the geocoder (tests use a fake one); None goes back to the configured one."""
    global _override
    _override = geocoder


def current_geocoder() -> Geocoder:
    return _override or configured_geocoder()
