"""HTML pages of the subsidies for the bureau and community staff: programs, the bank's
payment files, the outreach list, recording a death or a move, and one entitlement (which the
elder's side sees too).

Thin: each handler reads the form, calls the subsidy services and renders
templates/subsidies/bureau_*.html. Problems the services name after their own fields
(``bands[1].min_age``) are shown beside the page's inputs (``band-1-min_age``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.errors import N_, Conflict, DomainError, FieldProblem, Invalid, NotFound
from eldercare.geo import service as geo
from eldercare.subsidies import (
    domain,
    payments,
    programs,
)
from eldercare.subsidies.domain import Band
from eldercare.web.auth import current_actor, roles
from eldercare.web.i18n import translate
from eldercare.web.locale import request_locale
from eldercare.web.templating import render

STAFF = ("community_staff", "bureau_officer")
BAND_ROWS = 5
BAND_FIELDS = {"min_age": "min_age", "max_age": "max_age", "amount_fen": "amount"}
PROGRAM_LEVELS = ("province", "city", "district", "street")
PAYMENT_LIMIT = 120  # ten years of months on one entitlement page
OUTREACH_PAGE = 50
_YUAN = re.compile(r"-?[0-9]{1,9}(?:\.[0-9]+)?")
_BATCH = re.compile(r"20[0-9]{2}(?:0[1-9]|1[0-2])-[0-9]{1,6}")  # 202612-1: month, then number


def _now() -> datetime:
    return datetime.now(UTC)


def _see_other(path: str, **query: Any) -> Redirect:
    shown = {key: value for key, value in query.items() if value not in (None, "")}
    return Redirect(path + (f"?{urlencode(shown)}" if shown else ""), status_code=303)


async def _form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    return {key: raw.get(key) for key in raw if key != "_csrf_token"}


def _text(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _ticked(form: dict[str, Any], key: str) -> bool:
    return form.get(key) in ("on", True)


def _errors(
    request: Request, error: DomainError, keys: dict[str, str] | None = None
) -> dict[str, str]:
    """Each problem translated and placed beside its field (the first one per field); a
    problem that names no field goes above the form."""
    locale = request_locale(request)
    if not error.problems:
        return {"__all__": translate(locale, error.message, **error.params)}
    found: dict[str, str] = {}
    for problem in error.problems:
        key = (keys or {}).get(problem.key, problem.key)
        found.setdefault(key, translate(locale, problem.message, **problem.params))
    return found


def _month_or_now(text: str, *, fallback: bool = False) -> int:
    """The month typed (YYYY-MM), or this month in the platform's zone when none is; with
    ``fallback`` a month that cannot be read is this month too, instead of a 422."""
    if text.strip():
        try:
            return domain.parse_month(text)
        except Invalid:
            if not fallback:
                raise
    return domain.month_of(local_today(_now()))


# --------------------------------------------------------------------------- programs


def _age(form: dict[str, Any], key: str, problems: list[FieldProblem]) -> int | None:
    text = _text(form, key)
    if text.isdigit() and len(text) <= 3:
        return int(text)
    problems.append(FieldProblem(key, N_("Enter an age in whole years, such as 80.")))
    return None


def yuan_to_fen(text: str, key: str, problems: list[FieldProblem]) -> int | None:
    """ "150.5" → 15050, exactly; more than two decimals is a typing mistake, not rounded.
    A minus sign is read, so the service can say that an amount must be more than zero."""
    cleaned = text.strip().lstrip("¥￥").replace(",", "").strip()
    if not _YUAN.fullmatch(cleaned):
        problems.append(
            FieldProblem(key, N_("Enter the monthly amount in yuan, such as 150 or 150.50."))
        )
        return None
    value = Decimal(cleaned)
    if -value.as_tuple().exponent > 2:  # type: ignore[operator]
        problems.append(FieldProblem(key, N_("Give at most two decimals (fen), such as 150.50.")))
        return None
    return int(value * 100)


def _program_input(form: dict[str, Any]) -> tuple[programs.ProgramInput, list[int]]:
    """The program the form describes, and for each band given the form row it came from."""
    problems: list[FieldProblem] = []
    bands: list[Band] = []
    rows: list[int] = []
    for row in range(BAND_ROWS):
        names = {field: f"band-{row}-{field}" for field in ("min_age", "max_age", "amount")}
        if not any(_text(form, name) for name in names.values()):
            continue  # an empty row
        before = len(problems)
        min_age = _age(form, names["min_age"], problems)
        max_age = _age(form, names["max_age"], problems) if _text(form, names["max_age"]) else None
        amount = yuan_to_fen(_text(form, names["amount"]), names["amount"], problems)
        if len(problems) == before and min_age is not None and amount is not None:
            bands.append(Band(min_age, max_age, amount))
            rows.append(row)
    if problems:
        raise Invalid.many(problems)
    data = programs.ProgramInput(
        code=_text(form, "code"),
        name=_text(form, "name"),
        kind=_text(form, "kind"),
        region_code=_text(form, "region_code"),
        bands=bands,
        annual_review=_ticked(form, "annual_review"),
        requires_low_income=_ticked(form, "requires_low_income"),
        requires_disability=_ticked(form, "requires_disability"),
        auto_grant=_ticked(form, "auto_grant"),
    )
    return data, rows


def band_keys(bands: list[Band], rows: list[int]) -> dict[str, str]:
    """The service names a band by its place in the list sent (``bands[k].min_age``); show
    each problem on the form row that band came from."""
    return {
        f"bands[{k}].{field}": f"band-{rows[k]}-{name}"
        for k in range(len(bands))
        for field, name in BAND_FIELDS.items()
    }


def _region_label(regions: dict[str, geo.RegionInfo], code: str, locale: str) -> str:
    region = regions.get(code)
    return f"{region.name(locale)} ({code})" if region else code


class BureauProgramPages(Controller):
    """Officers see the programs and define new ones."""

    path = "/bureau/subsidies/programs"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    async def _page(
        self,
        request: Request,
        actor: Actor,
        *,
        form: dict[str, Any],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        saved: str = "",
    ) -> Template:
        locale = request_locale(request)
        regions = await geo.all_regions()
        choices = [
            (r.code, _region_label(regions, r.code, locale))
            for r in await geo.regions_under(actor.region_code or "")
            if r.level in PROGRAM_LEVELS
        ]
        return render(
            request,
            "subsidies/bureau_programs.html",
            status_code=status_code,
            programs=await programs.list_programs(),
            region_label=lambda code: _region_label(regions, code, locale),
            region_choices=choices,
            band_rows=range(BAND_ROWS),
            form=form,
            errors=errors or {},
            saved=saved,
        )

    @get("/")
    async def index(self, request: Request, saved: FromQuery[str] = "") -> Template:
        actor = current_actor(request)
        form = {"kind": domain.ALLOWANCE, "region_code": actor.region_code, "annual_review": True}
        return await self._page(request, actor, form=form, saved=saved[:48])

    @post("/")
    async def create(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await _form(request)
        for key in ("annual_review", "requires_low_income", "requires_disability", "auto_grant"):
            form[key] = _ticked(form, key)
        try:
            data, rows = _program_input(form)
        except Invalid as error:
            return await self._page(
                request, actor, form=form, errors=_errors(request, error), status_code=422
            )
        try:
            program = await programs.create_program(actor, data)
        except Conflict as error:  # the code is taken
            message = translate(request_locale(request), error.message, **error.params)
            return await self._page(
                request, actor, form=form, errors={"code": message}, status_code=409
            )
        except Invalid as error:
            errors = _errors(request, error, band_keys(data.bands, rows))
            return await self._page(request, actor, form=form, errors=errors, status_code=422)
        return _see_other("/bureau/subsidies/programs", saved=program.code)


# --------------------------------------------------------------------------- payments


def return_problems(request: Request, error: DomainError, text: str) -> list[str]:
    """Every problem of a return file, each naming the line of the file it is on."""
    locale = request_locale(request)
    return [
        translate(locale, problem.message, **problem.params)
        for problem in error.problems or [FieldProblem("file", error.message, error.params)]
    ]


def _decode(content: bytes) -> str:
    """Banks here send UTF-8 (with or without a BOM) or GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


