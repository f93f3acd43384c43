"""Request and response shapes of the subsidy API (API.md "Subsidies")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from eldercare.booking.schemas import local
from eldercare.subsidies import domain
from eldercare.subsidies.application_views import ApplicationView, DocumentInfo
from eldercare.subsidies.discovery import OutreachView
from eldercare.subsidies.entitlements import EntitlementView
from eldercare.subsidies.payments import PaymentView
from eldercare.subsidies.programs import ProgramView
from eldercare.subsidies.reviews import ReviewView
from eldercare.subsidies.vouchers import Balance


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (no mass assignment)."""


class BandIn(Strict):
    min_age: int
    amount_fen: int
    max_age: int | None = None


class ProgramCreate(Strict):
    code: str
    name: str
    kind: str
    region_code: str
    bands: list[BandIn]
    annual_review: bool = True
    requires_low_income: bool = False
    requires_disability: bool = False
    auto_grant: bool = False


class BandOut(msgspec.Struct):
    min_age: int
    max_age: int | None
    amount_fen: int


class ProgramOut(msgspec.Struct):
    code: str
    name: str
    kind: str
    region_code: str
    bands: list[BandOut]
    annual_review: bool
    requires_low_income: bool
    requires_disability: bool
    auto_grant: bool

    @classmethod
    def of(cls, p: ProgramView) -> ProgramOut:
        return cls(
            code=p.code,
            name=p.name,
            kind=p.kind,
            region_code=p.region_code,
            bands=[BandOut(b.min_age, b.max_age, b.amount_fen) for b in p.bands],
            annual_review=p.annual_review,
            requires_low_income=p.requires_low_income,
            requires_disability=p.requires_disability,
            auto_grant=p.auto_grant,
        )


class ProgramPage(msgspec.Struct):
    items: list[ProgramOut]
    total: int


class ApplicationCreate(Strict):
    elder_id: int
    program_code: str
    bank_name: str = ""
    bank_account: str = ""
    consent_bank: bool = False  # required (true) with a bank account (PIPL art. 29)
    channel: str | None = None


class DecisionIn(Strict):
    decision: str
    comment: str = ""


class CommentIn(Strict):
    comment: str = ""


class StepOut(msgspec.Struct):
    decision: str
    actor_id: int
    role: str
    comment: str
    at: datetime


class DocumentOut(msgspec.Struct):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime

    @classmethod
    def of(cls, d: DocumentInfo) -> DocumentOut:
        return cls(d.id, d.kind, d.filename, d.content_type, d.size, local(d.uploaded_at))


class ApplicationOut(msgspec.Struct):
    id: int
    elder_id: int
    program_code: str
    status: str
    steps: list[StepOut]
    channel: str
    age: int
    region_code: str
    submitted_at: datetime
    due_on: date
    overdue: bool
    waiting_days: int
    documents: list[DocumentOut]

    @classmethod
    def of(cls, a: ApplicationView) -> ApplicationOut:
        return cls(
            id=a.id,
            elder_id=a.elder_id,
            program_code=a.program_code,
            status=a.status,
            steps=[
                StepOut(s.decision, s.actor_id, s.role, s.comment, local(s.at)) for s in a.steps
            ],
            channel=a.channel,
            age=a.age,
            region_code=a.region_code,
            submitted_at=local(a.submitted_at),
            due_on=a.due_on,
            overdue=a.overdue,
            waiting_days=a.waiting_days,
            documents=[DocumentOut.of(d) for d in a.documents],
        )


class ApplicationPage(msgspec.Struct):
    items: list[ApplicationOut]
    total: int


class EntitlementOut(msgspec.Struct):
    id: int
    elder_id: int
    program_code: str
    kind: str
    amount_fen: int
    status: str
    start_month: str
    end_month: str | None
    next_review_due: date | None
    approved_on: date

    @classmethod
    def of(cls, e: EntitlementView) -> EntitlementOut:
        return cls(
            id=e.id,
            elder_id=e.elder_id,
            program_code=e.program_code,
            kind=e.kind,
            amount_fen=e.amount_fen,
            status=e.status,
            start_month=domain.month_text(e.start_month),
            end_month=domain.month_text(e.end_month) if e.end_month else None,
            next_review_due=e.next_review_due,
            approved_on=e.approved_on,
        )


class EntitlementPage(msgspec.Struct):
    items: list[EntitlementOut]
    total: int


class PaymentOut(msgspec.Struct):
    id: int
    entitlement_id: int
    month: str
    amount_fen: int
    status: str
    kind: str
    batch: str

    @classmethod
    def of(cls, p: PaymentView) -> PaymentOut:
        return cls(p.id, p.entitlement_id, p.month_text, p.amount_fen, p.status, p.kind, p.batch)


class PaymentPage(msgspec.Struct):
    items: list[PaymentOut]
    total: int


class BatchIn(Strict):
    month: str


class BatchOut(msgspec.Struct):
    batch: str
    rows: int


class ReturnsIn(Strict):
    csv: Annotated[
        str, msgspec.Meta(description="payment_id,result[,note] lines; result paid or failed")
    ]


class ReturnsOut(msgspec.Struct):
    paid: int
    failed: int


class ReviewOut(msgspec.Struct):
    id: int
    entitlement_id: int
    elder_id: int
    due_date: date
    status: str
    method: str
    confirmed_at: datetime | None
    suspends_on: date

    @classmethod
    def of(cls, r: ReviewView) -> ReviewOut:
        return cls(
            r.id,
            r.entitlement_id,
            r.elder_id,
            r.due_date,
            r.status,
            r.method,
            local(r.confirmed_at) if r.confirmed_at else None,
            r.suspends_on,
        )


class ReviewPage(msgspec.Struct):
    items: list[ReviewOut]
    total: int


class ConfirmIn(Strict):
    method: str


class BalanceOut(msgspec.Struct):
    elder_id: int
    month: str
    credit_fen: int
    held_fen: int
    spent_fen: int
    left_fen: int

    @classmethod
    def of(cls, b: Balance) -> BalanceOut:
        return cls(
            b.elder_id,
            domain.month_text(b.month),
            b.credit_fen,
            b.held_fen,
            b.spent_fen,
            b.left_fen,
        )


class OutreachOut(msgspec.Struct):
    id: int
    elder_id: int
    elder_name: str
    age: int
    region_code: str
    program_code: str
    found_on: date
    application_id: int | None
    status: str

    @classmethod
    def of(cls, o: OutreachView) -> OutreachOut:
        return cls(
            o.id,
            o.elder_id,
            o.elder_name,
            o.age,
            o.region_code,
            o.program_code,
            o.found_on,
            o.application_id,
            o.status,
        )


class OutreachPage(msgspec.Struct):
    items: list[OutreachOut]
    total: int


class DepartureIn(Strict):
    reason: str
    date: date
    comment: str = ""


class DepartureOut(msgspec.Struct):
    elder_id: int
    entitlements: int
    payments_cancelled: int
    visits_cancelled: int
