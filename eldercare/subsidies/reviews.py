"""Annual reviews (年审): opened ahead of each anniversary of the approval, reminded, marked
overdue, the entitlement suspended after the grace period, and confirmed — online by the
elder's side, by staff after a home visit or a phone call, or by a caregiver's geofenced
check-in in the review window (proof of life, flagged as such). Confirmation reinstates a
suspended entitlement and pays the months held back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.accounts import elders as elder_records
from eldercare.accounts import links as account_links
from eldercare.accounts import service as accounts
from eldercare.accounts.service import local_today
from eldercare.actor import SYSTEM, Actor
from eldercare.audit import service as audit
from eldercare.booking import facts as booking_facts
from eldercare.db import as_date, fetch, is_sqlite, write_transaction
from eldercare.errors import N_, Conflict, Forbidden, Invalid, NotFound
from eldercare.geo.domain import region_prefix
from eldercare.notifications import rendering
from eldercare.notifications.service import Outgoing, notify, notify_many
from eldercare.settings import get_settings
from eldercare.subsidies import domain, entitlements, payments
from eldercare.subsidies.tables import AnnualReview, Entitlement

OPEN, OVERDUE, CONFIRMED, CLOSED = "open", "overdue", "confirmed", "closed"
PENDING = (OPEN, OVERDUE)
METHODS = ("online", "home_visit", "phone")
IN_SERVICE, COMPLETED = "in_service", "completed"  # booking states whose check-in is proof
_CHUNK = 500
STAFF_METHODS = ("home_visit", "phone")


def policy() -> domain.ReviewPolicy:
    s = get_settings()
    return domain.ReviewPolicy(open_days=s.review_open_days, grace_days=s.review_grace_days)


@dataclass(frozen=True)
class ReviewView:
    id: int
    entitlement_id: int
    elder_id: int
    due_date: date
    status: str
    method: str
    confirmed_at: datetime | None
    evidence: str
    suspends_on: date


def _view(row: dict[str, Any]) -> ReviewView:
    return ReviewView(
        id=row["id"],
        entitlement_id=row["entitlement"],
        elder_id=row["elder"],
        due_date=row["due_date"],
        status=row["status"],
        method=row["method"],
        confirmed_at=row["confirmed_at"],
        evidence=row["evidence"],
        suspends_on=domain.suspension_day(row["due_date"], policy()),
    )


# --------------------------------------------------------------------------- the sweep


async def annual_reviews(at: datetime) -> int:
    """Bring every review up to ``at``: open the due ones (with reminders), take a verified
    visit as proof of life, mark the late ones overdue, suspend after the grace period."""
    today = local_today(at)
    changed = await _open_due(today, at)
    changed += await _visits_as_proof(at)
    rows = await fetch(
        "UPDATE subsidy_review SET status = {} WHERE status = {} AND due_date < {} RETURNING id",
        OVERDUE,
        OPEN,
        today,
    )
    changed += len(rows)
    changed += await suspend_late(at)
    return changed


async def _open_due(today: date, at: datetime) -> int:
    horizon = today + timedelta(days=policy().open_days)
    async with write_transaction():
        opened = await fetch(
            "INSERT INTO subsidy_review (entitlement, elder, due_date, status, method, "
            "confirmed_by, confirmed_at, evidence, created_at) "
            "SELECT e.id, e.elder, e.next_review_due, {}, '', NULL, NULL, '', {} "
            "FROM subsidy_entitlement e WHERE e.status IN ('active', 'suspended') "
            "AND e.next_review_due IS NOT NULL AND e.next_review_due <= {} "
            "ON CONFLICT (entitlement, due_date) DO NOTHING RETURNING id, elder, due_date",
            OPEN,
            at,
            horizon,
        )
        await _remind(opened, at)
    return len(opened)


async def _remind(opened: list[dict[str, Any]], at: datetime) -> None:
    """Tell each opened review's family and community staff. The elders, their links and the
    staff of each region are read in bulk, and the messages written in bulk: a city opens
    thousands of reviews in one run."""
    ids = sorted({row["elder"] for row in opened})
    elders: dict[int, Any] = {}
    for chunk in range(0, len(ids), _CHUNK):
        elders.update(await elder_records.elders_by_id(ids[chunk : chunk + _CHUNK], now=at))
    links = await account_links.linked_users_by_elder(ids)
    staff: dict[str, set[int]] = {}
    messages = []
    for row in opened:
        elder = elders[row["elder"]]
        if elder.region_code not in staff:
            staff[elder.region_code] = set(
                await accounts.users_with_role("community_staff", region_covering=elder.region_code)
            )
        due = rendering.day(as_date(row["due_date"]))
        for user_id in links.get(elder.id, set()) | staff[elder.region_code]:
            messages.append(
                Outgoing(
                    user_id,
                    "review.opened",
                    N_(
                        "The yearly check for {name}'s allowance is due by {date}. "
                        "Please confirm it."
                    ),
                    dedupe_key=f"review.opened:{row['id']}:{user_id}",
                    link="/subsidies/reviews",
                    params={"name": elder.name, "date": due},
                )
            )
    await notify_many(messages, now=at)


async def _visits_as_proof(at: datetime) -> int:
    """Pending reviews confirmed by a caregiver's verified check-in in their window, found
    in one join of the pending reviews with their elders' check-ins. SQL keeps check-ins from
    a day before the earliest the window can open (date arithmetic, alike on both engines);
    each review's own window, from local midnight, is applied here."""
    verified, args = booking_facts.verified_check_in_sql("b")
    slack = policy().open_days + 1
    opened = f"date(r.due_date, '-{slack} days')" if is_sqlite() else f"(r.due_date - {slack})"
    rows = await fetch(
        "SELECT r.id, r.entitlement, r.elder, r.due_date, r.status, b.id AS booking, "
        "b.check_in_at FROM subsidy_review r JOIN booking b ON b.elder = r.elder "
        f"WHERE r.status IN ({{}}, {{}}) AND r.created_at <= {{}} AND {verified} "
        f"AND b.check_in_at <= {{}} AND b.check_in_at >= {opened} "
        "ORDER BY r.id, b.check_in_at, b.id",
        OPEN,
        OVERDUE,
        at,
        *args,
        at,
    )
    confirmed, opens_on, done = 0, dict[date, datetime](), set[int]()
    for row in rows:
        if row["id"] in done:
            continue
        due = as_date(row["due_date"])
        if due not in opens_on:
            opens_on[due] = _local_midnight(domain.review_opens(due, policy()))
        checked_in = row["check_in_at"]
        if isinstance(checked_in, str):  # SQLite keeps timestamps as UTC text
            checked_in = datetime.fromisoformat(checked_in)
        # The first check-in in this review's own window; an earlier one is for an older review.
        if checked_in < opens_on[due]:
            continue
        done.add(row["id"])
        review = {
            "id": row["id"],
            "entitlement": row["entitlement"],
            "elder": row["elder"],
            "due_date": due,
            "status": row["status"],
        }
        if await _confirm(
            SYSTEM, review, "visit", at=checked_in, now=at, evidence=f"booking {row['booking']}"
        ):
            confirmed += 1
    return confirmed


