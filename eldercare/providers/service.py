"""Provider use cases: registering, the bureau's decisions, listings, the admin's dashboard.

One write transaction each, audited inside it. Caregivers and their hours live in
``caregivers.py``, offerings in ``offerings.py`` and the matching pool in ``matching.py``;
all are re-exported here so other packages need only ``providers.service``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from piccolo.query import OrderByRaw

from eldercare.accounts import domain as accounts_domain
from eldercare.accounts import service as accounts
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.catalog import service as catalog
from eldercare.db import fetch, write_transaction
from eldercare.errors import N_, Conflict, FieldProblem, Forbidden, Invalid, NotFound
from eldercare.geo import domain as geo_domain
from eldercare.geo import service as geo
from eldercare.notifications.service import notify
from eldercare.providers import domain
from eldercare.providers.access import (
    load_provider,
    oversees,
    sees_private,
    visible,
)
from eldercare.providers.caregivers import (  # noqa: F401  (re-exported)
    AvailabilityView,
    CaregiverInput,
    CaregiverView,
    CertificateInput,
    add_caregiver,
    add_certificate,
    caregiver_id_for,
    ensure_on_team,
    get_availability,
    get_caregiver,
    list_caregivers,
    set_availability,
    update_caregiver,
)
from eldercare.providers.matching import (  # noqa: F401  (re-exported)
    PoolCaregiver,
    PoolProvider,
    covering,
    match_pool,
    offers_now,
    teams,
)
from eldercare.providers.offerings import (  # noqa: F401  (re-exported)
    OfferingView,
    list_offerings,
    price_cap_for,
    set_offering,
)
from eldercare.providers.snapshot import pinned as pinned_snapshot  # noqa: F401  (re-exported)
from eldercare.providers.tables import Provider, ProviderDistrict

MAX_DISTRICTS = 30


@dataclass
class ProviderInput:
    """What a form or JSON body says about a new provider, not yet checked."""

    name: str = ""
    license_no: str = ""
    region_code: str = ""
    lat: float | None = None
    lon: float | None = None
    service_radius_km: float | None = None
    address: str = ""
    districts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderView:
    id: int
    name: str
    license_no: str
    region_code: str
    address: str
    lat: float
    lon: float
    service_radius_km: float
    districts: list[str]
    status: str
    status_reason: str | None  # only for its own admin and the bureau
    rating_avg: float
    rating_count: int
    created_at: datetime
    decided_at: datetime | None


def _view(row: dict[str, Any], districts: list[str], private: bool) -> ProviderView:
    return ProviderView(
        id=row["id"],
        name=row["name"],
        license_no=row["license_no"],
        region_code=row["region_code"],
        address=row["address"],
        lat=row["lat"],
        lon=row["lon"],
        service_radius_km=row["service_radius_km"],
        districts=districts,
        status=row["status"],
        status_reason=row["status_reason"] if private else None,
        rating_avg=round(row["rating_avg"] or 0.0, 2),
        rating_count=row["rating_count"] or 0,
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


async def _districts_of(provider_ids: list[int]) -> dict[int, list[str]]:
    if not provider_ids:
        return {}
    rows = (
        await ProviderDistrict.select(ProviderDistrict.provider, ProviderDistrict.region_code)
        .where(ProviderDistrict.provider.is_in(provider_ids))
        .order_by(ProviderDistrict.region_code)
        .run()
    )
    found: dict[int, list[str]] = {pid: [] for pid in provider_ids}
    for row in rows:
        found[row["provider"]].append(row["region_code"])
    return found


# --------------------------------------------------------------------------- registering


async def _check_region(code: str, key: str, problems: list[FieldProblem]) -> str | None:
    try:
        code = geo_domain.check_region_code(code or "", key)
    except Invalid as error:
        problems += error.problems
        return None
    if await geo.get_region(code) is None:
        problems.append(
            FieldProblem(key, N_("There is no region with the code {code}."), {"code": code})
        )
        return None
    return code


async def _checked(data: ProviderInput) -> dict[str, Any]:
    """Every field checked at once, so a form shows each problem beside its field."""
    problems: list[FieldProblem] = []

    def attempt(check, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return check(*args, **kwargs)
        except Invalid as error:
            problems.extend(error.problems)
            return None

    name = attempt(accounts_domain.check_name, data.name or "")
    license_no = attempt(domain.check_license_no, data.license_no)
    region = await _check_region(data.region_code, "region_code", problems)
    address = (data.address or "").strip()
    if len(address) > 200:
        problems.append(
            FieldProblem("address", N_("The address is too long (at most 200 characters)."))
        )
    position = attempt(geo_domain.check_china_coordinates, data.lat, data.lon)
    radius = None
    if data.service_radius_km is None:
        problems.append(
            FieldProblem("service_radius_km", N_("Please give the service radius in km."))
        )
    else:
        radius = attempt(geo_domain.check_radius_km, data.service_radius_km, "service_radius_km")
    districts: list[str] = []
    for code in dict.fromkeys(c.strip() for c in data.districts if c and c.strip()):
        checked = await _check_region(code, "districts", problems)
        if checked:
            districts.append(checked)
    if len(districts) > MAX_DISTRICTS:
        problems.append(
            FieldProblem(
                "districts", N_("At most {count} districts, please."), {"count": MAX_DISTRICTS}
            )
        )
    if problems:
        raise Invalid.many(problems)
    if position is None:  # no coordinates given: the region's centroid stands in
        info = await geo.get_region(region or "")
        position = (info.lat, info.lon) if info else (0.0, 0.0)
    return {
        "name": name,
        "license_no": license_no,
        "region_code": region,
        "address": address,
        "lat": position[0],
        "lon": position[1],
        "service_radius_km": radius,
        "districts": districts,
    }


async def register_provider(
    actor: Actor, data: ProviderInput, *, make_admin: bool = True, now: datetime | None = None
) -> ProviderView:
    """Anyone signed in may apply for their organisation; it waits, pending, for the bureau.

    The applicant becomes its provider admin; staff entering an existing organisation
    (``make_admin=False``, the demo loader) leave the admin to be named later.
    """
    now = now or datetime.now(UTC)
    values = await _checked(data)
    districts = values.pop("districts")
    if make_admin and actor.provider_id is not None:
        current = (
            await Provider.select(Provider.name, Provider.status)
            .where(Provider.id == actor.provider_id)
            .first()
            .run()
        )
        if current is not None and current["status"] != domain.REJECTED:
            raise Conflict(N_("Your account already runs {name}."), name=current["name"])
    async with write_transaction():
        if await Provider.exists().where(Provider.license_no == values["license_no"]).run():
            raise Conflict(N_("A provider with this licence number is already registered."))
        provider = Provider(
            **values,
            status=domain.PENDING,
            status_reason="",
            admin_user_id=actor.id if make_admin else None,
            rating_avg=0.0,
            rating_count=0,
            created_at=now,
        )
        await provider.save().run()
        for code in districts:
            await ProviderDistrict.insert(
                ProviderDistrict(provider=provider.id, region_code=code)
            ).run()
        if make_admin:
            await accounts.grant_role(
                actor.id, "provider_admin", by=actor, provider_id=provider.id, now=now
            )
        await audit.record(
            actor,
            "provider.register",
            entity="provider",
            entity_id=provider.id,
            detail=values["license_no"],
            now=now,
        )
        # An officer entering an organisation themselves needs no message about it.
        officers = (
            []
            if actor.has_role("bureau_officer")
            else await accounts.users_with_role(
                "bureau_officer", region_covering=values["region_code"]
            )
        )
        for officer in officers:
            await notify(
                officer,
                "provider.pending",
                N_("{name} has applied to become a provider."),
                dedupe_key=f"provider:{provider.id}:pending:{officer}",
                link="/bureau/providers",
                now=now,
                name=values["name"],
            )
    return _view(provider.to_dict(), districts, private=True)


# --------------------------------------------------------------------------- the bureau decides

_DECISION_MESSAGES = {
    "approve": N_("{name} has been approved. You can now publish services and manage caregivers."),
    "reject": N_("The application of {name} was rejected. Reason: {reason}"),
    "suspend": N_("{name} has been suspended and no longer receives bookings. Reason: {reason}"),
}


async def decide(
    actor: Actor,
    provider_id: int,
    action: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> ProviderView:
    """Approve, reject or suspend, by a bureau officer of the provider's region (audited)."""
    now = now or datetime.now(UTC)
    if not actor.has_role("bureau_officer"):
        raise Forbidden(N_("Only bureau officers decide on providers."))
    provider = await load_provider(provider_id)
    if not oversees(actor, provider):
        raise NotFound(N_("No such provider."))
    text = domain.check_reason(action, reason)
    async with write_transaction():
        provider = await load_provider(provider_id)
        target = domain.next_status(provider["status"], action)
        changed = (
            await Provider.update(
                {
                    Provider.status: target,
                    Provider.status_reason: text,
                    Provider.decided_at: now,
                    Provider.decided_by: actor.id,
                }
            )
            .where((Provider.id == provider_id) & (Provider.status == provider["status"]))
            .returning(Provider.id)
            .run()
        )
        if not changed:  # someone else decided first
            raise Conflict(N_("This provider was changed by someone else. Please reload."))
        await audit.record(
            actor,
            f"provider.{action}",
            entity="provider",
            entity_id=provider_id,
            detail=text,
            now=now,
        )
        admins = set(await accounts.users_with_role("provider_admin", provider_id=provider_id))
        for user_id in sorted(admins):
            await notify(
                user_id,
                f"provider.{action}",
                _DECISION_MESSAGES[action],
                dedupe_key=f"provider:{provider_id}:{action}:{now.isoformat()}:{user_id}",
                link="/provider",
                now=now,
                name=provider["name"],
                reason=text or "-",
            )
    provider.update(status=target, status_reason=text, decided_at=now, decided_by=actor.id)
    return _view(provider, (await _districts_of([provider_id]))[provider_id], private=True)


