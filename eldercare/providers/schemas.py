"""Request and response shapes of the providers API (API.md, "Providers")."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from eldercare.providers import domain
from eldercare.providers.caregivers import (
    AvailabilityView,
    CaregiverInput,
    CaregiverView,
    CertificateInput,
    CertificateView,
)
from eldercare.providers.service import OfferingView, ProviderInput, ProviderView


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


# --------------------------------------------------------------------------- providers


class ProviderCreate(Strict):
    name: str
    license_no: str
    region_code: str
    lat: float
    lon: float
    service_radius_km: float
    address: str = ""
    districts: list[str] = []

    def to_input(self) -> ProviderInput:
        return ProviderInput(**msgspec.structs.asdict(self))


class ProviderCreated(msgspec.Struct):
    id: int
    status: str


class Decision(Strict):
    reason: str | None = None


class DecisionOut(msgspec.Struct):
    id: int
    status: str
    reason: str


class ProviderOut(msgspec.Struct):
    id: int
    name: str
    license_no: str
    region_code: str
    address: str
    lat: float
    lon: float
    service_radius_km: float
    districts: list[str]
    status: str
    rating: float
    rating_count: int
    created_at: datetime
    status_reason: str | None = None
    decided_at: datetime | None = None

    @classmethod
    def of(cls, view: ProviderView) -> ProviderOut:
        return cls(
            id=view.id,
            name=view.name,
            license_no=view.license_no,
            region_code=view.region_code,
            address=view.address,
            lat=view.lat,
            lon=view.lon,
            service_radius_km=view.service_radius_km,
            districts=view.districts,
            status=view.status,
            rating=view.rating_avg,
            rating_count=view.rating_count,
            created_at=view.created_at,
            status_reason=view.status_reason,
            decided_at=view.decided_at,
        )


class ProviderPage(msgspec.Struct):
    items: list[ProviderOut]
    total: int


# --------------------------------------------------------------------------- offerings


class OfferingIn(Strict):
    service_code: str
    price_fen: int
    active: bool = True


class OfferingOut(msgspec.Struct):
    id: int
    provider_id: int
    service_code: str
    name: str
    price_fen: int
    cap_fen: int | None
    active: bool
    updated_at: datetime

    @classmethod
    def of(cls, view: OfferingView, locale: str) -> OfferingOut:
        name = view.item.name(locale) if view.item is not None else view.service_code
        return cls(
            id=view.id,
            provider_id=view.provider_id,
            service_code=view.service_code,
            name=name,
            price_fen=view.price_fen,
            cap_fen=view.cap_fen,
            active=view.active,
            updated_at=view.updated_at,
        )


class OfferingPage(msgspec.Struct):
    items: list[OfferingOut]
    total: int


# --------------------------------------------------------------------------- caregivers


class CertificateIn(Strict):
    skill: str
    name: str
    expires_on: date
    number: str = ""

    def to_input(self) -> CertificateInput:
        return CertificateInput(
            skill=self.skill, name=self.name, number=self.number, expires_on=self.expires_on
        )


class CaregiverCreate(Strict):
    name: str
    phone: str
    skills: list[str]
    certificates: list[CertificateIn] = []

    def to_input(self) -> CaregiverInput:
        return CaregiverInput(
            name=self.name,
            phone=self.phone,
            skills=self.skills,
            certificates=[c.to_input() for c in self.certificates],
        )


class CaregiverPatch(Strict):
    name: str | None = None
    phone: str | None = None
    skills: list[str] | None = None
    active: bool | None = None


class CaregiverCreated(msgspec.Struct):
    id: int


class CertificateOut(msgspec.Struct):
    id: int
    skill: str
    name: str
    number: str
    expires_on: date

    @classmethod
    def of(cls, view: CertificateView) -> CertificateOut:
        return cls(
            id=view.id,
            skill=view.skill,
            name=view.name,
            number=view.number,
            expires_on=view.expires_on,
        )


class CaregiverOut(msgspec.Struct):
    id: int
    provider_id: int
    name: str
    phone: str
    skills: list[str]
    active: bool
    certificates: list[CertificateOut]

    @classmethod
    def of(cls, view: CaregiverView) -> CaregiverOut:
        return cls(
            id=view.id,
            provider_id=view.provider_id,
            name=view.name,
            phone=view.phone,
            skills=view.skills,
            active=view.active,
            certificates=[CertificateOut.of(c) for c in view.certificates],
        )


class CaregiverPage(msgspec.Struct):
    items: list[CaregiverOut]
    total: int


# --------------------------------------------------------------------------- availability


class WeeklyWindow(msgspec.Struct, forbid_unknown_fields=True):
    weekday: int
    start: str
    end: str


class AvailabilityIn(Strict):
    weekly: list[WeeklyWindow]
    days_off: list[str] = []

    def entries(self) -> list[tuple[int, str, str]]:
        return [(w.weekday, w.start, w.end) for w in self.weekly]


class AvailabilityOut(msgspec.Struct):
    caregiver_id: int
    weekly: list[WeeklyWindow]
    days_off: list[date]

    @classmethod
    def of(cls, view: AvailabilityView) -> AvailabilityOut:
        return cls(
            caregiver_id=view.caregiver_id,
            weekly=[
                WeeklyWindow(
                    weekday=w.weekday,
                    start=domain.format_clock(w.start_minute),
                    end=domain.format_clock(w.end_minute),
                )
                for w in view.weekly
            ],
            days_off=view.days_off,
        )
