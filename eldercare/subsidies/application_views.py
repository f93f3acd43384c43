"""What applicants, staff and officers see of applications: each with its trail of steps and
its documents, and the lists (the staff's queue, a family's own). Reads only; the use cases
that change an application are in applications.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from piccolo.query import OrderByRaw

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.errors import N_, Invalid
from eldercare.geo.domain import check_region_code, region_prefix
from eldercare.subsidies import domain, programs
from eldercare.subsidies.tables import Application, ApplicationDocument, ApplicationStep


@dataclass(frozen=True)
class StepView:
    decision: str
    actor_id: int
    role: str
    comment: str
    at: datetime


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


@dataclass(frozen=True)
class ApplicationView:
    id: int
    elder_id: int
    elder_name: str
    program_code: str
    program_name: str
    status: str
    channel: str
    age: int
    region_code: str
    submitted_at: datetime
    due_on: date
    overdue: bool
    waiting_days: int
    steps: list[StepView]
    documents: list[DocumentInfo]


async def views(rows: list[dict[str, Any]], now: datetime) -> list[ApplicationView]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    steps: dict[int, list[StepView]] = {}
    for step in (
        await ApplicationStep.select()
        .where(ApplicationStep.application.is_in(ids))
        .order_by(ApplicationStep.id)
        .run()
    ):
        steps.setdefault(step["application"], []).append(
            StepView(step["decision"], step["actor_id"], step["role"], step["comment"], step["at"])
        )
    documents: dict[int, list[DocumentInfo]] = {}
    for doc in (
        await ApplicationDocument.select(
            ApplicationDocument.id,
            ApplicationDocument.application,
            ApplicationDocument.kind,
            ApplicationDocument.filename,
            ApplicationDocument.content_type,
            ApplicationDocument.size,
            ApplicationDocument.uploaded_at,
        )
        .where(ApplicationDocument.application.is_in(ids))
        .order_by(ApplicationDocument.id)
        .run()
    ):
        documents.setdefault(doc["application"], []).append(
            DocumentInfo(
                doc["id"],
                doc["kind"],
                doc["filename"],
                doc["content_type"],
                doc["size"],
                doc["uploaded_at"],
            )
        )
    by_id = await programs.programs_by_id()
    elders = await elder_records.elders_by_id([row["elder"] for row in rows], now=now)
    today = local_today(now)
    return [
        ApplicationView(
            id=row["id"],
            elder_id=row["elder"],
            elder_name=elders[row["elder"]].name,
            program_code=by_id[row["program"]].code,
            program_name=by_id[row["program"]].name,
            status=row["status"],
            channel=row["channel"],
            age=row["age"],
            region_code=row["region_code"],
            submitted_at=row["submitted_at"],
            due_on=row["due_on"],
            overdue=domain.is_overdue(row["status"], row["due_on"], today),
            waiting_days=(today - local_today(row["submitted_at"])).days,
            steps=steps.get(row["id"], []),
            documents=documents.get(row["id"], []),
        )
        for row in rows
    ]


async def list_applications(
    actor: Actor,
    *,
    status: str | None = None,
    region_code: str | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    overdue_only: bool = False,
    elder_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[ApplicationView], int]:
    """Staff: their region's queue, overdue first (earliest deadline first). Others: the
    applications of the elders they act for."""
    now = now or datetime.now(UTC)
    if status is not None and status not in (
        *domain.OPEN,
        domain.APPROVED,
        domain.REJECTED,
        "open",
    ):
        raise Invalid("status", N_("Unknown status {status}."), status=status)
    if actor.is_staff:
        where = Application.region_code.like(f"{region_prefix(actor.region_code or '')}%")
        if region_code:
            prefix = region_prefix(check_region_code(region_code))  # 422 when not a region code
            where = where & Application.region_code.like(f"{prefix}%")
    else:
        mine = await account_links.account_elder_ids(actor.id)
        if not mine:
            return [], 0
        where = Application.elder.is_in(mine)
    where = where & (Application.status != domain.WITHDRAWN)
    if elder_id is not None:
        where = where & (Application.elder == elder_id)
    if status == "open":  # everything still waiting for someone
        where = where & Application.status.is_in(list(domain.OPEN))
    elif status:
        where = where & (Application.status == status)
    if min_age is not None:
        where = where & (Application.age >= min_age)
    if max_age is not None:
        where = where & (Application.age <= max_age)
    if overdue_only:
        where = (
            where
            & Application.status.is_in(list(domain.IN_REVIEW))
            & (Application.due_on < local_today(now))
        )
    total = await Application.count().where(where).run()
    query = Application.select().where(where)
    if actor.is_staff:  # open cases first, the earliest deadline (so the overdue) first
        open_first = OrderByRaw(
            "CASE WHEN status IN ('submitted', 'accepted', 'reviewed') THEN 0 ELSE 1 END"
        )
        query = query.order_by(open_first).order_by(Application.due_on).order_by(Application.id)
    else:
        query = query.order_by(Application.id, ascending=False)
    rows = await query.limit(limit).offset(offset).run()
    return await views(rows, now), total
