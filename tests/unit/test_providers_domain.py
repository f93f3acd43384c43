"""Provider rules: weekly hours, days off, skills and certificates, status changes, service area."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from eldercare.errors import Conflict, Invalid
from eldercare.providers import domain
from eldercare.providers.domain import Window

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 12, 7)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the week of Monday 7 December 2026 (day 0 = Monday, 7 = next Monday)."""
    return datetime(2026, 12, 7 + day, hour, minute, tzinfo=SHANGHAI)


def keys(error: pytest.ExceptionInfo[Invalid]) -> list[str]:
    return [p.key for p in error.value.problems]


# ----------------------------------------------------------------------------- clock times


@pytest.mark.parametrize(
    "text, minutes",
    [("00:00", 0), ("08:00", 480), ("8:30", 510), ("23:59", 1439), ("１８:００", 1080)],
)
def test_clock_times_read_as_minutes_after_midnight(text, minutes):
    assert domain.parse_clock(text) == minutes


def test_only_an_end_may_be_midnight_at_24_00():
    assert domain.parse_clock("24:00", end=True) == 1440
    with pytest.raises(Invalid):
        domain.parse_clock("24:00")


@pytest.mark.parametrize("text", ["", "8", "08-00", "25:00", "12:60", "24:30", "noon"])
def test_anything_else_is_not_a_time(text):
    with pytest.raises(Invalid) as error:
        domain.parse_clock(text, end=True)
    assert keys(error) == ["weekly"]


# ----------------------------------------------------------------------------- weekly windows


def test_weekly_rows_become_sorted_windows():
    windows = domain.check_weekly(
        [(2, "13:00", "17:00"), (0, "08:00", "12:00"), (2, "08:00", "12:00")]
    )
    assert windows == [Window(0, 480, 720), Window(2, 480, 720), Window(2, 780, 1020)]


def test_windows_that_touch_are_not_an_overlap():
    assert len(domain.check_weekly([(0, "08:00", "12:00"), (0, "12:00", "18:00")])) == 2


def test_overlapping_windows_on_the_same_weekday_are_refused_naming_weekly():
    with pytest.raises(Invalid) as error:
        domain.check_weekly([(3, "08:00", "12:00"), (3, "11:30", "14:00")])
    assert keys(error) == ["weekly"]


def test_the_same_hours_on_different_weekdays_do_not_overlap():
    assert len(domain.check_weekly([(3, "08:00", "12:00"), (4, "08:00", "12:00")])) == 2


@pytest.mark.parametrize("weekday", [-1, 7, 10])
def test_a_weekday_outside_0_to_6_is_refused(weekday):
    with pytest.raises(Invalid) as error:
        domain.check_weekly([(weekday, "08:00", "12:00")])
    assert keys(error) == ["weekly"]


@pytest.mark.parametrize("start, end", [("12:00", "08:00"), ("08:00", "08:00")])
def test_an_end_not_after_the_start_is_refused(start, end):
    with pytest.raises(Invalid):
        domain.check_weekly([(0, start, end)])


def test_every_bad_row_is_reported_at_once():
    with pytest.raises(Invalid) as error:
        domain.check_weekly([(9, "08:00", "12:00"), (0, "18:00", "08:00"), (1, "x", "12:00")])
    assert keys(error) == ["weekly", "weekly", "weekly"]


def test_days_off_are_distinct_sorted_dates():
    assert domain.check_days_off(["2026-12-25", "2026-12-24", "2026-12-25"]) == [
        date(2026, 12, 24),
        date(2026, 12, 25),
    ]


@pytest.mark.parametrize("text", ["2026-02-30", "25/12/2026", "", "2026-1-5"])
def test_a_day_off_that_is_not_a_date_is_refused(text):
    with pytest.raises(Invalid) as error:
        domain.check_days_off([text])
    assert keys(error) == ["days_off"]


# ----------------------------------------------------------------------------- working time

WEEKDAYS_8_TO_18 = [Window(d, 480, 1080) for d in range(6)]


