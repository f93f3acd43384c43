"""Pure subsidy rules: bands, birthdays, months, the review trail, back pay and vouchers."""

from __future__ import annotations

from datetime import date

import pytest

from eldercare.errors import Conflict, Forbidden, Invalid
from eldercare.subsidies import domain
from eldercare.subsidies.domain import Applicant, Band, Conditions

BANDS = [Band(80, 89, 10000), Band(90, 99, 20000), Band(100, None, 50000)]


def keys(error: Invalid) -> list[str]:
    return [problem.key for problem in error.problems]


# --------------------------------------------------------------------------- bands


def test_bands_that_follow_each_other_are_accepted_in_age_order():
    assert domain.check_bands(list(reversed(BANDS))) == BANDS


def test_overlapping_bands_are_refused_at_the_second_band():
    with pytest.raises(Invalid) as caught:
        domain.check_bands([Band(80, 90, 100), Band(90, None, 200)])
    assert keys(caught.value) == ["bands[1].min_age"]


def test_a_gap_between_bands_is_refused():
    with pytest.raises(Invalid) as caught:
        domain.check_bands([Band(80, 88, 100), Band(90, None, 200)])
    assert keys(caught.value) == ["bands[1].min_age"]
    assert caught.value.problems[0].params == {"start": 89, "end": 89}


def test_negative_or_zero_amounts_are_refused():
    with pytest.raises(Invalid) as caught:
        domain.check_bands([Band(80, 89, -100), Band(90, None, 0)])
    assert keys(caught.value) == ["bands[0].amount_fen", "bands[1].amount_fen"]


def test_only_the_last_band_may_be_open_ended():
    with pytest.raises(Invalid) as caught:
        domain.check_bands([Band(80, None, 100), Band(90, None, 200)])
    assert "bands[0].max_age" in keys(caught.value)


def test_no_bands_at_all_is_refused():
    with pytest.raises(Invalid):
        domain.check_bands([])


def test_the_band_of_an_age():
    assert domain.band_for(BANDS, 79) is None
    assert domain.band_for(BANDS, 80).amount_fen == 10000
    assert domain.band_for(BANDS, 99).amount_fen == 20000
    assert domain.band_for(BANDS, 104).amount_fen == 50000


# --------------------------------------------------------------------------- birthdays


def test_a_90th_birthday_on_the_31st_raises_the_amount_from_the_next_month():
    birth = date(1937, 3, 31)
    assert domain.amount_for_month(BANDS, birth, 202703) == 10000
    assert domain.amount_for_month(BANDS, birth, 202704) == 20000


def test_a_90th_birthday_on_the_first_raises_the_amount_from_the_month_after():
    birth = date(1937, 4, 1)
    assert domain.amount_for_month(BANDS, birth, 202704) == 10000
    assert domain.amount_for_month(BANDS, birth, 202705) == 20000


def test_born_on_29_february_turns_90_in_march_of_a_common_year():
    birth = date(1936, 2, 29)  # 90 in 2026, which has no 29 February
    assert domain.age_on(birth, date(2026, 2, 28)) == 89
    assert domain.age_on(birth, date(2026, 3, 1)) == 90
    assert domain.amount_for_month(BANDS, birth, 202603) == 10000
    assert domain.amount_for_month(BANDS, birth, 202604) == 20000


def test_born_on_29_february_turns_100_on_the_day_in_a_leap_year():
    birth = date(1928, 2, 29)  # 100 on 29 February 2028
    assert domain.amount_for_month(BANDS, birth, 202802) == 20000
    assert domain.amount_for_month(BANDS, birth, 202803) == 50000


def test_the_age_from_an_entitlements_parts_matches_the_age_from_the_date():
    for birth in (date(1937, 3, 31), date(1936, 2, 29), date(1940, 12, 1), date(1930, 1, 1)):
        for month in domain.months_between(202601, 202812):
            assert domain.age_for_month_parts(
                birth.year, birth.month * 100 + birth.day, month
            ) == domain.age_for_month(birth, month)


# --------------------------------------------------------------------------- months


def test_an_entitlement_starts_the_month_after_approval():
    assert domain.start_month(date(2026, 11, 28)) == 202612
    assert domain.start_month(date(2026, 12, 31)) == 202701


def test_months_between_crosses_the_year():
    assert domain.months_between(202611, 202702) == [202611, 202612, 202701, 202702]
    assert domain.months_between(202702, 202611) == []


def test_a_month_is_held_from_the_first_month_beginning_on_or_after_the_suspension():
    assert domain.first_month_from(date(2028, 1, 27)) == 202802
    assert domain.first_month_from(date(2028, 2, 1)) == 202802


def test_month_text_and_parsing():
    assert domain.month_text(202603) == "2026-03"
    assert domain.parse_month("2026-3") == 202603
    with pytest.raises(Invalid):
        domain.parse_month("2026-13")
    with pytest.raises(Invalid):
        domain.parse_month("March")


# --------------------------------------------------------------------------- eligibility

CITY = Conditions(region_code="510900")


