"""Loading the demo city (``eldercare demo``): idempotent, through the same services users use."""

from __future__ import annotations

from datetime import UTC, datetime

from eldercare import demo_data
from eldercare.accounts import elders, service
from eldercare.accounts.elders import ElderInput
from eldercare.accounts.tables import Elder, User
from eldercare.actor import Actor
from eldercare.booking import series_demo
from eldercare.catalog import demo as catalog_demo
from eldercare.geo import service as geo
from eldercare.institutions import demo as institutions_demo
from eldercare.providers import demo as providers_demo
from eldercare.subsidies import demo as subsidies_demo


async def _ensure_user(account: dict) -> Actor:
    row = await User.select().where(User.phone == account["phone"]).first().run()
    if row is None:
        view = await service.create_user(
            phone=account["phone"],
            password=demo_data.DEMO_PASSWORD,
            name=account["name"],
            roles=[account["role"]],
            region_code=account.get("region_code"),
        )
        row = {
            "id": view.id,
            "name": view.name,
            "roles": ",".join(view.roles),
            "region_code": view.region_code,
        }
    return Actor(
        id=row["id"],
        name=row["name"],
        roles=tuple(row["roles"].split(",")),
        region_code=row["region_code"],
    )


def _registrar(elder: dict, accounts: dict[str, Actor]) -> Actor:
    """Family-linked elders are added by their family; others by the nearest staff (代办)."""
    if elder["family_phone"]:
        return accounts[elder["family_phone"]]
    for staff in accounts.values():
        if staff.has_role("community_staff") and elder["region_code"].startswith(
            staff.region_code or "-"
        ):
            return staff
    return next(a for a in accounts.values() if a.has_role("bureau_officer"))


async def load_demo(now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    await geo.sync_gazetteer()
    accounts = {a["phone"]: await _ensure_user(a) for a in demo_data.STAFF + demo_data.FAMILIES}
    created = 0
    for elder in demo_data.demo_elders(service.local_today(now)):
        exists = (
            await Elder.exists()
            .where((Elder.name == elder["name"]) & (Elder.region_code == elder["region_code"]))
            .run()
        )
        if exists:
            continue
        actor = _registrar(elder, accounts)
        if elder["phone"] in accounts:  # the demo resident registers themselves
            actor = accounts[elder["phone"]]
        data = ElderInput(
            **{
                k: elder[k]
                for k in (
                    "name",
                    "id_number",
                    "phone",
                    "address",
                    "region_code",
                    "lat",
                    "lon",
                    "living_situation",
                    "relationship",
                    "needs",
                )
            },
            consent_health=True,  # the demo elders agreed at the counter (PIPL art. 29)
        )
        await elders.add_elder(actor, data, channel="counter", now=now)
        created += 1
    result = {"accounts": len(accounts), "elders_created": created}
    # The menu first: providers price their offerings under its caps.
    for feature in (catalog_demo, institutions_demo, providers_demo, series_demo, subsidies_demo):
        result.update(await feature.load_demo(now))
    return result


def sign_in_table() -> list[tuple[str, str, str, str]]:
    rows = [(a["role"], a["name"], a["phone"], a.get("region_code") or "") for a in demo_data.STAFF]
    rows += [(a["role"], a["name"], a["phone"], "") for a in demo_data.FAMILIES]
    return rows
