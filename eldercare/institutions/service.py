"""Institution directory use cases: public search and reading, and upkeep by bureau officers.

Anyone may search the active institutions. A bureau officer maintains those in their
region; to any other officer an institution outside it does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.custom_types import Combinable

from eldercare import db
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import write_transaction
from eldercare.errors import N_, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.geo import service as geo
from eldercare.geo.domain import region_contains, region_prefix
from eldercare.institutions import domain
from eldercare.institutions.domain import InstitutionInput
from eldercare.institutions.tables import Institution

OFFICER = "bureau_officer"


@dataclass(frozen=True)
class InstitutionView:
    id: int
    name: str
    kind: str
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
    distance_km: float | None = None


def _view(row: dict[str, Any], distance: float | None = None) -> InstitutionView:
    return InstitutionView(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        beds=row["beds"],
        vacancies=row["vacancies"],
        price_min_fen=row["price_min_fen"],
        price_max_fen=row["price_max_fen"],
        address=row["address"],
        phone=row["phone"],
        region_code=row["region_code"],
        lat=row["lat"],
        lon=row["lon"],
        active=bool(row["active"]),
        distance_km=None if distance is None else domain.shown_km(distance),
    )


def _maintains(actor: Actor | None, region_code: str) -> bool:
    """Whether this actor keeps the directory for that region (their own or one below it)."""
    return bool(
        actor is not None
        and actor.has_role(OFFICER)
        and actor.region_code
        and region_contains(actor.region_code, region_code)
    )


# ---------------------------------------------------------------------------- searching


async def _check_region_exists(code: str | None, problems: list[FieldProblem]) -> None:
    if code and await geo.get_region(code) is None:
        problems.append(
            FieldProblem(
                "region_code", N_("There is no region with the code {code}."), {"code": code}
            )
        )


async def search(
    *,
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    region_code: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
    problems: list[FieldProblem] | None = None,
) -> tuple[list[InstitutionView], int]:
    """Active institutions near a point (nearest first), in a region, of a kind, or all.

    A point search reads only the rows inside the radius's latitude/longitude box (both
    columns indexed), then measures those few with geopy; ``problems`` carries any a form
    already found, so every bad field is reported together.
    """
    problems = list(problems or [])
    query = domain.check_search(
        lat=lat, lon=lon, radius_km=radius_km, region_code=region_code, kind=kind, problems=problems
    )
    await _check_region_exists(query.region_code, problems)
    if problems:
        raise Invalid.many(problems)
    where: Combinable = Institution.active.eq(True)
    if query.region_code:
        where &= Institution.region_code.like(f"{region_prefix(query.region_code)}%")
    if query.kind:
        where &= Institution.kind == query.kind
    box = query.box()
    if box is None or query.point is None or query.radius_km is None:
        total = await Institution.count().where(where).run()
        rows = await (
            Institution.select()
            .where(where)
            .order_by(Institution.name)
            .order_by(Institution.id)
            .limit(limit)
            .offset(offset)
            .run()
        )
        return [_view(row) for row in rows], total
    min_lat, max_lat, min_lon, max_lon = box
    where &= (
        (Institution.lat >= min_lat)
        & (Institution.lat <= max_lat)
        & (Institution.lon >= min_lon)
        & (Institution.lon <= max_lon)
    )
    near = domain.within_radius(
        await Institution.select().where(where).run(),
        query.point[0],
        query.point[1],
        query.radius_km,
    )
    return [_view(row, distance) for row, distance in near[offset : offset + limit]], len(near)


async def get_institution(institution_id: int, actor: Actor | None = None) -> InstitutionView:
    """Active ones are public; one taken off the directory is seen only by its officers."""
    row = await Institution.select().where(Institution.id == institution_id).first().run()
    if row is None or not (row["active"] or _maintains(actor, row["region_code"])):
        raise NotFound(N_("No such institution."))
    return _view(row)


# ---------------------------------------------------------------------------- upkeep


def _require_officer(actor: Actor) -> None:
    if not actor.has_role(OFFICER):
        raise Forbidden(N_("Only civil affairs officers maintain the institution directory."))


async def ensure_maintainable(actor: Actor, institution_id: int) -> None:
    """404 unless this officer keeps the institution (for the API's check order: 404 before 422)."""
    _require_officer(actor)
    row = (
        await Institution.select(Institution.region_code)
        .where(Institution.id == institution_id)
        .first()
        .run()
    )
    if row is None or not _maintains(actor, row["region_code"]):
        raise NotFound(N_("No such institution."))


async def _check_region(actor: Actor, code: str | None, problems: list[FieldProblem]) -> None:
    """The region exists and lies in the officer's area."""
    if not code or any(p.key == "region_code" for p in problems):
        return
    await _check_region_exists(code, problems)
    if not any(p.key == "region_code" for p in problems) and not _maintains(actor, code):
        problems.append(
            FieldProblem("region_code", N_("This region is outside the area you look after."))
        )


async def _fill_position(values: dict[str, Any]) -> None:
    """Without coordinates the region's centroid stands in (the offline gazetteer has one)."""
    if values.get("lat") is None or values.get("lon") is None:
        region = await geo.get_region(values["region_code"])
        assert region is not None  # checked above
        values["lat"], values["lon"] = region.lat, region.lon


async def create_institution(
    actor: Actor,
    data: InstitutionInput,
    *,
    problems: list[FieldProblem] | None = None,
    now: datetime | None = None,
) -> InstitutionView:
    now = now or datetime.now(UTC)
    _require_officer(actor)
    problems = list(problems or [])
    values = domain.check_institution(data.given(), problems)
    await _check_region(actor, values.get("region_code"), problems)
    if problems:
        raise Invalid.many(problems)
    await _fill_position(values)
    async with write_transaction():
        row = Institution(**values, created_at=now, updated_at=now)
        await row.save().run()
        await audit.record(
            actor,
            "institution.create",
            entity="institution",
            entity_id=row.id,
            detail=values["name"],
            now=now,
        )
    return _view(row.to_dict())


async def update_institution(
    actor: Actor,
    institution_id: int,
    changes: InstitutionInput,
    *,
    problems: list[FieldProblem] | None = None,
    now: datetime | None = None,
) -> InstitutionView:
    """Change any fields (``active`` takes it off or back on the directory); the rest stay."""
    now = now or datetime.now(UTC)
    _require_officer(actor)
    given = changes.given()
    async with write_transaction():
        query = Institution.select().where(Institution.id == institution_id)
        if not db.is_sqlite():  # SQLite's immediate transaction is the lock there
            query = query.lock_rows()
        row = await query.first().run()
        if row is None or not _maintains(actor, row["region_code"]):
            raise NotFound(N_("No such institution."))
        problems = list(problems or [])
        current = {key: row[key] for key in domain.FIELDS}
        values = domain.check_institution({**current, **given}, problems, changed=set(given))
        if values.get("region_code") != row["region_code"]:
            await _check_region(actor, values.get("region_code"), problems)
        if problems:
            raise Invalid.many(problems)
        altered = sorted(key for key in domain.FIELDS if values[key] != row[key])
        if altered:
            update: dict[Column | str, Any] = {Institution.updated_at: now}
            update.update(values.items())
            await Institution.update(update).where(Institution.id == institution_id).run()
            await audit.record(
                actor,
                "institution.update",
                entity="institution",
                entity_id=institution_id,
                detail=",".join(altered),
                now=now,
            )
            row = {**row, **values, "updated_at": now}
    return _view(row)


async def list_for_officer(
    actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[InstitutionView], int]:
    """Every institution of the officer's region, the inactive ones too."""
    _require_officer(actor)
    if not actor.region_code:
        return [], 0
    where = Institution.region_code.like(f"{region_prefix(actor.region_code)}%")
    total = await Institution.count().where(where).run()
    rows = await (
        Institution.select()
        .where(where)
        .order_by(Institution.region_code)
        .order_by(Institution.name)
        .order_by(Institution.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_view(row) for row in rows], total


async def exists_named(name: str, region_code: str) -> bool:
    """For the demo loader: is this institution already in the directory?"""
    return (
        await Institution.exists()
        .where((Institution.name == name) & (Institution.region_code == region_code))
        .run()
    )
