"""Applications: apply (the elder's side or staff on their behalf), the two-level review, the
trail of every step. Approval creates the entitlement in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from eldercare.accounts import consents
from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts import service as accounts
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import is_sqlite, write_transaction
from eldercare.errors import N_, Conflict, Forbidden, Invalid, NotFound
from eldercare.notifications.service import notify
from eldercare.settings import get_settings
from eldercare.subsidies import application_views, domain, entitlements, programs
from eldercare.subsidies.application_views import ApplicationView
from eldercare.subsidies.programs import ProgramView
from eldercare.subsidies.tables import (
    Application,
    ApplicationDocument,
    ApplicationStep,
    Outreach,
)


def is_workday(day: date) -> bool:
    """Statutory working days (holidays and their make-up weekend days) where the calendar
    package knows the year, else Monday to Friday."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def deadline(today: date) -> date:
    return domain.working_days_after(today, get_settings().processing_working_days, is_workday)


def _channel(actor: Actor, channel: str | None) -> str:
    if actor.is_staff:
        return "proxy"
    return channel if channel in ("app", "web") else "app"


async def _elder_for(actor: Actor, elder_id: int, now: datetime) -> elder_records.ElderView:
    if not (actor.is_staff or actor.has_role("resident", "family")):
        raise NotFound(N_("No such elder."))
    return await elder_records.get_elder(actor, elder_id, now=now)


def _applicant(elder: elder_records.ElderView) -> domain.Applicant:
    return domain.Applicant(
        age=elder.age,
        region_code=elder.region_code,
        low_income=elder.low_income,
        disability=elder.disability,
        ended=elder.ended_on is not None,
    )


def check_bank(bank_name: str, bank_account: str) -> tuple[str, str]:
    account = "".join(bank_account.split())
    if account and not (account.isdigit() and 12 <= len(account) <= 30):
        raise Invalid("bank_account", N_("A bank account number has 12 to 30 digits."))
    name = bank_name.strip()
    if len(name) > 60:
        raise Invalid("bank_name", N_("The bank's name is too long."))
    return name, account


async def check_eligible(
    actor: Actor, *, elder_id: int, program_code: str, now: datetime | None = None
) -> tuple[elder_records.ElderView, ProgramView]:
    """The first step of applying: 404 for an elder not ours, 422 saying why not eligible."""
    now = now or datetime.now(UTC)
    elder = await _elder_for(actor, elder_id, now)
    program = await programs.get_program(program_code)
    problem = domain.eligibility_problem(program.conditions, program.bands, _applicant(elder))
    if problem is not None:
        raise Invalid(problem.key, problem.message, **problem.params)
    return elder, program


async def apply(
    actor: Actor,
    *,
    elder_id: int,
    program_code: str,
    bank_name: str = "",
    bank_account: str = "",
    consent_bank: bool = False,
    channel: str | None = None,
    now: datetime | None = None,
) -> ApplicationView:
    """A bank account is taken only with the elder's separate consent (PIPL art. 29)."""
    now = now or datetime.now(UTC)
    elder, program = await check_eligible(
        actor, elder_id=elder_id, program_code=program_code, now=now
    )
    bank_name, bank_account = check_bank(bank_name, bank_account)
    consents.require_bank(bank_account, consent=consent_bank)
    async with write_transaction():
        application_id = await submit(
            actor,
            elder=elder,
            program=program,
            channel=_channel(actor, channel),
            bank_name=bank_name,
            bank_account=bank_account,
            now=now,
        )
        if bank_account:
            await consents.record(
                actor, elder.id, consents.BANK, channel=_channel(actor, channel), now=now
            )
    return await get_application(actor, application_id, now=now)


