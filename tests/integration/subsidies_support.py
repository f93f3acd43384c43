"""A small world for subsidy tests: an allowance program for 遂宁市 (80-89 ¥100, 90-99 ¥200,
100+ ¥500 a month), a family, community staff of 船山区 and two bureau officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from eldercare.actor import Actor
from eldercare.subsidies import applications, programs
from eldercare.subsidies.domain import Band
from tests.factories import valid_id_number
from tests.integration.conftest import Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
BANDS = [Band(80, 89, 10000), Band(90, 99, 20000), Band(100, None, 50000)]
PROGRAM = "gaoling-suining"


def local(*args: int) -> datetime:
    """A moment in Asia/Shanghai, as UTC (services take aware datetimes)."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def as_actor(person: Person, role: str, region: str | None = None) -> Actor:
    return Actor(id=person.id, name=person.name, roles=(role,), region_code=region)


@dataclass
class World:
    family: Person
    staff: Person
    officer: Person
    second_officer: Person

    @property
    def staff_actor(self) -> Actor:
        return as_actor(self.staff, "community_staff", "510903")

    @property
    def officer_actor(self) -> Actor:
        return as_actor(self.officer, "bureau_officer", "510900")

    @property
    def family_actor(self) -> Actor:
        return as_actor(self.family, "family")


async def make_program(
    officer: Person,
    code: str = PROGRAM,
    *,
    kind: str = "allowance",
    bands: list[Band] | None = None,
    region: str = "510900",
    **extra: Any,
) -> programs.ProgramView:
    return await programs.create_program(
        as_actor(officer, "bureau_officer", "510900"),
        programs.ProgramInput(
            code=code,
            name="遂宁市高龄津贴" if kind == "allowance" else "居家养老服务券",
            kind=kind,
            region_code=region,
            bands=bands or BANDS,
            **extra,
        ),
    )


async def add_elder(
    client: httpx.AsyncClient,
    who: Person,
    *,
    birth: date,
    name: str = "王桂兰",
    region: str = "510903001001",
) -> int:
    response = await client.post(
        "/api/v1/elders",
        headers=who.headers,
        json={
            "name": name,
            "id_number": valid_id_number(region="510903", birth=birth),
            "address": "船山区南津路街道滨江社区 5 栋",
            "region_code": region,
            "lat": 30.53,
            "lon": 105.58,
            "relationship": "child",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def build_world(make_person: Any) -> World:
    family = await make_person("family", name="王强")
    staff = await make_person("community_staff", region="510903", name="社区李姐")
    officer = await make_person("bureau_officer", region="510900", name="民政局张科长")
    second = await make_person("bureau_officer", region="510900", name="民政局赵科员")
    await make_program(officer)
    return World(family, staff, officer, second)


async def approved(world: World, elder_id: int, *, at: datetime, program: str = PROGRAM) -> int:
    """Apply, accept, pass and approve as of ``at``; the new entitlement's id."""
    from eldercare.subsidies import entitlements

    view = await applications.apply(
        world.family_actor, elder_id=elder_id, program_code=program, now=at
    )
    for decision in ("accept", "pass"):
        await applications.decide(world.staff_actor, view.id, decision=decision, now=at)
    await applications.decide(world.officer_actor, view.id, decision="approve", now=at)
    found, _ = await entitlements.list_entitlements(world.family_actor, elder_id=elder_id)
    return next(e.id for e in found if e.program_code == program)