class BureauPaymentPages(Controller):
    """A month's payments, the bank's batch file out and its return file in."""

    path = "/bureau/subsidies/payments"
    include_in_schema = False
    guards = [roles("bureau_officer")]

    async def _page(
        self, request: Request, month: int, *, status_code: int = 200, **context: Any
    ) -> Template:
        summary = await payments.month_summary(current_actor(request), month)
        context.setdefault("form", {"month": domain.month_text(month)})
        return render(
            request,
            "subsidies/bureau_payments.html",
            status_code=status_code,
            summary=summary,
            month_text=domain.month_text(month),
            **context,
        )

    @get("/")
    async def index(
        self,
        request: Request,
        month: FromQuery[str] = "",
        made: FromQuery[str] = "",
        rows: FromQuery[int | None] = None,
        paid: FromQuery[int | None] = None,
        failed: FromQuery[int | None] = None,
    ) -> Template:
        try:
            chosen = _month_or_now(month)
        except Invalid as error:
            return await self._page(
                request,
                _month_or_now(""),
                status_code=422,
                form={"month": month[:20]},
                errors=_errors(request, error),
            )
        done = {"made": made if _BATCH.fullmatch(made) else "", "rows": rows}
        return await self._page(request, chosen, **done, paid=paid, failed=failed)

    @post("/batches")
    async def export(self, request: Request) -> Response[Any]:
        form = await _form(request)
        try:
            month = domain.parse_month(_text(form, "month"))
        except Invalid as error:
            return await self._page(
                request,
                _month_or_now(""),
                status_code=422,
                form=form,
                errors=_errors(request, error),
            )
        batch, _, count = await payments.export_batch(current_actor(request), month)
        path = "/bureau/subsidies/payments"
        return _see_other(path, month=domain.month_text(month), made=batch, rows=count)

    @get("/batches/{batch:str}", media_type="text/csv")
    async def batch_file(self, request: Request, batch: FromPath[str]) -> Response[str]:
        """The same file again, as api.py's batch_file gives it; only batches of the
        officer's own region (others are 404, and nothing is audited for them)."""
        actor = current_actor(request)
        if not _BATCH.fullmatch(batch):
            raise NotFound(N_("Not found."))
        month = domain.parse_month(f"{batch[:4]}-{batch[4:6]}", key="batch")
        if batch not in (await payments.month_summary(actor, month)).batches:
            raise NotFound(N_("Not found."))
        name, text, _ = await payments.export_batch(actor, month, batch=batch)
        return Response(
            content="\ufeff" + text,  # a BOM, so spreadsheet programs read the Chinese names
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="payments-{name}.csv"'},
        )

    @post("/returns")
    async def returns(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        raw = await request.form()
        form = {"month": str(raw.get("month") or "").strip()[:20]}
        upload = raw.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content.strip():
            problems = [translate(request_locale(request), N_("Choose the bank's return file."))]
        else:
            text = _decode(content)
            try:
                counts = await payments.record_returns(actor, text)
            except Invalid as error:
                problems = return_problems(request, error, text)
            else:
                return _see_other(
                    "/bureau/subsidies/payments",
                    month=form["month"],
                    paid=counts["paid"],
                    failed=counts["failed"],
                )
        return await self._page(
            request,
            _month_or_now(form["month"], fallback=True),
            status_code=422,
            form=form,
            file_problems=problems,
            errors={"file": problems[0]},
        )


PAGES = [BureauProgramPages, BureauPaymentPages]
