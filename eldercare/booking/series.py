"""Recurring series: who may see and change one, the checks before one is made, the clash
preview, making one (with its first horizon of visits), and reading them.

Each write is one transaction, audited inside it. Visits are created by
series_materialize.py; skip, pause, resume, cancel and change live in series_edits.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.accounts import elders as elder_records
from eldercare.accounts import service as accounts
from eldercare.accounts.elders import ElderView
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking import domain, matching
from eldercare.booking import series_domain as sd
from eldercare.booking import series_words as words
from eldercare.booking.policy import current_policy
from eldercare.booking.series_materialize import materialize
from eldercare.booking.service import _channel, _offered_item
from eldercare.booking.tables import Series
from eldercare.catalog.domain import ItemInfo
from eldercare.db import is_sqlite, write_transaction
from eldercare.errors import N_, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.notifications.service import notify
from eldercare.providers import service as providers
from eldercare.settings import get_settings


@dataclass(frozen=True)
class SeriesView:
    id: int
    elder_id: int
    service_code: str
    provider_id: int | None
    caregiver_id: int | None
    rrule: str
    dtstart_local: datetime  # naive, in ``timezone``
    timezone: str
    skip_holidays: bool
    exdates: tuple[date, ...]
    status: str
    channel: str
    notes: str
    replaces: int | None
    created_by: int
    created_at: datetime
    materialized_until: datetime | None
    sides: frozenset[str] = frozenset()

    @property
    def start(self) -> datetime:
        """The first visit as an aware moment in the elder's zone."""
        return self.dtstart_local.replace(tzinfo=ZoneInfo(self.timezone))

    @property
    def actions(self) -> list[str]:
        return sd.allowed_actions(self.status) if domain.ELDER_SIDE in self.sides else []

    def describe(self, gettext: Any) -> str:
        return words.describe(self.rrule, self.dtstart_local, self.timezone, gettext)


def view(row: dict[str, Any], sides: frozenset[str] = frozenset()) -> SeriesView:
    return SeriesView(
        id=row["id"],
        elder_id=row["elder"],
        service_code=row["service_code"],
        provider_id=row["provider"],
        caregiver_id=row["caregiver"],
        rrule=row["rrule"],
        dtstart_local=row["dtstart_local"],
        timezone=row["timezone"],
        skip_holidays=row["skip_holidays"],
        exdates=tuple(sorted(sd.parse_exdates(row["exdates"]))),
        status=row["status"],
        channel=row["channel"],
        notes=row["notes"],
        replaces=row["replaces"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        materialized_until=row["materialized_until"],
        sides=sides,
    )


# --------------------------------------------------------------------------- access


async def sides_for(actor: Actor, row: dict[str, Any]) -> frozenset[str]:
    """The elder's side changes a series; the admin of its provider may read it."""
    sides = set()
    if (
        actor.has_role("provider_admin")
        and actor.provider_id
        and actor.provider_id == row["provider"]
    ):
        sides.add(domain.PROVIDER)
    if (actor.is_staff or actor.has_role("resident", "family")) and await elder_records.acts_for(
        actor, row["elder"]
    ):
        sides.add(domain.ELDER_SIDE)
    return frozenset(sides)


async def load_for(
    actor: Actor, series_id: int, *, write: bool = False
) -> tuple[dict[str, Any], frozenset[str]]:
    """The series row and the actor's sides: 404 when the actor has none, 403 when a reader
    tries to change it. ``write`` also locks the row on PostgreSQL."""
    query = Series.select().where(Series.id == series_id)
    if write and not is_sqlite():
        query = query.lock_rows()
    row = await query.first().run()
    sides = await sides_for(actor, row) if row is not None else frozenset()
    if not sides:
        raise NotFound(N_("No such series."))
    if write and domain.ELDER_SIDE not in sides:
        raise Forbidden(N_("Only the elder's side can change this series."))
    return row, sides


def zone() -> str:
    return get_settings().timezone


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """A series checked and ready to save or preview."""

    elder: ElderView
    item: ItemInfo
    rule: str
    dtstart_local: datetime
    timezone: str
    provider_id: int | None
    caregiver_id: int | None
    skip_holidays: bool
    exdates: frozenset[date]

    def describe(self, gettext: Any) -> str:
        return words.describe(self.rule, self.dtstart_local, self.timezone, gettext)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.item.duration_minutes)

    def place(self) -> matching.Place:
        assert self.elder.lat is not None and self.elder.lon is not None
        return matching.Place(
            lat=self.elder.lat,
            lon=self.elder.lon,
            region_code=self.elder.region_code,
            timezone=self.timezone,
        )


