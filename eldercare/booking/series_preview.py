"""The clash preview: before a series is saved, every visit of its first horizon with what
would stand in its way (caregiver busy or off, provider with nobody free, nobody free at all).
Nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eldercare.actor import Actor
from eldercare.booking import domain, matching
from eldercare.booking import series_domain as sd
from eldercare.booking.policy import current_policy
from eldercare.booking.series import Plan, horizon, plan
from eldercare.errors import N_

CLASHES = {
    "caregiver_busy": N_("The chosen caregiver already has a visit then."),
    "caregiver_off": N_("The chosen caregiver is not working then."),
    "provider_unavailable": N_("The chosen provider has nobody free then."),
    "nobody_free": N_("No provider is free then."),
}


@dataclass(frozen=True)
class PreviewItem:
    start: datetime  # UTC
    clash: str | None  # a key of CLASHES


async def _clash(plan: Plan, start: datetime, now: datetime) -> str | None:
    """Why this visit could not go ahead as planned, or None. One pool load per visit, and a
    rule gives at most one visit a day."""
    policy = current_policy()
    found = await matching.candidates(
        item_code=plan.item.code,
        skill=plan.item.skill,
        duration=plan.duration,
        place=plan.place(),
        start=start,
        now=now,
        policy=policy,
        only_provider=plan.provider_id,
    )
    if plan.caregiver_id is not None:
        if any(plan.caregiver_id in c.caregiver_ids for c in found):
            return None
        busy = await matching.busy_caregivers(
            [plan.caregiver_id], *domain.busy_interval(start, start + plan.duration, policy)
        )
        return "caregiver_busy" if busy else "caregiver_off"
    if found:
        return None
    return "provider_unavailable" if plan.provider_id is not None else "nobody_free"


async def preview(
    actor: Actor,
    *,
    elder_id: int,
    service_code: str,
    rrule: str,
    start: datetime,
    provider_id: int | None = None,
    caregiver_id: int | None = None,
    skip_holidays: bool = False,
    now: datetime | None = None,
) -> tuple[Plan, list[PreviewItem]]:
    """Every visit of the first horizon with what would stand in its way (nothing is saved)."""
    now = now or datetime.now(UTC)
    checked = await plan(
        actor,
        elder_id=elder_id,
        service_code=service_code,
        rrule=rrule,
        start=start,
        provider_id=provider_id,
        caregiver_id=caregiver_id,
        skip_holidays=skip_holidays,
        now=now,
    )
    times = sd.occurrences(
        checked.rule,
        checked.dtstart_local,
        checked.timezone,
        now + current_policy().min_notice,
        now + horizon(),
        (),
        skip_holidays,
    )
    return checked, [PreviewItem(start=t, clash=await _clash(checked, t, now)) for t in times]
