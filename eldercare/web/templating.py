"""Rendering pages: every template gets the reader's language, preferences and helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from eldercare.web import i18n
from eldercare.web.locale import elder_mode, request_locale, text_size

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_config() -> TemplateConfig:
    def configure(engine: JinjaTemplateEngine) -> None:
        engine.engine.trim_blocks = True
        engine.engine.lstrip_blocks = True

    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=configure
    )


def page_context(request: Request, **context: Any) -> dict[str, Any]:
    locale = request_locale(request)
    return {
        "_": i18n.translator(locale),
        "locale": locale,
        "lang_tag": i18n.LANGUAGE_TAGS[locale],
        "other_locale": "en" if locale == "zh_CN" else "zh_CN",
        "elder_mode": elder_mode(request),
        "text_size": text_size(request),
        "user": request.scope.get("user"),
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "money": i18n.format_money,
        # Dates and times as people write them (see i18n); ``iso`` for <time datetime>.
        "day": lambda value, weekday=True: i18n.format_day(value, locale, weekday=weekday),
        "moment": lambda value: i18n.format_moment(value, locale),
        "clock": lambda value: i18n.format_time(value, locale),
        "month_name": lambda value: i18n.format_month(value, locale),
        "iso": lambda value: i18n.local_time(value).isoformat(),
        "errors": {},
        "form": {},
        **context,
    }


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name, context=page_context(request, **context), status_code=status_code
    )
