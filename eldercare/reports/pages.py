"""HTML pages of the reports: the bureau's dashboard with its CSV downloads, and the
community staff's "today" page.

Thin: each handler reads the query, calls one report service and renders
templates/reports/*.html. Both pages only read, so there is no form to post.
"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from eldercare.errors import N_, Invalid, NotFound
from eldercare.reports import charts, domain, service, today
from eldercare.web.auth import current_actor, roles
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render


def _now() -> datetime:
    return datetime.now(UTC)


class DashboardPages(Controller):
    """The bureau's region in charts: applications, processing times, the online share,
    visits, providers and the elders living alone who have had no visit."""

    path = "/bureau/dashboard"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    @get("/")
    async def index(self, request: Request, months: FromQuery[str] = "") -> Template:
        errors: dict[str, str] = {}
        try:
            chosen = domain.check_months(months[:4])
        except Invalid as error:
            locale = request_locale(request)
            errors = {"months": translate(locale, error.message, **error.params)}
            chosen = domain.DEFAULT_MONTHS
        dash = await service.dashboard(current_actor(request), months=chosen, now=_now())
        return render(
            request,
            "reports/dashboard.html",
            status_code=422 if errors else 200,
            dash=dash,
            charts=charts.charts(dash, request_locale(request)),
            months=chosen,
            month_choices=sorted({*domain.MONTH_CHOICES, chosen}),
            errors=errors,
            form={"months": months[:4] if errors else str(chosen)},
            kinds=charts.KINDS,
            percent=domain.percent_text,
            one_decimal=domain.one_decimal,
        )

    @get("/{file:str}", media_type="text/csv")
    async def download(
        self, request: Request, file: FromPath[str], months: FromQuery[str] = ""
    ) -> Response[str]:
        """One chart's numbers as CSV (UTF-8 with a BOM), for the same period as the page."""
        name = file.removesuffix(".csv")
        if not file.endswith(".csv") or name not in charts.DOWNLOADS:
            raise NotFound(N_("Not found."))
        chosen = domain.check_months(months[:4])
        dash = await service.dashboard(current_actor(request), months=chosen, now=_now())
        data = charts.table(name, dash, request_locale(request))
        period = f"{dash.period.first_text}_{dash.period.last_text}"
        return Response(
            content=charts.csv_text(data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}-{period}.csv"'},
        )


class TodayPages(Controller):
    """One page for a community worker's day in their area."""

    path = "/staff/today"
    include_in_schema = False
    guards = [roles("community_staff", "bureau_officer")]

    @get("/")
    async def index(self, request: Request) -> Template:
        found = await today.today(current_actor(request), now=_now())
        return render(request, "reports/today.html", today=found)


PAGES = [DashboardPages, TodayPages]
