"""The pages of each kind of person, as walk() finds them in the demo city.

Addresses are matched whole (``re.fullmatch`` over ``path?query``). Named groups are ids a
later path is built from. Every page a role can reach is here once: a template shown for
one record stands for all the records it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.e2e import helpers
from tests.e2e.walker import Where

ID = r"\d+"
CODE = r"[\w-]+"
#: A family member with bookings and regular visits (刘芳), and one with allowance
#: applications and an allowance being paid (张丽).
FAMILY_WITH_ALLOWANCE_PHONE = "13700000003"
RESIDENT_PHONE = "13700000006"  # 何正清, an elder who signs in for himself


# Step 3 is opened again and again while the checks run (minutes): a time it offers must
# still be bookable then, not fall inside the 30 minutes' notice on the way (it did at 08:30).
AHEAD = timedelta(hours=2)


def far_enough_ahead(address: str) -> bool:
    """The address's ``start`` is at least ``AHEAD`` from now."""
    try:
        [start] = parse_qs(urlsplit(address).query)["start"]
        return datetime.fromisoformat(start) >= datetime.now(UTC) + AHEAD
    except (KeyError, ValueError, TypeError):  # no start, two, or one without its offset
        return False


@dataclass(frozen=True)
class Person:
    role: str
    phone: str | None
    pages: list[Where]


PUBLIC = [
    Where("home", path="/"),
    Where("sign in", path="/login"),
    Where("sign in, sent empty", path="/login", empty_form="form[action='/login']"),
    Where("register", link="/register"),
    Where("register, sent empty", path="/register", empty_form="form[action='/register']"),
    Where("service menu", link="/menu"),
    Where("eldercare institutions", link="/institutions"),
]

# The three booking steps, as a family member walks them (a resident and community staff
# have the first steps of their own below; the later steps are the same pages).
BOOKING = [
    Where("book: whose service", link="/book"),
    Where("book step 1: the service", link=rf"/book\?elder_id={ID}"),
    Where(
        "book step 2, any service",
        link=rf"/book\?elder_id={ID}&service_code={CODE}(&week=\d+)?",
        only_to_pass=True,
    ),
    Where(
        "book step 3: check and book",
        link=rf"/book\?elder_id=(?P<book_elder>{ID})&service_code=(?P<book_service>{CODE})"
        r"(&week=\d+)?&start=[^&]+",
        accept=far_enough_ahead,
    ),
    # Step 2 of the same service, so it shows the times the walk went through.
    Where(
        "book step 2: the time",
        path="/book?elder_id={book_elder}&service_code={book_service}",
    ),
]

# The home page differs by role; "my account" and "my messages" are the same template for
# everybody, so they are checked for a few roles only (the menu bar is on every page).
HOME = Where("home, signed in", path="/")
ACCOUNT = Where("my account", link="/account")
INBOX = Where("my messages", link="/inbox")

FAMILY = [
    HOME,
    ACCOUNT,
    INBOX,
    *BOOKING,
    Where("my bookings", link="/bookings"),
    Where("a booking", link=rf"/bookings/{ID}"),
    Where("regular visits", link="/series"),
    Where("regular visits: one series", link=rf"/series/{ID}"),
    Where("regular visits: new", link="/series/new"),
    Where(
        "regular visits: new, sent empty",
        path="/series/new",
        empty_form="form[method='post'][action='/series/new']",
    ),
    Where("an elder", link=rf"/elders/(?P<elder>{ID})"),
    Where("an elder: change the record", link=rf"/elders/{ID}/edit"),
    Where("add an elder", link="/elders/new"),
    Where("add an elder, sent empty", path="/elders/new", empty_form="form[action='/elders/new']"),
    Where("service menu, signed in", link="/menu"),
    # Linked from the home page before signing in; it asks to sign in first.
    Where("register a care provider", path="/providers/register"),
    Where(
        "register a care provider, sent empty",
        path="/providers/register",
        empty_form="form[action='/providers/register']",
    ),
]

FAMILY_WITH_ALLOWANCE = [
    Where("my messages, about the allowance", link="/inbox"),
    Where("my allowance", link="/subsidies"),
    Where("apply: whom and what", link="/subsidies/apply"),
    Where("apply: check and send", link=rf"/subsidies/apply\?elder_id={ID}&program={CODE}"),
    Where("an application", link=rf"/subsidies/applications/{ID}"),
    Where("an allowance being paid", link=rf"/subsidies/entitlements/{ID}"),
    Where("yearly checks", link=r"/subsidies/reviews(\?status=\w+)?"),
]

RESIDENT = [
    HOME,
    ACCOUNT,
    Where("book: whose service", link="/book"),
    Where("book step 1: the service", link=rf"/book\?elder_id={ID}"),
    Where("my bookings", link="/bookings"),
    Where("my record", link=rf"/elders/{ID}"),
    Where("my allowance", link="/subsidies"),
    Where("apply: whom and what", link="/subsidies/apply"),
    Where("regular visits", link="/series"),
    Where("regular visits: new", link="/series/new"),
]

