"""The inbox page: each message in the reader's language, times in the local zone."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.notifications import service
from eldercare.settings import get_settings
from eldercare.web.auth import current_actor, signed_in
from eldercare.web.i18n import format_moment
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

PAGE_SIZE = 20


class InboxPages(Controller):
    path = "/inbox"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def inbox(self, request: Request, page: FromQuery[int] = 1) -> Template:
        actor = current_actor(request)
        page = max(page, 1)
        locale = request_locale(request)
        zone = get_settings().timezone
        items, total = await service.inbox(actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return render(
            request,
            "notifications/inbox.html",
            items=items,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            unread=await service.unread_count(actor),
            when=lambda value: format_moment(value, locale, zone),
        )

    @post("/{notification_id:int}/read")
    async def read(self, request: Request, notification_id: FromPath[int]) -> Response[Any]:
        await service.mark_read(current_actor(request), notification_id)
        return Redirect("/inbox")

    @post("/read-all")
    async def read_all(self, request: Request) -> Response[Any]:
        await service.mark_all_read(current_actor(request))
        return Redirect("/inbox")