def _local_midnight(day: date) -> datetime:
    zone = ZoneInfo(get_settings().timezone)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


async def suspend_late(at: datetime) -> int:
    """Suspend live entitlements whose review is still pending after the grace period; from
    the first month that begins on or after that day nothing is paid until confirmation."""
    today = local_today(at)
    cutoff = today - timedelta(days=policy().grace_days)
    late = await fetch(
        "SELECT r.id, r.entitlement, r.due_date, e.elder FROM subsidy_review r "
        "JOIN subsidy_entitlement e ON e.id = r.entitlement "
        "WHERE r.status IN ('open', 'overdue') AND r.due_date <= {} AND e.status = 'active'",
        cutoff,
    )
    for row in late:
        due = as_date(row["due_date"])
        held_from = domain.first_month_from(domain.suspension_day(due, policy()))
        async with write_transaction():
            updated = await fetch(
                "UPDATE subsidy_entitlement SET status = 'suspended', held_from = {}, "
                "updated_at = {} WHERE id = {} AND status = 'active' RETURNING id",
                held_from,
                at,
                row["entitlement"],
            )
            if not updated:
                continue
            await audit.record(
                SYSTEM,
                "entitlement.suspend",
                entity="entitlement",
                entity_id=row["entitlement"],
                detail=f"review {row['id']} not confirmed",
                now=at,
            )
            for user_id in await account_links.linked_user_ids(row["elder"]):
                await notify(
                    user_id,
                    "entitlement.suspended",
                    N_(
                        "The allowance is paused because the yearly check was not confirmed. "
                        "Confirm it to restart payments, with the months held back."
                    ),
                    dedupe_key=f"entitlement.suspended:{row['entitlement']}:{row['id']}:{user_id}",
                    link="/subsidies/reviews",
                    now=at,
                )
    return len(late)


# --------------------------------------------------------------------------- confirming


