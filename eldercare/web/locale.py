"""Per-request language and display preferences (language, 长辈版 elder mode, text size)."""

from __future__ import annotations

from litestar.connection import ASGIConnection

from eldercare.web.i18n import DEFAULT_LOCALE, from_accept_language, normalize_locale

LANG_COOKIE = "ec_lang"
ELDER_MODE_COOKIE = "ec_elder"
TEXT_SIZE_COOKIE = "ec_size"
TEXT_SIZES = ("normal", "large", "largest")


def request_locale(connection: ASGIConnection) -> str:
    """``?lang=`` beats the language cookie; otherwise pages are in zh-CN (the bureau's
    default, whatever the browser says), while the API follows Accept-Language for apps."""
    explicit = normalize_locale(connection.query_params.get("lang")) or normalize_locale(
        connection.cookies.get(LANG_COOKIE)
    )
    if explicit:
        return explicit
    if connection.url.path.startswith("/api/"):
        return from_accept_language(connection.headers.get("accept-language")) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def elder_mode(connection: ASGIConnection) -> bool:
    return connection.cookies.get(ELDER_MODE_COOKIE) == "1"


def text_size(connection: ASGIConnection) -> str:
    size = connection.cookies.get(TEXT_SIZE_COOKIE, "normal")
    return size if size in TEXT_SIZES else "normal"
