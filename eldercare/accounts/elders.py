"""Elder records: registering (self, family, or staff on the elder's behalf), visibility, reveals.

An elder is visible to their own account, linked family, and staff whose region contains
the elder's; to anyone else the record does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from eldercare.accounts import consents, domain
from eldercare.accounts.service import local_today
from eldercare.accounts.tables import Elder, ElderLink
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import fetch, id_list, select_all, select_first, write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.geo import service as geo
from eldercare.geo.geocoding import GEOCODED, GIVEN, REGION_CENTROID, current_geocoder

NEEDS = (
    "mobility",
    "hearing",
    "vision",
    "diabetes",
    "dementia_early",
    "meals",
    "bathing",
    "housekeeping",
)
CHANNELS = ("app", "web", "phone", "counter", "proxy")


@dataclass
class ElderInput:
    """What a form or a JSON body says about a new elder, not yet checked."""

    name: str = ""
    id_number: str = ""
    address: str = ""
    region_code: str = ""
    phone: str | None = None
    lat: float | None = None
    lon: float | None = None
    living_situation: str | None = None
    relationship: str | None = None
    needs: list[str] = field(default_factory=list)
    consent_health: bool = False  # the elder agreed that health conditions are recorded
    known_needs: list[str] = field(default_factory=list)  # on record already (an edit)


@dataclass(frozen=True)
class ElderView:
    id: int
    name: str
    birth_date: date
    age: int
    gender: str
    id_number_masked: str
    phone_masked: str | None
    address: str
    region_code: str
    lat: float | None
    lon: float | None
    living_situation: str | None
    needs: list[str]
    relationship: str | None = None
    location_source: str = GIVEN
    low_income: bool = False
    disability: bool = False
    ended_on: date | None = None
    ended_reason: str = ""


def _view(row: dict, today: date, relationship: str | None = None) -> ElderView:
    return ElderView(
        id=row["id"],
        name=row["name"],
        birth_date=row["birth_date"],
        age=domain.age_on(row["birth_date"], today),
        gender=row["gender"],
        id_number_masked=domain.ResidentId(
            row["id_number"], row["birth_date"], row["gender"]
        ).masked,
        phone_masked=domain.mask_phone(row["phone"]) if row["phone"] else None,
        address=row["address"],
        region_code=row["region_code"],
        lat=row["lat"],
        lon=row["lon"],
        living_situation=row["living_situation"],
        needs=[n for n in (row["needs"] or "").split(",") if n],
        relationship=relationship,
        location_source=row.get("location_source") or GIVEN,
        low_income=bool(row.get("low_income")),
        disability=bool(row.get("disability")),
        ended_on=row.get("ended_on"),
        ended_reason=row.get("ended_reason") or "",
    )


async def check_input(
    actor: Actor, data: ElderInput, *, problems: list[FieldProblem], now: datetime | None = None
) -> None:
    """Raise every problem of the input together with ``problems`` found earlier (a form's
    fields that did not even parse); stores nothing."""
    try:
        await _checked(actor, data, local_today(now or datetime.now(UTC)))
    except Invalid as error:
        problems = problems + error.problems
    if problems:
        raise Invalid.many(problems)


async def _checked(actor: Actor, data: ElderInput, today: date) -> dict:
    """Every field checked at once, so a form can show each problem beside its field."""
    problems: list[FieldProblem] = []
    values: dict = {}

    def attempt(check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except Invalid as error:
            problems.extend(error.problems)
            return None

    values["name"] = attempt(domain.check_name, data.name)
    resident_id = attempt(domain.parse_resident_id, data.id_number or "", today=today)
    if data.phone:
        values["phone"] = attempt(domain.normalize_phone, data.phone)
    address = (data.address or "").strip()
    if not address:
        problems.append(FieldProblem("address", N_("Please enter the home address.")))
    elif len(address) > 200:
        problems.append(
            FieldProblem("address", N_("The address is too long (at most 200 characters)."))
        )
    region = attempt(domain.check_region_code, (data.region_code or "").strip())
    if region and await geo.get_region(region) is None:
        problems.append(
            FieldProblem(
                "region_code", N_("There is no region with the code {code}."), {"code": region}
            )
        )
        region = None
    if region and actor.is_staff and not domain.region_contains(actor.region_code or "", region):
        problems.append(
            FieldProblem("region_code", N_("This region is outside the area you look after."))
        )
        region = None
    attempt(domain.check_coordinates, data.lat, data.lon)
    if data.living_situation and data.living_situation not in domain.LIVING_SITUATIONS:
        problems.append(
            FieldProblem("living_situation", N_("Choose one of the listed living situations."))
        )
    if data.relationship and data.relationship not in domain.RELATIONSHIPS:
        problems.append(FieldProblem("relationship", N_("Choose one of the listed relationships.")))
    unknown_needs = [n for n in data.needs if n not in NEEDS]
    if unknown_needs:
        problems.append(
            FieldProblem("needs", N_("Unknown need: {need}."), {"need": unknown_needs[0]})
        )
    elif no_consent := consents.health_problem(
        data.needs, consent=data.consent_health, before=data.known_needs
    ):
        problems.append(no_consent)
    if problems:
        raise Invalid.many(problems)
    assert resident_id is not None and region is not None
    lat, lon, source = await _locate(data.lat, data.lon, address, region)
    return {
        **values,
        "id_number": resident_id.number,
        "birth_date": resident_id.birth_date,
        "gender": resident_id.gender,
        "address": address,
        "region_code": region,
        "lat": lat,
        "lon": lon,
        "location_source": source,
        "living_situation": data.living_situation,
        "needs": ",".join(dict.fromkeys(data.needs)),
    }


async def _locate(
    lat: float | None, lon: float | None, address: str, region: str
) -> tuple[float | None, float | None, str]:
    """Coordinates as given; else from the geocoder when one is configured; else the
    region's centroid. The third value says which, so the answer can tell people."""
    if lat is not None and lon is not None:
        return lat, lon, GIVEN
    info = await geo.get_region(region)
    found = await current_geocoder().locate(f"{_region_label(info)}{address}")
    if found is not None:
        return found[0], found[1], GEOCODED
    return (info.lat, info.lon, REGION_CENTROID) if info else (None, None, REGION_CENTROID)


