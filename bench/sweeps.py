"""The sweeps against their plain-SQL references, on the seeded database DATABASE_URL names.

Each sweep runs as the scheduler runs it (its registry function, as of a moment), and beside
it the plain ``INSERT … SELECT`` (or ``UPDATE``) that writes the same rows with nothing else
(no notifications, no audit, no matching): the floor the engine sets. References write into
a shadow copy of the table (same columns, indexes and foreign key) so the sweep still finds
its work to do. Run as ``python -m bench.sweeps OUT.json`` with DATABASE_URL set; run.py
does that once per engine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


async def _sql(sql: str) -> list[dict[str, Any]]:
    from eldercare import db

    async with db.write_transaction():
        return await db.fetch(sql)


async def _timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def _clone(source: str, target: str, *, copy_rows: bool = False) -> None:
    """An empty (or full) copy of ``source`` with its indexes and foreign keys."""
    from eldercare import db

    await _sql(f"DROP TABLE IF EXISTS {target}")
    if db.is_sqlite():
        rows = await db.fetch(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = {} AND sql IS NOT NULL",
            source,
        )
        for row in sorted(rows, key=lambda r: r["type"] != "table"):
            sql = (
                row["sql"]
                .replace(f'"{source}"', f'"{target}"')
                .replace(f" ON {source} ", f" ON {target} ")
            )
            if row["type"] == "index":
                sql = sql.replace(row["name"], f"{target}_{row['name']}", 1)
            await _sql(sql)
    else:
        await _sql(f"CREATE TABLE {target} (LIKE {source} INCLUDING ALL)")
        fks = await db.fetch(
            "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint "
            "WHERE conrelid = {}::regclass AND contype = 'f'",
            source,
        )
        for fk in fks:
            await _sql(f"ALTER TABLE {target} ADD {fk['def']}")
    if copy_rows:
        await _sql(f"INSERT INTO {target} SELECT * FROM {source}")


async def _drop(*tables: str) -> None:
    for table in tables:
        await _sql(f"DROP TABLE IF EXISTS {table}")


async def _vacuum(table: str) -> None:
    """Untimed housekeeping between a sweep and its reference on PostgreSQL (dead rows)."""
    from eldercare import db

    if not db.is_sqlite():
        await db.engine().run_ddl(f"VACUUM ANALYZE {table}")


def _row(name: str, seconds: float, rows: int, ref_seconds: float, ref_rows: int, note: str = ""):
    return {
        "name": name,
        "seconds": round(seconds, 3),
        "rows": rows,
        "ref_seconds": round(ref_seconds, 3),
        "ref_rows": ref_rows,
        "note": note,
    }


def _ts(moment: datetime) -> str:
    from eldercare import db

    if db.is_sqlite():
        return f"'{moment.isoformat(sep=' ')}'"
    return f"TIMESTAMPTZ '{moment.isoformat()}'"


def _day(value: Any) -> str:
    from eldercare import db

    return f"'{value.isoformat()}'" if db.is_sqlite() else f"DATE '{value.isoformat()}'"


async def annual_reviews(at: datetime) -> dict:
    """The reviews the sweep opens and marks late, and the reminder it writes for each one
    to each of the elder's family and community staff (the same rows, in plain SQL)."""
    from eldercare import db
    from eldercare.accounts.service import local_today
    from eldercare.geo.domain import region_prefix
    from eldercare.scheduling.registry import all_jobs
    from eldercare.subsidies import reviews

    today = local_today(at)
    horizon = today + timedelta(days=reviews.policy().open_days)
    await _clone("subsidy_review", "bench_ref_review", copy_rows=True)
    await _clone("notification", "bench_ref_notification")
    # Who the staff are is set-up, not the sweep's work: each community worker's region as
    # the prefix of the codes it covers (region_prefix, as users_with_role applies it).
    await _sql("DROP TABLE IF EXISTS bench_ref_staff")
    await _sql("CREATE TABLE bench_ref_staff (user_id INTEGER, prefix VARCHAR(12))")
    for user in await db.fetch(
        "SELECT id, region_code FROM app_user WHERE roles LIKE '%community_staff%' AND active"
    ):
        if user["region_code"]:
            prefix = region_prefix(user["region_code"])
            await _sql(f"INSERT INTO bench_ref_staff VALUES ({int(user['id'])}, '{prefix}')")
    cutoff = today - timedelta(days=reviews.policy().grace_days)
    # The local midnight the review's window opens (open_days before it is due), in UTC.
    open_days = reviews.policy().open_days
    window_opens = (
        f"datetime(bench_ref_review.due_date, '-{open_days} days', '-8 hours') || '+00:00'"
        if db.is_sqlite()
        else f"((bench_ref_review.due_date - {open_days})::timestamp AT TIME ZONE 'Asia/Shanghai')"
    )
    params = (
        "json_object('name', el.name, 'date', r.due_date)"
        if db.is_sqlite()
        else "json_build_object('name', el.name, 'date', r.due_date)::text"
    )

    async def reference() -> int:
        opened = await _sql(
            "INSERT INTO bench_ref_review (entitlement, elder, due_date, status, method, "
            "confirmed_by, confirmed_at, evidence, created_at) "
            f"SELECT e.id, e.elder, e.next_review_due, 'open', '', NULL, NULL, '', {_ts(at)} "
            "FROM subsidy_entitlement e WHERE e.status IN ('active', 'suspended') "
            f"AND e.next_review_due IS NOT NULL AND e.next_review_due <= {_day(horizon)} "
            "ON CONFLICT (entitlement, due_date) DO NOTHING RETURNING id"
        )
        ids = db.id_list(row["id"] for row in opened) or "0"
        told = 0
        for recipients in (
            "JOIN elder_link t ON t.elder = r.elder",  # family (t."user")
            "JOIN bench_ref_staff t ON el.region_code LIKE t.prefix || '%'",  # staff
        ):
            user = 't."user"' if "elder_link" in recipients else "t.user_id"
            told += len(
                await _sql(
                    "INSERT INTO bench_ref_notification (user_id, kind, message, params, link, "
                    f"dedupe_key, created_at, read_at) SELECT {user}, 'review.opened', "
                    "'The yearly check for {name}''s allowance is due by {date}. "
                    f"Please confirm it.', {params}, '/subsidies/reviews', "
                    f"'review.opened:' || r.id || ':' || {user}, {_ts(at)}, NULL "
                    f"FROM bench_ref_review r JOIN elder el ON el.id = r.elder {recipients} "
                    f"WHERE r.id IN ({ids}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
                )
            )
        # A caregiver's verified check-in at home since the review's window opened confirms it.
        proven = await _sql(
            "UPDATE bench_ref_review SET status = 'confirmed', method = 'visit', "
            f"confirmed_at = {_ts(at)} WHERE status IN ('open', 'overdue') "
            f"AND created_at <= {_ts(at)} AND EXISTS (SELECT 1 FROM booking b "
            "WHERE b.elder = bench_ref_review.elder AND b.check_in_at IS NOT NULL "
            f"AND b.check_in_at >= {window_opens} AND b.check_in_at <= {_ts(at)} "
            "AND b.geofence_flag = FALSE AND b.status IN ('in_service', 'completed')) "
            "RETURNING id"
        )
        late = await _sql(
            "UPDATE bench_ref_review SET status = 'overdue' WHERE status = 'open' "
            f"AND due_date < {_day(today)} RETURNING id"
        )
        # Past the grace period: the entitlements to suspend (read only, so that the sweep
        # after it finds them still to do).
        suspend = await _sql(
            "SELECT r.entitlement FROM bench_ref_review r JOIN subsidy_entitlement e "
            "ON e.id = r.entitlement WHERE r.status IN ('open', 'overdue') "
            f"AND r.due_date <= {_day(cutoff)} AND e.status = 'active'"
        )
        return len(opened) + len(proven) + len(late) + told + len(suspend)

    ref_seconds, ref_rows = await _timed(reference)
    sweep = all_jobs()["annual_reviews"].sweep  # imported before the clock starts
    before = await db.fetch("SELECT COUNT(*) AS n FROM notification WHERE kind = 'review.opened'")
    seconds, rows = await _timed(lambda: sweep(at))
    after = await db.fetch("SELECT COUNT(*) AS n FROM notification WHERE kind = 'review.opened'")
    await _drop("bench_ref_review", "bench_ref_notification", "bench_ref_staff")
    told = int(after[0]["n"]) - int(before[0]["n"])
    return _row(
        "annual_reviews",
        seconds,
        rows + told,
        ref_seconds,
        ref_rows,
        f"reviews opened and marked late, and {told:,} reminders to families and staff",
    )