async def submit(
    actor: Actor,
    *,
    elder: elder_records.ElderView,
    program: ProgramView,
    channel: str,
    bank_name: str = "",
    bank_account: str = "",
    now: datetime,
) -> int:
    """Insert a submitted application inside the caller's transaction; 409 when one is open
    or an entitlement is live (the partial unique indexes stand behind these checks)."""
    if (
        await Application.exists()
        .where(
            (Application.elder == elder.id)
            & (Application.program == program.id)
            & Application.status.is_in(list(domain.OPEN))
        )
        .run()
    ):
        raise Conflict(N_("This elder already has an open application for this program."))
    if await entitlements.has_live(elder.id, program.id):
        raise Conflict(N_("This elder already receives this program."))
    today = local_today(now)
    application = Application(
        elder=elder.id,
        program=program.id,
        status=domain.SUBMITTED,
        region_code=elder.region_code,
        age=elder.age,
        channel=channel,
        submitted_by=actor.id,
        bank_name=bank_name,
        bank_account=bank_account,
        submitted_at=now,
        due_on=deadline(today),
        created_at=now,
        updated_at=now,
    )
    await application.save().run()
    await (
        Outreach.update({Outreach.status: "applied", Outreach.application: application.id})
        .where(
            (Outreach.elder == elder.id)
            & (Outreach.program == program.id)
            & (Outreach.status == "open")
        )
        .run()
    )
    await _step(application.id, actor, "submit", "", now)
    await audit.record(
        actor,
        "application.submit",
        entity="application",
        entity_id=application.id,
        detail=f"{program.code} {channel}",
        now=now,
    )
    for user_id in await accounts.users_with_role(
        "community_staff", region_covering=elder.region_code
    ):
        await notify(
            user_id,
            "application.submitted",
            N_("A new application for {program} is waiting for review (application {id})."),
            dedupe_key=f"application.submitted:{application.id}:{now.isoformat()}:{user_id}",
            link=f"/subsidies/applications/{application.id}",
            now=now,
            program=program.name,
            id=application.id,
        )
    return application.id


async def _step(application_id: int, actor: Actor, decision: str, comment: str, now: datetime):
    await ApplicationStep.insert(
        ApplicationStep(
            application=application_id,
            decision=decision,
            actor_id=actor.id,
            role=actor.main_role,
            comment=comment,
            at=now,
        )
    ).run()


