"""Monthly payments: made set-based by the monthly run, back pay after a late annual review,
the bank's batch file out and its return file in.

A month is payable when the entitlement was active on its first day: from ``start_month``,
before ``held_from`` (a suspension) and up to ``end_month`` (a termination). The amount is
the band of the age reached by the end of the month before, so a birthday raises it from
the following month. Both rules are plain SQL over integers, the same on both engines.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eldercare.accounts import elders as elder_records
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import fetch, id_list, write_transaction
from eldercare.errors import N_, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.geo.domain import region_prefix
from eldercare.subsidies import domain, entitlements
from eldercare.subsidies.tables import Payment

PENDING, EXPORTED, PAID, FAILED, CANCELLED = "pending", "exported", "paid", "failed", "cancelled"
REGULAR, BACK_PAY = "regular", "back_pay"

_AGE = "(mo.ref_year - e.birth_year - (CASE WHEN mo.ref_mmdd < e.birth_mmdd THEN 1 ELSE 0 END))"


def _months_cte(months: list[int]) -> str:
    """The months as a CTE of integer literals (our own ints: nothing from outside)."""
    rows = []
    for month in months:
        ref = domain.reference_day(month)
        rows.append(f"({int(month)}, {ref.year}, {ref.month * 100 + ref.day})")
    return f"WITH mo(month, ref_year, ref_mmdd) AS (VALUES {', '.join(rows)}) "


async def _insert(months: list[int], kind: str, where: str, *args: Any, now: datetime) -> int:
    if not months:
        return 0
    rows = await fetch(
        _months_cte(months) + "INSERT INTO subsidy_payment "
        "(entitlement, month, amount_fen, kind, status, batch, note, created_at, updated_at) "
        f"SELECT e.id, mo.month, b.amount_fen, '{kind}', '{PENDING}', '', '', {{}}, NULL "
        "FROM subsidy_entitlement e "
        "JOIN subsidy_program p ON p.id = e.program "
        "JOIN mo ON mo.month >= e.start_month "
        "JOIN subsidy_band b ON b.program = e.program "
        f"AND b.min_age <= {_AGE} AND (b.max_age IS NULL OR b.max_age >= {_AGE}) "
        f"WHERE p.kind = '{domain.ALLOWANCE}' "
        "AND (e.end_month IS NULL OR mo.month <= e.end_month) "
        f"AND {where} "
        "ON CONFLICT (entitlement, month) DO NOTHING RETURNING id",
        now,
        *args,
    )
    return len(rows)


async def pay_months(at: datetime) -> int:
    """Every payable month up to the month of ``at`` that has no payment yet (one statement)."""
    month = domain.month_of(local_today(at))
    first = await fetch(
        "SELECT MIN(start_month) AS first FROM subsidy_entitlement WHERE start_month <= {}", month
    )
    if not first or first[0]["first"] is None:
        return 0
    months = domain.months_between(first[0]["first"], month)
    return await _insert(months, REGULAR, "(e.held_from IS NULL OR mo.month < e.held_from)", now=at)


async def back_pay(entitlement_id: int, held_from: int, through: int, *, now: datetime) -> int:
    """The months a suspension held back, paid when the review is confirmed (inside the
    confirmation's transaction)."""
    return await _insert(
        domain.held_months(held_from, through), BACK_PAY, "e.id = {}", entitlement_id, now=now
    )


async def cancel_after(entitlement_id: int, last_month: int, *, now: datetime) -> int:
    """Pending payments for months after an entitlement ended (inside the caller's transaction)."""
    rows = await fetch(
        "UPDATE subsidy_payment SET status = {}, note = {}, updated_at = {} "
        "WHERE entitlement = {} AND month > {} AND status = {} RETURNING id",
        CANCELLED,
        "entitlement ended",
        now,
        entitlement_id,
        last_month,
        PENDING,
    )
    return len(rows)


@dataclass(frozen=True)
class PaymentView:
    id: int
    entitlement_id: int
    month: int
    amount_fen: int
    status: str
    kind: str
    batch: str
    note: str

    @property
    def month_text(self) -> str:
        return domain.month_text(self.month)


def _view(row: dict[str, Any]) -> PaymentView:
    return PaymentView(
        id=row["id"],
        entitlement_id=row["entitlement"],
        month=row["month"],
        amount_fen=row["amount_fen"],
        status=row["status"],
        kind=row["kind"],
        batch=row["batch"],
        note=row["note"],
    )


async def list_payments(
    actor: Actor, *, entitlement_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[PaymentView], int]:
    await entitlements.load(actor, entitlement_id)
    where = Payment.entitlement == entitlement_id
    total = await Payment.count().where(where).run()
    rows = (
        await Payment.select()
        .where(where)
        .order_by(Payment.month, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_view(row) for row in rows], total


# --------------------------------------------------------------------------- the bank


def _officer(actor: Actor) -> str:
    if not actor.has_role("bureau_officer") or actor.region_code is None:
        raise Forbidden(N_("Only bureau officers handle the bank's files."))
    return region_prefix(actor.region_code)


@dataclass(frozen=True)
class MonthSummary:
    month: int
    pending: int
    exported: int
    paid: int
    failed: int
    total_fen: int
    batches: list[str]


async def month_summary(actor: Actor, month: int) -> MonthSummary:
    prefix = _officer(actor)
    rows = await fetch(
        "SELECT p.status, COUNT(*) AS n, SUM(p.amount_fen) AS fen FROM subsidy_payment p "
        "JOIN subsidy_entitlement e ON e.id = p.entitlement "
        "WHERE p.month = {} AND e.region_code LIKE {} GROUP BY p.status",
        month,
        f"{prefix}%",
    )
    counts = {row["status"]: row["n"] for row in rows}
    batches = await fetch(
        "SELECT DISTINCT p.batch FROM subsidy_payment p "
        "JOIN subsidy_entitlement e ON e.id = p.entitlement "
        "WHERE p.batch LIKE {} AND e.region_code LIKE {} ORDER BY p.batch",
        f"{month}-%",
        f"{prefix}%",
    )
    return MonthSummary(
        month=month,
        pending=counts.get(PENDING, 0),
        exported=counts.get(EXPORTED, 0),
        paid=counts.get(PAID, 0),
        failed=counts.get(FAILED, 0),
        total_fen=sum(row["fen"] or 0 for row in rows if row["status"] != CANCELLED),
        batches=[row["batch"] for row in batches],
    )


CSV_HEADER = [
    "batch",
    "payment_id",
    "month",
    "kind",
    "name",
    "id_number",
    "bank_name",
    "bank_account",
    "amount_yuan",
    "amount_fen",
]


async def export_batch(
    actor: Actor, month: int, *, batch: str | None = None, now: datetime | None = None
) -> tuple[str, str, int]:
    """The bank's batch file: every pending payment of the officer's region up to ``month``
    (back pay for earlier months included) is marked exported under a new batch name. With
    ``batch``, the same file again. Audited either way (it carries full ID numbers)."""
    now = now or datetime.now(UTC)
    prefix = _officer(actor)
    async with write_transaction():
        if batch is not None and not await fetch(
            "SELECT 1 AS found FROM subsidy_payment p "
            "JOIN subsidy_entitlement e ON e.id = p.entitlement "
            "WHERE p.batch = {} AND e.region_code LIKE {} LIMIT 1",
            batch,
            f"{prefix}%",
        ):
            raise NotFound(N_("There is no payment batch {batch}."), batch=batch)
        if batch is None:
            taken = await fetch(
                "SELECT COUNT(DISTINCT batch) AS n FROM subsidy_payment WHERE batch LIKE {}",
                f"{month}-%",
            )
            batch = f"{month}-{taken[0]['n'] + 1}"
            await fetch(
                "UPDATE subsidy_payment SET status = {}, batch = {}, updated_at = {} "
                "WHERE status = {} AND month <= {} AND entitlement IN "
                "(SELECT id FROM subsidy_entitlement WHERE region_code LIKE {})",
                EXPORTED,
                batch,
                now,
                PENDING,
                month,
                f"{prefix}%",
            )
        rows = await fetch(
            "SELECT p.id, p.month, p.kind, p.amount_fen, e.elder, e.bank_name, e.bank_account "
            "FROM subsidy_payment p JOIN subsidy_entitlement e ON e.id = p.entitlement "
            "WHERE p.batch = {} AND e.region_code LIKE {} ORDER BY p.id",
            batch,
            f"{prefix}%",
        )
        await audit.record(
            actor,
            "payments.export",
            entity="payment_batch",
            entity_id=batch,
            detail=f"{len(rows)} rows",
            now=now,
        )
    ids = await elder_records.id_numbers([row["elder"] for row in rows])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        name, id_number = ids[row["elder"]]
        writer.writerow(
            [
                batch,
                row["id"],
                domain.month_text(row["month"]),
                row["kind"],
                name,
                id_number,
                row["bank_name"],
                row["bank_account"],
                f"{row['amount_fen'] // 100}.{row['amount_fen'] % 100:02d}",
                row["amount_fen"],
            ]
        )
    return batch, out.getvalue(), len(rows)


async def record_returns(actor: Actor, text: str, *, now: datetime | None = None) -> dict[str, int]:
    """The bank's return file (``payment_id,result[,note]``, result ``paid`` or ``failed``):
    every line checked first, then all applied in one transaction, or none."""
    now = now or datetime.now(UTC)
    prefix = _officer(actor)
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text.strip())), start=1)
        if any(cell.strip() for cell in row)
    ]
    if rows and rows[0][1] and rows[0][1][0].strip().lower() == "payment_id":
        rows = rows[1:]  # the header; line numbers stay those of the file
    if not rows:
        raise Invalid("file", N_("The return file has no rows."))
    problems: list[FieldProblem] = []
    results: dict[int, tuple[str, str]] = {}
    lines: dict[int, int] = {}
    for number, row in rows:
        try:
            payment_id, result = int(row[0]), row[1].strip().lower()
        except (ValueError, IndexError):
            problems.append(
                FieldProblem("file", N_("Line {line} is not payment_id,result."), {"line": number})
            )
            continue
        if result not in (PAID, FAILED):
            problems.append(
                FieldProblem(
                    "file", N_("Line {line}: the result must be paid or failed."), {"line": number}
                )
            )
            continue
        results[payment_id] = (result, (row[2] if len(row) > 2 else "").strip()[:200])
        lines[payment_id] = number
    async with write_transaction():
        if results:
            known = {
                row["id"]
                for row in await fetch(
                    "SELECT p.id FROM subsidy_payment p "
                    "JOIN subsidy_entitlement e ON e.id = p.entitlement "
                    f"WHERE p.id IN ({id_list(results)}) AND p.status = {{}} AND e.region_code LIKE {{}}",
                    EXPORTED,
                    f"{prefix}%",
                )
            }
            for payment_id in results:
                if payment_id not in known:
                    problems.append(
                        FieldProblem(
                            "file",
                            N_("Line {line}: payment {id} is not waiting for the bank's answer."),
                            {"line": lines[payment_id], "id": payment_id},
                        )
                    )
        if problems:
            raise Invalid.many(problems)
        for payment_id, (result, note) in results.items():
            await (
                Payment.update(
                    {Payment.status: result, Payment.note: note, Payment.updated_at: now}
                )
                .where(Payment.id == payment_id)
                .run()
            )
        await audit.record(
            actor,
            "payments.returns",
            entity="payment_batch",
            detail=f"{len(results)} rows",
            now=now,
        )
    counts = {PAID: 0, FAILED: 0}
    for result, _ in results.values():
        counts[result] += 1
    return counts