async def monthly_payments(at: datetime) -> dict:
    from eldercare.accounts.service import local_today
    from eldercare.scheduling.registry import all_jobs
    from eldercare.subsidies import domain

    month = domain.month_of(local_today(at))
    ref = domain.reference_day(month)
    age = (
        f"({ref.year} - e.birth_year - (CASE WHEN {ref.month * 100 + ref.day} < e.birth_mmdd "
        "THEN 1 ELSE 0 END))"
    )
    await _clone("subsidy_payment", "bench_ref_payment")

    async def reference() -> int:
        made = await _sql(
            "INSERT INTO bench_ref_payment (entitlement, month, amount_fen, kind, status, batch, "
            "note, created_at, updated_at) "
            f"SELECT e.id, {month}, b.amount_fen, 'regular', 'pending', '', '', {_ts(at)}, NULL "
            "FROM subsidy_entitlement e JOIN subsidy_program p ON p.id = e.program "
            f"JOIN subsidy_band b ON b.program = e.program AND b.min_age <= {age} "
            f"AND (b.max_age IS NULL OR b.max_age >= {age}) "
            f"WHERE p.kind = 'allowance' AND e.start_month <= {month} "
            f"AND (e.end_month IS NULL OR e.end_month >= {month}) "
            f"AND (e.held_from IS NULL OR e.held_from > {month}) "
            "ON CONFLICT (entitlement, month) DO NOTHING RETURNING id"
        )
        return len(made)

    ref_seconds, ref_rows = await _timed(reference)
    await _drop("bench_ref_payment")
    sweep = all_jobs()["monthly_payments"].sweep  # imported before the clock starts
    seconds, rows = await _timed(lambda: sweep(at))
    return _row(
        "monthly_payments",
        seconds,
        rows,
        ref_seconds,
        ref_rows,
        "the job: annual_reviews (already run) then payments.pay_months",
    )


