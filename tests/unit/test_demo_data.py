"""The demo city is consistent: valid IDs and phones, real regions, intended ages."""

from __future__ import annotations

import csv
import math
import re
from datetime import date
from pathlib import Path

import eldercare
from eldercare.demo_data import DEMO_PASSWORD, FAMILIES, STAFF, demo_elders

REGIONS_CSV = Path(eldercare.__file__).parent / "geo" / "data" / "regions.csv"
DISTRICTS = ("510903", "510904", "510921", "510923", "510981")
TODAY = date(2026, 11, 28)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def read_regions() -> dict[str, dict[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def check_character(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_every_id_number_passes_the_gb_11643_check_character() -> None:
    for elder in demo_elders(TODAY):
        number = elder["id_number"]
        assert re.fullmatch(r"\d{17}[\dX]", number), number
        assert check_character(number[:17]) == number[17], number


def test_id_numbers_start_with_the_district_of_the_elders_region() -> None:
    for elder in demo_elders(TODAY):
        assert elder["id_number"][:6] == elder["region_code"][:6]
        assert elder["id_number"][:6] in DISTRICTS


def test_id_numbers_are_unique() -> None:
    numbers = [elder["id_number"] for elder in demo_elders(TODAY)]
    assert len(numbers) == len(set(numbers))


def test_phones_are_unique_mobile_numbers() -> None:
    elder_phones = [e["phone"] for e in demo_elders(TODAY) if e["phone"] is not None]
    account_phones = [a["phone"] for a in STAFF + FAMILIES]
    for phone in elder_phones + account_phones:
        assert MOBILE.match(phone), phone
    assert len(elder_phones) == len(set(elder_phones))
    assert len(account_phones) == len(set(account_phones))
    # Only the resident account shares a phone with an elder: it is that elder.
    shared = set(elder_phones) & set(account_phones)
    residents = {a["phone"]: a["name"] for a in FAMILIES if a["role"] == "resident"}
    assert shared == set(residents)
    for elder in demo_elders(TODAY):
        if elder["phone"] in residents:
            assert elder["name"] == residents[elder["phone"]]


def test_a_few_elders_have_no_phone() -> None:
    assert 1 <= sum(e["phone"] is None for e in demo_elders(TODAY)) <= 10


def test_every_elder_region_is_in_the_gazetteer_and_nearby() -> None:
    regions = read_regions()
    for elder in demo_elders(TODAY):
        region = regions[elder["region_code"]]
        assert region["level"] in ("district", "community")
        centre = float(region["lat"]), float(region["lon"])
        distance = km_between(elder["lat"], elder["lon"], *centre)
        assert distance <= 3.0, (elder["name"], distance)
        assert elder["address"].startswith(regions[elder["region_code"][:6]]["name_zh"])
        assert region["name_zh"] in elder["address"]


def test_every_gazetteer_parent_exists_except_the_provinces() -> None:
    regions = read_regions()
    levels = ("province", "city", "district", "street", "community")
    for code, row in regions.items():
        assert row["level"] in levels
        if row["level"] == "province":
            assert row["parent_code"] == ""
            continue
        parent = regions[row["parent_code"]]
        assert levels.index(parent["level"]) == levels.index(row["level"]) - 1, code
        if row["level"] in ("street", "community"):
            assert code.startswith(parent["code"]) and len(code) == len(parent["code"]) + 3
        assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["lon"]) <= 180


def test_each_district_has_at_least_two_streets_each_with_a_community() -> None:
    regions = read_regions()
    for district in DISTRICTS:
        assert regions[district]["parent_code"] == "510900"
        streets = [c for c, r in regions.items() if r["parent_code"] == district]
        assert len(streets) >= 2, district
        for street in streets:
            assert any(r["parent_code"] == street for r in regions.values()), street


def test_ages_are_within_range_with_some_very_old_elders() -> None:
    ages = [age_on(birth_date(e["id_number"]), TODAY) for e in demo_elders(TODAY)]
    assert all(60 <= age <= 105 for age in ages), ages
    assert sum(age >= 80 for age in ages) >= 5
    assert sum(age >= 90 for age in ages) >= 2
    assert sum(age >= 100 for age in ages) >= 1


def test_ages_stay_the_same_on_other_days_including_29_february() -> None:
    expected = [age_on(birth_date(e["id_number"]), TODAY) for e in demo_elders(TODAY)]
    for day in (date(2028, 2, 29), date(2027, 1, 1), date(2030, 12, 31)):
        elders = demo_elders(day)
        assert [age_on(birth_date(e["id_number"]), day) for e in elders] == expected
        assert all(check_character(e["id_number"][:17]) == e["id_number"][17] for e in elders)


def test_family_links_point_at_family_accounts_with_a_relationship() -> None:
    family_phones = {a["phone"] for a in FAMILIES if a["role"] == "family"}
    linked = [e for e in demo_elders(TODAY) if e["family_phone"] is not None]
    assert 8 <= len(linked) <= 16
    for elder in demo_elders(TODAY):
        if elder["family_phone"] is None:
            assert elder["relationship"] is None
        else:
            assert elder["family_phone"] in family_phones
            assert elder["relationship"] in ("child", "spouse", "grandchild", "child_in_law")


def test_vocabulary_of_living_situations_and_needs() -> None:
    needs = {"mobility", "hearing", "vision", "diabetes", "dementia_early"}
    needs |= {"meals", "bathing", "housekeeping"}
    for elder in demo_elders(TODAY):
        assert elder["living_situation"] in ("alone", "empty_nest", "with_family")
        assert set(elder["needs"]) <= needs


def test_staff_accounts_cover_each_role() -> None:
    roles = {account["role"]: account for account in STAFF}
    assert roles["admin"]["region_code"] is None
    assert roles["bureau_officer"]["region_code"] == "510900"
    community = {a["region_code"] for a in STAFF if a["role"] == "community_staff"}
    assert community == {"510903", "510904"}
    assert DEMO_PASSWORD == "Demo-pass-2026"


def test_the_same_day_gives_the_same_elders() -> None:
    assert demo_elders(TODAY) == demo_elders(TODAY)
    assert len(demo_elders(TODAY)) >= 30
