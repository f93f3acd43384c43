"""Whole-database invariants: nothing half-done, nothing twice, nothing acknowledged and lost.

Each check is one engine-portable query returning the offending rows (none when the data is
sound). ``scripts/crash_test.py`` runs them after killing the server mid-write many times;
they hold on any database at any moment, since every use case commits in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eldercare.db import fetch, is_sqlite

HOLDING = "('accepted', 'in_service')"
STATUS_TABLES = frozenset(
    ("booking", "subsidy_application", "subsidy_entitlement", "subsidy_payment", "subsidy_review")
)


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    sql: str


def _no_audit(alias: str, entity: str, action: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM audit_event ae WHERE ae.entity = "
        f"'{entity}' AND ae.entity_id = CAST({alias}.id AS VARCHAR(64)) "
        f"AND ae.action = '{action}')"
    )


HALF_DONE: tuple[Check, ...] = (
    Check(
        "holding_booking_without_caregiver",
        "a booking accepted or in service with no caregiver",
        f"SELECT id, status FROM booking WHERE status IN {HOLDING} AND caregiver IS NULL",
    ),
    Check(
        "offered_booking_without_open_offer",
        "a booking on offer with no open offer row to its provider",
        "SELECT b.id, b.provider FROM booking b WHERE b.status = 'offered' AND NOT EXISTS "
        "(SELECT 1 FROM booking_offer o WHERE o.booking = b.id AND o.outcome = 'open' "
        "AND o.provider = b.provider)",
    ),
    Check(
        "open_offer_on_settled_booking",
        "an offer still open on a booking that is no longer on offer",
        "SELECT o.id, o.booking, b.status FROM booking_offer o JOIN booking b ON b.id = o.booking "
        "WHERE o.outcome = 'open' AND b.status <> 'offered'",
    ),
    Check(
        "offer_without_booking",
        "a booking_offer row whose booking does not exist",
        "SELECT o.id, o.booking FROM booking_offer o LEFT JOIN booking b ON b.id = o.booking "
        "WHERE b.id IS NULL",
    ),
    Check(
        "booking_without_audit",
        "a booking with no booking.create audit row",
        "SELECT b.id FROM booking b WHERE " + _no_audit("b", "booking", "booking.create"),
    ),
    Check(
        "application_without_submit_step",
        "an application with no 'submit' step in its trail",
        "SELECT a.id FROM subsidy_application a WHERE NOT EXISTS (SELECT 1 FROM subsidy_step s "
        "WHERE s.application = a.id AND s.decision = 'submit')",
    ),
    Check(
        "application_without_audit",
        "an application with no application.submit audit row",
        "SELECT a.id FROM subsidy_application a WHERE "
        + _no_audit("a", "application", "application.submit"),
    ),
    Check(
        "approved_application_without_entitlement",
        "an approved application with no entitlement",
        "SELECT a.id FROM subsidy_application a WHERE a.status = 'approved' AND NOT EXISTS "
        "(SELECT 1 FROM subsidy_entitlement e WHERE e.application = a.id)",
    ),
    Check(
        "approved_application_without_approve_step",
        "an approved application whose trail has no 'approve' step",
        "SELECT a.id FROM subsidy_application a WHERE a.status = 'approved' AND NOT EXISTS "
        "(SELECT 1 FROM subsidy_step s WHERE s.application = a.id AND s.decision = 'approve')",
    ),
    Check(
        "entitlement_without_application",
        "an entitlement whose application is missing or not approved",
        "SELECT e.id, e.application FROM subsidy_entitlement e WHERE e.application IS NULL "
        "OR NOT EXISTS (SELECT 1 FROM subsidy_application a WHERE a.id = e.application "
        "AND a.status = 'approved')",
    ),
    Check(
        "entitlement_without_audit",
        "an entitlement with no entitlement.grant audit row",
        "SELECT e.id FROM subsidy_entitlement e WHERE "
        + _no_audit("e", "entitlement", "entitlement.grant"),
    ),
    Check(
        "suspended_entitlement_without_hold",
        "a suspended entitlement that does not say from which month payments are held",
        "SELECT id FROM subsidy_entitlement WHERE status = 'suspended' AND held_from IS NULL",
    ),
    Check(
        "payment_without_entitlement",
        "a subsidy_payment row whose entitlement does not exist",
        "SELECT p.id, p.entitlement FROM subsidy_payment p "
        "LEFT JOIN subsidy_entitlement e ON e.id = p.entitlement WHERE e.id IS NULL",
    ),
    Check(
        "payment_before_entitlement_start",
        "a payment for a month before its entitlement started",
        "SELECT p.id, p.entitlement, p.month FROM subsidy_payment p "
        "JOIN subsidy_entitlement e ON e.id = p.entitlement WHERE p.month < e.start_month",
    ),
    Check(
        "answered_key_without_answer",
        "an idempotency key marked done with no stored answer",
        "SELECT id, user_id, key FROM idempotency_key WHERE state = 'done' "
        "AND (status_code IS NULL OR body = '')",
    ),
)

DUPLICATES: tuple[Check, ...] = (
    Check(
        "payment_twice_for_a_month",
        "two payments for one entitlement and month",
        "SELECT entitlement, month, COUNT(*) AS n FROM subsidy_payment "
        "GROUP BY entitlement, month HAVING COUNT(*) > 1",
    ),
    Check(
        "review_twice_for_a_due_date",
        "two annual reviews for one entitlement and due date",
        "SELECT entitlement, due_date, COUNT(*) AS n FROM subsidy_review "
        "GROUP BY entitlement, due_date HAVING COUNT(*) > 1",
    ),
    Check(
        "caregiver_double_booked",
        "two holding visits of one caregiver overlapping (travel buffer included)",
        "SELECT a.id AS first_id, b.id AS second_id, a.caregiver FROM booking a "
        "JOIN booking b ON b.caregiver = a.caregiver AND a.id < b.id "
        f"WHERE a.status IN {HOLDING} AND b.status IN {HOLDING} "
        "AND a.start_at < b.busy_until AND b.start_at < a.busy_until",
    ),
    Check(
        "two_open_offers",
        "one booking on offer to two providers at once",
        "SELECT booking, COUNT(*) AS n FROM booking_offer WHERE outcome = 'open' "
        "GROUP BY booking HAVING COUNT(*) > 1",
    ),
    Check(
        "idempotency_key_twice",
        "one user's Idempotency-Key stored twice",
        "SELECT user_id, key, COUNT(*) AS n FROM idempotency_key "
        "GROUP BY user_id, key HAVING COUNT(*) > 1",
    ),
    Check(
        "two_open_applications",
        "two open applications of one elder to one program",
        "SELECT elder, program, COUNT(*) AS n FROM subsidy_application "
        "WHERE status IN ('submitted', 'accepted', 'reviewed', 'returned') "
        "GROUP BY elder, program HAVING COUNT(*) > 1",
    ),
    Check(
        "two_live_entitlements",
        "two live entitlements of one elder to one program",
        "SELECT elder, program, COUNT(*) AS n FROM subsidy_entitlement "
        "WHERE status IN ('active', 'suspended') GROUP BY elder, program HAVING COUNT(*) > 1",
    ),
)

ALL_CHECKS = HALF_DONE + DUPLICATES


@dataclass(frozen=True)
class Violation:
    check: str
    description: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        shown = ", ".join(str(row) for row in self.rows[:5])
        more = f" (and {len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
        return f"{self.check}: {self.description}: {shown}{more}"


async def find_violations(checks: Iterable[Check] = ALL_CHECKS) -> list[Violation]:
    found = []
    for check in checks:
        rows = await fetch(check.sql)
        if rows:
            found.append(Violation(check.name, check.description, [dict(r) for r in rows]))
    return found


async def storage_problems() -> list[str]:
    """SQLite's own verdict on the file and its foreign keys; PostgreSQL enforces both itself."""
    if not is_sqlite():
        return []
    problems = [
        f"integrity_check: {row['integrity_check']}"
        for row in await fetch("PRAGMA integrity_check")
        if row["integrity_check"] != "ok"
    ]
    problems += [
        f"foreign_key_check: {dict(row)}" for row in await fetch("PRAGMA foreign_key_check")
    ]
    return problems


