"""Provider organisations, the districts they serve, their offerings and caregivers.

Persistence only: the rules live in ``domain.py`` and the use cases in ``service.py``.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Provider(Table, tablename="provider"):
    name = Varchar(length=100)
    license_no = Varchar(length=64, unique=True)
    region_code = Varchar(length=12, index=True)
    address = Varchar(length=200, default="")
    lat = DoublePrecision(index=True)
    lon = DoublePrecision(index=True)
    service_radius_km = DoublePrecision()
    status = Varchar(length=16, index=True)  # pending, approved, rejected, suspended
    status_reason = Varchar(length=500, default="")
    admin_user_id = Integer(null=True, default=None, index=True)
    rating_avg = DoublePrecision(default=0.0)
    rating_count = Integer(default=0)
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Integer(null=True, default=None)


class ProviderDistrict(Table, tablename="provider_district"):
    """A region the provider serves whatever its distance (unique per provider: raw index)."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    region_code = Varchar(length=12, index=True)


class Offering(Table, tablename="offering"):
    """One catalog item the provider sells, at its own price (unique per provider and item)."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    item_code = Varchar(length=48, index=True)
    price_fen = Integer()
    active = Boolean(default=True)
    updated_at = Timestamptz()


class Caregiver(Table, tablename="caregiver"):
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=50)
    phone = Varchar(length=11, index=True)
    skills = Varchar(length=255, default="")  # comma-separated skill slugs
    active = Boolean(default=True)
    created_at = Timestamptz()


class Certificate(Table, tablename="caregiver_certificate"):
    caregiver = ForeignKey(Caregiver, null=False, on_delete=OnDelete.cascade, index=True)
    skill = Varchar(length=32)
    name = Varchar(length=100)
    number = Varchar(length=64, default="")
    expires_on = Date()


class AvailabilityWindow(Table, tablename="availability_window"):
    """A weekly working window in local time; minutes from midnight, end up to 1440."""

    caregiver = ForeignKey(Caregiver, null=False, on_delete=OnDelete.cascade, index=True)
    weekday = SmallInt()  # Monday 0 … Sunday 6
    start_minute = SmallInt()
    end_minute = SmallInt()


class DayOff(Table, tablename="caregiver_day_off"):
    caregiver = ForeignKey(Caregiver, null=False, on_delete=OnDelete.cascade, index=True)
    day = Date()
