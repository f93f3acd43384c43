"""Onboarding through the pages: register, the bureau's queue, the dashboard, a caregiver."""

from __future__ import annotations

import contextlib

import pytest

from eldercare.providers.tables import AvailabilityWindow, Caregiver, DayOff, Offering, Provider
from tests.integration.conftest import csrf_token, sign_in_page
from tests.integration.providers_support import make_item, set_cap

LICENCE = "91510903MA6PAGE001"


@pytest.fixture
async def officer(make_person):
    return await make_person("bureau_officer", region="510900", name="王建国")


@contextlib.asynccontextmanager
async def signed_in(client_factory, person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


async def post_form(http, page: str, action: str, **fields):
    token = await csrf_token(http, page)
    return await http.post(action, data={"_csrf_token": token, **fields})


def assert_field_error(html: str, field: str) -> None:
    assert f'id="error-{field}"' in html, html
    assert f'aria-describedby="error-{field}"' in html
    assert 'aria-invalid="true"' in html


async def register_by_page(http):
    return await post_form(
        http,
        "/providers/register",
        "/providers/register",
        name="遂宁市船山区康乐居家养老服务中心",
        license_no=LICENCE,
        region_code="510903",
        address="南津路 18 号",
        service_radius_km="8",
        districts="510904",
    )


async def test_a_provider_is_onboarded_through_the_pages(client_factory, make_person, officer):
    await make_item(officer, "home-haircut", price_fen=3000)
    await set_cap(officer, "510903", "home-haircut", 2500)
    applicant = await make_person("family", name="周经理")
    async with signed_in(client_factory, applicant) as http:
        form = await http.get("/providers/register")
        assert form.status_code == 200 and 'name="license_no"' in form.text

        bad = await post_form(
            http,
            "/providers/register",
            "/providers/register",
            name="",
            license_no="",
            region_code="",
            service_radius_km="200",
            lat="abc",
        )
        assert bad.status_code == 422
        assert_field_error(bad.text, "lat")
        bad = await post_form(
            http,
            "/providers/register",
            "/providers/register",
            name="",
            license_no="#",
            region_code="",
            service_radius_km="200",
        )
        assert bad.status_code == 422
        for field in ("name", "license_no", "region_code", "service_radius_km"):
            assert_field_error(bad.text, field)
        assert await Provider.count().run() == 0

        done = await register_by_page(http)
        assert (
            done.status_code in (302, 303) and done.headers["location"] == "/provider?registered=1"
        )
        dashboard = await http.get("/provider?registered=1")
        assert dashboard.status_code == 200
        assert (
            'action="/provider/offerings"' not in dashboard.text
        )  # pending: nothing to publish yet
        row = await Provider.select().first().run()
        assert row["status"] == "pending" and row["lat"] == pytest.approx(
            30.52
        )  # the district centroid

    async with signed_in(client_factory, officer) as bureau:
        queue = await bureau.get("/bureau/providers")
        assert queue.status_code == 200 and "康乐" in queue.text
        refused = await post_form(
            bureau, "/bureau/providers", f"/bureau/providers/{row['id']}/reject", reason="  "
        )
        assert refused.status_code == 422
        assert_field_error(refused.text, "reason")
        approved = await post_form(
            bureau, "/bureau/providers", f"/bureau/providers/{row['id']}/approve"
        )
        assert approved.status_code in (302, 303)
        assert (await Provider.select(Provider.status).first().run())["status"] == "approved"

    async with signed_in(client_factory, applicant) as http:
        dashboard = await http.get("/provider")
        assert 'action="/provider/offerings"' in dashboard.text and "¥25.00" in dashboard.text
        above = await post_form(
            http,
            "/provider",
            "/provider/offerings",
            service_code="home-haircut",
            price="25.01",
            active="1",
        )
        assert above.status_code == 422
        assert_field_error(above.text, "price")
        saved = await post_form(
            http,
            "/provider",
            "/provider/offerings",
            service_code="home-haircut",
            price="25",
            active="1",
        )
        assert saved.status_code in (302, 303)
        assert (await Offering.select(Offering.price_fen).first().run())["price_fen"] == 2500

        added = await post_form(
            http,
            "/provider",
            "/provider/caregivers",
            name="李秀梅",
            phone="13812345678",
            skills=["haircut", "meals"],
            certificate_skill="haircut",
            certificate_name="美发师证",
            certificate_expires_on="2030-06-30",
        )
        assert added.status_code in (302, 303), added.text
        caregiver_id = (await Caregiver.select(Caregiver.id).first().run())["id"]
        page = f"/provider/caregivers/{caregiver_id}"
        assert added.headers["location"].startswith(page)

        overlap = await post_form(
            http,
            page,
            f"{page}/hours",
            start_0_0="08:00",
            end_0_0="12:00",
            start_0_1="11:00",
            end_0_1="14:00",
            days_off="",
        )
        assert overlap.status_code == 422
        assert_field_error(overlap.text, "weekly")
        hours = await post_form(
            http,
            page,
            f"{page}/hours",
            start_0_0="08:00",
            end_0_0="12:00",
            start_0_1="14:00",
            end_0_1="18:00",
            start_6_0="20:00",
            end_6_0="24:00",
            days_off="2026-12-25\n2027-01-01",
        )
        assert hours.status_code in (302, 303), hours.text
        assert await AvailabilityWindow.count().run() == 3 and await DayOff.count().run() == 2
        shown = await http.get(page)
        assert 'value="24:00"' in shown.text and "2027-01-01" in shown.text


async def test_the_queue_is_for_bureau_officers_only(client_factory, make_person):
    family = await make_person("family")
    async with signed_in(client_factory, family) as http:
        assert (await http.get("/bureau/providers")).status_code == 403
        none = await http.get("/provider")
        assert none.status_code == 200 and 'href="/providers/register"' in none.text


async def test_pages_redirect_to_sign_in_when_signed_out(client):
    for path in ("/providers/register", "/provider", "/bureau/providers"):
        response = await client.get(path)
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]
