"""Account rules: resident ID numbers, ages, phones, passwords, names and regions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eldercare.accounts.domain import (
    PROVINCE_CODES,
    ROLES,
    SELF_SERVICE_ROLES,
    STAFF_ROLES,
    ResidentId,
    age_on,
    check_coordinates,
    check_name,
    check_password,
    check_region_code,
    mask_phone,
    normalize_phone,
    parse_resident_id,
    region_contains,
    region_prefix,
)
from eldercare.errors import Invalid

TODAY = date(2026, 6, 1)
KNOWN_VALID_ID = "11010519491231002X"


def with_check_character(first_17: str) -> str:
    """Complete 17 digits into an ID number, computed here independently of the code."""
    weights = [2 ** (17 - position) % 11 for position in range(17)]
    total = sum(int(digit) * weight for digit, weight in zip(first_17, weights, strict=True))
    return first_17 + "10X98765432"[total % 11]


def make_id(
    province: str = "51", birth: str = "19490101", sequence: str = "123", area: str = "0903"
) -> str:
    return with_check_character(province + area + birth + sequence)


def rejection(raw: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse_resident_id(raw, today=TODAY)
    return caught.value


# --- Resident ID numbers ----------------------------------------------------------------


def test_a_real_format_number_is_accepted() -> None:
    resident = parse_resident_id(KNOWN_VALID_ID, today=TODAY)
    assert resident == ResidentId(
        number=KNOWN_VALID_ID, birth_date=date(1949, 12, 31), gender="female"
    )


def test_the_helper_agrees_with_the_known_valid_number() -> None:
    assert with_check_character(KNOWN_VALID_ID[:17]) == KNOWN_VALID_ID


@pytest.mark.parametrize("province", sorted(PROVINCE_CODES))
def test_numbers_from_every_province_are_accepted(province: str) -> None:
    number = make_id(province=province)
    assert parse_resident_id(number, today=TODAY).number == number


def test_spaces_and_a_lower_case_x_are_tidied() -> None:
    resident = parse_resident_id(" 110105 19491231 002x ", today=TODAY)
    assert resident.number == KNOWN_VALID_ID


def test_full_width_digits_from_a_chinese_keyboard_are_accepted() -> None:
    full_width = KNOWN_VALID_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert parse_resident_id(full_width, today=TODAY).number == KNOWN_VALID_ID


def test_a_wrong_check_digit_is_rejected() -> None:
    wrong = KNOWN_VALID_ID[:17] + "1"
    assert rejection(wrong).problems[0].key == "id_number"


def test_an_old_15_digit_number_is_rejected_with_its_length() -> None:
    error = rejection("110105491231002")
    assert error.problems[0].key == "id_number"
    assert error.problems[0].params == {"length": 15}
    assert "15-digit" in error.problems[0].message


def test_letters_inside_the_number_are_rejected() -> None:
    assert rejection("11010519491231A02X").problems[0].key == "id_number"


def test_an_unknown_province_prefix_is_rejected() -> None:
    error = rejection(make_id(province="99"))
    assert error.problems[0].key == "id_number"
    assert error.problems[0].params == {"prefix": "99"}


def test_an_impossible_birth_date_is_rejected() -> None:
    error = rejection(make_id(birth="19990230"))
    assert error.problems[0].key == "id_number"
    assert error.problems[0].params == {"digits": "19990230"}


def test_a_birth_date_after_today_is_rejected() -> None:
    tomorrow = TODAY + timedelta(days=1)
    assert rejection(make_id(birth=tomorrow.strftime("%Y%m%d"))).problems[0].key == "id_number"


def test_someone_born_today_is_accepted() -> None:
    number = make_id(birth=TODAY.strftime("%Y%m%d"))
    assert parse_resident_id(number, today=TODAY).birth_date == TODAY


def test_a_birth_date_before_1880_is_rejected() -> None:
    assert rejection(make_id(birth="18791231")).problems[0].key == "id_number"


def test_each_kind_of_mistake_gets_its_own_message() -> None:
    mistakes = [
        "110105491231002",  # old 15-digit number
        "11010519491231A02X",  # letters
        make_id(province="99"),
        make_id(birth="19990230"),
        make_id(birth="20991231"),  # in the future
        make_id(birth="18700101"),  # before 1880
        KNOWN_VALID_ID[:17] + "1",  # wrong check character
    ]
    messages = {rejection(number).message for number in mistakes}
    assert len(messages) == len(mistakes)


@pytest.mark.parametrize(
    ("sequence", "gender"), [("001", "male"), ("002", "female"), ("139", "male"), ("998", "female")]
)
def test_the_17th_digit_gives_the_gender(sequence: str, gender: str) -> None:
    assert parse_resident_id(make_id(sequence=sequence), today=TODAY).gender == gender


def test_a_masked_number_shows_only_the_area_and_the_last_four() -> None:
    assert parse_resident_id(KNOWN_VALID_ID, today=TODAY).masked == "110105********002X"


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    area = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    birth = draw(st.dates(min_value=date(1880, 1, 1), max_value=TODAY))
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return make_id(province=province, area=area, birth=birth.strftime("%Y%m%d"), sequence=sequence)


def single_substitutions(number: str) -> list[str]:
    variants = []
    for position, original in enumerate(number):
        alphabet = "0123456789X" if position == len(number) - 1 else "0123456789"
        variants += [
            number[:position] + other + number[position + 1 :]
            for other in alphabet
            if other != original
        ]
    return variants


def adjacent_transpositions(number: str) -> list[str]:
    return [
        number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        for position in range(len(number) - 1)
        if number[position] != number[position + 1]
    ]


@given(valid_ids())
def test_every_single_typo_or_swap_of_a_valid_number_is_rejected(number: str) -> None:
    assert parse_resident_id(number, today=TODAY).number == number
    for variant in single_substitutions(number) + adjacent_transpositions(number):
        with pytest.raises(Invalid) as caught:
            parse_resident_id(variant, today=TODAY)
        assert caught.value.problems[0].key == "id_number"


# --- Ages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2025, 12, 31), 75),
        (date(2026, 1, 1), 76),  # birthday
        (date(2026, 1, 2), 76),
    ],
)
def test_age_goes_up_on_the_birthday(day: date, age: int) -> None:
    assert age_on(date(1950, 1, 1), day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2026, 2, 28), 85),  # no 29 February this year: not yet
        (date(2026, 3, 1), 86),
        (date(2028, 2, 28), 87),
        (date(2028, 2, 29), 88),  # a leap year: the real birthday
    ],
)
def test_someone_born_on_29_february_ages_on_1_march_in_other_years(day: date, age: int) -> None:
    assert age_on(date(1940, 2, 29), day) == age


def test_a_resident_id_tells_the_age() -> None:
    resident = parse_resident_id(make_id(birth="19400229"), today=TODAY)
    assert resident.age_on(date(2026, 2, 28)) == 85
    assert resident.age_on(date(2026, 3, 1)) == 86


# --- Phones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "0086 13800138000",
        "8613800138000",
        "138 0013 8000",
        "138.0013.8000",
        "(+86)13800138000",
        "（+86）１３８００１３８０００",  # full-width, as typed with a Chinese keyboard
    ],
)
def test_a_phone_typed_in_common_ways_is_normalised(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "138001380001",  # 12 digits
        "1380013800",  # 10 digits
        "12800138000",  # no mobile numbers start with 12
        "138OO138000",  # letters O instead of zeros
        "+1 13800138000",
        "",
    ],
)
def test_a_phone_that_is_not_a_mobile_number_is_rejected(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_phone(raw)
    assert caught.value.problems[0].key == "phone"


def test_a_masked_phone_shows_the_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"


# --- Passwords and names ----------------------------------------------------------------


@pytest.mark.parametrize("password", ["tea with granny", "x" * 8, "y" * 128, "Zhang-1948-garden"])
def test_a_reasonable_password_is_accepted(password: str) -> None:
    check_password(password, phone="13800138000")


@pytest.mark.parametrize(
    "password",
    [
        "seven77",  # too short
        "z" * 129,  # too long
        "12345678",
        "PassWord1",  # common, whatever the case
        "woaini1314",
        "88888888",
        "13800138000",  # the phone number
        "+86 138 0013 8000",  # the phone number, typed another way
    ],
)
def test_a_weak_password_is_rejected(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_password(password, phone="13800138000")
    assert caught.value.problems[0].key == "password"


def test_a_phone_like_password_is_fine_when_it_is_not_the_users_phone() -> None:
    check_password("13900139000", phone="13800138000")


def test_a_name_is_returned_without_surrounding_spaces() -> None:
    assert check_name("  王秀英 ") == "王秀英"
    assert check_name("x" * 50) == "x" * 50


@pytest.mark.parametrize("name", ["", "   ", "x" * 51])
def test_an_empty_or_overlong_name_is_rejected_under_the_given_key(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_name(name, key="emergency_contact_name")
    assert caught.value.problems[0].key == "emergency_contact_name"


def test_self_service_and_staff_roles_are_roles() -> None:
    assert set(SELF_SERVICE_ROLES) <= set(ROLES)
    assert set(STAFF_ROLES) <= set(ROLES)


# --- Regions ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["510903", "510903001", "510903001002"])
def test_county_street_and_community_codes_are_accepted(code: str) -> None:
    assert check_region_code(f" {code} ") == code


@pytest.mark.parametrize("code", ["51090", "5109031", "990000", "51O903", ""])
def test_a_malformed_region_code_is_rejected(code: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_region_code(code, key="service_area")
    assert caught.value.problems[0].key == "service_area"


@pytest.mark.parametrize(
    ("scope", "prefix"),
    [
        ("510000", "51"),
        ("510900", "5109"),
        ("510903", "510903"),
        ("500100", "5001"),
        ("510903001", "510903001"),
    ],
)
def test_a_scope_prefix_drops_the_padding_of_six_digit_codes(scope: str, prefix: str) -> None:
    assert region_prefix(scope) == prefix


def test_a_scope_prefix_refuses_anything_but_a_region_code() -> None:
    with pytest.raises(ValueError):
        region_prefix("51%")


@pytest.mark.parametrize(
    ("scope", "code", "contained"),
    [
        ("510900", "510903", True),
        ("510900", "510903001", True),
        ("510903", "510903", True),
        ("510903", "510904", False),
        ("510000", "510921", True),
        ("510000", "520100", False),
        ("510903001", "510903001002", True),
        ("510903001", "510903002001", False),
    ],
)
def test_a_region_scope_covers_the_regions_below_it(scope: str, code: str, contained: bool) -> None:
    assert region_contains(scope, code) is contained


# --- Coordinates ------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(None, None), (30.6, 104.1), (-90, 180), (90, -180)])
def test_coordinates_in_range_or_absent_are_accepted(lat: float | None, lon: float | None) -> None:
    check_coordinates(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "keys"),
    [
        (30.6, None, ["lon"]),
        (None, 104.1, ["lat"]),
        (90.5, 104.1, ["lat"]),
        (30.6, -180.5, ["lon"]),
        (float("nan"), 200, ["lat", "lon"]),
    ],
)
def test_coordinates_out_of_range_or_half_given_are_rejected(
    lat: float | None, lon: float | None, keys: list[str]
) -> None:
    with pytest.raises(Invalid) as caught:
        check_coordinates(lat, lon)
    assert [problem.key for problem in caught.value.problems] == keys
