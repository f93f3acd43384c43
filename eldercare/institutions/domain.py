"""Institution directory rules: kinds, field checks, search checks and ranking by distance.

Pure functions only (no I/O, no clock). Checks append ``FieldProblem``s to a list the
caller owns, so a form or a JSON body hears about every bad field at once; the service
adds the checks that need the database (does the region exist?) and raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from eldercare.errors import N_, FieldProblem, Invalid
from eldercare.geo.domain import (
    bounding_box,
    check_china_coordinates,
    check_radius_km,
    check_region_code,
    distance_km,
)

# --- Kinds ---------------------------------------------------------------------------------

# Stable codes (API and database); the words people read are translated labels.
KIND_LABELS: dict[str, str] = {
    "care_home": N_("Care home"),  # 养老院
    "nursing_home": N_("Nursing home"),  # 护理院
    "day_centre": N_("Day care centre"),  # 日间照料中心
    "community_canteen": N_("Community meal point"),  # 老年助餐点
    "respite": N_("Respite care station"),  # 喘息服务站
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

# --- Limits --------------------------------------------------------------------------------

NAME_MAX_LENGTH = 100
ADDRESS_MAX_LENGTH = 200
MAX_BEDS = 5_000  # the largest homes in China have a few thousand beds
MAX_MONTHLY_PRICE_FEN = 10_000_000  # ¥100,000 a month: anything above is a typo
PHONE_MIN_LENGTH = 7
PHONE_MAX_LENGTH = 20
# Digits, with single dashes between groups: 0825-2221234, 13800138000, 400-123-4567.
_PHONE = re.compile(r"[0-9]+(?:-[0-9]+)*")
DEFAULT_RADIUS_KM = 10.0

# --- A record, as given ----------------------------------------------------------------------


@dataclass
class InstitutionInput:
    """What a form or a JSON body says about an institution; ``None`` means "not given"."""

    name: str | None = None
    kind: str | None = None
    beds: int | None = None
    vacancies: int | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    address: str | None = None
    phone: str | None = None
    region_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    active: bool | None = None

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(InstitutionInput))
REQUIRED: tuple[str, ...] = (
    "name", "kind", "beds", "vacancies", "price_min_fen", "price_max_fen", "address", "phone",
    "region_code",
)  # fmt: skip
MISSING_MESSAGES = {
    "name": N_("Please enter the institution's name."),
    "kind": N_("Choose the type of institution."),
    "beds": N_("Please enter the number of beds (0 if it has none)."),
    "vacancies": N_("Please enter the number of free beds (0 if none)."),
    "price_min_fen": N_("Please enter the lowest monthly price."),
    "price_max_fen": N_("Please enter the highest monthly price."),
    "address": N_("Please enter the address."),
    "phone": N_("Please enter a phone number."),
    "region_code": N_("Choose the district, street or community."),
}


def check_institution(
    values: Mapping[str, Any],
    problems: list[FieldProblem],
    *,
    changed: Collection[str] | None = None,
) -> dict[str, Any]:
    """Check a whole record (a new one, or the current one with a patch applied).

    Appends a problem per bad field and returns the cleaned values. Fields that already
    have a problem (say, a number a form could not read) are not checked again. ``changed``
    names the fields a patch set, so a broken pair rule blames the field just edited.
    """
    bad = {p.key for p in problems}
    clean: dict[str, Any] = {}

    def run(key: str, check: Callable[[Any], Any]) -> None:
        if key in bad:
            return
        value = values.get(key)
        if value is None and key in REQUIRED:
            problems.append(FieldProblem(key, MISSING_MESSAGES[key]))
            bad.add(key)
            return
        try:
            clean[key] = check(value)
        except Invalid as error:
            problems.extend(error.problems)
            bad.update(p.key for p in error.problems)

    run("name", lambda v: _text("name", v, NAME_MAX_LENGTH))
    run("kind", check_kind)
    run("beds", lambda v: _count("beds", v, MAX_BEDS))
    run("vacancies", lambda v: _count("vacancies", v, MAX_BEDS))
    run("price_min_fen", lambda v: check_monthly_price("price_min_fen", v))
    run("price_max_fen", lambda v: check_monthly_price("price_max_fen", v))
    run("address", lambda v: _text("address", v, ADDRESS_MAX_LENGTH))
    run("phone", normalize_phone)
    run("region_code", lambda v: check_region_code(str(v)))
    _check_position(values, problems, bad, clean)
    clean["active"] = bool(values.get("active", True))
    _check_pairs(clean, problems, bad, changed)
    return clean


def _check_position(
    values: Mapping[str, Any], problems: list[FieldProblem], bad: set[str], clean: dict[str, Any]
) -> None:
    """Both coordinates or neither (the service then takes the region's centroid)."""
    if {"lat", "lon"} & bad:
        return
    try:
        point = check_china_coordinates(values.get("lat"), values.get("lon"))
    except Invalid as error:
        problems.extend(error.problems)
        bad.update(p.key for p in error.problems)
        return
    clean["lat"], clean["lon"] = point if point else (None, None)


def _check_pairs(
    clean: dict[str, Any],
    problems: list[FieldProblem],
    bad: set[str],
    changed: Collection[str] | None,
) -> None:
    """Free beds fit in the beds; the lowest price is not above the highest."""
    only = set(changed) if changed is not None else None
    if not {"beds", "vacancies"} & bad and clean["vacancies"] > clean["beds"]:
        key = (
            "beds"
            if only is not None and "beds" in only and "vacancies" not in only
            else "vacancies"
        )
        problems.append(
            FieldProblem(
                key,
                N_("There cannot be more free beds ({vacancies}) than beds ({beds})."),
                {"vacancies": clean["vacancies"], "beds": clean["beds"]},
            )
        )
    prices = ("price_min_fen", "price_max_fen")
    if not set(prices) & bad and clean["price_min_fen"] > clean["price_max_fen"]:
        key = (
            "price_max_fen"
            if only is not None and "price_max_fen" in only and "price_min_fen" not in only
            else "price_min_fen"
        )
        problems.append(
            FieldProblem(
                key,
                N_("The lowest monthly price cannot be above the highest."),
            )
        )


def _text(key: str, value: Any, maximum: int) -> str:
    text = " ".join(str(value).split())  # one space between words, none around them
    if not text:
        raise Invalid(key, MISSING_MESSAGES[key])
    if len(text) > maximum:
        raise Invalid(
            key, N_("Please keep this to {maximum} characters or fewer."), maximum=maximum
        )
    return text


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(key: str, value: Any, maximum: int) -> int:
    if not _whole(value) or value < 0:
        raise Invalid(key, N_("Enter a whole number, 0 or more."))
    if value > maximum:
        raise Invalid(key, N_("Enter at most {maximum}."), maximum=maximum)
    return value


def check_kind(value: Any) -> str:
    if value not in KIND_LABELS:
        raise Invalid("kind", N_("Choose one of the listed types of institution."))
    return str(value)


def check_monthly_price(key: str, fen: Any) -> int:
    """A monthly price in fen: 0 (free) up to a bound that catches an extra zero or two."""
    if not _whole(fen) or fen < 0:
        raise Invalid(key, N_("A price cannot be negative."))
    if fen > MAX_MONTHLY_PRICE_FEN:
        raise Invalid(
            key,
            N_("A monthly price above ¥{maximum} is not plausible. Please check it."),
            maximum=f"{MAX_MONTHLY_PRICE_FEN // 100:,}",
        )
    return fen


def normalize_phone(raw: Any) -> str:
    """A landline (0825-2221234) or a mobile: digits and dashes, 7 to 20 characters.

    Full-width digits from Chinese input methods become ASCII and spaces are dropped.
    """
    phone = "".join(unicodedata.normalize("NFKC", str(raw)).split())
    if not phone:
        raise Invalid("phone", MISSING_MESSAGES["phone"])
    if not _PHONE.fullmatch(phone) or not PHONE_MIN_LENGTH <= len(phone) <= PHONE_MAX_LENGTH:
        raise Invalid(
            "phone",
            N_(
                "Enter a phone number of 7 to 20 digits; dashes are allowed, "
                "for example 0825-2221234."
            ),
        )
    return phone


# --- Searching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """A checked search: a point with a radius, a region, a kind, or any mix of them."""

    point: tuple[float, float] | None = None
    radius_km: float | None = None
    region_code: str | None = None
    kind: str | None = None

    def box(self) -> tuple[float, float, float, float] | None:
        if self.point is None or self.radius_km is None:
            return None
        return bounding_box(self.point[0], self.point[1], self.radius_km)


def check_search(
    *,
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    region_code: str | None = None,
    kind: str | None = None,
    problems: list[FieldProblem],
) -> Search:
    """Every bad parameter becomes a problem naming it; the radius defaults to 10 km."""
    bad = {p.key for p in problems}
    point = None
    if not {"lat", "lon"} & bad:
        try:
            point = check_china_coordinates(lat, lon)
        except Invalid as error:
            problems.extend(error.problems)
    radius = None
    if "radius_km" not in bad and radius_km is not None:
        if lat is None and lon is None and not {"lat", "lon"} & bad:
            problems.append(
                FieldProblem(
                    "radius_km",
                    N_("A distance needs a point: give the latitude and longitude too."),
                )
            )
        else:
            try:
                radius = check_radius_km(radius_km)
            except Invalid as error:
                problems.extend(error.problems)
    region = None
    if "region_code" not in bad and region_code:
        try:
            region = check_region_code(region_code)
        except Invalid as error:
            problems.extend(error.problems)
    if "kind" not in bad and kind:
        try:
            check_kind(kind)
        except Invalid as error:
            problems.extend(error.problems)
    if point is not None and radius is None:
        radius = DEFAULT_RADIUS_KM
    return Search(point=point, radius_km=radius, region_code=region, kind=kind or None)


Row = TypeVar("Row", bound=Mapping[str, Any])


def within_radius(
    rows: Iterable[Row], lat: float, lon: float, radius_km: float
) -> list[tuple[Row, float]]:
    """The rows at most ``radius_km`` away (geodesic), nearest first; ties by id.

    Given only the few rows inside the SQL bounding box, so geopy's cost stays small.
    """
    ranked = []
    for row in rows:
        distance = distance_km(lat, lon, row["lat"], row["lon"])
        if distance <= radius_km:
            ranked.append((row, distance))
    ranked.sort(key=lambda pair: (pair[1], pair[0]["id"]))
    return ranked


def shown_km(distance: float) -> float:
    """Distances are shown to 100 m: more digits would pretend to a precision we lack."""
    return round(distance, 1)
