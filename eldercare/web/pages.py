"""Site-wide pages: display preferences (language, 长辈版, text size) and a health check."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from eldercare.accounts import service as accounts
from eldercare.web.i18n import normalize_locale
from eldercare.web.locale import ELDER_MODE_COOKIE, LANG_COOKIE, TEXT_SIZE_COOKIE, TEXT_SIZES

ONE_YEAR = 365 * 24 * 3600


def safe_next(value: Any, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host (after sign-in or a preference)."""
    value = str(value or "")
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


class PreferencePages(Controller):
    include_in_schema = False

    @post("/prefs")
    async def set_preferences(self, request: Request) -> Response[Any]:
        """Remembered per browser (cookies) and, when signed in, per user."""
        form = await request.form()
        response = Redirect(safe_next(form.get("next")))
        locale = normalize_locale(form.get("lang"))
        elder_mode = form.get("elder_mode")
        size = form.get("text_size")
        if locale:
            response.set_cookie(LANG_COOKIE, locale, max_age=ONE_YEAR, samesite="lax")
        if elder_mode in ("0", "1"):
            response.set_cookie(ELDER_MODE_COOKIE, elder_mode, max_age=ONE_YEAR, samesite="lax")
        if size in TEXT_SIZES:
            response.set_cookie(TEXT_SIZE_COOKIE, size, max_age=ONE_YEAR, samesite="lax")
        actor = request.scope.get("user")
        if actor is not None:
            await accounts.set_preferences(
                actor, locale=locale, elder_mode=None if elder_mode is None else elder_mode == "1"
            )
        return response

    @get("/healthz", cache=False)
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}
