"""The three steps of the /book page — service, time, confirm — worked out from what the
booker has chosen so far.

No server-side state: the choices travel in the query string (and, for the last step, the
form's hidden fields), so any step can be reloaded, bookmarked or left with Back. Each
request renders the furthest step its choices allow; a choice that no longer holds (a time
just taken, a service not on the elder's menu) sends the booker back to the step it belongs
to, with the reason next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Template

from eldercare.accounts import elders as elder_records
from eldercare.accounts.elders import ElderView
from eldercare.actor import Actor
from eldercare.booking import domain, forms, matching, service
from eldercare.booking.policy import current_policy
from eldercare.catalog import service as catalog
from eldercare.catalog.domain import UNIT_LABELS
from eldercare.catalog.menus import MenuItem
from eldercare.errors import N_, DomainError, NotFound
from eldercare.settings import get_settings
from eldercare.web.pagination import MAX_LIMIT
from eldercare.web.templating import render

STAFF_CHANNELS = ("phone", "counter", "proxy")
WEEKS_AHEAD = 12  # the policy allows 90 days ahead: the time step pages through them by week
# The fields the steps show beside their inputs; problems with other fields go above the form.
BOOK_FIELDS = frozenset({"start", "service_code", "provider_id", "notes", "channel"})


@dataclass(frozen=True)
class Choice:
    """What the booker has chosen so far."""

    elder_id: int | None = None
    service_code: str = ""
    start: str = ""
    week: int = 0
    q: str = ""

    def link(self, **changes: Any) -> str:
        """The /book address with some choices changed (the others carried on)."""
        chosen = replace(self, **changes)
        params = {
            "elder_id": chosen.elder_id,
            "service_code": chosen.service_code,
            "start": chosen.start,
            "week": chosen.week or "",
            "q": chosen.q,
        }
        return "/book?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def week_in_range(value: int) -> int:
    return min(max(value, 0), WEEKS_AHEAD)


async def render_steps(
    request: Request,
    actor: Actor,
    choice: Choice,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> Template:
    """The furthest step the choices allow: elder and service, then time, then confirm."""
    errors = dict(errors or {})
    ctx: dict[str, Any] = {
        "errors": errors,
        "form": form or {},
        "is_staff": actor.is_staff,
    }
    elder, elders = await _elder(actor, choice)
    if elder is None:
        return render(
            request,
            "booking/book_service.html",
            status_code=status_code,
            choice=choice,
            elder=None,
            elders=elders,
            **ctx,
        )
    choice = replace(choice, elder_id=elder.id)  # an only elder is chosen for them: links keep it
    menu = await catalog.region_menu(elder.region_code)
    item = menu.item(choice.service_code) if choice.service_code else None
    ctx.update(choice=choice, elder=elder, elders=elders)
    if item is None:
        if choice.service_code:
            message = N_("Please choose a service from the menu.")
            errors["service_code"] = forms.translate_message(request, message)
            status_code = 422
        return render(
            request,
            "booking/book_service.html",
            status_code=status_code,
            menu=menu,
            unit_labels=UNIT_LABELS,
            **ctx,
        )
    ctx["item"] = item
    if elder.lat is None or elder.lon is None:
        return render(
            request,
            "booking/book_time.html",
            status_code=status_code,
            no_place=True,
            days=[],
            **ctx,
        )
    if choice.start and "start" not in errors:
        confirm = await _confirm_step(request, actor, elder, item, choice, ctx, status_code)
        if isinstance(confirm, Template):
            return confirm
        status_code = confirm
    days = await _free_days(elder, item, choice.week)
    return render(
        request, "booking/book_time.html", status_code=status_code, no_place=False, days=days, **ctx
    )


async def _confirm_step(
    request: Request,
    actor: Actor,
    elder: ElderView,
    item: MenuItem,
    choice: Choice,
    ctx: dict[str, Any],
    status_code: int,
) -> Template | int:
    """The confirm page for the chosen time, or the status to show the times again with (the
    reason is put into ``ctx["errors"]``)."""
    errors = ctx["errors"]
    try:
        start = forms.parse_start(choice.start)
        found = await service.match(actor, elder_id=elder.id, service_code=item.code, start=start)
    except NotFound:
        raise
    except DomainError as error:
        errors.update(forms.errors(request, error, shown=BOOK_FIELDS))
        return error.status_code
    if not found:
        message = N_("Sorry, that time has just been taken. Please choose another time.")
        errors["start"] = forms.translate_message(request, message)
        return 409
    return render(
        request,
        "booking/book_confirm.html",
        status_code=status_code,
        start=start,
        best=found[0],
        others=found[1:],
        price=domain.price(found[0].price_fen),
        channels=STAFF_CHANNELS,
        **ctx,
    )


async def _elder(actor: Actor, choice: Choice) -> tuple[ElderView | None, list[ElderView]]:
    """The chosen elder (404 when not theirs), or the elders to choose from."""
    if choice.elder_id is not None:
        return await elder_records.get_elder(actor, choice.elder_id), []
    if actor.is_staff:
        if not choice.q.strip():
            return None, []
        items, _ = await elder_records.list_elders(actor, query=choice.q[:50], limit=20)
        return None, items
    items, _ = await elder_records.list_elders(actor, limit=MAX_LIMIT)
    return (items[0], items) if len(items) == 1 else (None, items)


async def _free_days(
    elder: ElderView, item: MenuItem, week: int
) -> list[tuple[date, list[datetime]]]:
    """Suggested start times over one week, grouped by local day. An hourly grid keeps the
    page short; other times can still be booked through the API."""
    now = datetime.now(UTC)
    first = forms.local(now).date() + timedelta(days=7 * week)
    assert elder.lat is not None and elder.lon is not None
    place = matching.Place(
        lat=elder.lat,
        lon=elder.lon,
        region_code=elder.region_code,
        timezone=get_settings().timezone,
    )
    times = await matching.free_times(
        item_code=item.code,
        skill=item.skill,
        duration=timedelta(minutes=item.duration_minutes),
        place=place,
        days=[first + timedelta(days=i) for i in range(7)],
        now=now,
        policy=current_policy(),
        step=timedelta(hours=1),
        limit=7 * 24,
    )
    grouped: dict[date, list[datetime]] = {}
    for moment in times:
        grouped.setdefault(forms.local(moment).date(), []).append(moment)
    return sorted(grouped.items())
