"""The bureau's dashboard (and the care alerts the staff's day in today.py shares): set-based
queries over one region.

Every query is filtered by the reader's region prefix (``region_code LIKE 'prefix%'``; the
prefix is digits only). Moments are compared only with parameters, and months are bucketed
by a CASE over the month boundaries, never by a date function, so the same SQL runs on
SQLite and PostgreSQL. Percentiles are worked out in Python (domain.py): SQLite has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from eldercare.actor import Actor
from eldercare.catalog import service as catalog
from eldercare.db import fetch
from eldercare.errors import N_, Forbidden
from eldercare.geo import service as geo
from eldercare.geo.domain import region_prefix
from eldercare.reports import domain
from eldercare.reports.domain import Period
from eldercare.settings import get_settings

COMPLETED, NO_SHOW = "completed", "no_show"
_IN_REVIEW = ", ".join(f"'{s}'" for s in domain.IN_REVIEW)
_DECIDED = ", ".join(f"'{s}'" for s in domain.DECIDED)
_ONLINE = ", ".join(f"'{c}'" for c in domain.ONLINE_CHANNELS)


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def moment(value: Any) -> datetime | None:
    """A timestamp from a raw row: SQLite gives text for aggregates such as MAX()."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Named:
    """A code with the names people read (a menu item, a district)."""

    key: str
    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class Counted:
    key: str
    label: str  # an English msgid
    count: int


@dataclass(frozen=True)
class Processing:
    decided: int
    median_days: float | None
    p90_days: float | None
    overdue_open: int


@dataclass(frozen=True)
class OnlineShare:
    kind: str  # applications, bookings, all
    online: int
    total: int

    @property
    def offline(self) -> int:
        return self.total - self.online

    @property
    def rate(self) -> Fraction | None:
        return domain.online_rate(self.online, self.total)


@dataclass(frozen=True)
class MonthSeries:
    months: tuple[int, ...]
    series: list[tuple[Named, list[int]]]  # counts in the order of ``months``

    @property
    def total(self) -> int:
        return sum(sum(counts) for _, counts in self.series)


@dataclass(frozen=True)
class ProviderRow:
    provider_id: int
    name: str
    visits: int
    missed: int
    ratings: int
    star_sum: int
    complaints: int

    @property
    def average_stars(self) -> Fraction | None:
        return domain.average_stars(self.star_sum, self.ratings)


@dataclass(frozen=True)
class CareAlert:
    elder_id: int
    name: str
    region_code: str
    district: Named
    last_visit: date | None


@dataclass(frozen=True)
class Dashboard:
    region: Named
    period: Period
    by_status: list[Counted]
    by_age: list[Counted]
    processing: Processing
    online: list[OnlineShare]
    visits_by_service: MonthSeries
    visits_by_district: MonthSeries
    providers: list[ProviderRow]
    care_alerts: list[CareAlert]


# --------------------------------------------------------------------------- who may


def _officer_prefix(actor: Actor) -> str:
    if not actor.has_role("bureau_officer") or not actor.region_code:
        raise Forbidden(N_("Only civil affairs officers see the dashboard."))
    return region_prefix(actor.region_code)


def staff_prefix(actor: Actor) -> str:
    if not actor.is_staff:
        raise Forbidden(N_("Only community staff and civil affairs officers see this page."))
    return region_prefix(actor.region_code or "")


async def region_named(code: str) -> Named:
    info = await geo.get_region(code)
    return Named(code, info.name_zh, info.name_en) if info else Named(code, code, code)


async def _districts() -> dict[str, Named]:
    return {c: Named(c, r.name_zh, r.name_en) for c, r in (await geo.all_regions()).items()}


# --------------------------------------------------------------------------- applications

_APPS = (
    "FROM subsidy_application WHERE status <> 'withdrawn' AND region_code LIKE {} "
    "AND submitted_at >= {} AND submitted_at < {}"
)


async def applications_by_status(prefix: str, period: Period) -> list[Counted]:
    rows = await fetch(
        f"SELECT status, COUNT(*) AS n {_APPS} GROUP BY status",
        f"{prefix}%",
        period.start,
        period.end,
    )
    counts = {row["status"]: row["n"] for row in rows}
    return [Counted(key, label, counts.get(key, 0)) for key, label in domain.APPLICATION_STATUSES]


