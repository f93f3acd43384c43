"""Region rules (GB/T 2260 codes and the street/community codes below them): pure functions."""

from __future__ import annotations

import functools
import math
import re

from geographiclib.geodesic import Geodesic
from geopy.distance import ELLIPSOIDS

from eldercare.errors import N_, FieldProblem, Invalid

# Two-digit province prefixes of GB/T 2260 (including Taiwan, Hong Kong and Macao).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

# County codes have 6 digits; street (township) codes 9; community (village) codes 12.
_REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")


def check_region_code(code: str, key: str = "region_code") -> str:
    """Return the code stripped; staff scopes may also be street or community codes."""
    code = code.strip()
    if not _REGION_CODE.fullmatch(code):
        raise Invalid(key, N_("A region code has 6, 9 or 12 digits."))
    if code[:2] not in PROVINCE_CODES:
        raise Invalid(
            key, N_("The region code {code} does not start with a known province."), code=code
        )
    return code


def region_prefix(scope: str) -> str:
    """The prefix every region inside ``scope`` starts with (for ``LIKE 'prefix%'``).

    Six-digit codes pad their level with "00" pairs (510000 is a province, 510900 a
    city), so those pairs are dropped; street and community codes are used whole.
    Only digits are returned, so the prefix is safe inside a LIKE pattern.
    """
    if not _REGION_CODE.fullmatch(scope):
        raise ValueError(f"not a region code: {scope!r}")
    prefix = scope
    if len(prefix) == 6:
        while len(prefix) > 2 and prefix.endswith("00"):
            prefix = prefix[:-2]
    return prefix


def region_contains(scope: str, code: str) -> bool:
    """Whether the region ``code`` lies within (or is) the region ``scope``."""
    return code.startswith(region_prefix(scope))


# --- Distances -----------------------------------------------------------------------------

# Mainland China, Hong Kong, Macao and Taiwan fit inside this box (with a small margin).
CHINA_LAT = (3.8, 53.6)
CHINA_LON = (73.4, 135.1)
KM_PER_DEGREE_LAT = 111.32
MAX_RADIUS_KM = 100.0


def check_china_coordinates(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    """Both or neither; when given, inside China's bounding box (a typo'd point is caught)."""
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        missing = "lat" if lat is None else "lon"
        raise Invalid(missing, N_("Give both latitude and longitude, or neither."))
    problems = []
    if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        problems.append(FieldProblem("lat", N_("This latitude is outside China.")))
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1]):
        problems.append(FieldProblem("lon", N_("This longitude is outside China.")))
    if problems:
        raise Invalid.many(problems)
    return lat, lon


def check_radius_km(radius_km: float, key: str = "radius_km") -> float:
    if not (0 < radius_km <= MAX_RADIUS_KM):
        raise Invalid(
            key,
            N_("The distance must be more than 0 and at most {max} km."),
            max=int(MAX_RADIUS_KM),
        )
    return radius_km


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within ``radius_km``.

    Used as an indexed SQL prefilter; the exact geodesic distance ranks the few left.
    """
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# geopy's ``geodesic`` builds a new Geodesic (its series coefficients) for every pair; one
# built once gives the same numbers to the bit in half the time.
_A_KM, _, _F = ELLIPSOIDS["WGS-84"]
_WGS84 = Geodesic(_A_KM, _F)


@functools.lru_cache(maxsize=20_000)  # ~5 MB; two fixed points never change distance
def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic (WGS-84) distance, as geopy's ``geodesic`` computes it."""
    return _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