async def age_bands(at: datetime) -> dict:
    from eldercare.accounts.service import local_today
    from eldercare.scheduling.registry import all_jobs
    from eldercare.subsidies import domain

    month = domain.month_of(local_today(at))
    ref = domain.reference_day(month)
    age = (
        f"({ref.year} - e.birth_year - (CASE WHEN {ref.month * 100 + ref.day} < e.birth_mmdd "
        "THEN 1 ELSE 0 END))"
    )
    touched = await _sql(
        "SELECT COUNT(*) AS n FROM subsidy_entitlement WHERE status IN ('active', 'suspended') "
        f"AND amount_month < {month}"
    )
    sweep = all_jobs()["age_bands"].sweep  # imported before the clock starts
    seconds, raised = await _timed(lambda: sweep(at))
    await _vacuum("subsidy_entitlement")
    band = (
        "(SELECT b.amount_fen FROM subsidy_band b WHERE b.program = e.program "
        f"AND b.min_age <= {age} AND (b.max_age IS NULL OR b.max_age >= {age}))"
    )

    async def reference() -> int:
        rows = await _sql(
            f"UPDATE subsidy_entitlement AS e SET amount_fen = COALESCE({band}, amount_fen), "
            f"amount_month = {month} WHERE status IN ('active', 'suspended') RETURNING id"
        )
        return len(rows)

    ref_seconds, ref_rows = await _timed(reference)
    return _row(
        "age_bands",
        seconds,
        touched[0]["n"],
        ref_seconds,
        ref_rows,
        f"{raised} raised by a birthday, families told",
    )