def test_a_visit_inside_a_window_is_working_time():
    assert domain.is_working(WEEKDAYS_8_TO_18, [], at(1, 9), at(1, 10))


def test_a_visit_filling_a_window_exactly_is_working_time():
    assert domain.is_working(WEEKDAYS_8_TO_18, [], at(1, 8), at(1, 18))


@pytest.mark.parametrize(
    "start, end",
    [
        ((1, 7, 30), (1, 8, 30)),
        ((1, 17, 30), (1, 18, 30)),
        ((6, 9, 0), (6, 10, 0)),
        ((1, 6, 0), (1, 7, 0)),
    ],
)
def test_a_visit_reaching_outside_the_windows_is_not(start, end):
    assert not domain.is_working(WEEKDAYS_8_TO_18, [], at(*start), at(*end))


def test_a_gap_between_windows_breaks_a_visit():
    split = [Window(0, 480, 720), Window(0, 780, 1080)]
    assert not domain.is_working(split, [], at(0, 11), at(0, 14))
    assert domain.is_working(split, [], at(0, 13), at(0, 14))


def test_windows_that_touch_join():
    joined = [Window(0, 480, 720), Window(0, 720, 1080)]
    assert domain.is_working(joined, [], at(0, 11), at(0, 13))


def test_windows_that_meet_at_midnight_join():
    night = [Window(0, 1200, 1440), Window(1, 0, 120)]
    assert domain.is_working(night, [], at(0, 23, 30), at(1, 0, 30))
    assert not domain.is_working([Window(0, 1200, 1440)], [], at(0, 23, 30), at(1, 0, 30))
    assert not domain.is_working([Window(1, 0, 120)], [], at(0, 23, 30), at(1, 0, 30))


def test_sunday_night_joins_monday_morning_across_the_week():
    night = [Window(6, 1320, 1440), Window(0, 0, 360)]
    assert domain.is_working(night, [], at(6, 23), at(7, 1))


def test_a_visit_ending_at_midnight_fits_a_window_ending_at_24_00():
    assert domain.is_working([Window(2, 1200, 1440)], [], at(2, 22), at(3, 0))


def test_a_day_off_touched_by_the_visit_makes_it_not_working():
    night = [Window(0, 1200, 1440), Window(1, 0, 120)]
    assert not domain.is_working(WEEKDAYS_8_TO_18, [MONDAY], at(0, 9), at(0, 10))
    assert not domain.is_working(night, [date(2026, 12, 8)], at(0, 23, 30), at(1, 0, 30))
    assert not domain.is_working(night, [MONDAY], at(0, 23, 30), at(1, 0, 30))


def test_a_day_off_after_a_visit_ending_at_midnight_is_not_touched():
    assert domain.is_working([Window(2, 1200, 1440)], [date(2026, 12, 10)], at(2, 22), at(3, 0))


def test_an_empty_or_backwards_visit_is_not_working_time():
    assert not domain.is_working(WEEKDAYS_8_TO_18, [], at(1, 10), at(1, 10))
    assert not domain.is_working(WEEKDAYS_8_TO_18, [], at(1, 11), at(1, 10))


def test_windows_may_be_given_as_plain_tuples():
    assert domain.is_working([(1, 480, 1080)], frozenset(), at(1, 9), at(1, 10))


# ----------------------------------------------------------------------------- skills


@dataclass
class Cert:
    skill: str
    expires_on: date


def test_a_listed_skill_without_a_certificate_matches():
    assert domain.skill_valid(["haircut"], [], "haircut", MONDAY)


def test_an_unlisted_skill_does_not_match_even_with_a_certificate():
    assert not domain.skill_valid(["meals"], [Cert("haircut", date(2030, 1, 1))], "haircut", MONDAY)


def test_an_expired_certificate_for_the_skill_means_no_match():
    assert not domain.skill_valid(
        ["haircut"], [Cert("haircut", date(2026, 12, 6))], "haircut", MONDAY
    )


def test_a_certificate_is_valid_through_its_expiry_day():
    assert domain.skill_valid(["haircut"], [Cert("haircut", MONDAY)], "haircut", MONDAY)


