"""JSON controller of the bureau's complaint queue: GET /complaints, POST /complaints/{id}/resolve.

The shapes live here rather than in schemas.py because only this controller uses them.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from eldercare.booking import complaints
from eldercare.booking.complaints import ComplaintView
from eldercare.booking.schemas import Strict, local
from eldercare.booking.views import zone
from eldercare.web.auth import CurrentActor, roles
from eldercare.web.pagination import PageParams, provide_page


class ResolveIn(Strict):
    resolution: str


class ComplaintItem(msgspec.Struct):
    id: int
    booking_id: int
    region_code: str
    text: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str

    @classmethod
    def of(cls, c: ComplaintView) -> ComplaintItem:
        return cls(
            id=c.id,
            booking_id=c.booking_id,
            region_code=c.region_code,
            text=c.text,
            status=c.status,
            created_at=c.created_at.astimezone(zone()),
            resolved_at=local(c.resolved_at),
            resolution=c.resolution,
        )


class ComplaintPage(msgspec.Struct):
    items: list[ComplaintItem]
    total: int


class ComplaintController(Controller):
    path = "/complaints"
    tags = ["complaints"]
    guards = [roles("bureau_officer")]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        status: FromQuery[str | None] = None,
    ) -> ComplaintPage:
        items, total = await complaints.list_complaints(
            actor, status=status, limit=page.limit, offset=page.offset
        )
        return ComplaintPage(items=[ComplaintItem.of(c) for c in items], total=total)

    @post("/{complaint_id:int}/resolve", status_code=200)
    async def resolve(
        self, actor: CurrentActor, complaint_id: FromPath[int], data: JSONBody[ResolveIn]
    ) -> ComplaintItem:
        return ComplaintItem.of(await complaints.resolve(actor, complaint_id, data.resolution))
