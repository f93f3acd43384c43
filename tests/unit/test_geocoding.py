from __future__ import annotations

import asyncio

from geopy.exc import GeocoderServiceError

from eldercare.geo.geocoding import GeopyGeocoder, NoGeocoder


class _Found:
    latitude = 30.5
    longitude = 105.6


class _Backend:
    def __init__(self, result=None, error=None):
        self.result, self.error = result, error

    def geocode(self, address, timeout):
        if self.error:
            raise self.error
        return self.result


def test_no_geocoder_finds_nothing():
    assert asyncio.run(NoGeocoder().locate("船山区")) is None


def test_a_geopy_backend_answer_becomes_coordinates():
    assert asyncio.run(GeopyGeocoder(_Backend(_Found()), 1).locate("船山区")) == (30.5, 105.6)


def test_a_failing_geocoder_service_falls_back_quietly():
    backend = _Backend(error=GeocoderServiceError("no network"))
    assert asyncio.run(GeopyGeocoder(backend, 1).locate("船山区")) is None