def _region_label(info: geo.RegionInfo | None) -> str:
    return info.name_zh if info else ""


def _relationship_for(actor: Actor, data: ElderInput, name: str) -> str | None:
    """Who the new elder is to the person registering them; None when staff act (代办)."""
    if actor.is_staff:
        return None
    if data.relationship:
        return data.relationship
    if actor.has_role("resident") and name == actor.name:
        return "self"
    return "other_relative"


async def add_elder(
    actor: Actor, data: ElderInput, *, channel: str = "web", now: datetime | None = None
) -> ElderView:
    now = now or datetime.now(UTC)
    today = local_today(now)
    if not (actor.is_staff or actor.has_role("resident", "family")):
        raise Forbidden(N_("Your account cannot register elders."))
    values = await _checked(actor, data, today)
    relationship = _relationship_for(actor, data, values["name"])
    async with write_transaction():
        if await Elder.exists().where(Elder.id_number == values["id_number"]).run():
            raise Conflict(N_("An elder with this ID number is already registered."))
        elder = Elder(
            **values,
            account=actor.id if relationship == "self" else None,
            created_by=actor.id,
            created_channel="proxy" if actor.is_staff else channel,
            created_at=now,
            updated_at=now,
        )
        await elder.save().run()
        if relationship is not None:
            await ElderLink.insert(
                ElderLink(user=actor.id, elder=elder.id, relationship=relationship, created_at=now)
            ).run()
        if consents.health_needs(data.needs):  # _checked made sure the elder consented
            await consents.record(actor, elder.id, consents.HEALTH, channel=channel, now=now)
        await audit.record(
            actor,
            "elder.create",
            entity="elder",
            entity_id=elder.id,
            detail="proxy" if actor.is_staff else relationship or "",
            now=now,
        )
    return _view(elder.to_dict(), today, relationship)


async def _visible_row(actor: Actor, elder_id: int) -> tuple[dict, str | None]:
    row = await select_first(Elder, "WHERE id = {}", elder_id)
    if row is None:
        raise NotFound(N_("No such elder."))
    link = await fetch(
        'SELECT relationship FROM elder_link WHERE elder = {} AND "user" = {}', elder_id, actor.id
    )
    if link:
        return row, link[0]["relationship"]
    if actor.is_staff and domain.region_contains(actor.region_code or "", row["region_code"]):
        return row, None
    raise NotFound(N_("No such elder."))


