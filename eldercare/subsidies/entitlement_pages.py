"""The region's entitlements for staff and bureau officers: who receives what, its state and
next yearly check, each linking to its payments (/subsidies/entitlements/{id})."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from eldercare.subsidies import domain, entitlements
from eldercare.web.auth import current_actor, roles
from eldercare.web.templating import render

PAGE_SIZE = 50
STATUSES = (entitlements.ACTIVE, entitlements.SUSPENDED, entitlements.TERMINATED)


class EntitlementListPages(Controller):
    path = "/staff/subsidies/entitlements"
    include_in_schema = False
    guards = [roles("community_staff", "bureau_officer")]

    @get("/")
    async def index(
        self, request: Request, status: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> Template:
        page = max(1, min(page, 10_000))
        errors = {}
        if status and status not in STATUSES:
            errors["status"] = status[:20]
            status = ""
        items, total = await entitlements.list_entitlements(
            current_actor(request),
            status=status or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        return render(
            request,
            "subsidies/bureau_entitlements.html",
            status_code=422 if errors else 200,
            items=items,
            total=total,
            status=status,
            statuses=STATUSES,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            month_text=domain.month_text,
            errors=errors,
        )


PAGES = [EntitlementListPages]
