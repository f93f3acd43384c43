"""`eldercare bench seed`: a city's worth of rows, fast, on top of the demo city.

Everything is set-based: one ``INSERT … SELECT`` per chunk over generated numbers
(``generate_series`` on PostgreSQL, a recursive CTE on SQLite), so a million elders take
seconds, not the hours a loop through the services would. The rows look real — names,
resident ID numbers with a valid GB 11643 check digit, birth dates, addresses in the demo
city's communities, map positions near 遂宁 — but skip the services' side effects (audit,
notifications), which is why this lives in bench/ and not in the product.

The state is "as if the daily sweeps ran yesterday": annual reviews already open for
anniversaries in the next 29 days, no payment yet for this month, the shown amounts last
set for the month before, every series materialised up to a mark (``series_mark``)
from which one hour of visits is left to the next hourly run, and a year of finished
visits behind (``--visits``). Re-running adds more rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.sqldb import BulkDb

CHUNK = 100_000
ZONE = ZoneInfo("Asia/Shanghai")
REGIONS_CSV = Path(__file__).resolve().parent.parent / "eldercare" / "geo" / "data" / "regions.csv"
ALLOWANCE = "suining-gaoling"
STAFF_PHONE = "19800000000"  # the bench's community worker for the whole city
BENCH_PASSWORD = "Bench-pass-2026"
SKILLS = "meals,daily-care,housekeeping,bathing,haircut,companionship,health,rehab,volunteer"
SERIES_ITEM = "lunch-delivery"
RULES = ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY;BYDAY=TU,TH,SA", "FREQ=WEEKLY;BYDAY=MO,TH")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN_1 = "秀桂玉淑建国志德文明春海丽红永兰英华凤芳"
_GIVEN_2 = "英兰芳珍华明强清平安成贵林秀云琴梅霞军生"
_ROADS = ("正街", "新街", "滨河路", "建设路", "人民路", "河街", "文化路", "中心街")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Counts:
    elders: int
    providers: int
    caregivers: int
    entitlements: int
    series: int
    visits: int = 0


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    lat: float
    lon: float
    level: str


def regions() -> list[Region]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        return [
            Region(r["code"], r["name_zh"], float(r["lat"]), float(r["lon"]), r["level"])
            for r in csv.DictReader(handle)
        ]


def series_mark(now: datetime, horizon_days: int = 14) -> datetime:
    """Where the seeded series stand: 11:00 local on the first weekday at least a day ahead,
    plus the horizon. ``at = mark - horizon + 1h`` leaves exactly one hour to materialise."""
    day = now.astimezone(ZONE).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    local = datetime.combine(day + timedelta(days=horizon_days), time(11), tzinfo=ZONE)
    return local.astimezone(UTC)


def _values(rows: list[tuple]) -> str:
    def literal(value: object) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class Seeder:
    def __init__(self, db: BulkDb, now: datetime, progress: Progress) -> None:
        self.db, self.now, self.progress = db, now, progress
        self.today = now.astimezone(ZONE).date()
        self.places = [r for r in regions() if r.level == "community"]
        self.streets = [r for r in regions() if r.level == "street"]
        self.districts = {r.code: r for r in regions() if r.level == "district"}

    async def _chunks(self, label: str, total: int, insert: Callable[[int, int], str]) -> None:
        """``insert(lo, hi)`` is the statement for numbers lo … hi (0-based, inclusive)."""
        done = 0
        self.progress(label, 0, total)
        while done < total:
            hi = min(done + CHUNK, total) - 1
            await self.db.execute(insert(done, hi))
            done = hi + 1
            self.progress(label, done, total)

    # ------------------------------------------------------------------ elders

    async def elders(self, count: int, old: int) -> tuple[int, int]:
        """``count`` elders, the first ``old`` of them 80 or over (for the allowance); returns
        the id range."""
        db = self.db
        offset = int(await db.value("SELECT COUNT(*) FROM elder WHERE created_channel = 'bench'"))
        places = len(self.places)
        reg = "reg(idx, code, name, lat, lon) AS (VALUES " + _values(
            [(i, p.code, p.name, p.lat, p.lon) for i, p in enumerate(self.places)]
        )
        reg += ")"
        old_base = _minus_years(self.today, 80) - timedelta(days=40)  # 80 last month too
        young_base = _minus_years(self.today, 60) - timedelta(days=1)
        old_days, young_days = 24 * 365, 19 * 365
        first_id = int(await db.value("SELECT COALESCE(MAX(id), 0) FROM elder")) + 1

        def insert(lo: int, hi: int) -> str:
            gen_cte, gen_from = db.numbers(lo, hi)
            k = f"(n + {offset})"
            # (community, day, round) is a bijection of k within each age group: no two IDs alike.
            # 7919 is prime to both day counts: a permutation, so ages spread from the start.
            spread_old = f"((({k} / {places}) * 7919) % {old_days})"
            spread_young = f"((({k} / {places}) * 7919) % {young_days})"
            birth = (
                f"CASE WHEN n < {old} THEN {db.add_days(old_base, '-' + spread_old)} "
                f"ELSE {db.add_days(young_base, '-' + spread_young)} END"
            )
            days = f"CASE WHEN n < {old} THEN {old_days} ELSE {young_days} END"
            # Communities share their district's six digits: the community goes into the
            # sequence number, unique for up to 500 / places rounds of every birth date.
            days = days.replace("n <", "b.n <")
            seq = f"(500 + (b.k % {places} + {places} * (b.k / ({places} * ({days})))) % 500)"
            base = (
                f"SELECT n, {k} AS k, reg.code, reg.name AS place, reg.lat, reg.lon, {birth} AS birth "
                f"FROM {gen_from} JOIN reg ON reg.idx = n % {places}"
            )
            id17 = f"(substr(b.code, 1, 6) || {db.ymd('b.birth')} || {db.pad(seq, 3)})"
            ids = f"SELECT b.*, {id17} AS id17 FROM b"
            total = " + ".join(f"{db.digit('i.id17', n + 1)} * {w}" for n, w in enumerate(_WEIGHTS))
            check = f"substr('10X98765432', (({total}) % 11) + 1, 1)"
            name = (
                f"{db.pick(_SURNAMES, 'i.k')} || {db.pick(_GIVEN_1, 'i.k / 7')} || "
                f"{db.pick(_GIVEN_2, 'i.k / 13')}"
            )
            road = "CASE i.k % 4 " + " ".join(
                f"WHEN {n} THEN '{r}'" for n, r in enumerate(_ROADS[:4])
            )
            road += " END"
            address = (
                f"i.place || {road} || {db.text('1 + i.k % 97')} || '号 ' || "
                f"{db.text('1 + i.k % 12')} || ' 栋 ' || {db.text('1 + i.k % 6')} || ' 单元 ' || "
                f"{db.text('101 + (i.k % 18) * 100 + i.k % 4')}"
            )
            living = (
                "CASE i.k % 5 WHEN 0 THEN 'alone' WHEN 1 THEN 'empty_nest' ELSE 'with_family' END"
            )
            gender = f"CASE WHEN {db.digit('i.id17', 17)} % 2 = 1 THEN 'male' ELSE 'female' END"
            phone = f"CASE WHEN i.k % 3 = 0 THEN NULL ELSE '159' || {db.pad('i.k', 8)} END"
            ts = db.ts(self.now)
            return (
                db.with_(gen_cte, reg, f"b AS MATERIALIZED ({base})", f"i AS MATERIALIZED ({ids})")
                + "INSERT INTO elder (name, id_number, birth_date, gender, phone, address, "
                "region_code, lat, lon, location_source, living_situation, needs, low_income, "
                "disability, timezone, created_channel, created_at, updated_at) "
                f"SELECT {name}, i.id17 || {check}, i.birth, {gender}, {phone}, {address}, i.code, "
                f"i.lat + ((i.k * 7919) % 2001 - 1000) / 50000.0, "
                f"i.lon + ((i.k * 104729) % 2001 - 1000) / 50000.0, 'given', {living}, '', "
                f"i.k % 10 = 0, i.k % 25 = 0, 'Asia/Shanghai', 'bench', {ts}, {ts} FROM i "
                "ORDER BY i.n"  # ids in the order of n: the first ``old`` are the oldest
            )

        await self._chunks("elders", count, insert)
        return first_id, first_id + count - 1

    # ------------------------------------------------------------------ allowances

    async def entitlements(self, first_elder: int, count: int) -> None:
        """Active allowances for elders first_elder … (all 80 or over), starting this month."""
        db = self.db
        program = await db.fetch(f"SELECT id FROM subsidy_program WHERE code = '{ALLOWANCE}'")
        if not program:
            raise RuntimeError("the demo city's allowance program is missing: run `eldercare demo`")
        program_id = program[0]["id"]
        bands = await db.fetch(
            f"SELECT min_age, max_age, amount_fen FROM subsidy_band WHERE program = {program_id}"
        )
        month = self.today.year * 100 + self.today.month
        previous = month - 1 if month % 100 != 1 else month - 89
        # The amount shown for last month: its reference day is the last day of the month
        # before that, so this month's age_bands run raises those who turned 90 or 100.
        ref = date(previous // 100, previous % 100, 1) - timedelta(days=1)
        by_year = f"{db.year('e.birth_date')}"
        age = (
            f"({ref.year} - {by_year} - CASE WHEN {ref.month * 100 + ref.day} < "
            f"{db.mmdd('e.birth_date')} THEN 1 ELSE 0 END)"
        )
        amount = "CASE " + " ".join(
            f"WHEN {age} >= {b['min_age']}"
            + (f" AND {age} <= {b['max_age']}" if b["max_age"] is not None else "")
            + f" THEN {b['amount_fen']}"
            for b in bands
        )
        amount += " ELSE 0 END"
        approved = db.add_days(self.today, "-(30 + (e.id % 330))")
        due = db.add_days(self.today, "335 - (e.id % 330)")  # approved + 365 days
        ts = db.ts(self.now)

        def insert(lo: int, hi: int) -> str:
            return (
                "INSERT INTO subsidy_entitlement (elder, program, application, status, amount_fen, "
                "amount_month, start_month, end_month, held_from, approved_on, next_review_due, "
                "birth_year, birth_mmdd, region_code, bank_name, bank_account, ended_reason, "
                "created_at, updated_at) "
                f"SELECT e.id, {program_id}, NULL, 'active', {amount}, {previous}, {month}, NULL, "
                f"NULL, {approved}, {due}, {by_year}, {db.mmdd('e.birth_date')}, e.region_code, "
                f"'遂宁银行', '62177' || {db.pad('e.id', 11)}, '', {ts}, {ts} FROM elder e "
                f"WHERE e.id BETWEEN {first_elder + lo} AND {first_elder + hi} "
                f"AND e.birth_date <= {db.day_literal(_minus_years(self.today, 80))}"
            )

        await self._chunks("entitlements", count, insert)
        horizon = self.today + timedelta(days=29)
        await db.execute(
            "INSERT INTO subsidy_review (entitlement, elder, due_date, status, method, "
            "confirmed_by, confirmed_at, evidence, created_at) "
            f"SELECT e.id, e.elder, e.next_review_due, 'open', '', NULL, NULL, '', {ts} "
            f"FROM subsidy_entitlement e WHERE e.elder >= {first_elder} AND e.status = 'active' "
            f"AND e.next_review_due BETWEEN {db.day_literal(self.today)} AND "
            f"{db.day_literal(horizon)} ON CONFLICT (entitlement, due_date) DO NOTHING"
        )

    # ------------------------------------------------------------------ providers

    async def providers(self, count: int, caps: dict[tuple[str, str], int]) -> None:
        """Approved providers around the demo city's streets, each offering every item its
        district's menu caps (priced at or below the cap), with an admin account."""
        db = self.db
        offset = int(
            await db.value("SELECT COUNT(*) FROM provider WHERE license_no LIKE 'BENCH-%'")
        )
        streets = len(self.streets)
        st = "st(idx, code, district, name, lat, lon) AS (VALUES " + _values(
            [
                (i, s.code, s.code[:6], self.districts[s.code[:6]].name + s.name, s.lat, s.lon)
                for i, s in enumerate(self.streets)
            ]
        )
        st += ")"
        ts = db.ts(self.now)

        def insert(lo: int, hi: int) -> str:
            gen_cte, gen_from = db.numbers(lo + offset, hi + offset)
            return (
                db.with_(gen_cte, st)
                + "INSERT INTO provider (name, license_no, region_code, address, lat, lon, "
                "service_radius_km, status, status_reason, admin_user_id, rating_avg, "
                "rating_count, created_at, decided_at, decided_by) "
                f"SELECT st.name || '第' || {db.text('n + 1')} || '居家养老服务站', "
                f"'BENCH-' || {db.pad('n', 8)}, st.district, st.name || '服务点', "
                # Within a quarter degree (~25 km) of a street's centre: the whole city
                # is covered, towns more densely than the countryside.
                "st.lat + ((n * 7919) % 2001 - 1000) / 4000.0, "
                "st.lon + ((n * 104729) % 2001 - 1000) / 4000.0, "
                "3 + n % 6, 'approved', '', NULL, 3.5 + (n % 16) / 10.0, n % 40, "
                f"{ts}, {ts}, NULL FROM {gen_from} JOIN st ON st.idx = n % {streets}"
            )

        await self._chunks("providers", count, insert)
        first = f"(SELECT id FROM provider WHERE license_no = 'BENCH-{offset:08d}')"
        cap = "caps(district, item, cap) AS (VALUES " + _values(
            [(district, item, fen) for (district, item), fen in caps.items()]
        )
        cap += ")"
        self.progress("offerings", 0, count)
        await db.execute(
            db.with_(cap) + "INSERT INTO offering (provider, item_code, price_fen, active, "
            "updated_at) SELECT p.id, caps.item, caps.cap - (p.id % 3) * (caps.cap / 20), TRUE, "
            f"{ts} FROM provider p JOIN caps ON caps.district = p.region_code "
            f"WHERE p.id >= {first} AND p.license_no LIKE 'BENCH-%'"
        )
        self.progress("offerings", count, count)
        hashed = await _bench_hash()
        await db.execute(
            "INSERT INTO app_user (phone, name, password_hash, roles, region_code, provider_id, "
            "locale, elder_mode, active, created_at, password_changed_at) "
            f"SELECT '197' || substr(p.license_no, 7), '管理员' || {db.text('p.id')}, "
            f"'{hashed}', 'provider_admin', NULL, p.id, NULL, FALSE, TRUE, {ts}, {ts} "
            f"FROM provider p WHERE p.id >= {first} AND p.license_no LIKE 'BENCH-%'"
        )
        await db.execute(
            "UPDATE provider SET admin_user_id = (SELECT u.id FROM app_user u WHERE u.phone = "
            f"'197' || substr(provider.license_no, 7)) WHERE id >= {first} "
            "AND license_no LIKE 'BENCH-%'"
        )

    async def caregivers(self, count: int) -> None:
        """Caregivers spread over the bench providers, every skill, 07:00-21:00 every day."""
        db = self.db
        providers = int(
            await db.value("SELECT COUNT(*) FROM provider WHERE license_no LIKE 'BENCH-%'")
        )
        if not providers:
            raise RuntimeError("caregivers need bench providers: pass --providers")
        offset = int(await db.value("SELECT COUNT(*) FROM caregiver WHERE phone LIKE '196%'"))
        first_provider = int(
            await db.value("SELECT MIN(id) FROM provider WHERE license_no LIKE 'BENCH-%'")
        )
        first_id = int(await db.value("SELECT COALESCE(MAX(id), 0) FROM caregiver")) + 1
        ts = db.ts(self.now)

        def insert(lo: int, hi: int) -> str:
            gen_cte, gen_from = db.numbers(lo + offset, hi + offset)
            name = (
                f"{db.pick(_SURNAMES, 'n * 7')} || {db.pick(_GIVEN_1, 'n / 3')} || "
                f"{db.pick(_GIVEN_2, 'n / 11')}"
            )
            # Bench providers were inserted in one run of ids; caregiver n works for the n-th.
            return (
                db.with_(gen_cte) + "INSERT INTO caregiver (provider, name, phone, skills, active, "
                f"created_at) SELECT {first_provider} + n % {providers}, {name}, "
                f"'196' || {db.pad('n', 8)}, '{SKILLS}', TRUE, {ts} FROM {gen_from}"
            )

        await self._chunks("caregivers", count, insert)
        self.progress("weekly hours", 0, count)
        days = "wd(d) AS (VALUES (0), (1), (2), (3), (4), (5), (6))"
        await db.execute(
            db.with_(days) + "INSERT INTO availability_window (caregiver, weekday, start_minute, "
            f"end_minute) SELECT c.id, wd.d, 420, 1260 FROM caregiver c CROSS JOIN wd "
            f"WHERE c.id >= {first_id}"
        )
        self.progress("weekly hours", count, count)

    # ------------------------------------------------------------------ series and staff

    async def staff(self) -> int:
        found = await self.db.fetch(f"SELECT id FROM app_user WHERE phone = '{STAFF_PHONE}'")
        if found:
            return found[0]["id"]
        hashed = await _bench_hash()
        ts = self.db.ts(self.now)
        await self.db.execute(
            "INSERT INTO app_user (phone, name, password_hash, roles, region_code, provider_id, "
            "locale, elder_mode, active, created_at, password_changed_at) VALUES "
            f"('{STAFF_PHONE}', '压测社工', '{hashed}', 'community_staff', '510900', NULL, NULL, "
            f"FALSE, TRUE, {ts}, {ts})"
        )
        return int(await self.db.value(f"SELECT id FROM app_user WHERE phone = '{STAFF_PHONE}'"))

    async def series(self, count: int, first_elder: int, elders: int, staff_id: int) -> None:
        """Weekly lunch deliveries (three rules, twenty half-hour slots from 08:00), each
        materialised up to ``series_mark``: the next hourly run has one hour left to do."""
        db = self.db
        mark = series_mark(self.now)
        start_day = self.today - timedelta(days=self.today.weekday())  # this Monday
        rules = "CASE n % 3 " + " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(RULES))
        rules += " END"
        ts = db.ts(self.now)
        dtstart = db.naive_ts(db.day_literal(start_day), "480 + ((n / 3) % 20) * 30")

        def insert(lo: int, hi: int) -> str:
            gen_cte, gen_from = db.numbers(lo, hi)
            return (
                db.with_(gen_cte) + "INSERT INTO series (elder, service_code, provider, caregiver, "
                "rrule, dtstart_local, timezone, skip_holidays, exdates, status, channel, "
                "created_by, notes, replaces, created_at, updated_at, materialized_until) "
                f"SELECT {first_elder} + n % {elders}, '{SERIES_ITEM}', NULL, NULL, {rules}, "
                f"{dtstart}, 'Asia/Shanghai', FALSE, '', 'active', 'phone', {staff_id}, '', NULL, "
                f"{ts}, {ts}, {db.ts(mark)} FROM {gen_from}"
            )

        await self._chunks("series", count, insert)

    # ------------------------------------------------------------------ a year of visits

    async def visits(self, count: int, first_elder: int, elders: int, staff_id: int) -> None:
        """``count`` finished visits over the past year: each by a bench caregiver for their
        own provider, at an hour from 07:00 on a day spread over the year, never two at once
        for one caregiver. The bookings table of a city holds its history too, and matching's
        questions about the visits still ahead must not read through it. No check-in is
        recorded, so the annual reviews' work stays what it was without them."""
        db = self.db
        caregivers = int(await db.value("SELECT COUNT(*) FROM caregiver WHERE phone LIKE '196%'"))
        if not caregivers:
            raise RuntimeError("visits need bench caregivers: pass --caregivers")
        if count > caregivers * 365 * 13:
            raise ValueError("--visits: at most 4,745 a year for each caregiver")
        first_caregiver = int(
            await db.value("SELECT MIN(id) FROM caregiver WHERE phone LIKE '196%'")
        )
        offset = int(
            await db.value(
                "SELECT COUNT(*) FROM booking WHERE status = 'completed' "
                f"AND booked_by = {staff_id} AND series_id IS NULL"
            )
        )
        year_ago = datetime.combine(self.today - timedelta(days=365), time(), ZONE)
        # Caregiver c's k-th visit: day 18·k of the year (18 and 365 share no factor, so no
        # day twice in a year), hour 7 + k / 365.
        k = f"(n / {caregivers})"
        minute = f"(({k} * 18) % 365) * 1440 + 420 + (({k} / 365) % 13) * 60"

        def insert(lo: int, hi: int) -> str:
            gen_cte, gen_from = db.numbers(lo + offset, hi + offset)
            start = db.ts_plus(year_ago, minute)
            end, busy = (
                db.ts_plus(year_ago, f"{minute} + 60"),
                db.ts_plus(year_ago, f"{minute} + 90"),
            )
            return (
                db.with_(gen_cte) + "INSERT INTO booking (elder, service_code, provider, "
                "caregiver, start_at, end_at, busy_until, status, chosen_provider, channel, "
                "booked_by, notes, price_fen, subsidy_fen, copay_fen, cancel_reason, "
                "late_cancellation, geofence_flag, visit_notes, rating_comment, created_at, "
                f"updated_at) SELECT {first_elder} + n % {elders}, '{SERIES_ITEM}', c.provider, "
                f"c.id, {start}, {end}, {busy}, 'completed', FALSE, 'phone', {staff_id}, '', "
                f"2800, 0, 2800, '', FALSE, FALSE, '', '', {start}, {end} FROM {gen_from} "
                f"JOIN caregiver c ON c.id = {first_caregiver} + n % {caregivers}"
            )

        await self._chunks("past visits", count, insert)