async def ensure_visible(actor: Actor, elder_id: int) -> None:
    """For other packages: raise 404 unless this actor may see this elder."""
    await _visible_row(actor, elder_id)


async def get_elder(actor: Actor, elder_id: int, *, now: datetime | None = None) -> ElderView:
    row, relationship = await _visible_row(actor, elder_id)
    return _view(row, local_today(now or datetime.now(UTC)), relationship)


@dataclass(frozen=True)
class Revealed:
    id: int
    id_number: str
    phone: str | None


async def reveal_elder(actor: Actor, elder_id: int, *, now: datetime | None = None) -> Revealed:
    """The full ID number and phone, for staff of the elder's region only; every reveal is audited."""
    row, _ = await _visible_row(actor, elder_id)
    if not actor.is_staff:
        raise Forbidden(
            N_("Only community staff and bureau officers of this region can see the full number.")
        )
    async with write_transaction():
        await audit.record(actor, "elder.reveal", entity="elder", entity_id=elder_id, now=now)
    return Revealed(id=row["id"], id_number=row["id_number"], phone=row["phone"])


def _search_clause(query: str):
    """Name, masked ID (``510903********123X`` or its last four), or phone digits.

    LIKE's wildcards are dropped from what people type: a search for "%" finds nothing more.
    """
    query = query.replace("%", "").replace("_", "")
    q = query.strip().upper()
    if "*" in q and len(q) == 18:
        return Elder.id_number.like(f"{q[:6]}%") & Elder.id_number.like(f"%{q[-4:]}")
    if len(q) == 4 and q[:3].isdigit() and (q[3].isdigit() or q[3] == "X"):
        return Elder.id_number.like(f"%{q}") | Elder.phone.like(f"%{q}")
    if q.isdigit():
        return Elder.phone.like(f"%{q}%")
    return Elder.name.like(f"%{query.strip()}%")