def _attempt(problems: list[FieldProblem], check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except Invalid as error:
        problems.extend(error.problems)
        return None


async def check_team(
    item: ItemInfo, elder: ElderView, on: date, provider_id: int | None, caregiver_id: int | None
) -> list[FieldProblem]:
    """The provider offers the item at the elder's address and is approved; the caregiver
    works for it with the skill (from the provider package's matching pool)."""
    if provider_id is None:
        if caregiver_id is not None:
            return [FieldProblem("provider_id", N_("Choose the caregiver's provider too."))]
        return []
    pool = await providers.match_pool(
        item_code=item.code,
        skill=item.skill,
        lat=elder.lat or 0.0,
        lon=elder.lon or 0.0,
        region_code=elder.region_code,
        on=on,
    )
    provider = next((p for p in pool if p.id == provider_id), None)
    if provider is None:
        return [
            FieldProblem(
                "provider_id",
                N_("This provider does not offer this service at the elder's address."),
            )
        ]
    if caregiver_id is not None and caregiver_id not in {c.id for c in provider.caregivers}:
        return [
            FieldProblem(
                "caregiver_id",
                N_(
                    "This caregiver does not work for that provider "
                    "or lacks the skill for this service."
                ),
            )
        ]
    return []


async def plan(
    actor: Actor,
    *,
    elder_id: int,
    service_code: str,
    rrule: str,
    start: datetime,
    provider_id: int | None,
    caregiver_id: int | None,
    skip_holidays: bool,
    drop_dates: list[date] | tuple[date, ...] = (),
    notes: str = "",
    now: datetime,
) -> Plan:
    """Every check before a series is saved or previewed: 404 for an elder not visible or a
    service not offered there, then every bad field at once (422)."""
    elder = await elder_records.get_elder(actor, elder_id, now=now)
    item = await _offered_item(service_code, elder.region_code)
    problems: list[FieldProblem] = []
    if elder.lat is None or elder.lon is None:
        problems.append(
            FieldProblem("elder_id", N_("This elder's address has no map position yet."))
        )
    timezone = zone()
    _attempt(problems, domain.check_start, start, now, current_policy())
    dtstart_local = (
        start.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)
        if start.tzinfo
        else start
    )
    rule = _attempt(problems, sd.check, rrule, dtstart_local, timezone, now)
    if rule is not None:  # the first visit is the rule's first time from the start given
        rule = sd.explicit(rule, dtstart_local)
        dtstart_local = sd.first_time(rule.text(), dtstart_local, timezone) or dtstart_local
    if len(notes) > 500:
        problems.append(FieldProblem("notes", N_("Notes can be at most 500 characters.")))
    if not problems:
        problems += await check_team(item, elder, dtstart_local.date(), provider_id, caregiver_id)
    if problems:
        raise Invalid.many(problems)
    return Plan(
        elder=elder,
        item=item,
        rule=rule.text(),
        dtstart_local=dtstart_local,
        timezone=timezone,
        provider_id=provider_id,
        caregiver_id=caregiver_id,
        skip_holidays=skip_holidays,
        exdates=frozenset(drop_dates),
    )


def horizon() -> timedelta:
    return timedelta(days=get_settings().series_horizon_days)


# --------------------------------------------------------------------------- create


async def create_series(
    actor: Actor,
    *,
    elder_id: int,
    service_code: str,
    rrule: str,
    start: datetime,
    provider_id: int | None = None,
    caregiver_id: int | None = None,
    skip_holidays: bool = False,
    drop_dates: list[date] | tuple[date, ...] = (),
    notes: str = "",
    channel: str | None = None,
    default_channel: str = "app",
    now: datetime | None = None,
) -> tuple[SeriesView, int]:
    """Save a series and create the visits of its first horizon, in one transaction; returns
    the series and how many visits were created."""
    now = now or datetime.now(UTC)
    if not (actor.is_staff or actor.has_role("resident", "family")):
        raise Forbidden(N_("Your account cannot book services."))
    checked = await plan(
        actor,
        elder_id=elder_id,
        service_code=service_code,
        rrule=rrule,
        start=start,
        provider_id=provider_id,
        caregiver_id=caregiver_id,
        skip_holidays=skip_holidays,
        drop_dates=drop_dates,
        notes=notes,
        now=now,
    )
    channel = _channel(actor, channel, default_channel)
    async with write_transaction():
        series = Series(
            elder=elder_id,
            service_code=checked.item.code,
            provider=provider_id,
            caregiver=caregiver_id,
            rrule=checked.rule,
            dtstart_local=checked.dtstart_local,
            timezone=checked.timezone,
            skip_holidays=skip_holidays,
            exdates=sd.format_exdates(checked.exdates),
            status=sd.ACTIVE,
            channel=channel,
            created_by=actor.id,
            notes=notes.strip(),
            created_at=now,
            updated_at=now,
        )
        await series.save().run()
        row = await Series.select().where(Series.id == series.id).first().run()
        created = await materialize(actor, row, now)
        await audit.record(
            actor,
            "series.create",
            entity="series",
            entity_id=series.id,
            detail=f"{checked.rule} {channel}",
            now=now,
        )
        await tell_provider(
            row,
            "series.created",
            N_("A recurring series (number {id}) has been set up with your organisation."),
            now,
        )
        row = await Series.select().where(Series.id == series.id).first().run()
    return view(row, frozenset({domain.ELDER_SIDE})), created


async def tell_provider(row: dict[str, Any], kind: str, message: str, now: datetime) -> None:
    """Tell the admins of the series' provider (inside the caller's transaction)."""
    if row["provider"] is None:
        return
    for user_id in await accounts.users_with_role("provider_admin", provider_id=row["provider"]):
        await notify(
            user_id,
            kind,
            message,
            dedupe_key=f"{kind}:{row['id']}:{row['updated_at']}:{user_id}",
            link=f"/series/{row['id']}",
            now=now,
            id=row["id"],
        )


# --------------------------------------------------------------------------- reading


async def get_series(actor: Actor, series_id: int) -> SeriesView:
    row, sides = await load_for(actor, series_id)
    return view(row, sides)
