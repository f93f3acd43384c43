"""HTML pages of recurring series: set one up from plain choices (/series/new: choose, check
the dates, create), the list of mine (/series), and one series with its visits and buttons
to skip a date, pause, resume, cancel or change (/series/{id}).

Thin: series_forms.py reads the forms (plain choices into a rule), the series services do the
rest. No server-side state: the choices travel in the form.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.accounts import elders as elder_records
from eldercare.actor import Actor
from eldercare.booking import (
    domain,
    series,
    series_change,
    series_edits,
    series_preview,
    series_views,
)
from eldercare.booking import series_forms as forms
from eldercare.booking import series_words as plain
from eldercare.catalog import service as catalog
from eldercare.errors import N_, DomainError, FieldProblem, Invalid, NotFound
from eldercare.web.auth import current_actor, roles, signed_in
from eldercare.web.i18n import translator
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

BOOKERS = ("resident", "family", "community_staff")
NEW_FIELDS = frozenset(
    {
        "elder_id",
        "service_code",
        "kind",
        "days",
        "month_day",
        "time",
        "start_date",
        "end",
        "count",
        "until",
        "who",
        "notes",
        "skip_holidays",
    }
)
DETAIL_FIELDS = frozenset({"date", "scope", "time", "caregiver_id", "skip_date"})
# Service problems named after API fields, shown beside the page's own fields.
FIELD_OF = {
    "rrule": "end",
    "start": "start_date",
    "provider_id": "who",
    "caregiver_id": "who",
    "interval": "kind",
    "nth": "kind",
}
LIST_LIMIT = 100


async def _render_new(
    request: Request,
    actor: Actor,
    form: dict[str, Any],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    elders = (await elder_records.list_elders(actor, limit=200))[0]
    chosen = next(
        (e for e in elders if str(e.id) == str(form.get("elder_id") or "")),
        elders[0] if elders else None,
    )
    menu = await catalog.region_menu(chosen.region_code) if chosen else None
    items = [
        (i.code, i.name_en if request_locale(request) == "en" else i.name_zh)
        for c in (menu.categories if menu else ())
        for i in c.items
    ]
    return render(
        request,
        "series/new.html",
        status_code=status_code,
        form=form,
        errors=errors or {},
        elders=elders,
        chosen=chosen,
        items=items,
        **context,
    )


def _previewed(
    form: dict[str, Any], items: list[series_preview.PreviewItem]
) -> list[dict[str, Any]]:
    """Each date with its clash in words, ticked to drop when it clashes (first check) or as the
    person left it (a check again)."""
    dropped = set(form.get("drop", [])) if form.get("previewed") == "1" else None
    rows = []
    for item in items:
        day = item.start.astimezone(forms.zone()).date().isoformat()
        rows.append(
            {
                "start": item.start,
                "day": day,
                "clash": series_preview.CLASHES.get(item.clash or ""),
                "drop": day in dropped if dropped is not None else item.clash is not None,
            }
        )
    return rows


class SeriesPages(Controller):
    path = "/series"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def index(self, request: Request) -> Template:
        actor = current_actor(request)
        items, total = await series_views.list_series(actor, limit=LIST_LIMIT)
        return render(
            request,
            "series/list.html",
            cards=await series_views.cards(items),
            total=total,
            can_create=actor.has_role(*BOOKERS),
            **_helpers(request),
        )

    @get("/new", guards=[roles(*BOOKERS)])
    async def new(self, request: Request, elder_id: FromQuery[int | None] = None) -> Template:
        return await _render_new(
            request, current_actor(request), {**forms.defaults(), "elder_id": elder_id or ""}
        )

    @post("/new", guards=[roles(*BOOKERS)])
    async def submit(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form(request)
        try:
            args = forms.build(form)
            if form.get("action") == "create":
                made, _ = await series.create_series(
                    actor,
                    **args,
                    drop_dates=forms.drops(form),
                    notes=form.get("notes", ""),
                    default_channel="web",
                )
                return Redirect(f"/series/{made.id}?done=created")
            plan, items = await series_preview.preview(actor, **args)
            team = await series_views.team_choices(
                actor,
                elder_id=args["elder_id"],
                service_code=args["service_code"],
                on=plan.dtstart_local.date(),
            )
        except NotFound:
            raise
        except DomainError as error:
            return await _render_new(
                request,
                actor,
                form,
                status_code=error.status_code,
                errors=forms.errors(request, error, NEW_FIELDS, FIELD_OF),
            )
        words = translator(request_locale(request))
        return await _render_new(
            request,
            actor,
            {**form, "previewed": "1"},
            preview=_previewed(form, items),
            rule_text=plan.describe(words),
            team=team,
            **_helpers(request),
        )

    @get("/{series_id:int}")
    async def detail(
        self, request: Request, series_id: FromPath[int], done: FromQuery[str] = ""
    ) -> Template:
        return await _detail(request, current_actor(request), series_id, done=done[:20])

    @post("/{series_id:int}/{action:str}")
    async def act(
        self, request: Request, series_id: FromPath[int], action: FromPath[str]
    ) -> Response[Any]:
        actor = current_actor(request)
        if action not in ("pause", "resume", "cancel", "skip", "change"):
            raise NotFound(N_("Not found."))
        form = await forms.form(request)
        try:
            await _run(actor, series_id, action, form)
        except NotFound:
            raise
        except DomainError as error:
            return await _detail(
                request,
                actor,
                series_id,
                status_code=error.status_code,
                form=form,
                errors=forms.errors(
                    request, error, DETAIL_FIELDS, {"date": "skip_date"} if action == "skip" else {}
                ),
            )
        return Redirect(f"/series/{series_id}?done={action}")


async def _run(actor: Actor, series_id: int, action: str, form: dict[str, Any]) -> None:
    if action == "pause":
        await series_edits.pause(actor, series_id)
    elif action == "resume":
        await series_edits.resume(actor, series_id)
    elif action == "cancel":
        await series_edits.cancel(actor, series_id)
    elif action == "skip":
        problems: list[FieldProblem] = []
        day = forms.day_of(form.get("skip_date", ""), "date", problems)
        if day is None:
            raise Invalid.many(problems)
        await series_edits.skip(actor, series_id, day)
    else:
        problems = []
        day = forms.day_of(form.get("date", ""), "date", problems)
        caregiver = form.get("caregiver_id", "")
        if caregiver and not caregiver.isdigit():
            problems.append(FieldProblem("caregiver_id", N_("Please choose from the list.")))
        if problems or day is None:
            raise Invalid.many(problems)
        await series_change.change(
            actor,
            series_id,
            scope=form.get("scope", ""),
            day=day,
            new_time=form.get("time") or None,
            caregiver_id=int(caregiver) if caregiver else None,
        )


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    words = translator(locale)
    zone = forms.zone()
    return {
        "words": words,
        "local": lambda moment: moment.astimezone(zone),
        "rule_words": lambda s: s.describe(words),
        "service_name": lambda card: card.service_name(locale),
        "weekday_names": plain.DAY_NAMES,
    }


async def _detail(
    request: Request, actor: Actor, series_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    found = await series.get_series(actor, series_id)
    [card] = await series_views.cards([found])
    elder_side = domain.ELDER_SIDE in found.sides
    team = []
    if elder_side and found.provider_id and "change" in found.actions:
        choices = await series_views.team_choices(
            actor,
            elder_id=found.elder_id,
            service_code=found.service_code,
            on=forms.now().astimezone(forms.zone()).date(),
        )
        team = next(
            (
                [(str(i), name) for i, name in c.caregivers]
                for c in choices
                if c.provider_id == found.provider_id
            ),
            [],
        )
    for key, default in (("form", {}), ("errors", {}), ("done", "")):
        context.setdefault(key, default)
    return render(
        request,
        "series/detail.html",
        status_code=status_code,
        s=found,
        card=card,
        visits=await series_views.visits(found, forms.now()),
        elder_side=elder_side,
        caregivers=team,
        **_helpers(request),
        **context,
    )
