"""Every /api/v1 endpoint × every role × own / another's / another region's object.

The routes come from the app itself, so an endpoint missing from MATRIX fails the first test.
For each endpoint: nobody signed in is 401 unless it is public; a role that the route's guard
leaves out is 403 (a role turned away by the service may also get 404, never data); another
person's or another region's object is 404, and every table is compared before and after to
show nothing changed; a body with a field the client may not set (``status``,
``amount_fen``, ``role``, ...) is 422 naming the field, changing nothing. The owners' own
requests run last, made so that they pass the checks of who may act but stop at the body
or the state (422, 409): the shared world stays as it was built.

``ACCESS_MATRIX_TRACE=1 pytest -s`` prints every check with its outcome.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from eldercare.app import create_app
from tests.integration import access_support as support
from tests.integration.access_support import ACTORS, VOUCHER, World
from tests.integration.booking_support import ALL_WEEK, ITEM
from tests.integration.conftest import PASSWORD
from tests.integration.providers_support import provider_body

ALL = "RFCPSOA"  # resident, family, caregiver, provider_admin, staff, officer, admin
BOOKERS = "RFSO"
MASS_FIELDS = ("status", "amount_fen", "role", "roles", "region_code", "provider_id", "subsidy_fen", "price_fen")  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """How one endpoint is reached and who may use it.

    ``roles``: the roles that may use it at all (letters of ALL; ``None``: public); the rest
    get 403 (API.md: the role is checked before visibility), or for a read 403 or 404 (an
    object not visible to them is "not found").
    ``owners``: the roles whose own actor owns the world's object (default: ``roles``); the
    others among ``roles`` get ``nonowner``. ``scope``: "object" (another's is 404), "list"
    (another's answer leaves out ``leak``), "create" (nothing to own; staff and officers of
    another region get ``region``), "none" (nothing to own). ``probe``: what the owners send
    instead (url, body, params), answered with one of ``ok``. ``known``: check label ->
    reason, for a failure someone else is fixing (the test is then xfailed).
    """

    url: str
    roles: str | None = ALL
    body: Any = None
    params: dict[str, Any] | None = None
    owners: str | None = None
    scope: str = "object"
    probe: dict[str, Any] | None = None
    ok: tuple[int, ...] = (200,)
    region: int | None = 404
    denied: tuple[int, ...] | None = None  # default: 403; for a read, 403 or 404
    nonowner: tuple[int, ...] = (404,)
    leak: str | None = None
    multipart: bool = False
    fresh_session: bool = False
    known: dict[str, str] | None = None


E = Entry
B, S = "/bookings/{booking_accepted}", "/series/{series}"
A, P = "/subsidies/applications/{application}", "/providers/{provider}"
CG = "/providers/{provider}/caregivers/{caregiver_1}"
REFUSE = (409, 422)
ELDER = {"elder_id": "{elder}", "service_code": ITEM, "provider_id": "{provider}"}
SERIES = {**ELDER, "rrule": "FREQ=WEEKLY;COUNT=1", "start": "{series_start}"}
NEW_ELDER = {"name": "新老人", "id_number": "{new_id_number}", "address": "船山区 1 号", "region_code": "510903001001"}  # fmt: skip
ITEM_BODY = {"code": "foot-care", "category_code": "daily-care", "name": "足部护理", "unit": "visit", "duration_minutes": 30, "price_fen": 2000, "subsidy_eligible": True}  # fmt: skip
INSTITUTION = {"name": "船山区第二福利院", "kind": "care_home", "beds": 40, "vacancies": 4, "price_min_fen": 150_000, "price_max_fen": 300_000, "address": "船山区滨江北路 200 号", "phone": "0825-2226802", "region_code": "510903001"}  # fmt: skip
PROGRAM = {"code": "new-program", "name": "新津贴", "kind": "allowance", "region_code": "510900", "bands": [{"min_age": 80, "max_age": None, "amount_fen": 5000}]}  # fmt: skip
CERTIFICATE = {"skill": "haircut", "name": "理发证", "expires_on": "2030-01-01"}


def confirm_method(role: str) -> dict[str, str]:
    """The elder's side confirms a yearly check online; staff after a visit."""
    return {"method": "home_visit" if role in "SO" else "online"}


def bad(body: Any, **ok: Any) -> dict[str, Any]:
    """An owner's probe that sends ``body`` (and is answered with one of ``ok``, default 422)."""
    return {"probe": {"body": body}, "ok": ok.get("ok", (422,))}


def at(url: str, ok: tuple[int, ...] = (409,)) -> dict[str, Any]:
    """An owner's probe at another object, in a state that refuses the action."""
    return {"probe": {"url": url}, "ok": ok}


def known(roles: str, where: str, guard: str = "'resident', 'family', 'community_staff', 'bureau_officer'") -> dict[str, Any]:  # fmt: skip
    """Known failures, each in a file someone else is editing now: a role that can never do
    this gets 404 from the service instead of 403 from a guard (nothing leaks or changes)."""
    why = f"404 not 403 (no role guard; add guards=[roles({guard})] in {where})"
    return {"known": {f"{role}:denied": why for role in roles}}


BOOKING_API = "eldercare/booking/api.py"
SUBSIDY_API = "eldercare/subsidies/api.py"

# fmt: off
MATRIX: dict[str, Entry] = {
    # accounts and elders
    "POST /auth/register": E("/auth/register", None, {"phone": "13900001111", "password": PASSWORD, "name": "新用户"}, **bad({"phone": "1", "password": "x", "name": ""})),
    "POST /auth/token": E("/auth/token", None, {"phone": "{phone_family_a}", "password": PASSWORD}),
    "POST /auth/logout": E("/auth/logout", scope="none", ok=(204,), fresh_session=True),
    # owners send a too-short new password (422): a real change would end the world's tokens
    "POST /auth/password": E("/auth/password", ALL, {"current_password": PASSWORD, "new_password": "short"}, scope="none", ok=(422,)),
    "GET /me": E("/me", scope="none"),
    "GET /elders": E("/elders", scope="list", owners="FSO", leak="elder"),
    "POST /elders": E("/elders", BOOKERS, NEW_ELDER, scope="create", region=422, **bad({**NEW_ELDER, "id_number": "123"})),
    "GET /elders/{elder_id:int}": E("/elders/{elder}", BOOKERS, owners="FSO"),
    "PATCH /elders/{elder_id:int}": E("/elders/{elder}", BOOKERS, {"address": "船山区新地址 9 号"}, owners="FSO", **bad({"name": ""})),
    # 404 for those who cannot see the elder: tests/integration/test_visibility.py wants it
    "POST /elders/{elder_id:int}/reveal": E("/elders/{elder}/reveal", "SO", denied=(403, 404)),
    "POST /elders/{elder_id:int}/departure": E("/elders/{elder_b}/departure", "SO", {"reason": "moved_out", "date": "{today}"}, **bad({"reason": "moved_out", "date": "2999-01-01"})),
    # notifications
    "GET /notifications": E("/notifications", scope="list", owners="F", leak="notification"),
    "POST /notifications/{notification_id:int}/read": E("/notifications/{notification}/read", owners="F"),
    "POST /notifications/read-all": E("/notifications/read-all", scope="none"),
    # catalog: items are the city's guide menu (no region of their own); menus are per region
    "GET /catalog": E("/catalog", None),
    "GET /catalog/items": E("/catalog/items", None),
    "GET /catalog/items/{code:str}": E("/catalog/items/{item}", None),
    "GET /catalog/categories": E("/catalog/categories", None),
    "GET /catalog/menus/{region_code:str}": E("/catalog/menus/{region_a}", None),
    "POST /catalog/items": E("/catalog/items", "O", ITEM_BODY, scope="create", region=None, **bad({**ITEM_BODY, "price_fen": -1})),
    "PATCH /catalog/items/{code:str}": E("/catalog/items/{item}", "O", {"price_fen": 3100}, scope="none", **bad({"price_fen": -5})),
    "POST /catalog/categories": E("/catalog/categories", "O", {"code": "new-cat", "name": "新类别"}, scope="create", region=None, **bad({"code": "BAD CODE!"})),
    "PATCH /catalog/categories/{code:str}": E("/catalog/categories/{category}", "O", {"sort_order": 5}, scope="none", **bad({"name": ""})),
    "PUT /catalog/menus/{region_code:str}": E("/catalog/menus/{region_a}", "O", {"entries": [{"item_code": ITEM, "price_cap_fen": 2900}]}, **bad({"entries": [{"item_code": "no-such-item"}]})),
    # institutions
    "GET /institutions": E("/institutions", None),
    "GET /institutions/{institution_id:int}": E("/institutions/{institution}", None),
    "POST /institutions": E("/institutions", "O", INSTITUTION, scope="create", region=422, **bad({**INSTITUTION, "beds": -1})),
    "PATCH /institutions/{institution_id:int}": E("/institutions/{institution}", "O", {"vacancies": 3}, **bad({"vacancies": -1})),
    # providers
    "POST /providers": E("/providers", ALL, provider_body(license_no="91510903MA6X000001"), scope="create", region=None, **bad(provider_body(name=""))),
    "GET /providers": E("/providers", None),
    "GET /providers/{provider_id:int}": E(P, None),
    "GET /providers/{provider_id:int}/offerings": E(f"{P}/offerings", None),
    "POST /providers/{provider_id:int}/approve": E("/providers/{provider_pending}/approve", "O", {"reason": "资质齐全"}, **at(f"{P}/approve", REFUSE)),
    "POST /providers/{provider_id:int}/reject": E("/providers/{provider_pending}/reject", "O", {"reason": "材料不全"}, **bad({"reason": ""}, ok=REFUSE)),
    "POST /providers/{provider_id:int}/suspend": E(f"{P}/suspend", "O", {"reason": "投诉较多"}, **bad({"reason": ""}, ok=REFUSE)),
    "POST /providers/{provider_id:int}/offerings": E(f"{P}/offerings", "P", {"service_code": ITEM, "price_fen": 2700}, **bad({"service_code": ITEM, "price_fen": 999_999})),
    "POST /providers/{provider_id:int}/caregivers": E(f"{P}/caregivers", "P", {"name": "王芳", "phone": "13712345678", "skills": ["haircut"]}, **bad({"name": "", "phone": "1", "skills": []})),
    "GET /providers/{provider_id:int}/caregivers": E(f"{P}/caregivers", "PO"),
    "GET /providers/{provider_id:int}/caregivers/{caregiver_id:int}": E(CG, "PO"),
    "PATCH /providers/{provider_id:int}/caregivers/{caregiver_id:int}": E(CG, "P", {"name": "李秀梅"}, **bad({"phone": "abc"})),
    "POST /providers/{provider_id:int}/caregivers/{caregiver_id:int}/certificates": E(f"{CG}/certificates", "P", CERTIFICATE, **bad({**CERTIFICATE, "skill": "bathing"})),
    "PUT /providers/{provider_id:int}/caregivers/{caregiver_id:int}/availability": E(f"{CG}/availability", "P", {"weekly": ALL_WEEK[:5], "days_off": []}, **bad({"weekly": [{"weekday": 9, "start": "08:00", "end": "18:00"}]})),
    "GET /providers/{provider_id:int}/caregivers/{caregiver_id:int}/availability": E(f"{CG}/availability", "PO"),
    # bookings
    "GET /match": E("/match", BOOKERS, params={"elder_id": "{elder}", "service_code": ITEM, "start": "{start}"}, owners="FSO"),
    "POST /bookings": E("/bookings", BOOKERS, {**ELDER, "start": "{start}"}, owners="FSO", **bad({**ELDER, "start": "2020-01-01T09:00:00+08:00"})),
    "GET /bookings": E("/bookings", scope="list", params={"elder_id": "{elder}"}, owners="FCPSO", leak="booking_accepted"),
    "GET /bookings/{booking_id:int}": E(B, "RFCPSO", owners="FCPSO"),
    "POST /bookings/{booking_id:int}/accept": E("/bookings/{booking_offered}/accept", "P", {"caregiver_id": "{caregiver_1}"}, **at("/bookings/{booking_done}/accept")),
    "POST /bookings/{booking_id:int}/decline": E("/bookings/{booking_offered}/decline", "P", {"reason": "人手不够"}, **at("/bookings/{booking_done}/decline")),
    "POST /bookings/{booking_id:int}/cancel": E(f"{B}/cancel", "RFPSO", {"reason": "改期"}, owners="FPSO", **at("/bookings/{booking_done}/cancel")),
    "POST /bookings/{booking_id:int}/withdraw": E("/bookings/{booking_offered}/withdraw", BOOKERS, owners="FSO", **at("/bookings/{booking_done}/withdraw")),
    "POST /bookings/{booking_id:int}/check-in": E(f"{B}/check-in", "CP", {"lat": 30.53, "lon": 105.58}, **at("/bookings/{booking_done}/check-in")),
    # the visit in service is the spare caregiver's: caregiver_1 is not on it
    "POST /bookings/{booking_id:int}/check-out": E("/bookings/{booking_in_service}/check-out", "CP", {"notes": "做完了"}, owners="P", **at("/bookings/{booking_done}/check-out")),
    "POST /bookings/{booking_id:int}/no-show": E(f"{B}/no-show", "CP", **at("/bookings/{booking_done}/no-show")),
    "POST /bookings/{booking_id:int}/rate": E("/bookings/{booking_done}/rate", BOOKERS, {"stars": 5}, owners="FSO", **at(f"{B}/rate")),
    "POST /bookings/{booking_id:int}/confirm": E("/bookings/{booking_done}/confirm", BOOKERS, owners="FSO", **at(f"{B}/confirm")),
    "POST /bookings/{booking_id:int}/complaints": E("/bookings/{booking_done}/complaints", BOOKERS, {"text": "服务态度差"}, owners="FSO", **at("/bookings/{booking_offered}/complaints")),
    "GET /jobs": E("/jobs", "P", scope="list", leak="booking_offered"),
    "GET /complaints": E("/complaints", "O", scope="list", leak="complaint"),
    "POST /complaints/{complaint_id:int}/resolve": E("/complaints/{complaint}/resolve", "O", {"resolution": "已回访"}, **bad({"resolution": ""})),
    # series
    "POST /series": E("/series", BOOKERS, SERIES, owners="FSO", **bad({**SERIES, "rrule": "NONSENSE"})),
    "POST /series/preview": E("/series/preview", BOOKERS, SERIES, owners="FSO"),
    "GET /series": E("/series", scope="list", owners="FPSO", leak="series"),
    "GET /series/{series_id:int}": E(S, "RFPSO", owners="FPSO"),
    "POST /series/{series_id:int}/pause": E(f"{S}/pause", BOOKERS, owners="FSO", **at("/series/{series_cancelled}/pause")),
    "POST /series/{series_id:int}/resume": E("/series/{series_paused}/resume", BOOKERS, owners="FSO", **at("/series/{series_cancelled}/resume")),
    "POST /series/{series_id:int}/cancel": E(f"{S}/cancel", BOOKERS, owners="FSO", **at("/series/{series_cancelled}/cancel")),
    "POST /series/{series_id:int}/skip": E(f"{S}/skip", BOOKERS, {"date": "{skip_day}"}, owners="FSO", **at("/series/{series_cancelled}/skip", REFUSE)),
    "POST /series/{series_id:int}/change": E(f"{S}/change", BOOKERS, {"scope": "one", "date": "{skip_day}", "time": "15:00"}, owners="FSO", **bad({"scope": "nonsense", "date": "{skip_day}", "time": "15:00"})),
    # subsidies
    "GET /subsidies/programs": E("/subsidies/programs", None),
    "POST /subsidies/programs": E("/subsidies/programs", "O", PROGRAM, scope="create", region=422, **bad({**PROGRAM, "code": "BAD CODE"})),
    "POST /subsidies/applications": E("/subsidies/applications", BOOKERS, {"elder_id": "{elder_2}", "program_code": VOUCHER}, owners="FSO", **bad({"elder_id": "{elder_2}", "program_code": "no-such"})),
    "GET /subsidies/applications": E("/subsidies/applications", scope="list", owners="FSO", leak="application"),
    "GET /subsidies/applications/{application_id:int}": E(A, BOOKERS, owners="FSO"),
    "POST /subsidies/applications/{application_id:int}/decisions": E(f"{A}/decisions", "SO", {"decision": "accept"}, **bad({"decision": "return"})),
    "POST /subsidies/applications/{application_id:int}/resubmit": E("/subsidies/applications/{application_returned}/resubmit", BOOKERS, {"comment": "已补"}, owners="FSO", **at(f"{A}/resubmit")),
    # staff see the application, but only the one who sent it may take it back (403)
    "POST /subsidies/applications/{application_id:int}/withdraw": E(f"{A}/withdraw", BOOKERS, owners="F", nonowner=(403, 404), **at("/subsidies/applications/{application_approved}/withdraw")),
    "POST /subsidies/applications/{application_id:int}/documents": E(f"{A}/documents", BOOKERS, {"kind": "id_card"}, owners="FSO", multipart=True, **bad({"kind": "passport"})),
    "GET /subsidies/applications/{application_id:int}/documents/{document_id:int}": E(f"{A}/documents/{{document}}", BOOKERS, owners="FSO"),
    "GET /subsidies/entitlements": E("/subsidies/entitlements", scope="list", params={"elder_id": "{elder}"}, owners="FSO", leak="entitlement"),
    "GET /subsidies/entitlements/{entitlement_id:int}": E("/subsidies/entitlements/{entitlement}", BOOKERS, owners="FSO"),
    "GET /subsidies/payments": E("/subsidies/payments", BOOKERS, params={"entitlement_id": "{entitlement}"}, owners="FSO"),
    "POST /subsidies/payments/batches": E("/subsidies/payments/batches", "O", {"month": "{month}"}, scope="none", **bad({"month": "2027-13"})),
    "GET /subsidies/payments/batches/{batch:str}": E("/subsidies/payments/batches/{batch}", "O"),
    # another county's officer cannot settle this region's payment: 422, "not waiting"
    "POST /subsidies/payments/returns": E("/subsidies/payments/returns", "O", {"csv": "{payment},paid"}, region=422, **bad({"csv": "999999,paid"})),
    "GET /subsidies/annual-reviews": E("/subsidies/annual-reviews", scope="list", params={"elder_id": "{elder}"}, owners="FSO", leak="review"),
    "POST /subsidies/annual-reviews/{review_id:int}/confirm": E("/subsidies/annual-reviews/{review}/confirm", BOOKERS, confirm_method, owners="FSO", **bad({"method": "fax"})),
    "GET /subsidies/vouchers": E("/subsidies/vouchers", BOOKERS, params={"elder_id": "{elder}", "month": "{month}"}, owners="FSO"),
    "GET /subsidies/outreach": E("/subsidies/outreach", "SO", scope="none"),
}

# An id of one object put into the path or body of another, and values a client may send
# in a field but not these: each refused, changing nothing.
SWAPS: list[tuple[str, str | None, str, str, Any, tuple[int, ...], str | None]] = [
    # label, who, method, url, body, wanted, the field a 422 names
    ("another team's caregiver", "provider_admin_1", "GET", f"{P}/caregivers/{{caregiver_2}}", None, (404,), None),
    ("their hours", "provider_admin_1", "PUT", f"{P}/caregivers/{{caregiver_2}}/availability", {"weekly": ALL_WEEK[:2], "days_off": []}, (404,), None),
    ("their name", "provider_admin_1", "PATCH", f"{P}/caregivers/{{caregiver_2}}", {"name": "改名"}, (404,), None),
    ("accepted with their caregiver", "provider_admin_1", "POST", "/bookings/{booking_offered}/accept", {"caregiver_id": "{caregiver_2}"}, (404, 422), None),
    ("a teammate's visit", "caregiver_1", "GET", "/bookings/{booking_in_service}", None, (404,), None),
    ("another application's document", "family_a", "GET", "/subsidies/applications/{application_approved}/documents/{document}", None, (404,), None),
    ("a pending provider, signed out", None, "GET", "/providers/{provider_pending}", None, (404,), None),
    ("a pending provider, to a family", "family_a", "GET", "/providers/{provider_pending}", None, (404,), None),
    ("a pending provider, to another county", "officer_b", "GET", "/providers/{provider_pending}", None, (404,), None),
    ("a series with another team's caregiver", "family_a", "POST", "/series", {**SERIES, "caregiver_id": "{caregiver_2}"}, (404, 422), None),
    ("a series visit moved to another team's caregiver", "family_a", "POST", f"{S}/change", {"scope": "one", "date": "{skip_day}", "caregiver_id": "{caregiver_2}"}, (404, 422), None),
    ("a booking with a pending provider", "family_a", "POST", "/bookings", {**ELDER, "provider_id": "{provider_pending}", "start": "{start}"}, (404, 422), None),
    ("low income, set by family", "family_a", "PATCH", "/elders/{elder}", {"low_income": True}, (403,), None),
    ("an elder moved out of the staff's region", "staff_a", "PATCH", "/elders/{elder}", {"region_code": "510921100001"}, (422,), "region_code"),
    ("an elder outside the staff's region", "staff_b", "POST", "/elders", NEW_ELDER, (422,), "region_code"),
    ("a program outside the officer's region", "officer_b", "POST", "/subsidies/programs", {**PROGRAM, "region_code": "510903"}, (422,), "region_code"),
    ("an institution moved out of the region", "officer_a", "PATCH", "/institutions/{institution}", {"region_code": "510000"}, (422,), "region_code"),
    ("read-all reads only one's own", "admin", "POST", "/notifications/read-all", None, (200,), None),
] + [
    (f"registering as {role}", None, "POST", "/auth/register", {"phone": "13900002222", "password": PASSWORD, "name": "想当官", "role": role}, (422,), "role")
    for role in ("admin", "bureau_officer", "community_staff", "provider_admin", "caregiver")
]
# fmt: on

MASS_VALUES: dict[str, Any] = {
    "status": "approved",
    "amount_fen": 1,
    "role": "admin",
    "roles": ["admin"],
    "region_code": "510921",
    "provider_id": "{provider_2}",
    "subsidy_fen": 1,
    "price_fen": 1,
}
ROUTES = support.api_routes(create_app())


@dataclass
class Check:
    label: str  # "F:other", "C:denied", "anon", "F:mass status", ...
    who: str | None  # a key of World.people; None: nobody signed in
    url: str
    body: Any
    params: dict[str, Any] | None
    want: tuple[int, ...]
    negative: bool = True  # compare every table before and after
    leak: Any = None  # an id that a 200 list must not hold
    holds: Any = None  # an id that a 200 list must hold
    key: str | None = None  # the field a 422 must name
    fresh: bool = False


def _body(entry: Entry, role: str) -> Any:
    return entry.body(role) if callable(entry.body) else entry.body


def plan(entry: Entry, method: str, handler: Any, ids: dict[str, Any]) -> list[Check]:
    """The negative checks first, the owners' probes last (they may change their own data)."""
    url, params = entry.url, entry.params
    leak = ids[entry.leak] if entry.leak else None
    negative: list[Check] = []
    probes: list[Check] = []

    def probe(label: str, who: str | None, role: str) -> Check:
        p = entry.probe or {}
        return Check(
            label,
            who,
            p.get("url", url),
            p.get("body", _body(entry, role)),
            p.get("params", params),
            entry.ok,
            negative=False,
            holds=leak,
            fresh=entry.fresh_session,
        )

    if entry.roles is None:
        probes.append(probe("anon", None, "F"))
        probes += [probe(f"{r}:own", ACTORS[r]["own"], r) for r in ALL]
    else:
        negative.append(Check("anon", None, url, _body(entry, "F"), params, (401,)))
        guard = support.guarded_roles(handler)
        owners = entry.owners if entry.owners is not None else entry.roles
        for role in ALL:
            actors, body = ACTORS[role], _body(entry, role)
            if role not in entry.roles:
                want = entry.denied or ((403, 404) if method == "GET" else (403,))
                if guard is not None and role not in guard:
                    want = (403,)
                negative.append(Check(f"{role}:denied", actors["own"], url, body, params, want))
                continue
            if entry.scope in ("none", "create") or role in owners:
                probes.append(probe(f"{role}:own", actors["own"], role))
            elif entry.scope == "list":
                negative.append(
                    Check(f"{role}:own", actors["own"], url, body, params, (200, 404), leak=leak)
                )
            else:
                negative.append(
                    Check(f"{role}:own", actors["own"], url, body, params, entry.nonowner)
                )
            if entry.scope in ("object", "list"):
                for variant in ("other", "region"):
                    who = actors.get(variant)
                    if who is None or who == actors["own"]:
                        continue
                    want = (200, 404) if entry.scope == "list" else (entry.region or 404,)
                    negative.append(
                        Check(f"{role}:{variant}", who, url, body, params, want, leak=leak)
                    )
            elif entry.scope == "create" and entry.region and role in "SO":
                negative.append(
                    Check(f"{role}:region", actors["region"], url, body, params, (entry.region,))
                )
    fields = support.body_fields(handler)
    if fields is not None and entry.body is not None and not entry.multipart:
        role = (entry.owners or entry.roles or "F")[0]
        who = None if entry.roles is None else ACTORS[role]["own"]
        for name in MASS_FIELDS:
            if name not in fields:
                body = {**_body(entry, role), name: MASS_VALUES[name]}
                negative.append(Check(f"mass {name}", who, url, body, params, (422,), key=name))
    return negative + probes


async def run(
    http: httpx.AsyncClient, w: World, method: str, check: Check, multipart: bool = False
) -> str | None:
    """None when the answer is right and nothing changed; else what went wrong."""
    headers: dict[str, str] = {}
    if check.who is not None:
        person = w.people[check.who]
        headers = await support.fresh_headers(person) if check.fresh else person.headers
    before = await support.snapshot() if check.negative else None
    url, body = support.fill(check.url, w.ids), support.fill(check.body, w.ids)
    params = support.fill(check.params, w.ids)
    response = await support.send(http, method, url, headers, body, params, multipart)
    text = response.content[:160].decode(errors="replace")
    seen = f"{method} {url} as {check.who or 'nobody'} → {response.status_code} {text}"
    if os.environ.get("ACCESS_MATRIX_TRACE"):
        print(f"[{check.label}] {seen[:140]}")
    if response.status_code not in check.want:
        return f"wanted {check.want}: {seen}"
    listed = support.item_ids(response) if response.status_code == 200 else []
    if check.negative and check.leak is not None and check.leak in listed:
        return f"another's object listed: {seen}"
    if response.status_code == 200 and check.holds is not None and check.holds not in listed:
        return f"own object missing from the list: {seen}"
    if check.key is not None and check.key not in {e["key"] for e in response.json()["extra"]}:
        return f"422 does not name {check.key}: {seen}"
    if before is not None:
        altered = support.changed(before, await support.snapshot())
        if altered:
            return f"changed {altered}: {seen}"
    return None


# ----------------------------------------------------------------------------- the tests


@pytest.fixture(autouse=True)
async def empty_database() -> None:
    """Replaces conftest's: this module's tests share one world, built once (``world``)."""


@pytest.fixture(scope="module")
async def world(app) -> AsyncIterator[tuple[World, httpx.AsyncClient]]:
    await support.wipe()
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield await support.build(http), http
    await support.wipe()


def test_every_api_route_has_an_entry_in_the_matrix():
    missing = sorted(set(ROUTES) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(ROUTES))
    assert not missing, "add these endpoints to MATRIX:\n" + "\n".join(missing)
    assert not stale, "these MATRIX entries match no route:\n" + "\n".join(stale)


@pytest.mark.parametrize("key", list(MATRIX))
async def test_access(world, key):
    w, http = world
    if key not in ROUTES:
        pytest.skip("no such route (see the first test)")
    entry, method = MATRIX[key], key.split()[0]
    known = entry.known or {}
    failures: dict[str, str] = {}
    for check in plan(entry, method, ROUTES[key], w.ids):
        problem = await run(http, w, method, check, entry.multipart)
        if problem:
            failures[check.label] = problem
    unexpected = {label: p for label, p in failures.items() if label not in known}
    assert not unexpected, "\n".join(f"[{label}] {p}" for label, p in unexpected.items())
    for label in sorted(set(known) - set(failures)):
        warnings.warn(f"{key} [{label}] passes now: take it out of `known`", stacklevel=1)
    if failures:
        pytest.xfail("; ".join(f"[{label}] {known[label]}" for label in failures))


@pytest.mark.parametrize("swap", SWAPS, ids=[s[0] for s in SWAPS])
async def test_ids_and_values_a_client_may_not_choose(world, swap):
    w, http = world
    label, who, method, url, body, wanted, key = swap
    check = Check(label, who, url, body, None, wanted, key=key)
    assert await run(http, w, method, check) is None


async def test_the_owners_themselves_were_let_through(world):
    """The matrix's own probes ran as the owners above; here the plain reads, to be sure the
    objects the matrix hides from others exist and are seen by those they belong to."""
    w, http = world
    for who, url in (
        ("family_a", "/elders/{elder}"),
        ("caregiver_1", "/bookings/{booking_accepted}"),
        ("provider_admin_3", "/providers/{provider_pending}"),
        ("officer_a", "/providers/{provider_pending}"),
        ("staff_a", "/subsidies/applications/{application}"),
    ):
        check = Check(who, who, url, None, None, (200,), negative=False)
        assert await run(http, w, "GET", check) is None
