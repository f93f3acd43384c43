"""The in-app inbox under /api/v1/notifications."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery

from eldercare.notifications import service
from eldercare.notifications.schemas import NotificationOut, NotificationPage
from eldercare.web.auth import CurrentActor, signed_in
from eldercare.web.locale import request_locale
from eldercare.web.pagination import PageParams, provide_page


class NotificationController(Controller):
    path = "/notifications"
    tags = ["notifications"]
    guards = [signed_in]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get("/")
    async def index(
        self,
        request: Request,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        unread: FromQuery[bool] = False,
    ) -> NotificationPage:
        locale = request_locale(request)
        items, total = await service.inbox(
            actor, unread_only=unread, limit=page.limit, offset=page.offset
        )
        return NotificationPage(
            items=[
                NotificationOut(
                    id=m.id,
                    kind=m.kind,
                    text=m.text(locale),
                    link=m.link,
                    created_at=m.created_at,
                    read=m.read,
                )
                for m in items
            ],
            total=total,
            unread=await service.unread_count(actor),
        )

    @post("/{notification_id:int}/read", status_code=200)
    async def read(self, actor: CurrentActor, notification_id: FromPath[int]) -> dict[str, bool]:
        await service.mark_read(actor, notification_id)
        return {"read": True}

    @post("/read-all", status_code=200)
    async def read_all(self, actor: CurrentActor) -> dict[str, bool]:
        await service.mark_all_read(actor)
        return {"read": True}
