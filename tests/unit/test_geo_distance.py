"""geo.domain.distance_km: Vincenty's formula, held against Karney's exact geodesic."""

from __future__ import annotations

import random

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from geopy.distance import geodesic

from eldercare.geo.domain import distance_km, distances_km

EXACT = Geodesic.WGS84


def _exact_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return EXACT.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"] / 1000


def _pairs() -> list[tuple[float, float, float, float]]:
    rng = random.Random(20261128)
    city = []
    for _ in range(50_000):  # a city's distances, anywhere in China
        lat, lon = rng.uniform(18, 53), rng.uniform(73, 135)
        city.append((lat, lon, lat + rng.uniform(-0.5, 0.5), lon + rng.uniform(-0.5, 0.5)))
    world = [
        (rng.uniform(-89, 89), rng.uniform(-180, 180), rng.uniform(-89, 89), rng.uniform(-180, 180))
        for _ in range(5_000)
    ]
    return city + world


def test_within_a_tenth_of_a_millimetre_of_the_exact_geodesic_and_rounds_the_same() -> None:
    for pair in _pairs():
        fast, exact = distance_km(*pair), _exact_km(*pair)
        assert abs(fast - exact) < 1e-7, pair
        assert round(fast, 2) == round(exact, 2), pair


@pytest.mark.parametrize(
    "pair",
    [
        (30.5728, 104.0668, 30.5728, 104.0668),  # the same point
        (0.0, 0.0, 0.5, 179.7),  # nearly antipodal: Vincenty does not converge
        (0.0, 0.0, 0.0, 180.0),
        (89.9, 10.0, -89.9, -170.0),
    ],
)
def test_hard_cases_match_geopy(pair: tuple[float, float, float, float]) -> None:
    assert distance_km(*pair) == pytest.approx(geodesic(pair[:2], pair[2:]).km, abs=1e-6)


def test_on_arrays_the_same_as_one_by_one() -> None:
    pairs = _pairs()[::5] + [
        (30.5728, 104.0668, 30.5728, 104.0668),
        (0.0, 0.0, 0.5, 179.7),
        (0.0, 0.0, 0.0, 180.0),
        (89.9, 10.0, -89.9, -170.0),
    ]
    # Each pair's first point measured to its second, rounded to the degree, with the others
    # measured there: a few dozen points to each.
    by_target: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for lat1, lon1, lat2, lon2 in pairs:
        by_target.setdefault((round(lat2), round(lon2)), []).append((lat1, lon1))
    for (lat, lon), points in by_target.items():
        lats, lons = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        many = distances_km(lats, lons, lat, lon)
        for (lat1, lon1), found in zip(points, many, strict=True):
            one = distance_km(lat1, lon1, lat, lon)
            assert abs(found - one) < 1e-9, (lat1, lon1, lat, lon)
            assert round(found, 3) == round(one, 3), (lat1, lon1, lat, lon)
