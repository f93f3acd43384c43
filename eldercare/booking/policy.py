"""The booking policy from settings (API.md "Policies")."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from eldercare.booking.domain import Policy
from eldercare.settings import get_settings


@lru_cache(maxsize=1)
def current_policy() -> Policy:
    s = get_settings()
    return Policy(
        min_notice=timedelta(minutes=s.min_notice_minutes),
        max_ahead=timedelta(days=s.max_ahead_days),
        offer_window=timedelta(minutes=s.offer_minutes),
        free_cancel_before=timedelta(minutes=s.free_cancel_minutes),
        check_in_early=timedelta(minutes=s.check_in_early_minutes),
        geofence_m=float(s.geofence_m),
        travel_buffer=timedelta(minutes=s.travel_buffer_minutes),
        max_open_per_elder=s.max_open_bookings,
        missed_after=timedelta(minutes=s.missed_after_minutes),
    )