COMMUNITY_STAFF = [
    HOME,
    INBOX,
    Where("book: find the elder", link="/book"),
    Where("book step 1, on an elder's behalf", link=rf"/book\?elder_id={ID}"),
    Where("today", link="/staff/today", optional=True),
    Where("elder registry", link="/staff/elders"),
    Where("an elder", link=rf"/elders/(?P<elder>{ID})"),
    Where("an elder: change the record", link=rf"/elders/{ID}/edit"),
    Where("an elder: moved away or died", path="/elders/{elder}/departure"),
    Where("add an elder", link="/elders/new"),
    Where("bookings of the area", link="/bookings"),
    Where("a booking", link=rf"/bookings/{ID}"),
    Where("regular visits", link="/series"),
    Where("regular visits: one series", link=rf"/series/{ID}"),
    Where("allowances of the area", link="/subsidies"),
    Where("applications to check", link="/staff/subsidies"),
    Where("an application to check", link=rf"/subsidies/applications/{ID}"),
    Where("apply on an elder's behalf", link=rf"/subsidies/apply\?elder_id={ID}&program={CODE}"),
    Where("yearly checks", link="/subsidies/reviews"),
    Where("elders to call (outreach)", link="/staff/subsidies/outreach"),
    Where("allowances in the area", link="/staff/subsidies/entitlements", optional=True),
    Where("an allowance being paid", link=rf"/subsidies/entitlements/{ID}", optional=True),
]

BUREAU_OFFICER = [
    HOME,
    ACCOUNT,
    Where("dashboard", link="/bureau/dashboard", optional=True),
    Where("care providers", link="/bureau/providers"),
    Where("service menu items", link="/bureau/catalog"),
    Where("a menu item", link=rf"/bureau/catalog/items/(?!new$){CODE}"),
    Where("add a menu item", link="/bureau/catalog/items/new"),
    Where(
        "add a menu item, sent empty",
        path="/bureau/catalog/items/new",
        empty_form="form[action='/bureau/catalog/items/new']",
    ),
    Where("publish the region's menu", path="/bureau/catalog/menus"),
    Where("eldercare institutions", link="/bureau/institutions"),
    Where("an institution", link=rf"/bureau/institutions/{ID}/edit"),
    Where("add an institution", link="/bureau/institutions/new"),
    Where(
        "add an institution, sent empty",
        path="/bureau/institutions/new",
        empty_form="form[action='/bureau/institutions/new']",
    ),
    Where("complaints", link="/bureau/complaints"),
    Where("elder registry", link="/staff/elders"),
    Where("an elder", link=rf"/elders/(?P<elder>{ID})"),
    Where("an elder: moved away or died", path="/elders/{elder}/departure"),
    Where("allowances", link="/subsidies"),
    Where("applications to approve", link="/staff/subsidies"),
    Where("an application to approve", link=rf"/subsidies/applications/{ID}"),
    Where("yearly checks", link="/subsidies/reviews"),
    Where("elders to call (outreach)", link="/staff/subsidies/outreach"),
    Where("allowances in the area", link="/staff/subsidies/entitlements", optional=True),
    Where("an allowance being paid", link=rf"/subsidies/entitlements/{ID}", optional=True),
    Where("allowance programs", path="/bureau/subsidies/programs"),
    Where(
        "allowance programs, sent empty",
        path="/bureau/subsidies/programs",
        empty_form="form[method='post'][action='/bureau/subsidies/programs']",
    ),
    Where("monthly payments", path="/bureau/subsidies/payments"),
]

PROVIDER_ADMIN = [
    HOME,
    INBOX,
    Where("my organisation", link="/provider"),
    Where("a caregiver", link=rf"/provider/caregivers/{ID}"),
    Where(
        "add a caregiver, sent empty",
        path="/provider",
        empty_form="form[action='/provider/caregivers']",
    ),
    Where("job board", link="/jobs"),
    Where(
        "job board: accepted with nobody chosen to go",
        path="/jobs",
        empty_form="form[action$='/accept']",
    ),
    Where("a job", link=rf"/bookings/{ID}"),
]

CAREGIVER = [
    HOME,
    Where("my visits", link="/visits"),
    Where("a visit", link=rf"/bookings/{ID}"),  # given by audit.give_the_caregiver_a_visit
]

PEOPLE = {
    "public": Person("public", None, PUBLIC),
    "family": Person("family", helpers.FAMILY_PHONE, FAMILY),
    "family with an allowance": Person(
        "family", FAMILY_WITH_ALLOWANCE_PHONE, FAMILY_WITH_ALLOWANCE
    ),
    "resident": Person("resident", RESIDENT_PHONE, RESIDENT),
    "community staff": Person("community_staff", helpers.STAFF_PHONE, COMMUNITY_STAFF),
    "bureau officer": Person("bureau_officer", helpers.OFFICER_PHONE, BUREAU_OFFICER),
    "provider admin": Person("provider_admin", helpers.PROVIDER_ADMIN_PHONE, PROVIDER_ADMIN),
    "caregiver": Person("caregiver", helpers.CAREGIVER_PHONE, CAREGIVER),
}

# The pages of the 85-year-old's journey (and the family's), also checked at 200% zoom.
KEY_PAGES = {
    "public": ["home", "sign in", "register", "service menu"],
    "family": [
        "home, signed in",
        "book step 1: the service",
        "book step 2: the time",
        "book step 3: check and book",
        "my bookings",
        "a booking",
        "my account",
        "add an elder, sent empty",
    ],
    "family with an allowance": [
        "my allowance",
        "apply: whom and what",
        "apply: check and send",
        "an application",
    ],
}
