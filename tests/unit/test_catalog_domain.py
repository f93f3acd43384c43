"""Menu rules: cap inheritance along the region chain, and what menu data is acceptable."""

from __future__ import annotations

import pytest

from eldercare.catalog import domain
from eldercare.catalog.domain import Entry, ItemInfo
from eldercare.errors import Invalid

PROVINCE, CITY, DISTRICT, STREET = "510000", "510900", "510921", "510921100"
CHAIN = [STREET, DISTRICT, CITY, PROVINCE]


def item(code: str = "lunch-delivery", price_fen: int = 1200, active: bool = True) -> ItemInfo:
    return ItemInfo(
        code=code,
        category_code="meals",
        name_zh="助餐送餐",
        name_en="Lunch delivery",
        unit="meal",
        duration_minutes=30,
        price_fen=price_fen,
        subsidy_eligible=True,
        skill="meals",
        active=active,
    )


def entry(
    region: str, offered: bool = True, cap: int | None = None, code: str = "lunch-delivery"
) -> Entry:
    return Entry(region_code=region, item_code=code, offered=offered, price_cap_fen=cap)


def problem_keys(error: pytest.ExceptionInfo[Invalid]) -> set[str]:
    return {p.key for p in error.value.problems}


# --- inheritance ------------------------------------------------------------------------------


def test_with_no_entry_anywhere_an_item_is_offered_at_its_guide_price():
    assert domain.price_cap(item(), [], CHAIN) == 1200
    decided = domain.decide(item(), [], CHAIN)
    assert decided.offered and decided.decided_by is None


def test_a_regions_own_entry_beats_its_parents():
    entries = [entry(CITY, cap=1000), entry(DISTRICT, cap=800)]
    assert domain.price_cap(item(), entries, [DISTRICT, CITY, PROVINCE]) == 800
    assert domain.decide(item(), entries, [DISTRICT, CITY, PROVINCE]).decided_by == DISTRICT


def test_a_parents_entry_beats_the_guide_price():
    assert domain.price_cap(item(), [entry(CITY, cap=1000)], CHAIN) == 1000


def test_the_nearest_parent_decides_for_a_street_without_entries():
    entries = [entry(PROVINCE, cap=1500), entry(CITY, cap=1000)]
    assert domain.price_cap(item(), entries, CHAIN) == 1000


def test_an_entry_without_a_cap_offers_the_item_at_its_guide_price():
    entries = [entry(CITY, cap=900), entry(DISTRICT, cap=None)]
    assert domain.price_cap(item(), entries, [DISTRICT, CITY]) == 1200


def test_an_item_not_offered_at_city_level_can_be_offered_by_a_district_override():
    entries = [entry(CITY, offered=False), entry(DISTRICT, offered=True, cap=1100)]
    assert domain.price_cap(item(), entries, [DISTRICT, CITY]) == 1100
    assert domain.price_cap(item(), entries, ["510903", CITY]) is None


def test_a_district_can_withdraw_an_item_its_city_offers():
    entries = [entry(CITY, cap=1000), entry(DISTRICT, offered=False)]
    assert domain.price_cap(item(), entries, [DISTRICT, CITY]) is None


def test_entries_of_regions_outside_the_chain_are_ignored():
    assert domain.price_cap(item(), [entry("510904", offered=False)], CHAIN) == 1200


def test_an_inactive_item_is_hidden_from_the_menu_and_has_no_cap():
    items = [item(), item("haircut-basic", active=False)]
    menu = domain.effective_menu(items, [], CHAIN)
    assert [e.item.code for e in menu] == ["lunch-delivery"]
    assert domain.price_cap(item(active=False), [], CHAIN) is None


def test_the_effective_menu_keeps_not_offered_items_marked_as_such():
    items = [item(), item("bath-assist", price_fen=7000)]
    menu = domain.effective_menu(items, [entry(CITY, offered=False, code="bath-assist")], CHAIN)
    assert {(e.item.code, e.offered) for e in menu} == {
        ("lunch-delivery", True),
        ("bath-assist", False),
    }


