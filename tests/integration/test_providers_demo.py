"""The demo city's providers load through the services, idempotently, and can be matched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eldercare.accounts import service as accounts
from eldercare.catalog import demo as catalog_demo
from eldercare.catalog import service as catalog
from eldercare.providers import demo, service
from eldercare.providers.tables import Caregiver, Certificate, Offering, Provider

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_the_demo_providers_load_once_and_make_sense():
    await catalog_demo.load_demo(NOW)
    first = await demo.load_demo(NOW)
    assert first["providers_created"] == len(demo.PROVIDERS)
    assert first["provider_accounts_created"] == 4
    again = await demo.load_demo(NOW)
    assert again == {
        "providers_created": 0,
        "caregivers_created": 0,
        "offerings": 0,
        "provider_accounts_created": 0,
    }

    statuses = [r["status"] for r in await Provider.select(Provider.status).run()]
    assert statuses.count("approved") >= 12
    assert statuses.count("pending") == 1 and statuses.count("suspended") == 1
    regions = {r["region_code"] for r in await Provider.select(Provider.region_code).run()}
    assert regions == {"510903", "510904", "510921", "510923", "510981"}
    for row in await Provider.select(Provider.id, Provider.status).run():
        team = await Caregiver.count().where(Caregiver.provider == row["id"]).run()
        assert team == 0 if row["status"] == "pending" else 3 <= team <= 8
    today = NOW.date()
    assert await Certificate.count().where(Certificate.expires_on < today).run() == 1

    # Every offering is at or under its region's cap.
    for row in await Offering.select(
        Offering.item_code, Offering.price_fen, Offering.provider.region_code
    ).run():
        cap = await catalog.price_cap(row["item_code"], row["provider.region_code"])
        assert cap is not None and 0 < row["price_fen"] <= cap

    admin = await accounts.sign_in(phone="13600000001", password="Demo-pass-2026", kind="api")
    assert "provider_admin" in admin.user.roles and admin.user.provider_id is not None
    caregiver = await accounts.sign_in(phone="13600000011", password="Demo-pass-2026", kind="api")
    actor = await accounts.resolve_session(caregiver.token, kind="api")
    assert actor is not None and await service.caregiver_id_for(actor) is not None


async def test_an_elder_in_chuanshan_has_haircut_and_meal_providers_nearby():
    await catalog_demo.load_demo(NOW)
    await demo.load_demo(NOW)
    items = {item.skill: item.code for item in await catalog.all_items() if item.active}
    on = (NOW + timedelta(days=7)).date()
    for skill in ("meals", "daily-care", "health"):
        pool = await service.match_pool(
            item_code=items[skill],
            skill=skill,
            lat=30.5185,
            lon=105.5840,
            region_code="510903001002",
            on=on,
        )
        assert pool, skill
        assert all(p.distance_km <= 15 for p in pool)
        assert any(p.caregivers for p in pool)
    suspended = (
        await Provider.select(Provider.id).where(Provider.status == "suspended").first().run()
    )["id"]
    pool = await service.match_pool(
        item_code=items["housekeeping"],
        skill="housekeeping",
        lat=30.8590,
        lon=105.3960,
        region_code="510981002001",
        on=on,
    )
    assert suspended not in {p.id for p in pool}
