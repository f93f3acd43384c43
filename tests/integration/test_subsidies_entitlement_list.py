"""Staff and officers see the allowances of their area, and only theirs."""

from __future__ import annotations

from datetime import date

from tests.integration.conftest import sign_in_page
from tests.integration.subsidies_support import add_elder, approved, build_world, local


async def test_staff_see_their_areas_allowances_with_a_link_to_each(client_factory, make_person):
    async with client_factory() as client:
        world = await build_world(make_person)
        elder = await add_elder(client, world.family, birth=date(1940, 5, 1), name="孙秀兰")
        entitlement = await approved(world, elder, at=local(2026, 10, 10, 10, 0))
        far = await make_person("community_staff", region="510921")
    async with client_factory() as http:
        await sign_in_page(http, world.staff.phone)
        page = await http.get("/staff/subsidies/entitlements")
        assert page.status_code == 200
        assert (
            "孙秀兰" in page.text and f'href="/subsidies/entitlements/{entitlement}"' in page.text
        )
        suspended = await http.get("/staff/subsidies/entitlements", params={"status": "suspended"})
        assert "孙秀兰" not in suspended.text
        wrong = await http.get("/staff/subsidies/entitlements", params={"status": "paid"})
        assert wrong.status_code == 422 and 'id="error-status"' in wrong.text
    async with client_factory() as http:
        await sign_in_page(http, far.phone)
        assert "孙秀兰" not in (await http.get("/staff/subsidies/entitlements")).text
    async with client_factory() as http:
        await sign_in_page(http, world.family.phone)
        assert (await http.get("/staff/subsidies/entitlements")).status_code == 403