# --------------------------------------------------------------------------- acknowledged writes

ENTITY_TABLES = {
    "booking": "booking",
    "elder": "elder",
    "application": "subsidy_application",
    "entitlement": "subsidy_entitlement",
}


@dataclass(frozen=True)
class Acknowledged:
    """A write the server answered 2xx: the row must exist, with its audit row and these values."""

    entity: str
    entity_id: int
    action: str
    expect: tuple[tuple[str, Any], ...] = ()


async def missing_acknowledged(acks: Iterable[Acknowledged]) -> list[str]:
    """Each acknowledged write that is not in the database as it was answered."""
    acks = list(acks)
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for entity in {ack.entity for ack in acks}:
        ids = sorted({ack.entity_id for ack in acks if ack.entity == entity})
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("{}" for _ in chunk)
            for row in await fetch(
                f"SELECT * FROM {ENTITY_TABLES[entity]} WHERE id IN ({marks})", *chunk
            ):
                found[row["id"]] = row
        rows[entity] = found
    audited = {
        (row["entity"], row["entity_id"], row["action"])
        for row in await fetch(
            "SELECT DISTINCT entity, entity_id, action FROM audit_event WHERE entity IN ("
            + ", ".join(f"'{entity}'" for entity in ENTITY_TABLES)
            + ")"
        )
    }
    problems = []
    for ack in acks:
        row = rows[ack.entity].get(ack.entity_id)
        if row is None:
            problems.append(
                f"{ack.entity} {ack.entity_id} ({ack.action}) was answered 2xx but is missing"
            )
            continue
        if (ack.entity, str(ack.entity_id), ack.action) not in audited:
            problems.append(f"{ack.entity} {ack.entity_id} has no {ack.action} audit row")
        for column, value in ack.expect:
            if row[column] != value:
                problems.append(
                    f"{ack.entity} {ack.entity_id} ({ack.action}): {column} is {row[column]!r}, "
                    f"answered as {value!r}"
                )
    return problems