async def materialize_series() -> dict:
    """The hourly run that has exactly one hour left to do (the seed's ``series_mark``)."""
    from eldercare.booking.series_materialize import horizon
    from eldercare.scheduling.registry import all_jobs

    window = await _sql(
        "SELECT MAX(materialized_until) AS lo FROM series WHERE status = 'active' "
        "AND materialized_until IS NOT NULL"
    )
    lo = window[0]["lo"]
    lo = datetime.fromisoformat(lo) if isinstance(lo, str) else lo
    at = lo - horizon() + timedelta(hours=1)
    end = at + horizon()
    local = lo.astimezone(ZONE)
    code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    minute = local.hour * 60 + local.minute
    # The same rows in plain SQL: one occurrence and one booking per series whose weekly rule
    # gives this weekday at a time in the hour left, and every series' mark moved on.
    time_of_day = await _time_of_day_sql()
    await _clone("series_occurrence", "bench_ref_occurrence")
    await _clone("booking", "bench_ref_booking")
    start = _start_sql(lo, minute)
    due = (
        f"s.status = 'active' AND s.rrule LIKE '%{code}%' AND {time_of_day} >= {minute} "
        f"AND {time_of_day} < {minute + 60}"
    )

    async def reference() -> int:
        occurrences = await _sql(
            "INSERT INTO bench_ref_occurrence (series, occurrence_start, booking, state, "
            f"created_at) SELECT s.id, {start}, NULL, 'materialized', {_ts(at)} FROM series s "
            f"WHERE {due} ON CONFLICT DO NOTHING RETURNING id"
        )
        await _sql(
            "INSERT INTO bench_ref_booking (elder, service_code, provider, caregiver, start_at, "
            "end_at, busy_until, status, chosen_provider, channel, booked_by, notes, price_fen, "
            "subsidy_fen, copay_fen, series_id, created_at, updated_at) "
            f"SELECT s.elder, s.service_code, NULL, NULL, {start}, {start}, {start}, 'requested', "
            f"FALSE, s.channel, s.created_by, '', 0, 0, 0, s.id, {_ts(at)}, {_ts(at)} "
            f"FROM series s WHERE {due}"
        )
        await _sql(
            f"UPDATE series SET materialized_until = {_ts(end)} WHERE status = 'active' "
            f"AND materialized_until < {_ts(end)}"
        )
        return len(occurrences)

    ref_seconds, ref_rows = await _timed(reference)
    await _sql(f"UPDATE series SET materialized_until = {_ts(lo)} WHERE status = 'active'")
    await _drop("bench_ref_occurrence", "bench_ref_booking")
    await _vacuum("series")
    active = await _sql("SELECT COUNT(*) AS n FROM series WHERE status = 'active'")
    sweep = all_jobs()["materialize_series"].sweep  # imported before the clock starts
    seconds, rows = await _timed(lambda: sweep(at))
    return _row(
        "materialize_series",
        seconds,
        rows,
        ref_seconds,
        ref_rows,
        f"hourly run over {active[0]['n']:,} series: {rows:,} visits booked by matching",
    )


async def _time_of_day_sql() -> str:
    from eldercare import db

    if db.is_sqlite():
        return (
            "(CAST(substr(s.dtstart_local, 12, 2) AS INTEGER) * 60 "
            "+ CAST(substr(s.dtstart_local, 15, 2) AS INTEGER))"
        )
    return "(EXTRACT(HOUR FROM s.dtstart_local) * 60 + EXTRACT(MINUTE FROM s.dtstart_local))"


def _start_sql(lo: datetime, minute: int) -> str:
    """The UTC start of a series' visit on the window's day: the day's local midnight plus the
    series' time of day (no DST in Asia/Shanghai)."""
    from eldercare import db

    local = lo.astimezone(ZONE)
    midnight = datetime(local.year, local.month, local.day, tzinfo=ZONE).astimezone(UTC)
    if db.is_sqlite():
        tod = (
            "(CAST(substr(s.dtstart_local, 12, 2) AS INTEGER) * 60 "
            "+ CAST(substr(s.dtstart_local, 15, 2) AS INTEGER))"
        )
        return (
            f"(strftime('%Y-%m-%d %H:%M:%S', '{midnight.isoformat(sep=' ')[:19]}', "
            f"'+' || {tod} || ' minutes') || '+00:00')"
        )
    return (
        f"(TIMESTAMPTZ '{midnight.isoformat()}' + (EXTRACT(HOUR FROM s.dtstart_local) * 60 "
        "+ EXTRACT(MINUTE FROM s.dtstart_local)) * INTERVAL '1 minute')"
    )


async def run_all(only: list[str]) -> list[dict]:
    from eldercare import db

    now = datetime.now(UTC)
    await db.open_pool()
    try:
        found = []
        steps = {
            "annual_reviews": lambda: annual_reviews(now),
            "monthly_payments": lambda: monthly_payments(now),
            "age_bands": lambda: age_bands(now),
            "materialize_series": materialize_series,
        }
        for name, step in steps.items():
            if only and name not in only:
                continue
            found.append(await step())
            print(json.dumps(found[-1]), file=sys.stderr, flush=True)
        return found
    finally:
        await db.close_pool()


def main() -> None:
    out = sys.argv[1]
    only = sys.argv[2:]
    results = asyncio.run(run_all(only))
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
