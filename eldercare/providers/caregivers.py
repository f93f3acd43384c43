"""Caregivers: the team, their skills and certificates, weekly hours and days off.

Only the provider's own admin changes them, and only while the provider is approved;
the bureau may look. Another provider's caregiver does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from eldercare.accounts import domain as accounts_domain
from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import id_list, select_all, select_first, write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Invalid, NotFound
from eldercare.providers import domain
from eldercare.providers.access import managed_provider, overseen_or_managed, require_operating
from eldercare.providers.tables import AvailabilityWindow, Caregiver, Certificate, DayOff

MAX_CERTIFICATES = 20


@dataclass
class CertificateInput:
    skill: str = ""
    name: str = ""
    number: str = ""
    expires_on: date | str | None = None


@dataclass
class CaregiverInput:
    name: str = ""
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    certificates: list[CertificateInput] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateView:
    id: int
    skill: str
    name: str
    number: str
    expires_on: date


@dataclass(frozen=True)
class CaregiverView:
    id: int
    provider_id: int
    name: str
    phone: str
    skills: list[str]
    active: bool
    created_at: datetime
    certificates: list[CertificateView] = field(default_factory=list)


@dataclass(frozen=True)
class AvailabilityView:
    caregiver_id: int
    weekly: list[domain.Window]
    days_off: list[date]


# --------------------------------------------------------------------------- checks


def _check_certificate(cert: CertificateInput, skills: list[str]) -> dict[str, Any]:
    """One certificate; every problem names ``certificates``."""
    key = "certificates"
    skill = (cert.skill or "").strip().lower()
    if skill not in skills:
        raise Invalid(
            key,
            N_("A certificate must be for one of the caregiver's skills ({skill} is not)."),
            skill=skill or "-",
        )
    name = (cert.name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(key, N_("Give each certificate a name of at most 100 characters."))
    number = (cert.number or "").strip()
    if len(number) > 64:
        raise Invalid(key, N_("A certificate number has at most 64 characters."))
    expires_on = cert.expires_on
    if isinstance(expires_on, str):
        try:
            expires_on = date.fromisoformat(expires_on.strip())
        except ValueError:
            expires_on = None
    if not isinstance(expires_on, date):
        raise Invalid(key, N_("Give each certificate's expiry date as YYYY-MM-DD."))
    return {"skill": skill, "name": name, "number": number, "expires_on": expires_on}


def _checked(data: CaregiverInput) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {}
    for key, check, raw in (
        ("name", accounts_domain.check_name, data.name or ""),
        ("phone", accounts_domain.normalize_phone, data.phone or ""),
        ("skills", domain.parse_skills, data.skills),
    ):
        try:
            values[key] = check(raw)
        except Invalid as error:
            problems += error.problems
    certificates = []
    if len(data.certificates) > MAX_CERTIFICATES:
        problems.append(
            FieldProblem(
                "certificates",
                N_("At most {count} certificates, please."),
                {"count": MAX_CERTIFICATES},
            )
        )
    elif "skills" in values:
        for cert in data.certificates:
            try:
                certificates.append(_check_certificate(cert, values["skills"]))
            except Invalid as error:
                problems += error.problems
    if problems:
        raise Invalid.many(problems)
    values["certificates"] = certificates
    return values


# --------------------------------------------------------------------------- views


async def _certificates_of(caregiver_ids: list[int]) -> dict[int, list[CertificateView]]:
    found: dict[int, list[CertificateView]] = {cid: [] for cid in caregiver_ids}
    if caregiver_ids:
        rows = await select_all(
            Certificate, f"WHERE caregiver IN ({id_list(caregiver_ids)}) ORDER BY expires_on, id"
        )
        for r in rows:
            found[r["caregiver"]].append(
                CertificateView(
                    id=r["id"],
                    skill=r["skill"],
                    name=r["name"],
                    number=r["number"],
                    expires_on=r["expires_on"],
                )
            )
    return found


def _view(row: dict[str, Any], certificates: list[CertificateView]) -> CaregiverView:
    return CaregiverView(
        id=row["id"],
        provider_id=row["provider"],
        name=row["name"],
        phone=row["phone"],
        skills=[s for s in row["skills"].split(",") if s],
        active=row["active"],
        created_at=row["created_at"],
        certificates=certificates,
    )


async def ensure_on_team(provider_id: int, caregiver_id: int) -> None:
    """404 unless the caregiver is on this provider's team, for a use case that has checked
    the actor's access to the provider already (accepting a job: the provider's admin)."""
    await _caregiver_row(provider_id, caregiver_id)


async def _caregiver_row(provider_id: int, caregiver_id: int) -> dict[str, Any]:
    row = await select_first(
        Caregiver, "WHERE id = {} AND provider = {}", caregiver_id, provider_id
    )
    if row is None:
        raise NotFound(N_("No such caregiver."))
    return row


async def _phone_taken(provider_id: int, phone: str, other_than: int | None = None) -> bool:
    where = (Caregiver.provider == provider_id) & (Caregiver.phone == phone)
    if other_than is not None:
        where = where & (Caregiver.id != other_than)
    return await Caregiver.exists().where(where).run()


# --------------------------------------------------------------------------- use cases


async def add_caregiver(
    actor: Actor, provider_id: int, data: CaregiverInput, *, now: datetime | None = None
) -> CaregiverView:
    now = now or datetime.now(UTC)
    provider = await managed_provider(actor, provider_id)
    values = _checked(data)
    require_operating(provider)
    async with write_transaction():
        if await _phone_taken(provider_id, values["phone"]):
            raise Conflict(N_("A caregiver with this phone number is already on your team."))
        row = Caregiver(
            provider=provider_id,
            name=values["name"],
            phone=values["phone"],
            skills=",".join(values["skills"]),
            active=True,
            created_at=now,
        )
        await row.save().run()
        for cert in values["certificates"]:
            await Certificate.insert(Certificate(caregiver=row.id, **cert)).run()
        await audit.record(
            actor,
            "caregiver.create",
            entity="caregiver",
            entity_id=row.id,
            detail=",".join(values["skills"]),
            now=now,
        )
    return await get_caregiver(actor, provider_id, row.id)


async def add_certificate(
    actor: Actor,
    provider_id: int,
    caregiver_id: int,
    cert: CertificateInput,
    *,
    now: datetime | None = None,
) -> CertificateView:
    provider = await managed_provider(actor, provider_id)
    row = await _caregiver_row(provider_id, caregiver_id)
    values = _check_certificate(cert, [s for s in row["skills"].split(",") if s])
    require_operating(provider)
    async with write_transaction():
        saved = Certificate(caregiver=caregiver_id, **values)
        await saved.save().run()
        await audit.record(
            actor,
            "certificate.create",
            entity="caregiver",
            entity_id=caregiver_id,
            detail=f"{values['skill']} until {values['expires_on']}",
            now=now,
        )
    return CertificateView(id=saved.id, **values)


async def update_caregiver(
    actor: Actor,
    provider_id: int,
    caregiver_id: int,
    *,
    name: str | None = None,
    phone: str | None = None,
    skills: list[str] | None = None,
    active: bool | None = None,
    now: datetime | None = None,
) -> CaregiverView:
    """Change details or (de)activate; caregivers are never deleted, their visits keep them."""
    provider = await managed_provider(actor, provider_id)
    await _caregiver_row(provider_id, caregiver_id)
    problems: list[FieldProblem] = []
    values: dict[Any, Any] = {}
    for column, check, raw in (
        (Caregiver.name, accounts_domain.check_name, name),
        (Caregiver.phone, accounts_domain.normalize_phone, phone),
        (Caregiver.skills, domain.parse_skills, skills),
    ):
        if raw is None:
            continue
        try:
            checked = check(raw)
            values[column] = ",".join(checked) if isinstance(checked, list) else checked
        except Invalid as error:
            problems += error.problems
    if problems:
        raise Invalid.many(problems)
    if active is not None:
        values[Caregiver.active] = active
    require_operating(provider)
    async with write_transaction():
        if Caregiver.phone in values and await _phone_taken(
            provider_id, values[Caregiver.phone], caregiver_id
        ):
            raise Conflict(N_("A caregiver with this phone number is already on your team."))
        if values:
            await Caregiver.update(values).where(Caregiver.id == caregiver_id).run()
        await audit.record(
            actor,
            "caregiver.update",
            entity="caregiver",
            entity_id=caregiver_id,
            detail=" ".join(sorted(c._meta.name for c in values)),
            now=now,
        )
    return await get_caregiver(actor, provider_id, caregiver_id)


async def get_caregiver(actor: Actor, provider_id: int, caregiver_id: int) -> CaregiverView:
    await overseen_or_managed(actor, provider_id)
    row = await _caregiver_row(provider_id, caregiver_id)
    return _view(row, (await _certificates_of([caregiver_id]))[caregiver_id])


async def list_caregivers(
    actor: Actor, provider_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[CaregiverView], int]:
    await overseen_or_managed(actor, provider_id)
    where = Caregiver.provider == provider_id
    total = await Caregiver.count().where(where).run()
    rows = await (
        Caregiver.select()
        .where(where)
        .order_by(Caregiver.active, ascending=False)
        .order_by(Caregiver.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    certificates = await _certificates_of([r["id"] for r in rows])
    return [_view(r, certificates[r["id"]]) for r in rows], total


async def set_availability(
    actor: Actor,
    provider_id: int,
    caregiver_id: int,
    weekly: list[tuple[int, str, str]],
    days_off: list[str],
    *,
    now: datetime | None = None,
) -> AvailabilityView:
    """Replace the caregiver's weekly windows and days off together (local times)."""
    provider = await managed_provider(actor, provider_id)
    await _caregiver_row(provider_id, caregiver_id)
    problems: list[FieldProblem] = []
    windows: list[domain.Window] = []
    days: list[date] = []
    try:
        windows = domain.check_weekly(weekly)
    except Invalid as error:
        problems += error.problems
    try:
        days = domain.check_days_off(days_off)
    except Invalid as error:
        problems += error.problems
    if problems:
        raise Invalid.many(problems)
    require_operating(provider)
    async with write_transaction():
        await AvailabilityWindow.delete().where(AvailabilityWindow.caregiver == caregiver_id).run()
        await DayOff.delete().where(DayOff.caregiver == caregiver_id).run()
        if windows:
            await AvailabilityWindow.insert(
                *[
                    AvailabilityWindow(
                        caregiver=caregiver_id,
                        weekday=w.weekday,
                        start_minute=w.start_minute,
                        end_minute=w.end_minute,
                    )
                    for w in windows
                ]
            ).run()
        if days:
            await DayOff.insert(*[DayOff(caregiver=caregiver_id, day=d) for d in days]).run()
        await audit.record(
            actor,
            "caregiver.availability",
            entity="caregiver",
            entity_id=caregiver_id,
            detail=f"{len(windows)} windows, {len(days)} days off",
            now=now,
        )
    return AvailabilityView(caregiver_id=caregiver_id, weekly=windows, days_off=days)


async def get_availability(actor: Actor, provider_id: int, caregiver_id: int) -> AvailabilityView:
    await overseen_or_managed(actor, provider_id)
    await _caregiver_row(provider_id, caregiver_id)
    windows = (
        await AvailabilityWindow.select().where(AvailabilityWindow.caregiver == caregiver_id).run()
    )
    days = (
        await DayOff.select(DayOff.day)
        .where(DayOff.caregiver == caregiver_id)
        .order_by(DayOff.day)
        .run()
    )
    return AvailabilityView(
        caregiver_id=caregiver_id,
        weekly=sorted(
            domain.Window(w["weekday"], w["start_minute"], w["end_minute"]) for w in windows
        ),
        days_off=[d["day"] for d in days],
    )


async def caregiver_id_for(actor: Actor) -> int | None:
    """The caregiver record behind a caregiver's account: same provider, same phone."""
    if not actor.has_role("caregiver") or actor.provider_id is None:
        return None
    user = await accounts.get_user(actor)
    row = (
        await Caregiver.select(Caregiver.id)
        .where((Caregiver.provider == actor.provider_id) & (Caregiver.phone == user.phone))
        .first()
        .run()
    )
    return row["id"] if row else None