async def applications_by_age(prefix: str, period: Period) -> list[Counted]:
    rows = await fetch(
        f"SELECT t.band, COUNT(*) AS n FROM (SELECT {domain.age_band_sql('age')} AS band "
        f"{_APPS}) t GROUP BY t.band",
        f"{prefix}%",
        period.start,
        period.end,
    )
    counts = {int(row["band"]): row["n"] for row in rows}
    return [Counted(str(low), label, counts.get(low, 0)) for low, label in domain.AGE_BANDS]


async def processing(prefix: str, period: Period, today: date) -> Processing:
    """Days from submission to decision of the cases decided in the period, and the open
    cases past their deadline today."""
    rows = await fetch(
        "SELECT submitted_at, decided_at FROM subsidy_application WHERE region_code LIKE {} "
        f"AND status IN ({_DECIDED}) AND decided_at >= {{}} AND decided_at < {{}}",
        f"{prefix}%",
        period.start,
        period.end,
    )
    local = zone()
    days = [
        domain.processing_days(moment(r["submitted_at"]), moment(r["decided_at"]), local)  # type: ignore[arg-type]
        for r in rows
    ]
    overdue = await fetch(
        "SELECT COUNT(*) AS n FROM subsidy_application WHERE region_code LIKE {} "
        f"AND status IN ({_IN_REVIEW}) AND due_on < {{}}",
        f"{prefix}%",
        today,
    )
    return Processing(
        decided=len(days),
        median_days=domain.median(days),
        p90_days=domain.percentile(days, 0.9),
        overdue_open=overdue[0]["n"],
    )


async def online_shares(prefix: str, period: Period) -> list[OnlineShare]:
    """网办率: applications and bookings made through the app or the website, against those
    made by staff on the elder's behalf, by phone, at a counter or found by the bureau."""
    share = f"SELECT COUNT(*) AS total, SUM(CASE WHEN {{col}} IN ({_ONLINE}) THEN 1 ELSE 0 END) AS online "
    apps = await fetch(share.format(col="channel") + _APPS, f"{prefix}%", period.start, period.end)
    bookings = await fetch(
        share.format(col="b.channel") + "FROM booking b JOIN elder e ON e.id = b.elder "
        "WHERE e.region_code LIKE {} AND b.created_at >= {} AND b.created_at < {}",
        f"{prefix}%",
        period.start,
        period.end,
    )
    a = OnlineShare("applications", apps[0]["online"] or 0, apps[0]["total"])
    b = OnlineShare("bookings", bookings[0]["online"] or 0, bookings[0]["total"])
    return [a, b, OnlineShare("all", a.online + b.online, a.total + b.total)]


# --------------------------------------------------------------------------- visits


def _month_case(column: str, period: Period) -> str:
    """The month a moment falls in, as a CASE over the month ends (one parameter each)."""
    whens = " ".join(f"WHEN {column} < {{}} THEN {month}" for month in period.months)
    return f"CASE {whens} END"


async def visits_by_month(
    prefix: str, period: Period, key_sql: str, names: dict[str, Named]
) -> MonthSeries:
    """Completed visits per month, split by ``key_sql`` (our own SQL: the service code or the
    district part of the elder's region code)."""
    rows = await fetch(
        f"SELECT t.m, t.k, COUNT(*) AS n FROM (SELECT {_month_case('b.start_at', period)} AS m, "
        f"{key_sql} AS k FROM booking b JOIN elder e ON e.id = b.elder "
        f"WHERE e.region_code LIKE {{}} AND b.status = '{COMPLETED}' "
        "AND b.start_at >= {} AND b.start_at < {}) t GROUP BY t.m, t.k",
        *period.month_ends,
        f"{prefix}%",
        period.start,
        period.end,
    )
    index = {month: i for i, month in enumerate(period.months)}
    counts: dict[str, list[int]] = {}
    for row in rows:
        counts.setdefault(row["k"], [0] * len(period.months))[index[int(row["m"])]] = row["n"]
    series = [(names.get(k) or Named(k, k, k), v) for k, v in counts.items()]
    series.sort(key=lambda item: (-sum(item[1]), item[0].key))
    return MonthSeries(period.months, series)