async def audited_ids(action: str, *, actor_ids: Iterable[int], after_audit_id: int) -> set[int]:
    """Entity ids the given users' ``action`` touched after an audit row (a run's start)."""
    actors = sorted(set(actor_ids))
    if not actors:
        return set()
    marks = ", ".join("{}" for _ in actors)
    rows = await fetch(
        f"SELECT entity_id FROM audit_event WHERE action = {{}} AND id > {{}} "
        f"AND actor_id IN ({marks})",
        action,
        after_audit_id,
        *actors,
    )
    return {int(row["entity_id"]) for row in rows}


async def last_audit_id() -> int:
    rows = await fetch("SELECT MAX(id) AS last FROM audit_event")
    return int(rows[0]["last"] or 0) if rows else 0


async def answered_keys(user_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The stored Idempotency-Key rows of these users."""
    users = sorted(set(user_ids))
    if not users:
        return []
    marks = ", ".join("{}" for _ in users)
    return await fetch(
        "SELECT user_id, key, fingerprint, state, status_code, body FROM idempotency_key "
        f"WHERE user_id IN ({marks})",
        *users,
    )


async def table_counts(tables: Iterable[str]) -> dict[str, int]:
    """Row counts, and for tables with a status column the count of each status: two moments'
    counts compared show whether anything was created or moved in between."""
    counts: dict[str, int] = {}
    for table in tables:
        rows = await fetch(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = int(rows[0]["n"])
        if table in STATUS_TABLES:
            for row in await fetch(f"SELECT status, COUNT(*) AS n FROM {table} GROUP BY status"):
                counts[f"{table}.{row['status']}"] = int(row["n"])
    return counts
