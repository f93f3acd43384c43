"""HTML pages of allowances for the elder's side and community staff: my allowance
(/subsidies), applying in three steps (/subsidies/apply, then the application's own page
where documents are added), one application with its trail and review buttons, the yearly
checks (/subsidies/reviews) and the review queue (/staff/subsidies).

Thin: forms.py reads forms and gathers what a page shows; the subsidy services decide who
may do what and when. The bureau's own pages are in bureau_pages.py.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from eldercare.actor import Actor
from eldercare.errors import N_, DomainError, Invalid, NotFound
from eldercare.settings import get_settings
from eldercare.subsidies import application_views, applications, documents, domain, forms, reviews
from eldercare.web.auth import current_actor, roles, signed_in
from eldercare.web.templating import render

APPLICANTS = ("resident", "family", "community_staff")
READERS = ("resident", "family", "community_staff", "bureau_officer")
STAFF = ("community_staff", "bureau_officer")
APPLY_FIELDS = frozenset({"elder_id", "program"})
BANK_FIELDS = frozenset({"bank_name", "bank_account", "consent_bank"})
QUEUE_FIELDS = frozenset({"status", "min_age", "max_age", "overdue"})
ACTIONS = ("accept", "pass", "approve", "reject", "return", "resubmit", "withdraw")
# Service field names → this page's field names.
APPLY_KEYS = {"program_code": "program"}


# --------------------------------------------------------------------------- applying


async def _step_one(
    request: Request,
    actor: Actor,
    elder_id: int | None,
    program: str,
    q: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    choices = await forms.apply_choices(actor, elder_id, q)
    return render(
        request,
        "subsidies/apply.html",
        status_code=status_code,
        choices=choices,
        q=q,
        form={"elder_id": str(choices.chosen.id) if choices.chosen else "", "program": program},
        errors=errors or {},
        money_of=forms.monthly_amount,
    )


async def _step_two(
    request: Request,
    actor: Actor,
    elder_id: int,
    program_code: str,
    *,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    existing: int | None = None,
) -> Template:
    elder, program = await applications.check_eligible(
        actor, elder_id=elder_id, program_code=program_code
    )
    return render(
        request,
        "subsidies/apply_confirm.html",
        status_code=status_code,
        elder=elder,
        program=program,
        amount=forms.monthly_amount(program, elder.age),
        form=form or {},
        errors=errors or {},
        existing=existing,
    )


# --------------------------------------------------------------------------- one application


async def _detail(
    request: Request, actor: Actor, application_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    view = await applications.get_application(actor, application_id)
    can_withdraw = applications.may_withdraw(actor, view, forms.now())
    confirming = context.pop("confirm", "") == "withdraw" and can_withdraw
    for key, default in (("form", {}), ("errors", {}), ("done", ""), ("failed", "")):
        context.setdefault(key, default)
    return render(
        request,
        "subsidies/withdraw.html" if confirming else "subsidies/application.html",
        status_code=status_code,
        a=view,
        can_withdraw=can_withdraw,
        withdraw_until=applications.withdraw_until(view.submitted_at),
        decisions=forms.decisions_for(actor, view),
        approve_blocked=forms.approve_blocked(actor, view),
        can_resend=view.status == domain.RETURNED,
        can_upload=view.status in domain.OPEN,
        document_kinds=documents.KINDS,
        elder_side=not actor.is_staff,
        **context,
    )


async def _act(actor: Actor, application_id: int, action: str, form: dict[str, Any]) -> None:
    comment = forms.text(form, f"{action}_comment", 1001)
    if action == "resubmit":
        await applications.resubmit(actor, application_id, comment=comment)
    elif action == "withdraw":
        await applications.withdraw(actor, application_id)
    else:
        await applications.decide(actor, application_id, decision=action, comment=comment)


class AllowancePages(Controller):
    path = "/subsidies"
    include_in_schema = False
    guards = [signed_in]

    @get("/", guards=[roles(*READERS)])
    async def mine(self, request: Request, done: FromQuery[str] = "") -> Template:
        actor = current_actor(request)
        if actor.is_staff:
            late = (await application_views.list_applications(actor, overdue_only=True, limit=1))[1]
            return render(request, "subsidies/mine.html", staff=True, late=late, done=done[:20])
        overview = await forms.overview(actor, forms.now())
        return render(request, "subsidies/mine.html", staff=False, o=overview, done=done[:20])

    @get("/apply", guards=[roles(*APPLICANTS)])
    async def apply_steps(
        self,
        request: Request,
        elder_id: FromQuery[str] = "",
        program: FromQuery[str] = "",
        q: FromQuery[str] = "",
        edit: FromQuery[str] = "",
        check: FromQuery[str] = "",
    ) -> Template:
        actor = current_actor(request)
        chosen, program, q = forms.whole_number(elder_id), program.strip()[:48], q.strip()[:50]
        if elder_id.strip() and chosen is None:
            raise NotFound(N_("No such elder."))
        if chosen is None or not program or edit:
            missing = forms.missing_choices(chosen, program) if check and not edit else []
            return await _step_one(
                request,
                actor,
                chosen,
                program,
                q,
                status_code=422 if missing else 200,
                errors=forms.problems_text(request, missing),
            )
        try:
            return await _step_two(request, actor, chosen, program)
        except Invalid as error:
            return await _step_one(
                request,
                actor,
                chosen,
                program,
                q,
                status_code=error.status_code,
                errors=forms.errors(request, error, APPLY_KEYS, APPLY_FIELDS),
            )

    @post("/apply", guards=[roles(*APPLICANTS)])
    async def apply(self, request: Request) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        elder_id = forms.whole_number(forms.text(form, "elder_id"))
        program = forms.text(form, "program", 48)
        if elder_id is None or not program:
            missing = forms.missing_choices(elder_id, program)
            return await _step_one(
                request,
                actor,
                elder_id,
                program,
                "",
                status_code=422,
                errors=forms.problems_text(request, missing),
            )
        try:
            made = await applications.apply(
                actor,
                elder_id=elder_id,
                program_code=program,
                bank_name=forms.text(form, "bank_name", 200),
                bank_account=forms.text(form, "bank_account", 200),
                consent_bank=forms.text(form, "consent_bank") == "yes",
                channel="web",
            )
        except NotFound:
            raise
        except DomainError as error:
            if any(p.key in BANK_FIELDS for p in error.problems) or not error.problems:
                return await _step_two(
                    request,
                    actor,
                    elder_id,
                    program,
                    status_code=error.status_code,
                    form=form,
                    errors=forms.errors(request, error, shown=BANK_FIELDS),
                    existing=await forms.open_application(actor, elder_id, program),
                )
            return await _step_one(
                request,
                actor,
                elder_id,
                program,
                "",
                status_code=error.status_code,
                errors=forms.errors(request, error, APPLY_KEYS, APPLY_FIELDS),
            )
        return Redirect(f"/subsidies/applications/{made.id}?done=applied", status_code=303)

    @get("/applications/{application_id:int}")
    async def detail(
        self,
        request: Request,
        application_id: FromPath[int],
        done: FromQuery[str] = "",
        confirm: FromQuery[str] = "",
    ) -> Template:
        """The application; ``?confirm=withdraw`` asks, in words, before withdrawing it."""
        return await _detail(
            request, current_actor(request), application_id, done=done[:20], confirm=confirm[:20]
        )

    @post(
        "/applications/{application_id:int}/documents",
        request_max_body_size=get_settings().max_upload_bytes + 65_536,
    )
    async def upload(self, request: Request, application_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        filename, content = await forms.upload_of(form)
        try:
            await documents.upload(
                actor,
                application_id,
                kind=forms.text(form, "kind", 40),
                filename=filename,
                content=content,
            )
        except NotFound:
            raise
        except DomainError as error:
            return await _detail(
                request,
                actor,
                application_id,
                status_code=error.status_code,
                form={"kind": forms.text(form, "kind", 40)},
                failed="upload",
                errors=forms.errors(request, error, shown=frozenset({"kind", "file"})),
            )
        return Redirect(f"/subsidies/applications/{application_id}?done=upload", status_code=303)

    @get(
        "/applications/{application_id:int}/documents/{document_id:int}",
        media_type="application/octet-stream",
    )
    async def download(
        self, request: Request, application_id: FromPath[int], document_id: FromPath[int]
    ) -> Response[bytes]:
        found = await documents.download(current_actor(request), application_id, document_id)
        return Response(content=found.content, media_type=found.content_type, headers=found.headers)

    @post("/applications/{application_id:int}/{action:str}")
    async def act(
        self, request: Request, application_id: FromPath[int], action: FromPath[str]
    ) -> Response[Any]:
        if action not in ACTIONS:
            raise NotFound(N_("Not found."))
        actor = current_actor(request)
        form = await forms.form_dict(request)
        try:
            await _act(actor, application_id, action, form)
        except NotFound:
            raise
        except DomainError as error:
            name = f"{action}_comment"
            return await _detail(
                request,
                actor,
                application_id,
                status_code=error.status_code,
                form=form,
                failed=action,
                errors=forms.errors(request, error, {"comment": name}, frozenset({name})),
            )
        if action == "withdraw":  # the application no longer exists
            return Redirect("/subsidies?done=withdrawn", status_code=303)
        return Redirect(f"/subsidies/applications/{application_id}?done={action}", status_code=303)

    # ----------------------------------------------------------------------- yearly checks

    @get("/reviews", guards=[roles(*READERS)])
    async def yearly_checks(
        self, request: Request, status: FromQuery[str] = "", done: FromQuery[str] = ""
    ) -> Template:
        return await _reviews(request, current_actor(request), status, done=done[:20])

    @post("/reviews/{review_id:int}/confirm", guards=[roles(*READERS)])
    async def confirm(self, request: Request, review_id: FromPath[int]) -> Response[Any]:
        actor = current_actor(request)
        form = await forms.form_dict(request)
        method = "online" if not actor.is_staff else forms.text(form, "method", 20)
        try:
            await reviews.confirm(actor, review_id, method=method)
        except NotFound:
            raise
        except DomainError as error:
            return await _reviews(
                request,
                actor,
                "",
                status_code=error.status_code,
                failed_id=review_id,
                errors=forms.errors(request, error),
            )
        return Redirect("/subsidies/reviews?done=confirmed", status_code=303)


async def _reviews(
    request: Request, actor: Actor, status: str, *, status_code: int = 200, **context: Any
) -> Template:
    status = status if status in (reviews.CONFIRMED, reviews.CLOSED) else ""
    rows, total = await forms.review_rows(actor, status)
    for key, default in (("errors", {}), ("done", ""), ("failed_id", None)):
        context.setdefault(key, default)
    return render(
        request,
        "subsidies/reviews.html",
        status_code=status_code,
        rows=rows,
        total=total,
        status=status,
        staff=actor.is_staff,
        **context,
    )


class ReviewQueuePages(Controller):
    """Community staff and bureau officers: the applications of their region, late ones first."""

    path = "/staff/subsidies"
    include_in_schema = False
    guards = [roles(*STAFF)]

    @get("/")
    async def queue(
        self,
        request: Request,
        status: FromQuery[str | None] = None,
        min_age: FromQuery[str] = "",
        max_age: FromQuery[str] = "",
        overdue: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        actor = current_actor(request)
        filters, problems = forms.queue_filters(
            actor, status=status, min_age=min_age, max_age=max_age, overdue=overdue, page=page
        )
        items: list[application_views.ApplicationView] = []
        total = 0
        if not problems:
            items, total = await application_views.list_applications(
                actor,
                status=filters.status or None,
                min_age=filters.min_age,
                max_age=filters.max_age,
                overdue_only=filters.overdue,
                limit=forms.QUEUE_PAGE_SIZE,
                offset=(filters.page - 1) * forms.QUEUE_PAGE_SIZE,
            )
        return render(
            request,
            "subsidies/queue.html",
            status_code=422 if problems else 200,
            items=items,
            total=total,
            filters=filters,
            form=filters.typed,
            errors=forms.problems_text(request, problems),
            pages=max(1, -(-total // forms.QUEUE_PAGE_SIZE)),
            statuses=forms.STATUSES,
        )


PAGES = [AllowancePages, ReviewQueuePages]
