"""Institution directory rules: field checks, reading forms, search checks and distance ranking."""

from __future__ import annotations

from typing import Any

import pytest

from eldercare.errors import FieldProblem, Invalid
from eldercare.institutions import domain, forms
from eldercare.institutions.domain import InstitutionInput


def valid(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "船山区社会福利院",
        "kind": "care_home",
        "beds": 80,
        "vacancies": 12,
        "price_min_fen": 180_000,
        "price_max_fen": 420_000,
        "address": "船山区滨江北路168号",
        "phone": "0825-2226801",
        "region_code": "510903",
        "lat": 30.514,
        "lon": 105.5885,
    }
    values.update(overrides)
    return values


def problems_of(values: dict[str, Any], **kwargs: Any) -> dict[str, FieldProblem]:
    problems: list[FieldProblem] = []
    domain.check_institution(values, problems, **kwargs)
    return {p.key: p for p in problems}


# ------------------------------------------------------------------------- the record


def test_a_complete_record_passes_and_comes_back_cleaned():
    problems: list[FieldProblem] = []
    clean = domain.check_institution(valid(name="  船山区  社会福利院 "), problems)
    assert problems == []
    assert clean["name"] == "船山区 社会福利院"
    assert clean["active"] is True
    assert set(clean) == set(domain.FIELDS)


def test_every_missing_required_field_is_reported_at_once():
    assert set(problems_of({})) == set(domain.REQUIRED)


def test_free_beds_may_equal_the_beds_but_not_exceed_them():
    assert problems_of(valid(beds=80, vacancies=80)) == {}
    assert set(problems_of(valid(beds=80, vacancies=81))) == {"vacancies"}


def test_lowering_the_beds_below_the_free_beds_blames_the_beds():
    assert set(problems_of(valid(beds=10, vacancies=12), changed={"beds"})) == {"beds"}


def test_negative_or_absurd_bed_counts_are_refused():
    assert set(problems_of(valid(beds=-1))) == {"beds"}
    assert set(problems_of(valid(beds=domain.MAX_BEDS + 1))) == {"beds"}
    assert set(problems_of(valid(vacancies=-3))) == {"vacancies"}


def test_a_bed_count_must_be_a_whole_number_not_a_boolean():
    assert set(problems_of(valid(beds=True))) == {"beds"}


def test_the_lowest_price_may_equal_the_highest_but_not_exceed_it():
    assert problems_of(valid(price_min_fen=200_000, price_max_fen=200_000)) == {}
    assert set(problems_of(valid(price_min_fen=300_000, price_max_fen=200_000))) == {
        "price_min_fen"
    }


def test_lowering_the_highest_price_below_the_lowest_blames_the_highest():
    found = problems_of(
        valid(price_min_fen=300_000, price_max_fen=200_000), changed={"price_max_fen"}
    )
    assert set(found) == {"price_max_fen"}


def test_a_free_institution_is_allowed():
    assert problems_of(valid(price_min_fen=0, price_max_fen=0)) == {}


def test_negative_and_implausible_prices_are_refused():
    assert set(problems_of(valid(price_min_fen=-1))) == {"price_min_fen"}
    assert set(problems_of(valid(price_max_fen=domain.MAX_MONTHLY_PRICE_FEN + 1))) == {
        "price_max_fen"
    }


def test_an_unknown_kind_is_refused():
    assert set(problems_of(valid(kind="hotel"))) == {"kind"}


@pytest.mark.parametrize("phone", ["0825-2226801", "08252226801", "13800138000", "400-123-4567"])
def test_landlines_and_mobiles_are_accepted(phone):
    assert domain.normalize_phone(phone) == phone


def test_full_width_digits_and_spaces_in_a_phone_are_tidied():
    assert domain.normalize_phone("０８２５ 2226801") == "08252226801"


@pytest.mark.parametrize(
    "phone", ["123456", "1" * 21, "0825--2226801", "-08252226801", "0825/2226801", "phone"]
)
def test_phones_that_are_too_short_too_long_or_not_digits_and_dashes_are_refused(phone):
    with pytest.raises(Invalid) as caught:
        domain.normalize_phone(phone)
    assert caught.value.problems[0].key == "phone"


def test_coordinates_outside_china_are_refused_and_one_alone_is_not_enough():
    assert set(problems_of(valid(lat=48.85, lon=2.35))) == {"lon"}
    assert set(problems_of(valid(lon=None))) == {"lon"}


def test_without_coordinates_the_record_passes_and_the_service_fills_them():
    problems: list[FieldProblem] = []
    clean = domain.check_institution(valid(lat=None, lon=None), problems)
    assert problems == [] and clean["lat"] is None and clean["lon"] is None


