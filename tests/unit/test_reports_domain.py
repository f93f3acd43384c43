"""Report arithmetic: months of a period, percentiles, processing days, the online share,
age bands and average stars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eldercare.errors import Invalid
from eldercare.reports import domain

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_last_six_months_end_with_this_one_and_cross_the_new_year():
    assert domain.months_back(date(2026, 9, 15), 6) == [
        202604,
        202605,
        202606,
        202607,
        202608,
        202609,
    ]
    assert domain.months_back(date(2027, 2, 1), 3) == [202612, 202701, 202702]
    assert domain.months_back(date(2026, 1, 31), 1) == [202601]


def test_a_period_starts_and_ends_at_local_midnight_on_the_first_of_the_month():
    period = domain.period(date(2026, 9, 15), 2, SHANGHAI)
    assert period.months == (202608, 202609)
    assert period.start == datetime(2026, 7, 31, 16, 0, tzinfo=UTC)  # 1 August 00:00 +08:00
    assert period.month_ends == (
        datetime(2026, 8, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 9, 30, 16, 0, tzinfo=UTC),
    )
    assert period.end == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert (period.first_text, period.last_text) == ("2026-08", "2026-09")


def test_december_is_followed_by_january():
    assert domain.next_month(202612) == 202701
    assert domain.next_month(202603) == 202604


@pytest.mark.parametrize(
    ("given_value", "months"),
    [(None, 6), ("", 6), ("  ", 6), ("3", 3), (12, 12), ("24", 24), ("1", 1)],
)
def test_the_period_is_read_from_the_query_or_defaults_to_six_months(given_value, months):
    assert domain.check_months(given_value) == months


@pytest.mark.parametrize("bad", ["0", "25", "-3", "six", "1.5", 100])
def test_a_period_outside_one_to_twenty_four_months_names_the_field(bad):
    with pytest.raises(Invalid) as caught:
        domain.check_months(bad)
    assert caught.value.problems[0].key == "months"


def test_the_median_of_an_odd_and_an_even_count():
    assert domain.median([10, 2, 4]) == 4
    assert domain.median([2, 4, 10, 44]) == 7


def test_the_90th_percentile_interpolates_between_the_nearest_ranks():
    assert domain.percentile([2, 4, 10], 0.9) == pytest.approx(8.8)
    assert domain.percentile([2, 4, 10, 44], 0.9) == pytest.approx(33.8)
    assert domain.percentile([5], 0.9) == 5
    assert domain.percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_no_values_have_no_percentile():
    assert domain.median([]) is None
    assert domain.percentile([], 0.9) is None


def test_a_share_outside_zero_to_one_is_a_programming_error():
    with pytest.raises(ValueError):
        domain.percentile([1, 2], 1.5)


@given(st.lists(st.integers(0, 400), min_size=1, max_size=50), st.floats(0, 1))
def test_a_percentile_lies_between_the_smallest_and_largest_value(values, share):
    found = domain.percentile(values, share)
    assert min(values) <= found <= max(values)


@given(st.lists(st.integers(0, 400), min_size=1, max_size=50))
def test_the_90th_percentile_is_never_below_the_median(values):
    assert domain.percentile(values, 0.9) >= domain.median(values)


def test_processing_days_count_calendar_days_in_the_local_zone():
    submitted = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 on 1 June in Shanghai
    assert domain.processing_days(submitted, submitted + timedelta(hours=5), SHANGHAI) == 0
    # 23:30 on 1 June UTC is 07:30 on 2 June in Shanghai: the next day there
    assert (
        domain.processing_days(submitted, datetime(2026, 6, 1, 23, 30, tzinfo=UTC), SHANGHAI) == 1
    )
    assert domain.processing_days(submitted, datetime(2026, 6, 5, 2, 0, tzinfo=UTC), SHANGHAI) == 4


def test_the_online_rate_is_an_exact_fraction_and_none_for_nothing():
    assert domain.online_rate(3, 4) == Fraction(3, 4)
    assert domain.online_rate(5, 8) == Fraction(5, 8)
    assert domain.online_rate(0, 3) == 0
    assert domain.online_rate(0, 0) is None


def test_rates_read_as_percentages_with_one_decimal_at_most():
    assert domain.percent_text(Fraction(3, 4)) == "75%"
    assert domain.percent_text(Fraction(5, 8)) == "62.5%"
    assert domain.percent_text(Fraction(2, 3)) == "66.7%"
    assert domain.percent_text(Fraction(1, 1)) == "100%"
    assert domain.percent_text(None) == "–"


def test_only_the_app_and_the_website_count_as_online():
    assert [
        c for c in ("app", "web", "proxy", "discovered", "phone", "counter") if domain.is_online(c)
    ] == [
        "app",
        "web",
    ]


@pytest.mark.parametrize(
    ("age", "band"),
    [(60, 0), (69, 0), (70, 70), (79, 70), (80, 80), (89, 80), (90, 90), (100, 100), (107, 100)],
)
def test_ages_fall_in_ten_year_bands_from_70(age, band):
    assert domain.age_band(age) == band


def test_the_sql_banding_names_the_same_bands_from_the_top():
    assert domain.age_band_sql("age") == (
        "CASE WHEN age >= 100 THEN 100 WHEN age >= 90 THEN 90 WHEN age >= 80 THEN 80 "
        "WHEN age >= 70 THEN 70 ELSE 0 END"
    )


def test_average_stars_are_exact_and_shown_with_one_decimal():
    assert domain.average_stars(9, 2) == Fraction(9, 2)
    assert domain.one_decimal(domain.average_stars(13, 3)) == "4.3"
    assert domain.one_decimal(domain.average_stars(10, 2)) == "5"
    assert domain.average_stars(0, 0) is None
    assert domain.one_decimal(None) == "–"


def test_an_elder_needs_a_care_alert_after_30_days_without_a_completed_visit():
    now = datetime(2026, 9, 15, 2, 0, tzinfo=UTC)
    assert domain.needs_care_alert(None, now)
    assert domain.needs_care_alert(now - timedelta(days=30, seconds=1), now)
    assert not domain.needs_care_alert(now - timedelta(days=30), now)
    assert not domain.needs_care_alert(now - timedelta(days=2), now)


# --------------------------------------------------------------------------- the charts


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_chart_colour_and_its_text_stand_out_on_white_by_at_least_4_5_to_1():
    from eldercare.reports import charts

    for colour in (*charts.PALETTE, "#1a1a1a", "#454545"):
        assert _contrast(colour, "#ffffff") >= 4.5, colour


def _dashboard():
    from eldercare.reports import service

    period = domain.period(date(2026, 9, 15), 3, SHANGHAI)
    haircut = service.Named("home-haircut", "上门理发", "Haircut at home")
    return service.Dashboard(
        region=service.Named("510903", "船山区", "Chuanshan District"),
        period=period,
        by_status=[service.Counted(k, label, 1) for k, label in domain.APPLICATION_STATUSES],
        by_age=[service.Counted(str(low), label, 2) for low, label in domain.AGE_BANDS],
        processing=service.Processing(3, 4, 8.8, 1),
        online=[
            service.OnlineShare("applications", 3, 4),
            service.OnlineShare("bookings", 1, 2),
            service.OnlineShare("all", 4, 6),
        ],
        visits_by_service=service.MonthSeries(period.months, [(haircut, [0, 1, 2])]),
        visits_by_district=service.MonthSeries(period.months, []),
        providers=[service.ProviderRow(1, "康乐<居家>养老服务中心", 2, 0, 2, 9, 1)],
        care_alerts=[],
    )


def test_charts_are_svg_images_with_a_text_alternative_and_no_script():
    from eldercare.reports import charts

    drawn = charts.charts(_dashboard(), "zh_CN")
    assert [c.name for c in drawn] == list(charts.CHARTS)
    for chart in drawn:
        svg = str(chart.svg)
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert 'role="img"' in svg and f'aria-label="{chart.title}. ' in svg
        assert "<script" not in svg and "<!--" not in svg and "<?xml" not in svg
        assert "http://pygal" not in svg  # nothing that points away from the site
    providers = str(drawn[-1].svg)
    assert "康乐&lt;居家&gt;" in providers and "<居家>" not in providers  # names are escaped


def test_chart_words_follow_the_readers_language():
    from eldercare.reports import charts

    zh = {c.name: c for c in charts.charts(_dashboard(), "zh_CN")}
    en = {c.name: c for c in charts.charts(_dashboard(), "en")}
    assert zh["online"].title == "网上办理（网办率）"
    assert en["online"].summary.startswith("Allowance applications: 75% made online (3 of 4)")
    assert "补贴申请：75% 网上办理（4 件中 3 件）" in zh["online"].summary
    assert en["visits-service"].table.headers == [
        "Service",
        "2026-07",
        "2026-08",
        "2026-09",
        "Total",
    ]
    assert en["visits-service"].table.rows == [["Haircut at home", 0, 1, 2, 3]]
    assert "Nothing in this period" in str(en["visits-district"].svg)


def test_a_downloaded_table_is_utf8_with_a_bom():
    from eldercare.reports import charts

    text = charts.csv_text(charts.table("applications-age", _dashboard(), "zh_CN"))
    assert text.startswith("\ufeff年龄,申请数\r\n70 岁以下,2\r\n")
