"""Bookings (one visit each), the offers made to providers, and complaints."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
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
    provider = ForeignKey(Provider, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    caregiver = ForeignKey(Caregiver, null=True, default=None, on_delete=OnDelete.restrict, index=True)
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