def test_an_elder_old_enough_in_the_region_is_eligible():
    assert domain.eligibility_problem(CITY, BANDS, Applicant(85, "510903001001")) is None


def test_too_young_says_the_starting_age():
    problem = domain.eligibility_problem(CITY, BANDS, Applicant(72, "510903001001"))
    assert problem.key == "elder_id"
    assert problem.params == {"min_age": 80, "age": 72}


def test_living_outside_the_region_is_not_eligible():
    problem = domain.eligibility_problem(
        Conditions(region_code="510921"), BANDS, Applicant(85, "510903001001")
    )
    assert problem.key == "program_code"


def test_low_income_and_disability_conditions():
    strict = Conditions(region_code="510900", requires_low_income=True, requires_disability=True)
    assert domain.eligibility_problem(strict, BANDS, Applicant(85, "510903")) is not None
    assert (
        domain.eligibility_problem(
            strict, BANDS, Applicant(85, "510903", low_income=True, disability=False)
        )
        is not None
    )
    assert (
        domain.eligibility_problem(
            strict, BANDS, Applicant(85, "510903", low_income=True, disability=True)
        )
        is None
    )


def test_a_closed_record_is_not_eligible():
    assert domain.eligibility_problem(CITY, BANDS, Applicant(85, "510903", ended=True))


# --------------------------------------------------------------------------- review trail

STAFF, OFFICER = ("community_staff",), ("bureau_officer",)


def test_the_two_level_review_moves_forward_step_by_step():
    assert domain.next_status("accept", "submitted", STAFF, actor_id=1) == "accepted"
    assert domain.next_status("pass", "accepted", STAFF, actor_id=1) == "reviewed"
    assert (
        domain.next_status("approve", "reviewed", OFFICER, actor_id=2, first_reviewer=1)
        == "approved"
    )


def test_approving_before_the_first_review_is_a_conflict():
    with pytest.raises(Conflict):
        domain.next_status("approve", "accepted", OFFICER, actor_id=2)


def test_the_wrong_role_is_forbidden():
    with pytest.raises(Forbidden):
        domain.next_status("approve", "reviewed", STAFF, actor_id=1)
    with pytest.raises(Forbidden):
        domain.next_status("accept", "submitted", OFFICER, actor_id=1)


def test_the_first_reviewer_cannot_approve():
    with pytest.raises(Forbidden):
        domain.next_status("approve", "reviewed", (*STAFF, *OFFICER), actor_id=1, first_reviewer=1)


def test_either_level_may_return_an_open_application_but_not_a_decided_one():
    for status in ("submitted", "accepted", "reviewed"):
        assert domain.next_status("return", status, STAFF, actor_id=1) == "returned"
    with pytest.raises(Conflict):
        domain.next_status("return", "approved", OFFICER, actor_id=1)


def test_an_unknown_decision_names_the_field():
    with pytest.raises(Invalid) as caught:
        domain.next_status("maybe", "submitted", STAFF, actor_id=1)
    assert keys(caught.value) == ["decision"]


def test_working_days_skip_weekends_and_holidays():
    friday = date(2026, 11, 27)
    assert domain.working_days_after(friday, 1) == date(2026, 11, 30)
    assert domain.working_days_after(friday, 5) == date(2026, 12, 4)
    holiday = date(2026, 11, 30)
    assert domain.working_days_after(friday, 1, lambda d: d.weekday() < 5 and d != holiday) == (
        date(2026, 12, 1)
    )


def test_overdue_only_while_in_review():
    assert domain.is_overdue("accepted", date(2026, 12, 1), date(2026, 12, 2))
    assert not domain.is_overdue("accepted", date(2026, 12, 1), date(2026, 12, 1))
    assert not domain.is_overdue("approved", date(2026, 12, 1), date(2027, 1, 1))


# --------------------------------------------------------------------------- annual reviews


def test_anniversaries_of_29_february_fall_on_28_february():
    assert domain.anniversary(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert domain.anniversary(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_a_review_opens_30_days_ahead_and_suspends_60_days_after():
    policy = domain.ReviewPolicy()
    due = date(2027, 11, 28)
    assert domain.review_opens(due, policy) == date(2027, 10, 29)
    assert domain.suspension_day(due, policy) == date(2028, 1, 27)


def test_back_pay_covers_the_held_months_up_to_the_confirmation_at_their_bands():
    months = domain.held_months(202703, 202705)
    assert months == [202703, 202704, 202705]
    # Turns 90 on 31 March 2027: March at ¥100, April and May at ¥200.
    assert domain.back_pay_fen(BANDS, date(1937, 3, 31), months) == 50000


# --------------------------------------------------------------------------- vouchers


def test_a_voucher_covers_up_to_the_credit_left_and_never_below_zero():
    assert domain.voucher_subsidy(3000, 10000, 0) == 3000
    assert domain.voucher_subsidy(3000, 10000, 8000) == 2000
    assert domain.voucher_subsidy(3000, 10000, 10000) == 0
    assert domain.voucher_subsidy(3000, 10000, 12000) == 0