async def _confirm(
    actor: Actor,
    row: dict[str, Any],
    method: str,
    *,
    at: datetime,
    now: datetime,
    evidence: str = "",
) -> bool:
    """Confirm one pending review in its own transaction; False when it was no longer pending."""
    async with write_transaction():
        query = AnnualReview.select().where(AnnualReview.id == row["id"])
        if not is_sqlite():
            query = query.lock_rows()
        fresh = await query.first().run()
        if fresh is None or fresh["status"] not in PENDING:
            return False
        await (
            AnnualReview.update(
                {
                    AnnualReview.status: CONFIRMED,
                    AnnualReview.method: method,
                    AnnualReview.confirmed_by: actor.id or None,
                    AnnualReview.confirmed_at: at,
                    AnnualReview.evidence: evidence,
                }
            )
            .where(AnnualReview.id == row["id"])
            .run()
        )
        entitlement = (
            await Entitlement.select().where(Entitlement.id == fresh["entitlement"]).first().run()
        )
        years = fresh["due_date"].year - entitlement["approved_on"].year
        changes: dict[Any, Any] = {
            Entitlement.next_review_due: domain.anniversary(entitlement["approved_on"], years + 1),
            Entitlement.updated_at: now,
        }
        if entitlement["status"] == entitlements.SUSPENDED and entitlement["held_from"] is not None:
            through = domain.month_of(local_today(at))
            await payments.back_pay(entitlement["id"], entitlement["held_from"], through, now=now)
            changes[Entitlement.status] = entitlements.ACTIVE
            changes[Entitlement.held_from] = None
        await Entitlement.update(changes).where(Entitlement.id == entitlement["id"]).run()
        await audit.record(
            actor,
            "review.confirm",
            entity="review",
            entity_id=row["id"],
            detail=f"{method} {evidence}".strip(),
            now=now,
        )
        for user_id in await account_links.linked_user_ids(fresh["elder"]):
            await notify(
                user_id,
                "review.confirmed",
                N_("The yearly check is confirmed. Thank you."),
                dedupe_key=f"review.confirmed:{row['id']}:{user_id}",
                link="/subsidies/reviews",
                now=now,
            )
    return True


async def _load(actor: Actor, review_id: int) -> dict[str, Any]:
    row = await AnnualReview.select().where(AnnualReview.id == review_id).first().run()
    if (
        row is None
        or not (actor.is_staff or actor.has_role("resident", "family"))
        or not await elder_records.acts_for(actor, row["elder"])
    ):
        raise NotFound(N_("No such annual review."))
    return row


async def confirm(
    actor: Actor, review_id: int, *, method: str, now: datetime | None = None
) -> ReviewView:
    now = now or datetime.now(UTC)
    row = await _load(actor, review_id)
    if method not in METHODS:
        raise Invalid("method", N_("Choose online, home_visit or phone."))
    if method in STAFF_METHODS and not actor.is_staff:
        raise Forbidden(
            N_("Only community staff or bureau officers confirm after a visit or call.")
        )
    if method == "online" and actor.is_staff:
        raise Forbidden(N_("Staff confirm after a home visit or a phone call."))
    if not await _confirm(actor, row, method, at=now, now=now):
        raise Conflict(N_("This annual review is already done."))
    return _view(await AnnualReview.select().where(AnnualReview.id == review_id).first().run())


async def list_reviews(
    actor: Actor,
    *,
    elder_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReviewView], int]:
    if elder_id is not None:
        if not (
            actor.is_staff or actor.has_role("resident", "family")
        ) or not await elder_records.acts_for(actor, elder_id):
            raise NotFound(N_("No such elder."))
        where = AnnualReview.elder == elder_id
    elif actor.is_staff:
        where = AnnualReview.entitlement.region_code.like(
            f"{region_prefix(actor.region_code or '')}%"
        )
    else:
        mine = await account_links.account_elder_ids(actor.id)
        if not mine:
            return [], 0
        where = AnnualReview.elder.is_in(mine)
    if status:
        if status not in (*PENDING, CONFIRMED, CLOSED):
            raise Invalid("status", N_("Unknown status {status}."), status=status)
        where = where & (AnnualReview.status == status)
    total = await AnnualReview.count().where(where).run()
    rows = (
        await AnnualReview.select()
        .where(where)
        .order_by(AnnualReview.due_date)
        .order_by(AnnualReview.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_view(row) for row in rows], total


async def close_pending(entitlement_id: int) -> None:
    """An ended entitlement needs no more checks (inside the caller's transaction)."""
    await (
        AnnualReview.update({AnnualReview.status: CLOSED})
        .where(
            (AnnualReview.entitlement == entitlement_id) & AnnualReview.status.is_in(list(PENDING))
        )
        .run()
    )