def test_a_field_that_already_has_a_problem_is_not_checked_twice():
    problems = [FieldProblem("beds", "Enter a whole number, 0 or more.")]
    domain.check_institution(valid(beds=None), problems)
    assert [p.key for p in problems] == ["beds"]


# ------------------------------------------------------------------------- forms


def test_a_form_price_in_yuan_becomes_fen():
    problems: list[FieldProblem] = []
    assert forms.read_yuan("1800", "p", problems) == 180_000
    assert forms.read_yuan("¥1,800.5", "p", problems) == 180_050
    assert forms.read_yuan("1800.05元", "p", problems) == 180_005
    assert forms.read_yuan("", "p", problems) is None
    assert problems == []


@pytest.mark.parametrize("text", ["-5", "12.345", "abc", "1e3"])
def test_a_form_price_that_is_not_an_amount_is_a_problem(text):
    problems: list[FieldProblem] = []
    assert forms.read_yuan(text, "price_min_fen", problems) is None
    assert [p.key for p in problems] == ["price_min_fen"]


def test_fen_show_again_as_yuan_on_the_edit_form():
    assert forms.yuan_text(180_000) == "1800"
    assert forms.yuan_text(180_050) == "1800.50"


def test_a_form_reports_blank_and_unreadable_fields_under_their_api_names():
    data, problems = forms.input_from_form({"name": "某院", "beds": "eighty", "price_min": "x"})
    keys = {p.key for p in problems}
    assert {
        "beds",
        "price_min_fen",
        "kind",
        "vacancies",
        "price_max_fen",
        "address",
        "phone",
        "region_code",
    } <= keys
    assert "name" not in keys
    assert data.beds is None


def test_an_edit_form_without_the_active_box_takes_the_institution_off_the_directory():
    data, _ = forms.input_from_form({"name": "某院"}, editing=True)
    assert data.active is False
    data, _ = forms.input_from_form({"name": "某院", "active": "1"}, editing=True)
    assert data.active is True


def test_an_input_gives_only_the_fields_that_were_set():
    assert InstitutionInput(beds=3, active=False).given() == {"beds": 3, "active": False}


# ------------------------------------------------------------------------- searching


def search(**kwargs: Any) -> tuple[domain.Search, set[str]]:
    problems: list[FieldProblem] = []
    result = domain.check_search(problems=problems, **kwargs)
    return result, {p.key for p in problems}


def test_a_point_without_a_radius_searches_within_ten_km():
    result, problems = search(lat=30.52, lon=105.58)
    assert problems == set()
    assert result.point == (30.52, 105.58) and result.radius_km == 10.0


def test_a_latitude_without_a_longitude_names_the_longitude():
    assert search(lat=30.52)[1] == {"lon"}


@pytest.mark.parametrize("radius", [0, -1, 100.01, float("nan")])
def test_a_radius_of_zero_or_less_or_above_100_km_is_refused(radius):
    assert search(lat=30.52, lon=105.58, radius_km=radius)[1] == {"radius_km"}


def test_a_radius_of_exactly_100_km_is_allowed():
    assert search(lat=30.52, lon=105.58, radius_km=100)[1] == set()


def test_a_radius_without_a_point_is_refused():
    assert search(radius_km=5)[1] == {"radius_km"}


def test_every_bad_search_parameter_is_reported_at_once():
    assert search(lat=0.0, lon=105.0, radius_km=500, region_code="99", kind="hotel")[1] == {
        "lat",
        "radius_km",
        "region_code",
        "kind",
    }


def test_the_bounding_box_contains_the_radius():
    result, _ = search(lat=30.52, lon=105.58, radius_km=10)
    min_lat, max_lat, min_lon, max_lon = result.box()
    assert min_lat < 30.52 - 0.089 and max_lat > 30.52 + 0.089
    assert min_lon < 105.58 - 0.1 and max_lon > 105.58 + 0.1


def test_ranking_keeps_those_within_the_radius_nearest_first():
    rows = [
        {"id": 1, "lat": 30.60, "lon": 105.58},  # ~8.9 km north
        {"id": 2, "lat": 30.53, "lon": 105.58},  # ~1.1 km
        {"id": 3, "lat": 30.80, "lon": 105.58},  # ~31 km: outside
        {"id": 4, "lat": 30.53, "lon": 105.58},  # the same place as 2: ties go by id
    ]
    ranked = domain.within_radius(rows, 30.52, 105.58, 10)
    assert [row["id"] for row, _ in ranked] == [2, 4, 1]
    assert domain.shown_km(ranked[0][1]) == 1.1


def test_distances_are_shown_to_a_tenth_of_a_km():
    assert domain.shown_km(2.349) == 2.3
    assert domain.shown_km(2.351) == 2.4
