"""The bureau's dashboard and the community staff's "today" page, on a little region built
through the services: four elders in 船山区 and one in 蓬溪县, their allowance applications,
visits, ratings, a complaint, a missed visit and a no-show, all as of 15 September 2026.

What 船山区 holds (510903), in the six months April to September 2026:
  王桂兰 86, alone     applied by app 1 June, approved 5 June (4 days); visited 10 August
                       (5 stars, a complaint)
  李德明 91, alone     applied by staff 1 July, approved 3 July (2 days); visited 1 September
                       (booked by phone, 4 stars)
  陈秀珍 82, family    applied on the web 3 August, rejected 13 August (10 days); nobody home
                       8 September; a caregiver who never came 12 September (booked at a counter)
  赵老太 101, alone    applied by app 20 July, still waiting: past its deadline; never visited
and in 蓬溪县 (510921): 周大爷 88, alone, applied 1 June, approved 15 July (44 days), never visited.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest

from eldercare.actor import Actor
from eldercare.booking import jobs as booking_jobs
from eldercare.booking import service as bookings
from eldercare.booking import visits
from eldercare.reports import pages as report_pages
from eldercare.reports import service, today
from eldercare.subsidies import application_views, applications, discovery, reviews
from eldercare.subsidies import jobs as subsidy_jobs
from tests.factories import valid_id_number
from tests.integration.booking_support import ITEM
from tests.integration.booking_support import build_world as booking_world
from tests.integration.conftest import sign_in_page
from tests.integration.subsidies_support import local, make_program
from tests.integration.test_page_rendering import assert_page

NOW = local(2026, 9, 15, 10, 0)
CHUANSHAN = "510903001001"
PENGXI = "510921100"


def actor(person, role: str, region: str | None = None, provider_id: int | None = None) -> Actor:
    return Actor(person.id, person.name, (role,), region_code=region, provider_id=provider_id)


async def add_elder(client, family, name: str, birth: date, *, living: str, region=CHUANSHAN):
    lat, lon = (30.53, 105.58) if region == CHUANSHAN else (30.7575, 105.7074)
    response = await client.post(
        "/api/v1/elders",
        headers=family.headers,
        json={
            "name": name,
            "id_number": valid_id_number(region=region[:6], birth=birth),
            "address": "南津路 12 号",
            "region_code": region,
            "lat": lat,
            "lon": lon,
            "living_situation": living,
            "relationship": "child",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@dataclass
class Region:
    officer: Actor  # the city's (510900): approves
    chuanshan_officer: Actor  # reads 船山区 only
    staff: Actor
    family: Actor
    admin: Actor
    caregiver: Actor
    caregiver_id: int
    people: dict
    elders: dict[str, int]


async def build_region(client, make_person) -> Region:
    w = await booking_world(client, make_person)
    people = {"officer": w.officer, "staff": w.staff, "family": w.family}
    people["chuanshan_officer"] = await make_person(
        "bureau_officer", region="510903", name="船山区民政科"
    )
    pengxi_staff = actor(
        await make_person("community_staff", region="510921"), "community_staff", "510921"
    )
    await make_program(w.officer)
    r = Region(
        officer=actor(w.officer, "bureau_officer", "510900"),
        chuanshan_officer=actor(people["chuanshan_officer"], "bureau_officer", "510903"),
        staff=actor(w.staff, "community_staff", "510903"),
        family=actor(w.family, "family"),
        admin=actor(w.admin, "provider_admin", provider_id=w.provider_id),
        caregiver=actor(w.caregiver, "caregiver", provider_id=w.provider_id),
        caregiver_id=w.caregiver_id,
        people=people,
        elders={},
    )
    for name, birth, living in (
        ("王桂兰", date(1940, 5, 1), "alone"),
        ("李德明", date(1935, 3, 1), "alone"),
        ("陈秀珍", date(1944, 1, 10), "with_family"),
        ("赵老太", date(1925, 6, 1), "alone"),
    ):
        r.elders[name] = await add_elder(client, w.family, name, birth, living=living)
    r.elders["周大爷"] = await add_elder(
        client, w.family, "周大爷", date(1938, 2, 2), living="alone", region=PENGXI
    )

    async def application(name, by, submitted, decided=None, *, channel=None, reviewer=r.staff):
        view = await applications.apply(
            by,
            elder_id=r.elders[name],
            program_code="gaoling-suining",
            channel=channel,
            now=submitted,
        )
        if decided is not None:
            last, outcome = decided
            for step in ("accept", "pass"):
                await applications.decide(reviewer, view.id, decision=step, now=submitted)
            await applications.decide(
                r.officer, view.id, decision=outcome, comment="不符合条件", now=last
            )

    await application("王桂兰", r.family, local(2026, 6, 1, 9), (local(2026, 6, 5, 10), "approve"))
    await application("李德明", r.staff, local(2026, 7, 1, 9), (local(2026, 7, 3, 15), "approve"))
    await application(
        "陈秀珍", r.family, local(2026, 8, 3, 9), (local(2026, 8, 13, 9), "reject"), channel="web"
    )
    await application("赵老太", r.family, local(2026, 7, 20, 9))
    await application(
        "周大爷",
        r.family,
        local(2026, 6, 1, 9),
        (local(2026, 7, 15, 9), "approve"),
        reviewer=pengxi_staff,
    )

    b1 = await visit(r, "王桂兰", r.family, local(2026, 8, 10, 9), stars=5)
    await visits.complain(r.family, b1, "护理员迟到了半小时", now=local(2026, 8, 11, 9))
    await visit(r, "李德明", r.staff, local(2026, 9, 1, 9), stars=4, channel="phone")
    b3 = await visit(r, "陈秀珍", r.family, local(2026, 9, 8, 14), done=False)
    await visits.mark_no_show(r.admin, b3, now=local(2026, 9, 8, 15))
    b4 = await visit(r, "陈秀珍", r.staff, local(2026, 9, 12, 14), done=False, channel="counter")
    assert await booking_jobs.missed_visits(local(2026, 9, 12, 14, 40)) == 1
    assert b4
    return r


async def visit(r, name, by, start, *, stars=None, done=True, channel=None) -> int:
    """Booked the day before, accepted, and (when ``done``) checked in, out and rated."""
    booked = await bookings.book(
        by,
        elder_id=r.elders[name],
        service_code=ITEM,
        start=start,
        channel=channel,
        now=start - timedelta(days=1),
    )
    await visits.accept(r.admin, booked.id, r.caregiver_id, now=start - timedelta(hours=20))
    if done:
        await visits.check_in(r.caregiver, booked.id, 30.53, 105.58, now=start)
        await visits.check_out(r.caregiver, booked.id, "完成", now=start + timedelta(hours=1))
        if stars is not None:
            await visits.rate(r.family, booked.id, stars, now=start + timedelta(hours=2))
    return booked.id


@contextlib.asynccontextmanager
async def signed_in(client_factory, person):
    async with client_factory() as http:
        response = await sign_in_page(http, person.phone)
        assert response.status_code in (302, 303), response.text
        yield http


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(report_pages, "_now", lambda: NOW)


def counts(items) -> dict[str, int]:
    return {item.key: item.count for item in items}


# --------------------------------------------------------------------------- the numbers


async def test_the_dashboard_counts_the_officers_district_over_six_months(client, make_person):
    r = await build_region(client, make_person)
    dash = await service.dashboard(r.chuanshan_officer, now=NOW)

    assert dash.period.months == (202604, 202605, 202606, 202607, 202608, 202609)
    assert counts(dash.by_status) == {
        "submitted": 1,
        "accepted": 0,
        "reviewed": 0,
        "returned": 0,
        "approved": 2,
        "rejected": 1,
    }
    assert counts(dash.by_age) == {"0": 0, "70": 0, "80": 2, "90": 1, "100": 1}

    # 4, 2 and 10 days; 周大爷's 44 days are 蓬溪县's
    p = dash.processing
    assert (p.decided, p.median_days, p.p90_days, p.overdue_open) == (3, 4, pytest.approx(8.8), 1)

    online = {s.kind: (s.online, s.total, s.rate) for s in dash.online}
    assert online == {
        "applications": (3, 4, Fraction(3, 4)),  # app, web, app; one by staff
        "bookings": (2, 4, Fraction(1, 2)),  # two by the family; by phone and at a counter
        "all": (5, 8, Fraction(5, 8)),
    }

    [(haircut, by_month)] = dash.visits_by_service.series
    assert (haircut.key, by_month) == (ITEM, [0, 0, 0, 0, 1, 1])
    [(district, by_month)] = dash.visits_by_district.series
    assert (district.name("zh_CN"), district.name("en"), by_month) == (
        "船山区",
        "Chuanshan District",
        [0, 0, 0, 0, 1, 1],
    )

    [provider] = dash.providers
    assert (provider.visits, provider.missed, provider.ratings, provider.complaints) == (2, 2, 2, 1)
    assert provider.average_stars == Fraction(9, 2)

    assert [(a.name, a.district.name("zh_CN"), a.last_visit) for a in dash.care_alerts] == [
        ("赵老太", "船山区", None),
        ("王桂兰", "船山区", date(2026, 8, 10)),
    ]


async def test_a_shorter_period_counts_only_its_months(client, make_person):
    r = await build_region(client, make_person)
    dash = await service.dashboard(r.chuanshan_officer, months=3, now=NOW)
    assert dash.period.months == (202607, 202608, 202609)
    assert counts(dash.by_status)["approved"] == 1  # 王桂兰's June application is before it
    assert (dash.processing.median_days, dash.processing.p90_days) == (6, pytest.approx(9.2))


async def test_the_city_officer_sees_both_districts(client, make_person):
    r = await build_region(client, make_person)
    dash = await service.dashboard(r.officer, now=NOW)
    p = dash.processing
    assert (p.decided, p.median_days, p.p90_days) == (4, 7, pytest.approx(33.8))
    assert counts(dash.by_status)["approved"] == 3
    assert [a.name for a in dash.care_alerts] == ["赵老太", "周大爷", "王桂兰"]
    assert [a.district.name("zh_CN") for a in dash.care_alerts] == ["船山区", "蓬溪县", "船山区"]


async def test_an_empty_region_shows_zeros_and_no_rates(client, make_person):
    officer = await make_person("bureau_officer", region="510904")
    dash = await service.dashboard(actor(officer, "bureau_officer", "510904"), now=NOW)
    assert all(item.count == 0 for item in dash.by_status + dash.by_age)
    assert dash.processing.median_days is None and dash.processing.p90_days is None
    assert [s.rate for s in dash.online] == [None, None, None]
    assert dash.providers == [] and dash.care_alerts == []


# --------------------------------------------------------------------------- the page


async def test_the_dashboard_page_shows_figures_and_accessible_charts_in_both_languages(
    client, client_factory, make_person, frozen
):
    r = await build_region(client, make_person)
    async with signed_in(client_factory, r.people["chuanshan_officer"]) as http:
        page = await http.get("/bureau/dashboard")
        assert page.status_code == 200, page.text
        html = page.text
        assert_page(html)
        assert "船山区" in html and "2026-04" in html and "2026-09" in html
        assert re.search(r'id="median-days">\s*4\s*<', html)
        assert re.search(r'id="p90-days">\s*8.8\s*<', html)
        assert re.search(r'id="overdue">\s*1\b', html)
        assert re.search(r'id="online-applications">\s*75%', html)
        assert re.search(r'id="online-bookings">\s*50%', html)
        assert re.search(r'id="online-all">\s*62.5%', html)

        svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
        assert len(svgs) == 6
        for svg in svgs:
            assert 'role="img"' in svg and 'aria-label="' in svg
            assert "<script" not in svg and "<!--" not in svg
        assert "<script" not in html.split("</head>")[1]  # site.js in the head is the only script
        assert html.count("<figcaption>") == 6
        assert "按状态统计的申请" in html and "网上办理" in html
        assert "赵老太" in html and f'href="/elders/{r.elders["赵老太"]}"' in html
        assert "周大爷" not in html and "蓬溪县" not in html

        english = (await http.get("/bureau/dashboard?lang=en")).text
        assert "Applications by status" in english and "Chuanshan District" in english
        assert "Average rating of each care provider" in english


async def test_a_period_that_cannot_be_read_is_named_beside_its_field(
    client_factory, make_person, frozen
):
    officer = await make_person("bureau_officer", region="510903")
    async with signed_in(client_factory, officer) as http:
        for bad in ("0", "25", "six"):
            page = await http.get(f"/bureau/dashboard?months={bad}")
            assert page.status_code == 422
            assert 'id="error-months"' in page.text and 'aria-invalid="true"' in page.text
        assert (await http.get("/bureau/dashboard?months=12")).status_code == 200


async def test_each_charts_numbers_download_as_csv_with_a_bom(
    client, client_factory, make_person, frozen
):
    r = await build_region(client, make_person)
    async with signed_in(client_factory, r.people["chuanshan_officer"]) as http:
        response = await http.get("/bureau/dashboard/applications-status.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["状态", "申请数"]
        assert rows[1:] == [
            ["已提交，待受理", "1"],
            ["已受理，审核中", "0"],
            ["已初审，待审批", "0"],
            ["退回补正", "0"],
            ["已通过", "2"],
            ["未获批准", "1"],
        ]

        visits_csv = await http.get("/bureau/dashboard/visits-district.csv?months=3&lang=en")
        rows = list(csv.reader(io.StringIO(visits_csv.content.decode("utf-8-sig"))))
        assert rows == [
            ["District", "2026-07", "2026-08", "2026-09", "Total"],
            ["Chuanshan District", "0", "1", "1", "2"],
        ]
        online = await http.get("/bureau/dashboard/online.csv?lang=en")
        rows = list(csv.reader(io.StringIO(online.content.decode("utf-8-sig"))))
        assert rows[1:] == [
            ["Allowance applications", "3", "1", "75%"],
            ["Service bookings", "2", "2", "50%"],
            ["Both together", "5", "3", "62.5%"],
        ]
        providers = await http.get("/bureau/dashboard/providers.csv?lang=en")
        rows = list(csv.reader(io.StringIO(providers.content.decode("utf-8-sig"))))
        assert rows[0][1:] == [
            "Average stars",
            "Ratings",
            "Visits done",
            "Missed visits",
            "Complaints filed",
        ]
        assert rows[1][1:] == ["4.5", "2", "2", "2", "1"]

        alerts = await http.get("/bureau/dashboard/care-alerts.csv?lang=en")
        rows = list(csv.reader(io.StringIO(alerts.content.decode("utf-8-sig"))))
        assert rows == [
            ["Elder", "District", "Last visit"],
            ["赵老太", "Chuanshan District", "Never"],
            ["王桂兰", "Chuanshan District", "2026-08-10"],
        ]
        for missing in ("nothing.csv", "applications-status.txt", "applications-status"):
            assert (await http.get(f"/bureau/dashboard/{missing}")).status_code == 404


async def test_only_bureau_officers_see_the_dashboard(client_factory, make_person):
    for role, region in (("community_staff", "510903"), ("family", None), ("caregiver", None)):
        person = await make_person(role, region=region)
        async with signed_in(client_factory, person) as http:
            assert (await http.get("/bureau/dashboard")).status_code == 403
            assert (await http.get("/bureau/dashboard/online.csv")).status_code == 403


# --------------------------------------------------------------------------- today


async def todays_region(client, make_person) -> tuple[Region, int, int]:
    """As build_region, plus a visit for 王桂兰 this afternoon and one for 李德明 tomorrow."""
    r = await build_region(client, make_person)
    this_afternoon = await visit(r, "王桂兰", r.family, local(2026, 9, 15, 15, 0), done=False)
    tomorrow = await visit(r, "李德明", r.family, local(2026, 9, 16, 9, 0), done=False)
    return r, this_afternoon, tomorrow


async def test_staff_see_their_day_in_their_area(client, make_person):
    r, this_afternoon, _ = await todays_region(client, make_person)
    found = await today.today(r.staff, now=NOW)
    assert found.day == date(2026, 9, 15)
    assert [(v.booking_id, v.elder_name, v.status, v.start) for v in found.visits] == [
        (this_afternoon, "王桂兰", "accepted", local(2026, 9, 15, 15, 0))
    ]
    assert (found.visits[0].provider_name, found.visits[0].caregiver_name) == (
        "遂宁市船山区康乐居家养老服务中心",
        "李秀梅",
    )
    assert [a.elder_name for a in found.applications] == ["赵老太"]
    assert found.application_total == 1  # 周大爷's is 蓬溪县's
    assert [a.name for a in found.care_alerts] == ["赵老太", "王桂兰"]


async def test_overdue_yearly_checks_and_the_outreach_list_appear_on_the_today_page(
    client, client_factory, make_person, frozen
):
    r, this_afternoon, tomorrow = await todays_region(client, make_person)
    # 孙奶奶 (85) and the booking world's 张秀英 (86) never applied: the registry sweep finds them
    await add_elder(client, r.people["family"], "孙奶奶", date(1941, 2, 3), living="with_family")
    await subsidy_jobs.discover_eligible(NOW)
    # a year-old allowance whose yearly check nobody confirmed
    elder = await add_elder(
        client, r.people["family"], "钱大妈", date(1939, 9, 1), living="with_family"
    )
    view = await applications.apply(
        r.family, elder_id=elder, program_code="gaoling-suining", now=local(2025, 8, 1, 9)
    )
    for step in ("accept", "pass"):
        await applications.decide(r.staff, view.id, decision=step, now=local(2025, 8, 1, 9))
    await applications.decide(r.officer, view.id, decision="approve", now=local(2025, 8, 1, 10))
    await reviews.annual_reviews(NOW)
    late, _ = await reviews.list_reviews(r.staff, status="overdue")
    assert [x.elder_id for x in late] == [elder]
    outreach, _ = await discovery.outreach_list(r.staff, now=NOW)
    assert [o.elder_name for o in outreach] == ["张秀英", "孙奶奶"]

    async with signed_in(client_factory, r.people["staff"]) as http:
        page = await http.get("/staff/today")
        assert page.status_code == 200, page.text
        html = page.text
        assert_page(html)
        assert "2026年9月15日" in html
        assert f'href="/bookings/{this_afternoon}"' in html
        assert f'href="/bookings/{tomorrow}"' not in html
        assert (
            "钱大妈" in html and f'href="/subsidies/entitlements/{late[0].entitlement_id}"' in html
        )
        for o in outreach:
            assert f'id="outreach-{o.id}"' in html and o.elder_name in html
        assert 'href="/staff/subsidies/outreach"' in html
        assert 'href="/staff/subsidies"' in html
        [waiting] = (await application_views.list_applications(r.staff, status="open", now=NOW))[0]
        assert waiting.elder_name == "赵老太"
        assert f'href="/subsidies/applications/{waiting.id}"' in html
        assert f'href="/elders/{r.elders["赵老太"]}"' in html
        assert "周大爷" not in html
        english = (await http.get("/staff/today?lang=en")).text
        assert "Visits today" in english and "Yearly checks past due" in english


async def test_the_today_page_is_for_staff_and_officers_only(client_factory, make_person, frozen):
    officer = await make_person("bureau_officer", region="510903")
    async with signed_in(client_factory, officer) as http:
        assert (await http.get("/staff/today")).status_code == 200
    for role in ("family", "caregiver", "provider_admin"):
        async with signed_in(client_factory, await make_person(role)) as http:
            assert (await http.get("/staff/today")).status_code == 403