def test_one_valid_certificate_among_expired_ones_is_enough():
    certs = [Cert("haircut", date(2020, 1, 1)), Cert("haircut", date(2027, 1, 1))]
    assert domain.skill_valid(["haircut"], certs, "haircut", MONDAY)


def test_certificates_for_other_skills_do_not_matter():
    assert domain.skill_valid(
        ["haircut", "bathing"], [Cert("bathing", date(2020, 1, 1))], "haircut", MONDAY
    )


def test_skills_are_distinct_lower_case_slugs():
    assert domain.parse_skills([" Haircut", "meals", "haircut", ""]) == ["haircut", "meals"]
    for bad in ([], ["理发"], ["has space"]):
        with pytest.raises(Invalid) as error:
            domain.parse_skills(bad)
        assert keys(error) == ["skills"]


# ----------------------------------------------------------------------------- provider status


@pytest.mark.parametrize(
    "status, action, target",
    [
        ("pending", "approve", "approved"),
        ("pending", "reject", "rejected"),
        ("approved", "suspend", "suspended"),
        ("suspended", "approve", "approved"),
    ],
)
def test_allowed_status_changes(status, action, target):
    assert domain.next_status(status, action) == target


@pytest.mark.parametrize(
    "status, action",
    [
        ("pending", "suspend"),
        ("approved", "approve"),
        ("approved", "reject"),
        ("rejected", "approve"),
        ("rejected", "suspend"),
        ("suspended", "suspend"),
        ("suspended", "reject"),
    ],
)
def test_every_other_status_change_is_a_conflict(status, action):
    with pytest.raises(Conflict):
        domain.next_status(status, action)


def test_rejecting_and_suspending_need_a_reason_approving_does_not():
    assert domain.check_reason("approve", None) == ""
    assert domain.check_reason("suspend", "  投诉  ") == "投诉"
    for action in ("reject", "suspend"):
        with pytest.raises(Invalid) as error:
            domain.check_reason(action, "   ")
        assert keys(error) == ["reason"]


def test_only_an_approved_provider_may_operate():
    assert [s for s in domain.STATUSES if domain.may_operate(s)] == ["approved"]


# ----------------------------------------------------------------------------- service area


@dataclass
class Area:
    lat: float = 30.52
    lon: float = 105.58
    service_radius_km: float = 5.0
    districts: list[str] = field(default_factory=list)


def test_a_point_within_the_radius_is_covered():
    assert domain.covers(Area(), 30.547, 105.58, "510903001001")  # about 3 km


def test_a_point_beyond_the_radius_is_not():
    assert not domain.covers(Area(), 30.7575, 105.7074, "510921100001")  # about 29 km


def test_a_served_district_covers_its_streets_and_communities_at_any_distance():
    area = Area(districts=["510921"])
    assert domain.covers(area, 30.7575, 105.7074, "510921100001")
    assert domain.covers(area, None, None, "510921")
    assert not domain.covers(area, 30.59, 105.23, "510923100001")


def test_a_point_without_coordinates_is_covered_only_by_district():
    assert not domain.covers(Area(), None, None, "510903")


def test_the_containing_region_codes_run_up_to_the_province():
    assert domain.ancestor_codes("510903001001") == [
        "510903001001",
        "510903001",
        "510903",
        "510900",
        "510000",
    ]
    assert domain.ancestor_codes("510900") == ["510900", "510000"]
    assert domain.ancestor_codes("bad") == []


# ----------------------------------------------------------------------------- text fields


def test_licence_numbers_are_upper_cased_without_spaces():
    assert domain.check_license_no(" 91510903 ma6abc12x ") == "91510903MA6ABC12X"
    for bad in ("", "ab", "许可证号"):
        with pytest.raises(Invalid):
            domain.check_license_no(bad)


def test_prices_are_whole_fen_not_negative():
    assert domain.check_price(0) == 0
    for bad in (-1, True):
        with pytest.raises(Invalid):
            domain.check_price(bad)
