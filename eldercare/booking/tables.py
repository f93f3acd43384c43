"""Bookings (one visit each), the offers made to providers, complaints, and recurring series."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamp,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from eldercare.accounts.tables import Elder
from eldercare.providers.tables import Caregiver, Provider


class Booking(Table, tablename="booking"):
    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.restrict, index=True)
    service_code = Varchar(length=48)
    provider = ForeignKey(
        Provider, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    caregiver = ForeignKey(
        Caregiver, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    start_at = Timestamptz(index=True)
    end_at = Timestamptz()
    busy_until = Timestamptz()  # end_at plus the travel buffer: what the caregiver is held for
    status = Varchar(length=16, index=True)
    chosen_provider = Boolean(default=False)  # the elder's side picked the provider
    channel = Varchar(length=16)
    booked_by = Integer()
    notes = Text(default="")
    price_fen = Integer()
    subsidy_fen = Integer(default=0)
    copay_fen = Integer()
    offer_expires_at = Timestamptz(null=True, default=None, index=True)
    cancelled_by = Integer(null=True, default=None)
    cancel_reason = Text(default="")
    late_cancellation = Boolean(default=False)
    check_in_at = Timestamptz(null=True, default=None)
    check_in_lat = DoublePrecision(null=True, default=None)
    check_in_lon = DoublePrecision(null=True, default=None)
    check_in_distance_m = DoublePrecision(null=True, default=None)
    geofence_flag = Boolean(default=False)
    check_out_at = Timestamptz(null=True, default=None)
    visit_notes = Text(default="")
    actual_minutes = Integer(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    stars = SmallInt(null=True, default=None)
    rating_comment = Text(default="")
    rated_at = Timestamptz(null=True, default=None)
    missed_alert_at = Timestamptz(null=True, default=None)
    series_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class BookingOffer(Table, tablename="booking_offer"):
    """Each provider a booking was offered to, and how that offer ended."""

    booking = ForeignKey(Booking, null=False, on_delete=OnDelete.cascade, index=True)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict, index=True)
    offered_at = Timestamptz()
    expires_at = Timestamptz()
    outcome = Varchar(length=16, default="open")  # open, accepted, declined, expired, withdrawn
    reason = Text(default="")


class Complaint(Table, tablename="complaint"):
    booking = ForeignKey(Booking, null=False, on_delete=OnDelete.restrict, index=True)
    region_code = Varchar(length=12, index=True)
    filed_by = Integer()
    text = Text()
    status = Varchar(length=16, default="open")  # open, resolved
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    resolution = Text(default="")


class Series(Table, tablename="series"):
    """A recurring visit: an RFC 5545 rule repeating a wall-clock time in the elder's zone."""

    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.restrict, index=True)
    service_code = Varchar(length=48)
    provider = ForeignKey(
        Provider, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    caregiver = ForeignKey(Caregiver, null=True, default=None, on_delete=OnDelete.restrict)
    rrule = Text()
    dtstart_local = Timestamp()  # naive: the first visit's local wall-clock start
    timezone = Varchar(length=40, default="Asia/Shanghai")
    skip_holidays = Boolean(default=False)
    exdates = Text(default="")  # comma-separated local dates (YYYY-MM-DD)
    status = Varchar(length=16, index=True)  # active, paused, cancelled, ended
    channel = Varchar(length=16)
    created_by = Integer()
    notes = Text(default="")
    replaces = Integer(null=True, default=None)  # the series this one continues ("from now on")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    materialized_until = Timestamptz(null=True, default=None)


class SeriesOccurrence(Table, tablename="series_occurrence"):
    """One time a series' rule gives, once claimed: unique per (series, occurrence_start), which
    keeps materialising idempotent and a moved or cancelled visit from coming back."""

    series = ForeignKey(Series, null=False, on_delete=OnDelete.cascade, index=True)
    occurrence_start = Timestamptz()  # UTC: the rule's own start, even after the visit moved
    booking = ForeignKey(Booking, null=True, default=None, on_delete=OnDelete.set_null)
    state = Varchar(length=16)  # materialized, skipped, cancelled
    created_at = Timestamptz()