async def _bench_hash() -> str:
    from eldercare.accounts.passwords import hash_password

    return await hash_password(BENCH_PASSWORD)


async def menu_caps() -> dict[tuple[str, str], int]:
    """(district, item) → the cap the district's menu sets (through the catalog's own rules)."""
    from eldercare.catalog import service as catalog

    found: dict[tuple[str, str], int] = {}
    districts = [r.code for r in regions() if r.level == "district"]
    for item in await catalog.all_items():
        if not item.active:
            continue
        for district in districts:
            cap = await catalog.price_cap(item.code, district)
            if cap is not None:
                found[(district, item.code)] = cap
    return found


async def seed(url: str, counts: Counts, progress: Progress, now: datetime | None = None) -> dict:
    """Fill the database at ``url`` (migrated, with the demo city) with ``counts`` more rows."""
    now = now or datetime.now(UTC)
    if counts.entitlements > counts.elders:
        raise ValueError("--entitlements cannot exceed --elders (each allowance is one elder's)")
    caps = await menu_caps()
    async with BulkDb(url) as db:
        seeder = Seeder(db, now, progress)
        staff_id = await seeder.staff()
        first, last = (0, -1)
        if counts.elders:
            first, last = await seeder.elders(counts.elders, counts.entitlements)
        if counts.entitlements:
            await seeder.entitlements(first, counts.entitlements)
        if counts.providers:
            await seeder.providers(counts.providers, caps)
        if counts.caregivers:
            await seeder.caregivers(counts.caregivers)
        if counts.series:
            if not counts.elders:
                raise ValueError("series need elders: pass --elders")
            await seeder.series(counts.series, first, last - first + 1, staff_id)
        if counts.visits:
            if not counts.elders:
                raise ValueError("visits need elders: pass --elders")
            await seeder.visits(counts.visits, first, last - first + 1, staff_id)
        await db.execute("ANALYZE")
    return {
        "elders": counts.elders,
        "entitlements": counts.entitlements,
        "providers": counts.providers,
        "caregivers": counts.caregivers,
        "series": counts.series,
        "visits": counts.visits,
    }
