"""providers.matching._near: the offers it passes on hold every offer whose reach holds the
point (it may pass more; the geodesic decides), whatever the radii and wherever the point."""

from __future__ import annotations

import random

import pytest

from eldercare.geo.domain import distance_km
from eldercare.providers.matching import _near
from eldercare.providers.snapshot import ItemIndex, Offer


def _offer(i: int, lat: float, lon: float, radius: float) -> Offer:
    return Offer(i, f"p{i}", lat, lon, radius, "510903", 2800)


def _in_reach(index: ItemIndex, lat: float, lon: float) -> set[int]:
    return {
        i
        for i, offer in enumerate(index.offers)
        if distance_km(offer.lat, offer.lon, lat, lon) <= offer.service_radius_km
    }


@pytest.mark.parametrize("seed", range(12))
def test_nobody_in_reach_is_left_out(seed: int) -> None:
    rng = random.Random(seed)
    lat0, lon0 = rng.uniform(18, 53), rng.uniform(73, 135)
    offers = [
        _offer(i, lat0 + rng.uniform(-0.6, 0.6), lon0 + rng.uniform(-0.6, 0.6), rng.uniform(1, 30))
        for i in range(400)
    ]
    # and some exactly at the edge of their reach from the first point asked about
    edge = [_offer(400 + i, lat0 + 0.1 * i, lon0 - 0.05 * i, 0.0) for i in range(1, 6)]
    edge = [_offer(o.id, o.lat, o.lon, distance_km(o.lat, o.lon, lat0, lon0) + 1e-9) for o in edge]
    index = ItemIndex.of(offers + edge)
    points = [(lat0, lon0)] + [
        (lat0 + rng.uniform(-0.5, 0.5), lon0 + rng.uniform(-0.5, 0.5)) for _ in range(40)
    ]
    for lat, lon in points:
        near = set(_near(index, set(), lat, lon).tolist())
        assert _in_reach(index, lat, lon) <= near, (lat, lon)
        assert len(near) < len(index.offers)  # it does pick
    assert {400, 401, 402, 403, 404} <= set(_near(index, set(), lat0, lon0).tolist())


def test_those_serving_the_district_are_passed_on_wherever_they_are() -> None:
    index = ItemIndex.of([_offer(7, 40.0, 116.0, 5.0), _offer(8, 30.5, 105.6, 5.0)])
    assert _near(index, {7, 99}, 30.5, 105.6).tolist() == [0, 1]
    assert _near(index, set(), 30.5, 105.6).tolist() == [1]
    assert _near(ItemIndex.of([]), {7}, 30.5, 105.6).tolist() == []
