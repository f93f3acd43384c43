"""Programs: defined by bureau officers, read by everyone (cached, cleared on every write)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.geo import service as geo
from eldercare.geo.domain import region_contains, region_prefix
from eldercare.subsidies import domain
from eldercare.subsidies.domain import Band
from eldercare.subsidies.tables import Program, ProgramBand

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,46}$")


@dataclass(frozen=True)
class ProgramView:
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    bands: list[Band]
    annual_review: bool
    requires_low_income: bool = False
    requires_disability: bool = False
    auto_grant: bool = False
    active: bool = True

    @property
    def conditions(self) -> domain.Conditions:
        return domain.Conditions(
            region_code=self.region_code,
            requires_low_income=self.requires_low_income,
            requires_disability=self.requires_disability,
        )

    @property
    def min_age(self) -> int:
        return min(band.min_age for band in self.bands)


@dataclass
class ProgramInput:
    code: str = ""
    name: str = ""
    kind: str = domain.ALLOWANCE
    region_code: str = ""
    bands: list[Band] = field(default_factory=list)
    annual_review: bool = True
    requires_low_income: bool = False
    requires_disability: bool = False
    auto_grant: bool = False


_cache: dict[str, ProgramView] | None = None


def clear_cache() -> None:
    global _cache
    _cache = None


async def _all() -> dict[str, ProgramView]:
    global _cache
    if _cache is None:
        programs = await Program.select().order_by(Program.id).run()
        bands = await ProgramBand.select().order_by(ProgramBand.min_age).run()
        by_program: dict[int, list[Band]] = {}
        for row in bands:
            by_program.setdefault(row["program"], []).append(
                Band(row["min_age"], row["max_age"], row["amount_fen"])
            )
        _cache = {
            row["code"]: ProgramView(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                region_code=row["region_code"],
                bands=by_program.get(row["id"], []),
                annual_review=row["annual_review"],
                requires_low_income=row["requires_low_income"],
                requires_disability=row["requires_disability"],
                auto_grant=row["auto_grant"],
                active=row["active"],
            )
            for row in programs
        }
    return _cache


async def list_programs(region_code: str | None = None) -> list[ProgramView]:
    """Active programs; with a region, those an elder living there can apply for."""
    programs = [p for p in (await _all()).values() if p.active]
    if region_code:
        programs = [p for p in programs if region_contains(p.region_code, region_code)]
    return programs


async def get_program(code: str, *, key: str = "program_code") -> ProgramView:
    program = (await _all()).get(code)
    if program is None or not program.active:
        raise Invalid(key, N_("There is no program with the code {code}."), code=code)
    return program


async def program_by_id(program_id: int) -> ProgramView:
    program = next((p for p in (await _all()).values() if p.id == program_id), None)
    if program is None:
        raise NotFound(N_("No such program."))
    return program


async def programs_by_id() -> dict[int, ProgramView]:
    return {p.id: p for p in (await _all()).values()}


async def create_program(
    actor: Actor, data: ProgramInput, *, now: datetime | None = None
) -> ProgramView:
    """A bureau officer defines a program for their region (or a region inside it)."""
    now = now or datetime.now(UTC)
    if not actor.has_role("bureau_officer") or actor.region_code is None:
        raise Forbidden(N_("Only bureau officers can define programs."))
    problems: list[FieldProblem] = []
    code = data.code.strip().lower()
    if not _CODE.match(code):
        problems.append(
            FieldProblem("code", N_("Use 2 to 47 lower-case letters, digits or hyphens."))
        )
    name = data.name.strip()
    if not name or len(name) > 100:
        problems.append(
            FieldProblem("name", N_("Give the program a name (at most 100 characters)."))
        )
    if data.kind not in domain.KINDS:
        problems.append(FieldProblem("kind", N_("Choose allowance or service_voucher.")))
    region = data.region_code.strip()
    if await geo.get_region(region) is None:
        problems.append(
            FieldProblem(
                "region_code", N_("There is no region with the code {code}."), {"code": region}
            )
        )
    elif not region_contains(actor.region_code, region):
        problems.append(
            FieldProblem("region_code", N_("This region is outside the area you look after."))
        )
    try:
        bands = domain.check_bands(list(data.bands))
    except Invalid as error:
        problems.extend(error.problems)
    if problems:
        raise Invalid.many(problems)
    async with write_transaction():
        if await Program.exists().where(Program.code == code).run():
            raise Conflict(N_("A program with the code {code} already exists."), code=code)
        program = Program(
            code=code,
            name=name,
            kind=data.kind,
            region_code=region,
            annual_review=data.annual_review,
            requires_low_income=data.requires_low_income,
            requires_disability=data.requires_disability,
            auto_grant=data.auto_grant,
            active=True,
            created_by=actor.id,
            created_at=now,
        )
        await program.save().run()
        await ProgramBand.insert(
            *[
                ProgramBand(
                    program=program.id,
                    min_age=band.min_age,
                    max_age=band.max_age,
                    amount_fen=band.amount_fen,
                )
                for band in bands
            ]
        ).run()
        await audit.record(actor, "program.create", entity="program", entity_id=code, now=now)
    clear_cache()
    return await get_program(code)


def in_scope(actor: Actor, region_code: str) -> bool:
    return actor.is_staff and region_code.startswith(region_prefix(actor.region_code or ""))
