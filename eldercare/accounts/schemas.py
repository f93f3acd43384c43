"""Request and response shapes of the accounts API (API.md, "Accounts and elders")."""

from __future__ import annotations

from datetime import date

import msgspec

from eldercare.accounts.elders import ElderInput, ElderView
from eldercare.accounts.service import UserView


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


class RegisterIn(Strict):
    phone: str
    password: str
    name: str
    role: str = "resident"


class TokenIn(Strict):
    phone: str
    password: str


class PasswordChangeIn(Strict):
    current_password: str
    new_password: str


class PasswordChanged(msgspec.Struct):
    """Every other session and API token of the account was ended; this one stays."""

    ended_sessions: int


class UserBrief(msgspec.Struct):
    id: int
    name: str
    roles: list[str]


class RegisteredUser(msgspec.Struct):
    id: int
    phone: str
    name: str
    roles: list[str]


class TokenOut(msgspec.Struct):
    token: str
    user: UserBrief


class Me(msgspec.Struct):
    id: int
    name: str
    phone: str
    roles: list[str]
    region_code: str | None
    provider_id: int | None
    elders: list[int]

    @classmethod
    def of(cls, user: UserView) -> Me:
        return cls(
            id=user.id,
            name=user.name,
            phone=user.phone,
            roles=user.roles,
            region_code=user.region_code,
            provider_id=user.provider_id,
            elders=user.elders,
        )


class ElderCreate(Strict):
    name: str
    id_number: str
    address: str
    region_code: str
    phone: str | None = None
    lat: float | None = None
    lon: float | None = None
    living_situation: str | None = None
    relationship: str | None = None
    needs: list[str] = []
    consent_health: bool = False  # required (true) when needs name a health condition

    def to_input(self) -> ElderInput:
        return ElderInput(**msgspec.structs.asdict(self))


class ElderUpdate(Strict, omit_defaults=True):
    """Any of these; the ID number cannot be changed (it is who the elder is)."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    phone: str | None | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType = msgspec.UNSET
    region_code: str | msgspec.UnsetType = msgspec.UNSET
    lat: float | msgspec.UnsetType = msgspec.UNSET
    lon: float | msgspec.UnsetType = msgspec.UNSET
    living_situation: str | None | msgspec.UnsetType = msgspec.UNSET
    needs: list[str] | msgspec.UnsetType = msgspec.UNSET
    consent_health: bool | msgspec.UnsetType = msgspec.UNSET  # for newly added health conditions
    low_income: bool | msgspec.UnsetType = msgspec.UNSET  # staff only
    disability: bool | msgspec.UnsetType = msgspec.UNSET  # staff only

    def changes(self) -> dict:
        return {
            f: getattr(self, f)
            for f in self.__struct_fields__
            if getattr(self, f) is not msgspec.UNSET
        }


class Elder(msgspec.Struct):
    id: int
    name: str
    birth_date: date
    age: int
    gender: str
    id_number_masked: str
    region_code: str
    lat: float | None
    lon: float | None
    phone_masked: str | None
    address: str
    living_situation: str | None
    needs: list[str]
    relationship: str | None
    location_source: str  # given, geocoded or region_centroid: how we know where the home is
    low_income: bool
    disability: bool
    ended_on: date | None
    ended_reason: str

    @classmethod
    def of(cls, view: ElderView) -> Elder:
        return cls(**{f: getattr(view, f) for f in cls.__struct_fields__})


class ElderPage(msgspec.Struct):
    items: list[Elder]
    total: int


class ElderReveal(msgspec.Struct):
    id: int
    id_number: str
    phone: str | None