async def load(actor: Actor, application_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Application.select().where(Application.id == application_id)
    if lock and not is_sqlite():
        query = query.lock_rows()
    row = await query.first().run()
    if (
        row is None
        or row["status"] == domain.WITHDRAWN
        or not (actor.is_staff or actor.has_role("resident", "family"))
        or not await elder_records.acts_for(actor, row["elder"])
    ):
        raise NotFound(N_("No such application."))
    return row


async def decide(
    actor: Actor,
    application_id: int,
    *,
    decision: str,
    comment: str = "",
    now: datetime | None = None,
) -> ApplicationView:
    """One review step. Role first (403), then visibility (404), the body (422), the state (409)."""
    now = now or datetime.now(UTC)
    if not actor.is_staff:
        raise Forbidden(N_("Only community staff and bureau officers review applications."))
    await load(actor, application_id)
    comment = (comment or "").strip()
    if decision in domain.RULES and not set(domain.RULES[decision].roles).intersection(actor.roles):
        raise Forbidden(N_("Your role cannot make this decision."))
    if decision in ("return", "reject") and not comment:
        raise Invalid("comment", N_("Say what is missing or why, so the family knows what to do."))
    if len(comment) > 1000:
        raise Invalid("comment", N_("A comment can be at most 1000 characters."))
    async with write_transaction():
        row = await load(actor, application_id, lock=True)
        passes = (
            await ApplicationStep.select(ApplicationStep.actor_id)
            .where(
                (ApplicationStep.application == application_id)
                & (ApplicationStep.decision == "pass")
            )
            .order_by(ApplicationStep.id, ascending=False)
            .first()
            .run()
        )
        target = domain.next_status(
            decision,
            row["status"],
            actor.roles,
            actor_id=actor.id,
            first_reviewer=passes["actor_id"] if passes else None,
        )
        await (
            Application.update(
                {
                    Application.status: target,
                    Application.updated_at: now,
                    **({Application.decided_at: now} if target in ("approved", "rejected") else {}),
                }
            )
            .where(Application.id == application_id)
            .run()
        )
        await _step(application_id, actor, decision, comment, now)
        await audit.record(
            actor,
            f"application.{decision}",
            entity="application",
            entity_id=application_id,
            detail=comment[:200],
            now=now,
        )
        program = await programs.program_by_id(row["program"])
        if target == domain.APPROVED:
            await entitlements.grant(actor, row, program, now=now)
        await _tell_applicant(row, program, target, comment, now)
    return await get_application(actor, application_id, now=now)


_NEWS = {
    domain.ACCEPTED: N_("Your application for {program} has been received by community staff."),
    domain.REVIEWED: N_("Your application for {program} passed the first review."),
    domain.APPROVED: N_("Your application for {program} is approved. Payments start next month."),
    domain.REJECTED: N_("Your application for {program} was not approved: {comment}"),
    domain.RETURNED: N_("Your application for {program} needs a correction: {comment}"),
}


async def _tell_applicant(
    row: dict[str, Any], program: ProgramView, status: str, comment: str, now: datetime
) -> None:
    recipients = {row["submitted_by"], *await account_links.linked_user_ids(row["elder"])}
    for user_id in recipients:
        await notify(
            user_id,
            f"application.{status}",
            _NEWS[status],
            dedupe_key=f"application:{row['id']}:{status}:{now.isoformat()}:{user_id}",
            link=f"/subsidies/applications/{row['id']}",
            now=now,
            program=program.name,
            comment=comment,
        )


async def resubmit(
    actor: Actor, application_id: int, *, comment: str = "", now: datetime | None = None
) -> ApplicationView:
    """After a return (补正): the elder's side or staff send it back, and the clock restarts."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row = await load(actor, application_id, lock=True)
        if row["status"] != domain.RETURNED:
            raise Conflict(N_("Only an application returned for correction can be sent again."))
        await (
            Application.update(
                {
                    Application.status: domain.SUBMITTED,
                    Application.due_on: deadline(local_today(now)),
                    Application.updated_at: now,
                }
            )
            .where(Application.id == application_id)
            .run()
        )
        await _step(application_id, actor, "resubmit", (comment or "").strip()[:1000], now)
        await audit.record(
            actor, "application.resubmit", entity="application", entity_id=application_id, now=now
        )
    return await get_application(actor, application_id, now=now)


def withdraw_until(submitted_at: datetime) -> datetime:
    """Until when an application can be withdrawn (ELDERCARE_WITHDRAW_MINUTES after sending)."""
    return submitted_at + timedelta(minutes=get_settings().withdraw_minutes)


def may_withdraw(actor: Actor, view: ApplicationView, now: datetime) -> bool:
    """For pages: whether to offer "Withdraw" (the service decides again when it is pressed)."""
    sent = [s for s in view.steps if s.decision == "submit"]
    return (
        view.status == domain.SUBMITTED
        and len(sent) == len(view.steps) == 1
        and (not actor.is_staff or sent[0].actor_id == actor.id)
        and now <= withdraw_until(view.submitted_at)
    )


async def withdraw(actor: Actor, application_id: int, *, now: datetime | None = None) -> None:
    """Sent by mistake: within minutes of sending, while nobody has acted on it, the elder's
    side or the staff member who sent it takes it back. The application, its steps and its
    documents are deleted and the application is hidden as if it never was (API.md has no
    "withdrawn" status: reads answer 404), the outreach that led to it is open again, the
    region's staff are told, and the audit log keeps the fact."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        row = await load(actor, application_id, lock=True)
        if actor.is_staff and row["submitted_by"] != actor.id:
            raise Forbidden(
                N_("Only the elder's side or whoever sent the application can withdraw it.")
            )
        acted_on = (
            await ApplicationStep.exists()
            .where(
                (ApplicationStep.application == application_id)
                & (ApplicationStep.decision != "submit")
            )
            .run()
        )
        if row["status"] != domain.SUBMITTED or acted_on:
            raise Conflict(
                N_("Staff have started on this application, so it can no longer be withdrawn.")
            )
        if now > withdraw_until(row["submitted_at"]):
            raise Conflict(
                N_(
                    "More than {minutes} minutes have passed since the application was sent, "
                    "so it can no longer be withdrawn."
                ),
                minutes=get_settings().withdraw_minutes,
            )
        await (
            Outreach.update({Outreach.status: "open", Outreach.application: None})
            .where(Outreach.application == application_id)
            .run()
        )
        await (
            ApplicationDocument.delete()
            .where(ApplicationDocument.application == application_id)
            .run()
        )
        # Kept, hidden (every read treats it as missing), so its id is never given again
        # (SQLite reuses the highest deleted rowid) and its trail stays with the audit log.
        await (
            Application.update({Application.status: domain.WITHDRAWN, Application.updated_at: now})
            .where(Application.id == application_id)
            .run()
        )
        await _step(application_id, actor, "withdraw", "", now)
        await audit.record(
            actor,
            "application.withdraw",
            entity="application",
            entity_id=application_id,
            detail=f"elder={row['elder']} program={row['program']}",
            now=now,
        )
        program = await programs.program_by_id(row["program"])
        for user_id in await accounts.users_with_role(
            "community_staff", region_covering=row["region_code"]
        ):
            if user_id != actor.id:  # the new-application message to them now leads nowhere
                await notify(
                    user_id,
                    "application.withdrawn",
                    N_("Application {id} for {program} was withdrawn; there is nothing to review."),
                    dedupe_key=f"application.withdrawn:{application_id}:{user_id}",
                    link="/staff/subsidies",
                    now=now,
                    program=program.name,
                    id=application_id,
                )


async def get_application(
    actor: Actor, application_id: int, *, now: datetime | None = None
) -> ApplicationView:
    row = await load(actor, application_id)
    return (await application_views.views([row], now or datetime.now(UTC)))[0]
