from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eldercare.booking import domain
from eldercare.booking.domain import Candidate, Policy
from eldercare.errors import Conflict, Forbidden, Invalid

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
POLICY = Policy()


def test_a_provider_accepts_an_offer():
    assert domain.transition("accept", domain.OFFERED, domain.PROVIDER) == domain.ACCEPTED


def test_the_elder_side_cannot_accept_its_own_booking():
    with pytest.raises(Forbidden):
        domain.transition("accept", domain.OFFERED, domain.ELDER_SIDE)


@pytest.mark.parametrize(
    "status", [domain.COMPLETED, domain.CANCELLED, domain.IN_SERVICE, domain.EXPIRED]
)
def test_a_booking_that_is_not_offered_cannot_be_accepted(status):
    with pytest.raises(Conflict):
        domain.transition("accept", status, domain.PROVIDER)


def test_check_out_needs_a_check_in_first():
    with pytest.raises(Conflict):
        domain.transition("check_out", domain.ACCEPTED, domain.CAREGIVER)


def test_a_provider_cancelling_an_accepted_visit_puts_it_back_on_offer():
    assert domain.transition("provider_cancel", domain.ACCEPTED, domain.PROVIDER) == domain.OFFERED


def test_final_states_allow_nothing():
    for status in domain.FINAL:
        assert (
            domain.allowed_actions(status, {domain.ELDER_SIDE, domain.PROVIDER, domain.CAREGIVER})
            == []
        )


def test_the_elder_side_may_cancel_an_accepted_visit():
    assert "cancel" in domain.allowed_actions(domain.ACCEPTED, {domain.ELDER_SIDE})


def test_a_start_with_less_than_the_minimum_notice_is_refused():
    with pytest.raises(Invalid) as error:
        domain.check_start(NOW + timedelta(minutes=29), NOW, POLICY)
    assert error.value.problems[0].key == "start"


def test_a_start_exactly_at_the_minimum_notice_is_accepted():
    domain.check_start(NOW + timedelta(minutes=30), NOW, POLICY)


def test_a_start_more_than_ninety_days_ahead_is_refused():
    with pytest.raises(Invalid):
        domain.check_start(NOW + timedelta(days=90, minutes=1), NOW, POLICY)


def test_a_start_in_the_past_is_refused():
    with pytest.raises(Invalid):
        domain.check_start(NOW - timedelta(days=1), NOW, POLICY)


def test_cancelling_two_hours_ahead_is_free_and_later_is_late():
    start = NOW + timedelta(hours=5)
    assert not domain.is_late_cancellation(start, start - timedelta(hours=2), POLICY)
    assert domain.is_late_cancellation(start, start - timedelta(hours=1, minutes=59), POLICY)


def test_check_in_opens_an_hour_before_and_closes_at_the_end():
    start, end = NOW, NOW + timedelta(hours=1)
    domain.check_in_window(start, end, start - timedelta(minutes=60), POLICY)
    domain.check_in_window(start, end, end, POLICY)
    with pytest.raises(Conflict):
        domain.check_in_window(start, end, start - timedelta(minutes=61), POLICY)
    with pytest.raises(Conflict):
        domain.check_in_window(start, end, end + timedelta(seconds=1), POLICY)


def test_the_travel_buffer_keeps_back_to_back_visits_apart():
    first = domain.busy_interval(NOW, NOW + timedelta(hours=1), POLICY)
    second = domain.busy_interval(
        NOW + timedelta(hours=1, minutes=15), NOW + timedelta(hours=2), POLICY
    )
    later = domain.busy_interval(
        NOW + timedelta(hours=1, minutes=30), NOW + timedelta(hours=2), POLICY
    )
    assert domain.overlaps(first, second)
    assert not domain.overlaps(first, later)


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_stars_outside_one_to_five_are_refused(stars):
    with pytest.raises(Invalid):
        domain.check_stars(stars)


def test_the_copay_is_the_price_less_the_voucher_but_never_negative():
    assert domain.price(2800) == domain.Price(2800, 0, 2800)
    assert domain.price(2800, voucher_balance_fen=1000, subsidy_eligible=True) == domain.Price(
        2800, 1000, 1800
    )
    assert domain.price(2800, voucher_balance_fen=5000, subsidy_eligible=True) == domain.Price(
        2800, 2800, 0
    )
    assert domain.price(2800, voucher_balance_fen=5000, subsidy_eligible=False).subsidy_fen == 0


def _candidate(pid, distance, rating=5.0, count=10, load=0):
    return Candidate(pid, f"p{pid}", distance, 2000, rating, count, load)


def test_the_nearest_equally_rated_idle_provider_ranks_first():
    ranked = domain.rank([_candidate(1, 5.0), _candidate(2, 1.0), _candidate(3, 3.0)])
    assert [c.provider_id for c in ranked] == [2, 3, 1]


def test_a_much_better_rating_outweighs_a_little_distance():
    ranked = domain.rank([_candidate(1, 1.0, rating=2.0), _candidate(2, 2.0, rating=5.0)])
    assert ranked[0].provider_id == 2


def test_a_busy_provider_yields_to_an_idle_one_nearby():
    ranked = domain.rank([_candidate(1, 1.0, load=6), _candidate(2, 2.0, load=0)])
    assert ranked[0].provider_id == 2


def test_an_unrated_provider_counts_as_four_stars():
    ranked = domain.rank([_candidate(1, 1.0, rating=0.0, count=0), _candidate(2, 1.5, rating=3.0)])
    assert ranked[0].provider_id == 1
