"""Request and response shapes of the institution directory API (API.md, "Catalog")."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from eldercare.institutions.domain import InstitutionInput
from eldercare.institutions.service import InstitutionView


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


class InstitutionCreate(Strict):
    name: str
    kind: str
    beds: int
    vacancies: int
    price_min_fen: int
    price_max_fen: int
    address: str
    phone: str
    region_code: str
    lat: float | None = None  # both or neither; without them, the region's centroid
    lon: float | None = None
    active: bool = True

    def to_input(self) -> InstitutionInput:
        return InstitutionInput(**msgspec.structs.asdict(self))


class InstitutionUpdate(Strict):
    """Any of the fields; those left out keep their value (null is not a value here)."""

    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    beds: int | UnsetType = UNSET
    vacancies: int | UnsetType = UNSET
    price_min_fen: int | UnsetType = UNSET
    price_max_fen: int | UnsetType = UNSET
    address: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    region_code: str | UnsetType = UNSET
    lat: float | UnsetType = UNSET
    lon: float | UnsetType = UNSET
    active: bool | UnsetType = UNSET

    def to_input(self) -> InstitutionInput:
        given = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not UNSET}
        return InstitutionInput(**given)


class Institution(msgspec.Struct, omit_defaults=True):
    id: int
    name: str
    kind: str
    kind_label: str
    beds: int
    vacancies: int
    price_min_fen: int
    price_max_fen: int
    address: str
    phone: str
    region_code: str
    lat: float
    lon: float
    active: bool
    distance_km: float | None = None  # only when searching from a point

    @classmethod
    def of(cls, view: InstitutionView, kind_label: str) -> Institution:
        return cls(
            id=view.id,
            name=view.name,
            kind=view.kind,
            kind_label=kind_label,
            beds=view.beds,
            vacancies=view.vacancies,
            price_min_fen=view.price_min_fen,
            price_max_fen=view.price_max_fen,
            address=view.address,
            phone=view.phone,
            region_code=view.region_code,
            lat=view.lat,
            lon=view.lon,
            active=view.active,
            distance_km=view.distance_km,
        )


class InstitutionPage(msgspec.Struct):
    items: list[Institution]
    total: int
