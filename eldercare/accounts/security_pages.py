"""Pages for one's own sign-in: changing the password (/account/password) and the small
JSON endpoint behind the idle warning (/account/session), which static/js/idle.js reads."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from eldercare.accounts import sessions
from eldercare.accounts.pages import field_errors
from eldercare.errors import DomainError
from eldercare.web.auth import client_ip, current_actor, signed_in
from eldercare.web.pages import safe_next
from eldercare.web.templating import render


def _status_body(status: sessions.SessionStatus) -> dict[str, Any]:
    return {
        "signed_in": status.signed_in,
        "remaining_seconds": status.remaining_seconds,
        "warn_seconds": status.warn_seconds,
    }


class AccountSecurityPages(Controller):
    path = "/account"
    include_in_schema = False

    @get("/password", guards=[signed_in])
    async def password_form(
        self, request: Request, done: FromQuery[str] = "", ended: FromQuery[int] = 0
    ) -> Template:
        return render(request, "accounts/password.html", done=bool(done), ended=max(ended, 0))

    @post("/password", guards=[signed_in])
    async def change_password(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await request.form()
        try:
            ended = await sessions.change_password(
                actor,
                current_password=str(form.get("current_password") or ""),
                new_password=str(form.get("new_password") or ""),
                ip=client_ip(request),
            )
        except DomainError as error:
            return render(
                request,
                "accounts/password.html",
                status_code=error.status_code,
                errors=field_errors(request, error),
            )
        return Redirect(f"/account/password?done=1&ended={ended}", status_code=303)

    @get("/session")
    async def session_status(self, request: Request) -> Response[dict[str, Any]]:
        """How long this page session has left; asking does not count as activity."""
        status = await sessions.session_status(request.scope.get("user"))
        return Response(_status_body(status))

    @post("/session", guards=[signed_in], status_code=200)
    async def stay_signed_in(self, request: Request) -> Response[Any]:
        """The "stay signed in" button: JSON for idle.js, a redirect back for a plain post."""
        status = await sessions.keep_alive(current_actor(request))
        if "application/json" in request.headers.get("accept", ""):
            return Response(_status_body(status))
        form = await request.form()
        return Redirect(safe_next(form.get("next"), "/account"), status_code=303)
