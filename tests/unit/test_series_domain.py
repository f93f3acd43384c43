"""Recurring visits as pure rules: which rules are supported, building them from plain choices,
expansion in local wall-clock time, holidays, EXDATEs, splitting, states and plain words."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eldercare.booking import series_domain as sd
from eldercare.booking import series_words as sw
from eldercare.errors import Conflict, Invalid
from eldercare.web.i18n import translator

SHANGHAI = "Asia/Shanghai"
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Saturday
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args)


def shanghai(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(SHANGHAI))


def dates(moments: list[datetime], zone: str = SHANGHAI) -> list[str]:
    return [m.astimezone(ZoneInfo(zone)).date().isoformat() for m in moments]


def expand(rule: str, start: datetime, *, until: datetime = FAR, **kwargs) -> list[datetime]:
    return sd.occurrences(rule, start, kwargs.pop("zone", SHANGHAI), NOW, until, **kwargs)


# --------------------------------------------------------------------------- supported rules


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3;COUNT=5",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;UNTIL=20270301T235959",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=MONTHLY;BYDAY=1MO",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "freq=weekly;byday=tu",
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=WEEKLY;UNTIL=20270101Z".replace("Z", ""),
    ],
)
def test_the_supported_rules_are_accepted(rule):
    assert sd.parse(rule).freq in (sd.DAILY, sd.WEEKLY, sd.MONTHLY)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=SECONDLY",
        "FREQ=YEARLY",
        "FREQ=MINUTELY",
        "FREQ=WEEKLY;BYHOUR=9",
        "FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO",
        "FREQ=DAILY;BYMINUTE=5",
        "FREQ=MONTHLY;BYMONTH=3",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=-1",
        "FREQ=DAILY;INTERVAL=x",
        "BYDAY=MO",
        "",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=MONTHLY;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=5MO",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=MONTHLY;BYMONTHDAY=-2",
        "FREQ=WEEKLY;BYMONTHDAY=3",
        "FREQ=DAILY;COUNT=3;UNTIL=20270101",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;UNTIL=tomorrow",
        "FREQ=DAILY;FREQ=WEEKLY",
        "FREQ=DAILY;INTERVAL=2;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=1",
        "FREQ=WEEKLY;BYDAY=MO,MO",
        "FREQ=DAILY;;",
        "FREQ=MONTHLY;INTERVAL=13",
    ],
)
def test_rules_outside_the_supported_set_are_refused_on_the_rrule_field(rule):
    with pytest.raises(Invalid) as error:
        sd.parse(rule)
    assert error.value.problems[0].key == "rrule"


def test_an_interval_of_zero_is_refused_with_a_message_about_the_interval():
    with pytest.raises(Invalid) as error:
        sd.parse("FREQ=WEEKLY;INTERVAL=0;BYDAY=MO")
    assert "interval" in error.value.message


def test_a_stored_rule_is_written_in_one_canonical_form():
    rule = sd.parse("RRULE:byday=fr,mo;freq=weekly;interval=2;count=4")
    assert rule.text() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO;COUNT=4"
    assert sd.parse(rule.text()) == rule


# --------------------------------------------------------------------------- plain choices


@pytest.mark.parametrize(
    ("choice", "rule"),
    [
        ({"kind": "daily"}, "FREQ=DAILY"),
        ({"kind": "daily", "interval": 2}, "FREQ=DAILY;INTERVAL=2"),
        ({"kind": "weekdays"}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ({"kind": "weekly", "days": [3, 1]}, "FREQ=WEEKLY;BYDAY=TU,TH"),
        ({"kind": "every_other_week", "days": [5]}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"),
        (
            {"kind": "monthly_day", "month_day": 15, "count": 6},
            "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6",
        ),
        ({"kind": "monthly_weekday", "days": [0], "nth": 1}, "FREQ=MONTHLY;BYDAY=1MO"),
        ({"kind": "monthly_weekday", "days": [4], "nth": -1}, "FREQ=MONTHLY;BYDAY=-1FR"),
        (
            {"kind": "weekdays", "until": date(2027, 1, 31)},
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270131T235959",
        ),
    ],
)
def test_plain_choices_become_rules(choice, rule):
    assert sw.plain_rule(**choice) == rule


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"kind": "hourly"}, "kind"),
        ({"kind": "weekly", "days": []}, "days"),
        ({"kind": "weekly", "days": [7]}, "days"),
        ({"kind": "daily", "interval": 0}, "interval"),
        ({"kind": "monthly_day"}, "month_day"),
        ({"kind": "monthly_day", "month_day": 0}, "month_day"),
        ({"kind": "monthly_weekday", "days": [0], "nth": 5}, "nth"),
        ({"kind": "daily", "count": 0}, "count"),
        ({"kind": "daily", "count": 3, "until": date(2027, 1, 1)}, "count"),
    ],
)
def test_impossible_plain_choices_name_the_choice_to_correct(choice, field):
    with pytest.raises(Invalid) as error:
        sw.plain_rule(**choice)
    assert error.value.problems[0].key == field


# --------------------------------------------------------------------------- expansion


def test_every_weekday_skips_the_weekend_and_keeps_the_local_time():
    found = expand(
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        local(2026, 11, 30, 11, 30),
        until=datetime(2026, 12, 7, tzinfo=UTC),
    )
    assert dates(found) == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert {shanghai(m).strftime("%H:%M") for m in found} == {"11:30"}
    assert found[0] == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)


def test_every_other_saturday_counts_weeks_from_the_first_visit():
    found = expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;COUNT=3", local(2026, 12, 5, 9, 0))
    assert dates(found) == ["2026-12-05", "2026-12-19", "2027-01-02"]


def test_day_31_every_month_skips_the_months_without_one():
    found = expand("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4", local(2027, 1, 31, 9, 0))
    assert dates(found) == ["2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31"]


def test_the_last_day_of_the_month_follows_the_month_length_including_29_february():
    found = expand("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", local(2028, 1, 10, 9, 0))
    assert dates(found) == ["2028-01-31", "2028-02-29", "2028-03-31"]


def test_29_february_comes_only_in_leap_years():
    found = expand(
        "FREQ=MONTHLY;BYMONTHDAY=29",
        local(2027, 1, 29, 9, 0),
        until=datetime(2028, 4, 1, tzinfo=UTC),
    )
    assert "2027-02-28" not in dates(found) and "2028-02-29" in dates(found)
    assert len(found) == 14  # Jan 2027 … Mar 2028 without February 2027


def test_a_rule_that_never_meets_its_day_gives_nothing_instead_of_searching_forever():
    assert expand("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31", local(2027, 4, 1, 9, 0)) == []
    with pytest.raises(Invalid):
        sd.check("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31", local(2027, 4, 1, 9, 0), SHANGHAI, NOW)


def test_the_first_monday_and_the_last_friday_of_each_month():
    assert dates(expand("FREQ=MONTHLY;BYDAY=1MO;COUNT=3", local(2026, 12, 1, 9, 0))) == [
        "2026-12-07",
        "2027-01-04",
        "2027-02-01",
    ]
    assert dates(expand("FREQ=MONTHLY;BYDAY=-1FR;COUNT=2", local(2026, 12, 1, 9, 0))) == [
        "2026-12-25",
        "2027-01-29",
    ]


def test_exdates_are_left_out_and_still_count_towards_count():
    found = expand("FREQ=DAILY;COUNT=4", local(2026, 12, 1, 9, 0), exdates={date(2026, 12, 2)})
    assert dates(found) == ["2026-12-01", "2026-12-03", "2026-12-04"]


def test_until_given_as_a_date_includes_that_whole_day():
    found = expand("FREQ=DAILY;UNTIL=20261203", local(2026, 12, 1, 21, 0))
    assert dates(found) == ["2026-12-01", "2026-12-02", "2026-12-03"]


def test_until_in_utc_is_read_in_the_elders_zone():
    # 2026-12-03T02:00Z is 10:00 on 3 December in Shanghai: the 09:00 visit that day is in.
    found = expand("FREQ=DAILY;UNTIL=20261203T020000Z", local(2026, 12, 1, 9, 0))
    assert dates(found) == ["2026-12-01", "2026-12-02", "2026-12-03"]


def test_only_the_asked_window_is_returned_and_the_end_is_exclusive():
    start = local(2026, 12, 1, 9, 0)
    window_end = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 on 3 December in Shanghai
    found = sd.occurrences(
        "FREQ=DAILY", start, SHANGHAI, datetime(2026, 12, 2, tzinfo=UTC), window_end
    )
    assert dates(found) == ["2026-12-02"]


def test_wall_clock_time_stays_fixed_across_daylight_saving_in_berlin():
    found = expand("FREQ=WEEKLY;BYDAY=SU;COUNT=3", local(2027, 3, 21, 9, 0), zone="Europe/Berlin")
    berlin = [m.astimezone(ZoneInfo("Europe/Berlin")) for m in found]
    assert [b.strftime("%Y-%m-%d %H:%M") for b in berlin] == [
        "2027-03-21 09:00",
        "2027-03-28 09:00",
        "2027-04-04 09:00",
    ]
    assert [m.hour for m in found] == [8, 7, 7]  # UTC moves, the wall clock does not


def test_a_time_missing_on_the_spring_forward_day_moves_forward_by_the_gap():
    [moment] = expand("FREQ=DAILY;COUNT=1", local(2027, 3, 28, 2, 30), zone="Europe/Berlin")
    assert moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:30"


# --------------------------------------------------------------------------- holidays


def test_national_day_is_a_statutory_holiday_but_an_ordinary_saturday_is_not():
    assert sd.is_statutory_holiday(date(2026, 10, 1))
    assert sd.is_statutory_holiday(date(2026, 10, 3))  # a Saturday inside the National Day break
    assert not sd.is_statutory_holiday(date(2026, 11, 7))  # an ordinary Saturday


def test_a_make_up_working_saturday_is_a_working_day():
    assert date(2026, 10, 10).weekday() == 5
    assert not sd.is_statutory_holiday(date(2026, 10, 10))


def test_years_the_calendar_does_not_know_count_as_no_holiday():
    assert not sd.is_statutory_holiday(date(2031, 10, 1))


def test_skipping_holidays_drops_national_day_and_keeps_the_make_up_saturday():
    now = datetime(2026, 9, 1, tzinfo=UTC)
    rule = "FREQ=DAILY;UNTIL=20261011"
    every = sd.occurrences(rule, local(2026, 9, 29, 9, 0), SHANGHAI, now, FAR)
    kept = sd.occurrences(rule, local(2026, 9, 29, 9, 0), SHANGHAI, now, FAR, skip_holidays=True)
    assert len(every) == 13
    assert dates(kept) == [
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-11",
    ]


# --------------------------------------------------------------------------- a year ahead


def test_an_open_ended_rule_is_accepted():
    assert sd.check("FREQ=WEEKLY;BYDAY=MO", local(2026, 12, 1, 9, 0), SHANGHAI, NOW).open_ended


def test_an_end_more_than_a_year_ahead_is_refused():
    for rule in (
        "FREQ=DAILY;COUNT=400",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20280101",
        "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=14",
    ):
        with pytest.raises(Invalid) as error:
            sd.check(rule, local(2026, 12, 1, 9, 0), SHANGHAI, NOW)
        assert error.value.problems[0].key == "rrule"


def test_an_end_within_a_year_is_accepted():
    sd.check("FREQ=DAILY;COUNT=360", local(2026, 12, 1, 9, 0), SHANGHAI, NOW)
    sd.check("FREQ=WEEKLY;BYDAY=MO;UNTIL=20271101", local(2026, 12, 1, 9, 0), SHANGHAI, NOW)


def test_a_rule_that_ends_before_it_starts_is_refused():
    with pytest.raises(Invalid):
        sd.check("FREQ=DAILY;UNTIL=20261130", local(2026, 12, 1, 9, 0), SHANGHAI, NOW)


def test_the_last_time_of_a_bounded_rule():
    assert sd.last_time("FREQ=DAILY;COUNT=3", local(2026, 12, 1, 9, 0), SHANGHAI) == local(
        2026, 12, 3, 9, 0
    )
    assert sd.last_time("FREQ=DAILY", local(2026, 12, 1, 9, 0), SHANGHAI) is None


# --------------------------------------------------------------------------- splitting


def test_splitting_ends_the_old_rule_the_day_before_and_shares_out_count():
    old, new = sd.split(
        "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6", local(2026, 11, 30, 9, 0), SHANGHAI, date(2026, 12, 7)
    )
    assert old == "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261206T235959"
    assert new == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4"
    before = expand(old, local(2026, 11, 30, 9, 0))
    after = expand(new, local(2026, 12, 7, 10, 0))
    assert len(before) + len(after) == 6
    assert dates(before) == ["2026-11-30", "2026-12-03"]


def test_splitting_at_the_first_visit_leaves_nothing_of_the_old_rule():
    old, new = sd.split("FREQ=DAILY", local(2026, 12, 1, 9, 0), SHANGHAI, date(2026, 12, 1))
    assert old is None and new == "FREQ=DAILY"


def test_splitting_writes_out_the_day_a_rule_took_from_its_start():
    _, new = sd.split(
        "FREQ=WEEKLY;INTERVAL=2", local(2026, 12, 5, 9, 0), SHANGHAI, date(2026, 12, 19)
    )
    assert new == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"
    assert dates(
        expand(new, local(2026, 12, 19, 9, 0), until=datetime(2027, 1, 10, tzinfo=UTC))
    ) == ["2026-12-19", "2027-01-02"]


def test_splitting_after_the_last_counted_visit_is_refused_on_the_date():
    with pytest.raises(Invalid) as error:
        sd.split("FREQ=DAILY;COUNT=2", local(2026, 12, 1, 9, 0), SHANGHAI, date(2026, 12, 5))
    assert error.value.problems[0].key == "date"


# --------------------------------------------------------------------------- states


def test_pausing_resuming_and_cancelling_follow_the_series_states():
    assert sd.transition("pause", sd.ACTIVE) == sd.PAUSED
    assert sd.transition("resume", sd.PAUSED) == sd.ACTIVE
    assert sd.transition("cancel", sd.PAUSED) == sd.CANCELLED
    assert sd.transition("skip", sd.PAUSED) == sd.PAUSED


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("pause", sd.CANCELLED),
        ("pause", sd.PAUSED),
        ("resume", sd.ACTIVE),
        ("cancel", sd.CANCELLED),
        ("skip", sd.CANCELLED),
        ("change", sd.PAUSED),
        ("resume", sd.ENDED),
    ],
)
def test_illegal_series_transitions_are_conflicts(action, status):
    with pytest.raises(Conflict):
        sd.transition(action, status)


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("rule", "start", "en", "zh"),
    [
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            local(2026, 12, 1, 11, 30),
            "every weekday at 11:30",
            "每个工作日 11:30",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
            local(2026, 12, 5, 9, 0),
            "every other Saturday at 09:00",
            "每隔一周的星期六 09:00",
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU,TH,SA",
            local(2026, 12, 1, 9, 0),
            "every Tuesday, Thursday and Saturday at 09:00",
            "每星期二、星期四、星期六 09:00",
        ),
        ("FREQ=DAILY", local(2026, 12, 1, 8, 0), "every day at 08:00", "每天 08:00"),
        (
            "FREQ=DAILY;INTERVAL=3;COUNT=5",
            local(2026, 12, 1, 8, 0),
            "every 3 days at 08:00, 5 visits in all",
            "每 3 天 08:00，共 5 次",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20270630T235959",
            local(2026, 12, 15, 14, 0),
            "on day 15 of every month at 14:00, until 2027-06-30",
            "每月 15 日 14:00，至 2027-06-30",
        ),
        (
            "FREQ=MONTHLY;BYDAY=1MO",
            local(2026, 12, 1, 9, 0),
            "on the first Monday of every month at 09:00",
            "每月第一个星期一 09:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            local(2026, 12, 1, 9, 0),
            "on the last day of every month at 09:00",
            "每月最后一天 09:00",
        ),
        ("FREQ=WEEKLY", local(2026, 12, 2, 9, 0), "every Wednesday at 09:00", "每星期三 09:00"),
    ],
)
def test_a_rule_is_described_in_plain_words_in_both_languages(rule, start, en, zh):
    assert sw.describe(rule, start, SHANGHAI, translator("en")) == en
    assert sw.describe(rule, start, SHANGHAI, translator("zh_CN")) == zh


def test_exdates_round_trip_through_their_stored_text():
    days = {date(2026, 12, 3), date(2026, 12, 1)}
    assert sd.format_exdates(days) == "2026-12-01,2026-12-03"
    assert sd.parse_exdates(sd.format_exdates(days)) == days
    assert sd.parse_exdates("") == set()


def test_now_is_only_used_for_the_year_limit():
    later = NOW + timedelta(days=300)
    sd.check("FREQ=DAILY;COUNT=360", local(2026, 12, 1, 9, 0), SHANGHAI, later)


@given(
    freq=st.sampled_from(["DAILY", "WEEKLY"]),
    interval=st.integers(1, 4),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3),
    until_days=st.one_of(st.none(), st.integers(0, 800)),
    start_days=st.integers(0, 900),
    start_minute=st.integers(0, 1439),
    behind=st.integers(-30, 900),
    hours=st.integers(1, 24 * 20),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
)
def test_a_window_long_after_the_start_gives_what_walking_from_the_start_gives(
    freq, interval, days, until_days, start_days, start_minute, behind, hours, zone
):
    """``occurrences`` starts a daily or weekly rule without COUNT near the window, not at its
    first visit years back: the same times as walking every one from the first."""
    dtstart = datetime(2025, 1, 1) + timedelta(days=start_days, minutes=start_minute)
    rule = f"FREQ={freq};INTERVAL={interval}"
    if days and freq == "WEEKLY":
        rule += ";BYDAY=" + ",".join(sorted(days))
    if until_days is not None:
        rule += ";UNTIL=" + (dtstart + timedelta(days=until_days)).strftime("%Y%m%dT%H%M%S")
    start = dtstart.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) + timedelta(days=behind)
    end = start + timedelta(hours=hours)
    bound = dtstart + timedelta(days=behind + hours // 24 + 3)
    every = itertools.takewhile(
        lambda local: local < bound, sd.local_times(sd.parse(rule), dtstart, ZoneInfo(zone))
    )
    walked = [m for m in (sd.attach(local, ZoneInfo(zone)) for local in every) if start <= m < end]
    assert sd.occurrences(rule, dtstart, zone, start, end) == walked


def test_a_series_two_years_old_walks_only_the_weeks_near_the_window():
    calls = []
    real = sd._du_rule

    def counted(rule, dtstart_local, zone):
        calls.append(dtstart_local)
        return real(rule, dtstart_local, zone)

    start = datetime(2027, 11, 29, tzinfo=UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sd, "_du_rule", counted)
        found = sd.occurrences(
            "FREQ=WEEKLY;BYDAY=MO",
            datetime(2025, 12, 1, 9),
            "Asia/Shanghai",
            start,
            start + timedelta(days=14),
        )
    assert [m.astimezone(ZoneInfo("Asia/Shanghai")).day for m in found] == [29, 6]
    assert calls and calls[0] > datetime(2027, 11, 20)  # started near the window


@given(
    freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
    start_days=st.integers(0, 700),
    start_minute=st.integers(0, 1439),
    behind_minutes=st.integers(-60 * 24 * 3, 60 * 24 * 400),
    minutes=st.integers(1, 60 * 50),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
)
def test_a_short_window_without_the_rules_time_of_day_is_answered_without_walking_the_rule(
    freq, start_days, start_minute, behind_minutes, minutes, zone
):
    """The hourly sweep's question for most series: windows of minutes to two days, across
    daylight saving, give what walking the rule gives; and without the rule's time of day in
    them, dateutil is not asked at all."""
    dtstart = datetime(2025, 1, 1) + timedelta(days=start_days, minutes=start_minute)
    rule = f"FREQ={freq}"
    start = dtstart.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    start += timedelta(minutes=behind_minutes)
    end = start + timedelta(minutes=minutes)
    every = itertools.takewhile(
        lambda local: local < dtstart + timedelta(minutes=behind_minutes + minutes + 2 * 1440),
        sd.local_times(sd.parse(rule), dtstart, ZoneInfo(zone)),
    )
    walked = [m for m in (sd.attach(local, ZoneInfo(zone)) for local in every) if start <= m < end]
    calls = []
    real = sd._du_rule

    def counted(*args):
        calls.append(args)
        return real(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sd, "_du_rule", counted)
        assert sd.occurrences(rule, dtstart, zone, start, end) == walked
    if zone == "Asia/Shanghai" and minutes < 24 * 60:  # no daylight saving: clocks are plain
        clocks = {
            (start + timedelta(minutes=m)).astimezone(ZoneInfo(SHANGHAI)).time()
            for m in range(minutes)
        }
        assert bool(calls) == (dtstart.time() in clocks)