async def list_elders(
    actor: Actor, *, query: str = "", limit: int = 50, offset: int = 0, now: datetime | None = None
) -> tuple[list[ElderView], int]:
    """Staff see their region's registry; residents and families see the elders they act for."""
    today = local_today(now or datetime.now(UTC))
    relationships: dict[int, str] = {}
    if actor.is_staff:
        where = Elder.region_code.like(f"{domain.region_prefix(actor.region_code or '')}%")
    else:
        links = (
            await ElderLink.select(ElderLink.elder, ElderLink.relationship)
            .where(ElderLink.user == actor.id)
            .run()
        )
        relationships = {link["elder"]: link["relationship"] for link in links}
        if not relationships:
            return [], 0
        where = Elder.id.is_in(list(relationships))
    if query.strip():
        where = where & _search_clause(query)
    total = await Elder.count().where(where).run()
    rows = (
        await Elder.select()
        .where(where)
        .order_by(Elder.name)
        .order_by(Elder.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_view(row, today, relationships.get(row["id"])) for row in rows], total


async def elders_by_id(ids: list[int], *, now: datetime | None = None) -> dict[int, ElderView]:
    """Elder records for services that do their own access checks (a provider sees the
    elders of its own jobs, and only what the job needs)."""
    if not ids:
        return {}
    today = local_today(now or datetime.now(UTC))
    rows = await select_all(Elder, f"WHERE id IN ({id_list(set(ids))})")
    return {row["id"]: _view(row, today) for row in rows}


async def acts_for(actor: Actor, elder_id: int) -> bool:
    """Whether this actor is on the elder's side: the elder, linked family, or regional staff."""
    try:
        await _visible_row(actor, elder_id)
    except NotFound:
        return False
    return True


EDITABLE = ("name", "phone", "address", "region_code", "lat", "lon", "living_situation", "needs")
STAFF_EDITABLE = ("low_income", "disability")  # subsidy conditions, checked by staff


async def update_elder(
    actor: Actor,
    elder_id: int,
    changes: dict,
    *,
    channel: str = "web",
    now: datetime | None = None,
) -> ElderView:
    """Correct an elder's record (not the ID number, which is who they are): the elder's side
    or staff of the region; every field checked at once, audited with the fields changed."""
    now = now or datetime.now(UTC)
    today = local_today(now)
    consent = changes.pop(consents.HEALTH_FIELD, False)
    if not isinstance(consent, bool):
        raise Invalid(consents.HEALTH_FIELD, N_("Answer true or false."))
    unknown = [key for key in changes if key not in EDITABLE + STAFF_EDITABLE]
    if unknown:
        raise Invalid(unknown[0], N_("This field cannot be changed here."))
    row, relationship = await _visible_row(actor, elder_id)
    if not (actor.is_staff or relationship is not None):
        raise Forbidden(N_("Your account cannot change this record."))
    flags = {key: changes.pop(key) for key in STAFF_EDITABLE if key in changes}
    if flags and not actor.is_staff:
        raise Forbidden(N_("Only community staff can record low income or disability."))
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise Invalid(key, N_("Answer true or false."))
    known_needs = [n for n in (row["needs"] or "").split(",") if n]
    consented_before = await consents.on_record(elder_id, consents.HEALTH)
    merged = ElderInput(
        name=changes.get("name", row["name"]),
        id_number=row["id_number"],
        address=changes.get("address", row["address"]),
        region_code=changes.get("region_code", row["region_code"]),
        phone=changes.get("phone", row["phone"]),
        lat=changes.get("lat", row["lat"] if "region_code" not in changes else None),
        lon=changes.get("lon", row["lon"] if "region_code" not in changes else None),
        living_situation=changes.get("living_situation", row["living_situation"]),
        needs=changes.get("needs", known_needs),
        consent_health=consent or consented_before,
        known_needs=known_needs,
    )
    if ("lat" in changes) != ("lon" in changes):
        raise Invalid(
            "lon" if "lat" in changes else "lat",
            N_("Give both latitude and longitude, or neither."),
        )
    values = await _checked(actor, merged, today)
    if "lat" not in changes and "region_code" not in changes and "address" not in changes:
        values["location_source"] = row.get("location_source") or GIVEN
    for key in ("id_number", "birth_date", "gender"):
        values.pop(key, None)
    if not merged.phone:
        values["phone"] = None
    values.update(flags)
    changed = sorted(key for key, value in values.items() if row.get(key) != value)
    async with write_transaction():
        if changed:
            await (
                Elder.update(
                    {**{getattr(Elder, k): values[k] for k in changed}, Elder.updated_at: now}
                )
                .where(Elder.id == elder_id)
                .run()
            )
            await audit.record(
                actor,
                "elder.update",
                entity="elder",
                entity_id=elder_id,
                detail=",".join(changed),
                now=now,
            )
        if consent and not consented_before and consents.health_needs(merged.needs):
            await consents.record(actor, elder_id, consents.HEALTH, channel=channel, now=now)
    fresh = await Elder.select().where(Elder.id == elder_id).first().run()
    return _view(fresh, today, relationship)


async def close_record(
    actor: Actor, elder_id: int, *, reason: str, on: date, now: datetime | None = None
) -> ElderView:
    """Staff record a death or a move out of the region; inside the caller's transaction
    (subsidies/departures.py ends what depends on the record in the same one)."""
    now = now or datetime.now(UTC)
    row, _ = await _visible_row(actor, elder_id)
    if not actor.is_staff:
        raise Forbidden(N_("Only community staff can record a death or a move."))
    if row.get("ended_on") is not None:
        raise Conflict(N_("This elder's record is already closed."))
    await (
        Elder.update({Elder.ended_on: on, Elder.ended_reason: reason, Elder.updated_at: now})
        .where(Elder.id == elder_id)
        .run()
    )
    await audit.record(
        actor, "elder.close", entity="elder", entity_id=elder_id, detail=reason, now=now
    )
    fresh = await Elder.select().where(Elder.id == elder_id).first().run()
    return _view(fresh, local_today(now))


async def registry_rows(region_prefix: str, born_on_or_before: date) -> list[dict]:
    """Open elder records of a region old enough for a program (for discovery sweeps)."""
    return (
        await Elder.select(
            Elder.id,
            Elder.region_code,
            Elder.birth_date,
            Elder.low_income,
            Elder.disability,
        )
        .where(
            Elder.region_code.like(f"{region_prefix}%")
            & (Elder.birth_date <= born_on_or_before)
            & Elder.ended_on.is_null()
        )
        .order_by(Elder.id)
        .run()
    )


async def id_numbers(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Names and full ID numbers for the bank's payment file (the caller audits the export)."""
    if not ids:
        return {}
    rows = (
        await Elder.select(Elder.id, Elder.name, Elder.id_number)
        .where(Elder.id.is_in(list(set(ids))))
        .run()
    )
    return {row["id"]: (row["name"], row["id_number"]) for row in rows}