def test_the_region_chain_follows_parents_up_to_the_top():
    parents = {STREET: DISTRICT, DISTRICT: CITY, CITY: PROVINCE, PROVINCE: None}
    assert domain.region_chain(STREET, parents) == CHAIN


def test_the_region_chain_stops_at_a_cycle_in_bad_data():
    assert domain.region_chain("a", {"a": "b", "b": "a"}) == ["a", "b"]


def test_an_entry_that_repeats_what_is_inherited_is_redundant():
    inherited = domain.decide(item(), [entry(CITY, cap=1000)], [CITY])
    assert domain.redundant(entry(DISTRICT, offered=True), inherited)
    assert not domain.redundant(entry(DISTRICT, offered=True, cap=1000), inherited)
    assert not domain.redundant(entry(DISTRICT, offered=False), inherited)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["lunch-delivery", "ab", "a" * 48, "haircut-2"])
def test_codes_are_lower_case_slugs(code):
    assert domain.check_code(code) == code


@pytest.mark.parametrize(
    "code", ["a", "a" * 49, "Lunch", "2haircut", "-x", "lunch_delivery", "午餐"]
)
def test_a_code_that_is_not_a_slug_is_refused(code):
    with pytest.raises(Invalid):
        domain.check_code(code)


@pytest.mark.parametrize("fen", [1, 2800, 1_000_000])
def test_prices_from_one_fen_to_ten_thousand_yuan_are_accepted(fen):
    assert domain.check_price(fen) == fen


@pytest.mark.parametrize("fen", [0, -100, 1_000_001, 10**12])
def test_a_zero_negative_or_absurd_price_is_refused(fen):
    with pytest.raises(Invalid) as error:
        domain.check_price(fen)
    assert problem_keys(error) == {"price_fen"}


@pytest.mark.parametrize("fen", [0, -1, 1_000_001])
def test_a_cap_must_be_positive_and_sensible(fen):
    with pytest.raises(Invalid):
        domain.check_cap(fen)


@pytest.mark.parametrize("minutes,ok", [(4, False), (5, True), (720, True), (721, False)])
def test_durations_run_from_five_minutes_to_twelve_hours(minutes, ok):
    if ok:
        assert domain.check_duration(minutes) == minutes
    else:
        with pytest.raises(Invalid):
            domain.check_duration(minutes)


def test_units_outside_the_set_are_refused():
    assert domain.check_unit("hour") == "hour"
    with pytest.raises(Invalid):
        domain.check_unit("day")


def test_names_are_trimmed_and_one_to_sixty_characters():
    assert domain.check_name("  理发  ") == "理发"
    for bad in ("", "   ", "字" * 61):
        with pytest.raises(Invalid):
            domain.check_name(bad)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(Invalid) as error:
        domain.clean_fields(
            {"code": "X", "name_zh": "", "unit": "day", "duration_minutes": 1, "price_fen": 0},
            {"name_zh": "name"},
        )
    assert problem_keys(error) == {"code", "name", "unit", "duration_minutes", "price_fen"}


def test_publishing_unknown_items_duplicates_or_bad_caps_names_each_entry():
    entries = [
        entry(CITY),
        entry(CITY, code="no-such-item"),
        entry(CITY),
        entry(CITY, cap=0, code="bath-assist"),
    ]
    with pytest.raises(Invalid) as error:
        domain.check_entries(entries, ["lunch-delivery", "bath-assist"])
    assert problem_keys(error) == {
        "entries[1].item_code",
        "entries[2].item_code",
        "entries[3].price_cap_fen",
    }


@pytest.mark.parametrize(
    "text,fen", [("28", 2800), ("28.5", 2850), ("¥28.50", 2850), ("1,000", 100000), (" 0.05 ", 5)]
)
def test_prices_typed_in_yuan_become_fen(text, fen):
    assert domain.parse_yuan(text, "price") == fen


@pytest.mark.parametrize("text", ["", "abc", "28.505", "-3", "1e3"])
def test_a_price_that_is_not_an_amount_of_yuan_is_refused(text):
    with pytest.raises(Invalid):
        domain.parse_yuan(text, "price")


def test_fen_show_as_plain_yuan_in_a_price_field():
    assert domain.yuan_text(2805) == "28.05"
    assert domain.yuan_text(None) == ""
