"""A death or a move out of the region, recorded by staff: the elder's record closes, their
entitlements end after that month, later pending payments, open applications, pending
reviews and future visits are cancelled — one transaction, with the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

from eldercare.accounts import elders as elder_records
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import write_transaction
from eldercare.errors import N_, Forbidden, Invalid
from eldercare.subsidies import domain, entitlements, payments, reviews
from eldercare.subsidies.tables import Application, ApplicationStep, Entitlement, Outreach

REASONS = ("death", "moved_out")


async def close_elder(
    actor: Actor,
    elder_id: int,
    *,
    reason: str,
    on: date,
    comment: str = "",
    now: datetime | None = None,
) -> dict[str, int]:
    from eldercare.booking import facts

    now = now or datetime.now(UTC)
    if not actor.is_staff:
        raise Forbidden(N_("Only community staff can record a death or a move."))
    await elder_records.ensure_visible(actor, elder_id)
    if reason not in REASONS:
        raise Invalid("reason", N_("Choose death or moved_out."))
    if on > local_today(now):
        raise Invalid("date", N_("The date cannot be in the future."))
    text = f"{reason}: {comment.strip()}" if comment.strip() else reason
    last_month = domain.month_of(on)
    counts = {"entitlements": 0, "payments_cancelled": 0, "visits_cancelled": 0}
    async with write_transaction():
        await elder_records.close_record(actor, elder_id, reason=reason, on=on, now=now)
        for row in await entitlements.live_rows(elder_id):
            await (
                Entitlement.update(
                    {
                        Entitlement.status: entitlements.TERMINATED,
                        Entitlement.end_month: max(last_month, row["start_month"] - 1),
                        Entitlement.ended_reason: text,
                        Entitlement.updated_at: now,
                    }
                )
                .where(Entitlement.id == row["id"])
                .run()
            )
            counts["entitlements"] += 1
            counts["payments_cancelled"] += await payments.cancel_after(
                row["id"], last_month, now=now
            )
            await reviews.close_pending(row["id"])
            await audit.record(
                actor,
                "entitlement.end",
                entity="entitlement",
                entity_id=row["id"],
                detail=text,
                now=now,
            )
        open_ones = (
            await Application.select(Application.id)
            .where((Application.elder == elder_id) & Application.status.is_in(list(domain.OPEN)))
            .run()
        )
        for application in open_ones:
            await (
                Application.update(
                    {
                        Application.status: domain.REJECTED,
                        Application.decided_at: now,
                        Application.updated_at: now,
                    }
                )
                .where(Application.id == application["id"])
                .run()
            )
            await ApplicationStep.insert(
                ApplicationStep(
                    application=application["id"],
                    decision="reject",
                    actor_id=actor.id,
                    role=actor.main_role,
                    comment=text,
                    at=now,
                )
            ).run()
        await (
            Outreach.update({Outreach.status: "dismissed"})
            .where((Outreach.elder == elder_id) & (Outreach.status == "open"))
            .run()
        )
        counts["visits_cancelled"] = await facts.cancel_future(
            actor, elder_id, reason=text, now=now
        )
    return counts