# --------------------------------------------------------------------------- reading


async def list_providers(
    actor: Actor | None, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ProviderView], int]:
    """Bureau officers: their region's providers, pending first. Others: approved ones only."""
    if status and status not in domain.STATUSES:
        raise Invalid("status", N_("Choose one of: pending, approved, rejected, suspended."))
    bureau = actor is not None and actor.has_role("bureau_officer") and actor.region_code
    if bureau:
        assert actor is not None and actor.region_code
        where = Provider.region_code.like(f"{geo_domain.region_prefix(actor.region_code)}%")
        if status:
            where = where & (Provider.status == status)
    else:
        where = Provider.status == domain.APPROVED
        if status and status != domain.APPROVED:
            return [], 0
    total = await Provider.count().where(where).run()
    rows = await (
        Provider.select()
        .where(where)
        .order_by(
            OrderByRaw("CASE status WHEN 'pending' THEN 0 WHEN 'suspended' THEN 1 ELSE 2 END")
        )
        .order_by(Provider.created_at)
        .order_by(Provider.id)
        .limit(limit)
        .offset(offset)
        .run()
    )
    districts = await _districts_of([r["id"] for r in rows])
    return [_view(r, districts[r["id"]], sees_private(actor, r)) for r in rows], total


async def get_provider(actor: Actor | None, provider_id: int) -> ProviderView:
    row = await load_provider(provider_id)
    if not visible(actor, row):
        raise NotFound(N_("No such provider."))
    return _view(row, (await _districts_of([provider_id]))[provider_id], sees_private(actor, row))


