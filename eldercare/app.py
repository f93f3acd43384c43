"""The application factory: routes, auth, errors, templates, CSRF, OpenAPI and the lifespan."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from eldercare import __version__, db
from eldercare.accounts.api import AuthController, ElderController, MeController
from eldercare.accounts.pages import AccountPages, ElderPages, StaffPages
from eldercare.accounts.security_pages import AccountSecurityPages
from eldercare.booking.api import BookingController, JobController, MatchController
from eldercare.booking.complaints_api import ComplaintController
from eldercare.booking.pages import (
    BookingPages,
    BookPages,
    BureauComplaintPages,
    JobPages,
    VisitPages,
)
from eldercare.booking.series_api import SeriesController
from eldercare.booking.series_pages import SeriesPages
from eldercare.catalog.api import CatalogController
from eldercare.catalog.pages import BureauCatalogPages, MenuPages
from eldercare.institutions.api import InstitutionController
from eldercare.institutions.pages import BureauInstitutionPages, InstitutionPages
from eldercare.notifications.api import NotificationController
from eldercare.notifications.pages import InboxPages
from eldercare.providers.api import ProviderController
from eldercare.providers.pages import (
    BureauProviderPages,
    ProviderDashboardPages,
    ProviderRegisterPages,
)
from eldercare.reports.pages import PAGES as REPORT_PAGES
from eldercare.settings import get_settings
from eldercare.subsidies.api import CONTROLLERS as SUBSIDY_CONTROLLERS
from eldercare.subsidies.bureau_pages import PAGES as SUBSIDY_BUREAU_PAGES
from eldercare.subsidies.entitlement_pages import PAGES as ENTITLEMENT_PAGES
from eldercare.subsidies.pages import PAGES as SUBSIDY_PAGES
from eldercare.subsidies.staff_pages import PAGES as SUBSIDY_STAFF_PAGES
from eldercare.web.auth import auth_middleware, provide_actor
from eldercare.web.errors import EXCEPTION_HANDLERS
from eldercare.web.openapi import BEARER, ErrorResponses
from eldercare.web.pages import PreferencePages
from eldercare.web.security import add_security_headers
from eldercare.web.templating import template_config

STATIC = Path(__file__).resolve().parent / "static"


@contextlib.asynccontextmanager
async def database_pool(_: Litestar) -> AsyncIterator[None]:
    await db.open_pool()
    try:
        yield
    finally:
        await db.close_pool()


def create_app(*, scheduler: bool | None = None) -> Litestar:
    """The app; with ``scheduler`` (or ELDERCARE_RUN_SCHEDULER=1, set by ``eldercare serve``)
    the sweeps run inside it."""
    settings = get_settings()
    if scheduler is None:
        scheduler = os.environ.get("ELDERCARE_RUN_SCHEDULER") == "1"
    lifespan = [database_pool]
    if scheduler:
        from eldercare.scheduling.scheduler import scheduler_lifespan

        lifespan.append(scheduler_lifespan)
    api = Router(
        path="/api/v1",
        route_handlers=[
            AuthController,
            MeController,
            ElderController,
            NotificationController,
            CatalogController,
            InstitutionController,
            ProviderController,
            MatchController,
            BookingController,
            JobController,
            ComplaintController,
            SeriesController,
            *SUBSIDY_CONTROLLERS,
        ],
    )
    return Litestar(
        route_handlers=[
            api,
            AccountPages,
            AccountSecurityPages,
            ElderPages,
            StaffPages,
            PreferencePages,
            InboxPages,
            MenuPages,
            BureauCatalogPages,
            InstitutionPages,
            BureauInstitutionPages,
            ProviderRegisterPages,
            ProviderDashboardPages,
            BureauProviderPages,
            BookPages,
            BookingPages,
            JobPages,
            VisitPages,
            BureauComplaintPages,
            SeriesPages,
            *SUBSIDY_PAGES,
            *SUBSIDY_BUREAU_PAGES,
            *ENTITLEMENT_PAGES,
            *SUBSIDY_STAFF_PAGES,
            *REPORT_PAGES,
            create_static_files_router(
                path="/static", directories=[STATIC], include_in_schema=False
            ),
        ],
        dependencies={"actor": Provide(provide_actor, sync_to_thread=False)},
        middleware=[auth_middleware],
        before_send=[add_security_headers],  # CSP, no-store, nosniff ... on every answer
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        template_config=template_config(),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="ec_csrf",
            cookie_httponly=True,
            cookie_secure=settings.secure_cookies,
            exclude=["/api/", "/schema", "/static", "/healthz"],
        ),
        openapi_config=OpenAPIConfig(
            title="eldercare API",
            version=__version__,
            path="/schema",
            description="The public JSON API of eldercare (see API.md).",
            components=Components(
                security_schemes={
                    BEARER: SecurityScheme(
                        type="http", scheme="bearer", description="from POST /api/v1/auth/token"
                    ),
                }
            ),
            # Each operation that needs sign-in says so (web/openapi.py); the rest are public.
            # Served from our own static files: bureau intranets are often offline.
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/",
                    js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                    css_url="/static/vendor/swagger-ui/swagger-ui.css",
                    standalone_preset_js_url="/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
                )
            ],
        ),
        plugins=[ErrorResponses()],  # each API operation's error answers, in the OpenAPI document
        lifespan=lifespan,
        request_max_body_size=settings.max_body_bytes,
    )
