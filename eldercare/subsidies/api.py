"""JSON controllers for programs, applications, entitlements, payments, annual reviews,
vouchers, outreach and departures (API.md "Subsidies")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from eldercare.settings import get_settings
from eldercare.subsidies import (
    application_views,
    applications,
    departures,
    discovery,
    documents,
    domain,
    entitlements,
    payments,
    programs,
    reviews,
    vouchers,
)
from eldercare.subsidies.domain import Band
from eldercare.subsidies.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationPage,
    BalanceOut,
    BatchIn,
    BatchOut,
    CommentIn,
    ConfirmIn,
    DecisionIn,
    DepartureIn,
    DepartureOut,
    DocumentOut,
    EntitlementOut,
    EntitlementPage,
    OutreachOut,
    OutreachPage,
    PaymentOut,
    PaymentPage,
    ProgramCreate,
    ProgramOut,
    ProgramPage,
    ReturnsIn,
    ReturnsOut,
    ReviewOut,
    ReviewPage,
)
from eldercare.web.auth import CurrentActor, roles, signed_in
from eldercare.web.idempotency import idempotent
from eldercare.web.pagination import PageParams, provide_page

PAGE = {"page": Provide(provide_page, sync_to_thread=False)}
STAFF = roles("community_staff", "bureau_officer")
OFFICER = roles("bureau_officer")
ELDER_SIDE = roles("resident", "family", "community_staff", "bureau_officer")


class ProgramController(Controller):
    path = "/subsidies/programs"
    tags = ["subsidies"]
    dependencies = PAGE

    @get("/", exclude_from_auth=True)
    async def index(
        self, page: NamedDependency[PageParams], region_code: FromQuery[str | None] = None
    ) -> ProgramPage:
        found = await programs.list_programs(region_code)
        return ProgramPage(
            items=[ProgramOut.of(p) for p in found[page.offset : page.offset + page.limit]],
            total=len(found),
        )

    @post("/", status_code=201, guards=[signed_in, OFFICER])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[ProgramCreate]
    ) -> ProgramOut:
        async def create_program() -> ProgramOut:
            return ProgramOut.of(
                await programs.create_program(
                    actor,
                    programs.ProgramInput(
                        code=data.code,
                        name=data.name,
                        kind=data.kind,
                        region_code=data.region_code,
                        bands=[Band(b.min_age, b.max_age, b.amount_fen) for b in data.bands],
                        annual_review=data.annual_review,
                        requires_low_income=data.requires_low_income,
                        requires_disability=data.requires_disability,
                        auto_grant=data.auto_grant,
                    ),
                )
            )

        return await idempotent(request, actor, create_program)


@dataclass
class DocumentUpload:
    kind: str
    file: UploadFile


class ApplicationController(Controller):
    path = "/subsidies/applications"
    tags = ["subsidies"]
    guards = [signed_in]
    dependencies = PAGE

    @post("/", status_code=201, guards=[ELDER_SIDE])
    async def create(
        self, request: Request, actor: CurrentActor, data: JSONBody[ApplicationCreate]
    ) -> ApplicationOut:
        async def create_application() -> ApplicationOut:
            return ApplicationOut.of(
                await applications.apply(
                    actor,
                    elder_id=data.elder_id,
                    program_code=data.program_code,
                    bank_name=data.bank_name,
                    bank_account=data.bank_account,
                    consent_bank=data.consent_bank,
                    channel=data.channel,
                )
            )

        return await idempotent(request, actor, create_application)

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        status: FromQuery[str | None] = None,
        region_code: FromQuery[str | None] = None,
        elder_id: FromQuery[int | None] = None,
        min_age: FromQuery[int | None] = None,
        max_age: FromQuery[int | None] = None,
        overdue: FromQuery[bool] = False,
    ) -> ApplicationPage:
        items, total = await application_views.list_applications(
            actor,
            status=status,
            region_code=region_code,
            elder_id=elder_id,
            min_age=min_age,
            max_age=max_age,
            overdue_only=overdue,
            limit=page.limit,
            offset=page.offset,
        )
        return ApplicationPage(items=[ApplicationOut.of(a) for a in items], total=total)

    @get("/{application_id:int}")
    async def show(self, actor: CurrentActor, application_id: FromPath[int]) -> ApplicationOut:
        return ApplicationOut.of(await applications.get_application(actor, application_id))

    @post("/{application_id:int}/decisions", status_code=200)
    async def decide(
        self, actor: CurrentActor, application_id: FromPath[int], data: JSONBody[DecisionIn]
    ) -> ApplicationOut:
        return ApplicationOut.of(
            await applications.decide(
                actor, application_id, decision=data.decision, comment=data.comment
            )
        )

    @post("/{application_id:int}/resubmit", status_code=200, guards=[ELDER_SIDE])
    async def resubmit(
        self, actor: CurrentActor, application_id: FromPath[int], data: JSONBody[CommentIn]
    ) -> ApplicationOut:
        return ApplicationOut.of(
            await applications.resubmit(actor, application_id, comment=data.comment)
        )

    @post("/{application_id:int}/withdraw", status_code=204, guards=[ELDER_SIDE])
    async def withdraw(self, actor: CurrentActor, application_id: FromPath[int]) -> None:
        """Within minutes of sending and before staff act: taken back (404 afterwards)."""
        await applications.withdraw(actor, application_id)

    @post(
        "/{application_id:int}/documents",
        status_code=201,
        guards=[ELDER_SIDE],
        request_max_body_size=get_settings().max_upload_bytes + 65_536,
    )
    async def upload(
        self,
        actor: CurrentActor,
        application_id: FromPath[int],
        data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DocumentOut:
        content = await data.file.read()
        return DocumentOut.of(
            await documents.upload(
                actor,
                application_id,
                kind=data.kind,
                filename=data.file.filename or "",
                content=content,
            )
        )

    @get("/{application_id:int}/documents/{document_id:int}", media_type="application/octet-stream")
    async def download(
        self, actor: CurrentActor, application_id: FromPath[int], document_id: FromPath[int]
    ) -> Response[bytes]:
        found = await documents.download(actor, application_id, document_id)
        return Response(content=found.content, media_type=found.content_type, headers=found.headers)


class EntitlementController(Controller):
    path = "/subsidies/entitlements"
    tags = ["subsidies"]
    guards = [signed_in]
    dependencies = PAGE

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        elder_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
    ) -> EntitlementPage:
        items, total = await entitlements.list_entitlements(
            actor, elder_id=elder_id, status=status, limit=page.limit, offset=page.offset
        )
        return EntitlementPage(items=[EntitlementOut.of(e) for e in items], total=total)

    @get("/{entitlement_id:int}")
    async def show(self, actor: CurrentActor, entitlement_id: FromPath[int]) -> EntitlementOut:
        return EntitlementOut.of(await entitlements.get_entitlement(actor, entitlement_id))


class PaymentController(Controller):
    path = "/subsidies/payments"
    tags = ["subsidies"]
    guards = [signed_in]
    dependencies = PAGE

    @get("/")
    async def index(
        self, actor: CurrentActor, page: NamedDependency[PageParams], entitlement_id: FromQuery[int]
    ) -> PaymentPage:
        items, total = await payments.list_payments(
            actor, entitlement_id=entitlement_id, limit=page.limit, offset=page.offset
        )
        return PaymentPage(items=[PaymentOut.of(p) for p in items], total=total)

    @post("/batches", status_code=201, guards=[OFFICER])
    async def export(self, actor: CurrentActor, data: JSONBody[BatchIn]) -> BatchOut:
        batch, _, count = await payments.export_batch(actor, domain.parse_month(data.month))
        return BatchOut(batch=batch, rows=count)

    @get("/batches/{batch:str}", guards=[OFFICER], media_type="text/csv")
    async def batch_file(self, actor: CurrentActor, batch: FromPath[str]) -> Response[str]:
        month = domain.parse_month(f"{batch[:4]}-{batch[4:6]}", key="batch")
        name, text, _ = await payments.export_batch(actor, month, batch=batch)
        return Response(
            content="\ufeff" + text,  # a BOM, so spreadsheet programs read the Chinese names
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="payments-{name}.csv"'},
        )

    @post("/returns", status_code=200, guards=[OFFICER])
    async def returns(self, actor: CurrentActor, data: JSONBody[ReturnsIn]) -> ReturnsOut:
        counts = await payments.record_returns(actor, data.csv)
        return ReturnsOut(paid=counts["paid"], failed=counts["failed"])


class ReviewController(Controller):
    path = "/subsidies/annual-reviews"
    tags = ["subsidies"]
    guards = [signed_in]
    dependencies = PAGE

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        elder_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
    ) -> ReviewPage:
        items, total = await reviews.list_reviews(
            actor, elder_id=elder_id, status=status, limit=page.limit, offset=page.offset
        )
        return ReviewPage(items=[ReviewOut.of(r) for r in items], total=total)

    @post("/{review_id:int}/confirm", status_code=200, guards=[ELDER_SIDE])
    async def confirm(
        self, actor: CurrentActor, review_id: FromPath[int], data: JSONBody[ConfirmIn]
    ) -> ReviewOut:
        return ReviewOut.of(await reviews.confirm(actor, review_id, method=data.method))


class VoucherController(Controller):
    path = "/subsidies/vouchers"
    tags = ["subsidies"]
    guards = [signed_in]

    @get("/")
    async def balance(
        self, actor: CurrentActor, elder_id: FromQuery[int], month: FromQuery[str]
    ) -> BalanceOut:
        return BalanceOut.of(await vouchers.balance(actor, elder_id, domain.parse_month(month)))


class OutreachController(Controller):
    path = "/subsidies/outreach"
    tags = ["subsidies"]
    guards = [signed_in, STAFF]
    dependencies = PAGE

    @get("/")
    async def index(
        self,
        actor: CurrentActor,
        page: NamedDependency[PageParams],
        status: FromQuery[str] = "open",
    ) -> OutreachPage:
        items, total = await discovery.outreach_list(
            actor, status=status, limit=page.limit, offset=page.offset
        )
        return OutreachPage(items=[OutreachOut.of(o) for o in items], total=total)


class DepartureController(Controller):
    path = "/elders/{elder_id:int}/departure"
    tags = ["elders"]
    guards = [signed_in, STAFF]

    @post("/", status_code=200)
    async def record(
        self, actor: CurrentActor, elder_id: FromPath[int], data: JSONBody[DepartureIn]
    ) -> DepartureOut:
        counts = await departures.close_elder(
            actor, elder_id, reason=data.reason, on=data.date, comment=data.comment
        )
        return DepartureOut(elder_id=elder_id, **counts)


CONTROLLERS = [
    ProgramController,
    ApplicationController,
    EntitlementController,
    PaymentController,
    ReviewController,
    VoucherController,
    OutreachController,
    DepartureController,
]
