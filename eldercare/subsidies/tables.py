"""Programs and their age bands, applications and their review trail, entitlements,
monthly payments, annual reviews, and the outreach list of elders found eligible.

Months are integers ``YYYYMM`` (202612): compared and joined the same way on both engines.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from eldercare.accounts.tables import Elder


class Program(Table, tablename="subsidy_program"):
    code = Varchar(length=48, unique=True)
    name = Varchar(length=100)
    kind = Varchar(length=16)  # allowance, service_voucher
    region_code = Varchar(length=12, index=True)
    annual_review = Boolean(default=True)
    requires_low_income = Boolean(default=False)
    requires_disability = Boolean(default=False)
    auto_grant = Boolean(default=False)
    active = Boolean(default=True)
    created_by = Integer()
    created_at = Timestamptz()


class ProgramBand(Table, tablename="subsidy_band"):
    program = ForeignKey(Program, null=False, on_delete=OnDelete.cascade, index=True)
    min_age = Integer()
    max_age = Integer(null=True, default=None)  # None: no upper bound
    amount_fen = Integer()


class Application(Table, tablename="subsidy_application"):
    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.restrict, index=True)
    program = ForeignKey(Program, null=False, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, index=True)
    region_code = Varchar(length=12, index=True)  # the elder's, when submitted
    age = Integer()  # the elder's age when submitted
    channel = Varchar(length=16)  # app, web, proxy, discovered
    submitted_by = Integer()
    bank_name = Varchar(length=60, default="")
    bank_account = Varchar(length=32, default="")
    submitted_at = Timestamptz()
    due_on = Date()  # the processing deadline (working days after (re)submission)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ApplicationStep(Table, tablename="subsidy_step"):
    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade, index=True)
    decision = Varchar(length=16)  # submit, accept, pass, return, resubmit, approve, reject
    actor_id = Integer()
    role = Varchar(length=24)
    comment = Text(default="")
    at = Timestamptz()


class ApplicationDocument(Table, tablename="subsidy_document"):
    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=24)  # id_card, household_register, bank_card, other
    filename = Varchar(length=120)
    content_type = Varchar(length=40)
    size = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    uploaded_by = Integer()
    uploaded_at = Timestamptz()


class Entitlement(Table, tablename="subsidy_entitlement"):
    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.restrict, index=True)
    program = ForeignKey(Program, null=False, on_delete=OnDelete.restrict, index=True)
    application = Integer(null=True, default=None)
    status = Varchar(length=16, index=True)  # active, suspended, terminated
    amount_fen = Integer()  # this month's amount, kept current by the age_bands sweep
    amount_month = Integer()  # the month amount_fen is for
    start_month = Integer()
    end_month = Integer(null=True, default=None)  # last month paid after termination
    held_from = Integer(null=True, default=None)  # first month held back while suspended
    approved_on = Date()  # anniversaries count from here
    next_review_due = Date(null=True, default=None)
    birth_year = Integer()
    birth_mmdd = Integer()  # month * 100 + day: age per month without date functions in SQL
    region_code = Varchar(length=12, index=True)
    bank_name = Varchar(length=60, default="")
    bank_account = Varchar(length=32, default="")
    ended_reason = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Payment(Table, tablename="subsidy_payment"):
    """One row per entitlement per month (unique), made by the monthly run or as back pay."""

    entitlement = ForeignKey(Entitlement, null=False, on_delete=OnDelete.restrict, index=True)
    month = Integer()
    amount_fen = Integer()
    kind = Varchar(length=16)  # regular, back_pay
    status = Varchar(length=16, index=True)  # pending, exported, paid, failed, cancelled
    batch = Varchar(length=32, default="", index=True)
    note = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)


class AnnualReview(Table, tablename="subsidy_review"):
    entitlement = ForeignKey(Entitlement, null=False, on_delete=OnDelete.cascade, index=True)
    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.restrict, index=True)
    due_date = Date()
    status = Varchar(length=16, index=True)  # open, overdue, confirmed, closed
    method = Varchar(length=16, default="")  # online, home_visit, phone, visit
    confirmed_by = Integer(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    evidence = Text(default="")  # for "visit": which check-in counted as proof of life
    created_at = Timestamptz()


class Outreach(Table, tablename="subsidy_outreach"):
    """An elder the records show eligible for a program they have not applied for."""

    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.cascade, index=True)
    program = ForeignKey(Program, null=False, on_delete=OnDelete.cascade, index=True)
    region_code = Varchar(length=12, index=True)
    found_at = Timestamptz()
    application = Integer(null=True, default=None)  # the pre-filled one, with auto_grant
    status = Varchar(length=16, default="open")  # open, applied, dismissed
