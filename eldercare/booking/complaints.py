"""The bureau's complaint queue: complaints filed about visits, answered by a bureau officer.

An officer sees the complaints of the elders in their region (a complaint keeps the elder's
region from the moment it was filed); anyone else's are 404. Resolving is one transaction:
the answer, the audit row and the message to whoever filed it land together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.booking.tables import Complaint
from eldercare.db import is_sqlite, write_transaction
from eldercare.errors import N_, Conflict, Forbidden, Invalid, NotFound
from eldercare.geo.domain import region_contains, region_prefix
from eldercare.notifications.service import notify

OPEN = "open"
RESOLVED = "resolved"
STATUSES = (OPEN, RESOLVED)
MAX_RESOLUTION = 2000


@dataclass(frozen=True)
class ComplaintView:
    id: int
    booking_id: int
    region_code: str
    filed_by: int
    text: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str


def _view(row: dict[str, Any]) -> ComplaintView:
    return ComplaintView(
        id=row["id"],
        booking_id=row["booking"],
        region_code=row["region_code"],
        filed_by=row["filed_by"],
        text=row["text"],
        status=row["status"],
        created_at=row["created_at"],
        resolved_at=row["resolved_at"],
        resolution=row["resolution"],
    )


def _officer_region(actor: Actor) -> str:
    """Only bureau officers handle complaints (403); an officer with no region sees none."""
    if not actor.has_role("bureau_officer"):
        raise Forbidden(N_("Only civil affairs officers handle complaints."))
    return actor.region_code or ""


def _check_status(status: str | None) -> str | None:
    if status in (None, ""):
        return None
    if status not in STATUSES:
        raise Invalid("status", N_("Choose open or resolved."))
    return status


async def list_complaints(
    actor: Actor, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ComplaintView], int]:
    """The officer's region's complaints: open ones oldest first (a queue), others newest first."""
    region = _officer_region(actor)
    status = _check_status(status)
    if not region:
        return [], 0
    where: Any = Complaint.region_code.like(f"{region_prefix(region)}%")
    if status is not None:
        where = where & (Complaint.status == status)
    total = await Complaint.count().where(where).run()
    query = Complaint.select().where(where)
    if status == OPEN:
        query = query.order_by(Complaint.created_at).order_by(Complaint.id)
    else:
        query = query.order_by(Complaint.created_at, ascending=False).order_by(
            Complaint.id, ascending=False
        )
    rows = await query.limit(limit).offset(offset).run()
    return [_view(row) for row in rows], total


async def _visible_row(region: str, complaint_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Complaint.select().where(Complaint.id == complaint_id)
    if lock and not is_sqlite():
        query = query.lock_rows()
    row = await query.first().run()
    if row is None or not region or not region_contains(region, row["region_code"]):
        raise NotFound(N_("No such complaint."))
    return row


async def get_complaint(actor: Actor, complaint_id: int) -> ComplaintView:
    return _view(await _visible_row(_officer_region(actor), complaint_id))


def _resolution(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("resolution", N_("Please write what was done about it."))
    if len(text) > MAX_RESOLUTION:
        raise Invalid("resolution", N_("Please keep it under 2000 characters."))
    return text


async def resolve(
    actor: Actor, complaint_id: int, resolution: str, *, now: datetime | None = None
) -> ComplaintView:
    """Close a complaint with the officer's note (only once: then 409), and tell the filer."""
    now = now or datetime.now(UTC)
    region = _officer_region(actor)
    async with write_transaction():
        row = await _visible_row(region, complaint_id, lock=True)
        text = _resolution(resolution)
        if row["status"] != OPEN:
            raise Conflict(N_("This complaint has already been resolved."))
        await (
            Complaint.update(
                {
                    Complaint.status: RESOLVED,
                    Complaint.resolved_at: now,
                    Complaint.resolution: text,
                }
            )
            .where((Complaint.id == complaint_id) & (Complaint.status == OPEN))
            .run()
        )
        await audit.record(
            actor,
            "complaint.resolve",
            entity="complaint",
            entity_id=complaint_id,
            detail=f"booking={row['booking']}",
            now=now,
        )
        await notify(
            row["filed_by"],
            "complaint.resolved",
            N_("The civil affairs bureau has answered your complaint about booking {id}."),
            dedupe_key=f"complaint-resolved:{complaint_id}",
            link=f"/bookings/{row['booking']}",
            now=now,
            id=row["booking"],
        )
        row.update(status=RESOLVED, resolved_at=now, resolution=text)
    return _view(row)