async def providers(prefix: str, period: Period) -> list[ProviderRow]:
    """Each provider with visits for the region's elders in the period (or complaints
    filed there): visits done, missed, ratings and complaints."""
    rows = await fetch(
        "SELECT p.id, p.name, COALESCE(v.visits, 0) AS visits, COALESCE(v.missed, 0) AS missed, "
        "COALESCE(v.ratings, 0) AS ratings, COALESCE(v.star_sum, 0) AS star_sum, "
        "COALESCE(c.n, 0) AS complaints FROM provider p "
        "LEFT JOIN (SELECT b.provider AS pid, "
        f"SUM(CASE WHEN b.status = '{COMPLETED}' THEN 1 ELSE 0 END) AS visits, "
        f"SUM(CASE WHEN b.status = '{NO_SHOW}' OR b.missed_alert_at IS NOT NULL "
        "THEN 1 ELSE 0 END) AS missed, COUNT(b.stars) AS ratings, SUM(b.stars) AS star_sum "
        "FROM booking b JOIN elder e ON e.id = b.elder WHERE b.provider IS NOT NULL "
        "AND e.region_code LIKE {} AND b.start_at >= {} AND b.start_at < {} "
        "GROUP BY b.provider) v ON v.pid = p.id "
        "LEFT JOIN (SELECT b.provider AS pid, COUNT(*) AS n FROM complaint c "
        "JOIN booking b ON b.id = c.booking WHERE c.region_code LIKE {} "
        "AND c.created_at >= {} AND c.created_at < {} GROUP BY b.provider) c ON c.pid = p.id "
        "WHERE v.pid IS NOT NULL OR c.pid IS NOT NULL ORDER BY p.name, p.id",
        f"{prefix}%",
        period.start,
        period.end,
        f"{prefix}%",
        period.start,
        period.end,
    )
    return [
        ProviderRow(
            provider_id=row["id"],
            name=row["name"],
            visits=int(row["visits"]),
            missed=int(row["missed"]),
            ratings=int(row["ratings"]),
            star_sum=int(row["star_sum"]),
            complaints=int(row["complaints"]),
        )
        for row in rows
    ]


async def care_alerts(prefix: str, now: datetime) -> list[CareAlert]:
    """Elders living alone with no completed visit in the last 30 days: never visited first,
    then the longest without one."""
    rows = await fetch(
        "SELECT e.id, e.name, e.region_code, MAX(b.start_at) AS last_visit FROM elder e "
        f"LEFT JOIN booking b ON b.elder = e.id AND b.status = '{COMPLETED}' "
        "WHERE e.region_code LIKE {} AND e.living_situation = 'alone' AND e.ended_on IS NULL "
        "GROUP BY e.id, e.name, e.region_code "
        "HAVING MAX(b.start_at) IS NULL OR MAX(b.start_at) < {} "
        "ORDER BY CASE WHEN MAX(b.start_at) IS NULL THEN 0 ELSE 1 END, MAX(b.start_at), e.id",
        f"{prefix}%",
        domain.care_alert_cutoff(now),
    )
    districts, local = await _districts(), zone()
    alerts = []
    for row in rows:
        last = moment(row["last_visit"])
        code = row["region_code"][:6]
        alerts.append(
            CareAlert(
                elder_id=row["id"],
                name=row["name"],
                region_code=row["region_code"],
                district=districts.get(code) or Named(code, code, code),
                last_visit=last.astimezone(local).date() if last else None,
            )
        )
    return alerts


# --------------------------------------------------------------------------- the pages


async def dashboard(
    actor: Actor, *, months: int = domain.DEFAULT_MONTHS, now: datetime | None = None
) -> Dashboard:
    """The officer's region over the last ``months`` whole months (this one included)."""
    now = now or datetime.now(UTC)
    prefix = _officer_prefix(actor)
    local = zone()
    today = now.astimezone(local).date()
    period = domain.period(today, domain.check_months(months), local)
    items = {i.code: Named(i.code, i.name_zh, i.name_en) for i in await catalog.all_items()}
    districts = await _districts()
    return Dashboard(
        region=await region_named(actor.region_code or ""),
        period=period,
        by_status=await applications_by_status(prefix, period),
        by_age=await applications_by_age(prefix, period),
        processing=await processing(prefix, period, today),
        online=await online_shares(prefix, period),
        visits_by_service=await visits_by_month(prefix, period, "b.service_code", items),
        visits_by_district=await visits_by_month(
            prefix, period, "SUBSTR(e.region_code, 1, 6)", districts
        ),
        providers=await providers(prefix, period),
        care_alerts=await care_alerts(prefix, now),
    )