async def my_provider(actor: Actor) -> ProviderView | None:
    """The organisation a provider admin runs, for their dashboard."""
    if actor.provider_id is None or not actor.has_role("provider_admin"):
        return None
    try:
        return await get_provider(actor, actor.provider_id)
    except NotFound:
        return None


# --------------------------------------------------------------------------- ratings


async def add_rating(provider_id: int, stars: int) -> None:
    """Fold one visit's stars into the provider's average; call inside the rating's transaction."""
    await fetch(
        "UPDATE provider SET rating_avg = (rating_avg * rating_count + {}) / (rating_count + 1), "
        "rating_count = rating_count + 1 WHERE id = {}",
        float(stars),
        provider_id,
    )


# --------------------------------------------------------------------------- the admin's dashboard


@dataclass(frozen=True)
class Dashboard:
    provider: ProviderView
    offerings: list[OfferingView]
    caregivers: list[CaregiverView]
    menu: list[Any]  # catalog MenuItems its region offers; each one's price_fen is the cap


async def dashboard(actor: Actor) -> Dashboard | None:
    """Everything the provider admin's page shows, or None when they run no provider."""
    provider = await my_provider(actor)
    if provider is None:
        return None
    offerings, _ = await list_offerings(actor, provider.id, limit=200)
    caregivers, _ = await list_caregivers(actor, provider.id, limit=200)
    menu = await catalog.region_menu(provider.region_code)
    items = [item for category in menu.categories for item in category.items]
    return Dashboard(provider=provider, offerings=offerings, caregivers=caregivers, menu=items)
