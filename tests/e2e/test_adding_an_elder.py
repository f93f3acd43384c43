"""A newcomer registers and adds an elder, mistyping the ID number first."""

from __future__ import annotations

import random
import re
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.helpers import field, zh

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _resident_id(district: str, birth: date, sequence: str) -> str:
    first17 = f"{district}{birth:%Y%m%d}{sequence}"
    return first17 + _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _mistyped(number: str) -> str:
    """The same number with the last character wrong: the kind of slip the check catches."""
    return number[:17] + ("1" if number[17] != "1" else "2")


def test_a_new_visitor_registers_and_adds_an_elder_correcting_a_mistyped_id_number(
    page: Page,
) -> None:
    phone = f"158{random.randrange(10**8):08d}"
    elder_name = "赵桂兰"
    # The 17th character is even for a woman.
    sequence = f"{random.randrange(10, 100)}{random.choice('02468')}"
    id_number = _resident_id("510903", date(1948, 5, 17), sequence)

    page.goto("/register")
    field(page, "Mobile phone number").fill(phone)
    field(page, "Your full name").fill("孙晓梅")
    field(page, "Choose a password").fill("Chuanshan-2026-tea")
    field(page, "I am registering for a family member").check()
    page.get_by_role("button", name=zh("Create my account")).click()

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text(zh("Signed in as {name}", name="孙晓梅"))).to_be_visible()
    expect(page.get_by_text(zh("You have not added anyone yet."))).to_be_visible()
    page.get_by_role("link", name=zh("Add an elder")).click()

    expect(page).to_have_url(re.compile(r"/elders/new$"))
    name_box = field(page, "Full name")
    id_box = field(page, "ID card number")
    name_box.fill(elder_name)
    id_box.fill(_mistyped(id_number))
    field(page, "District, street or town").select_option("510903")
    field(page, "Home address").fill("南津路 18 号 2 栋 1 单元 301")
    field(page, "Your relationship to the elder").select_option("child")
    page.get_by_role("button", name=zh("Register this elder")).click()

    # The problem is shown beside the ID field, which says it is wrong; nothing typed is lost.
    id_field = page.locator(".field", has=page.locator("#id_number"))
    error = id_field.locator("#error-id_number")
    expect(error).to_be_visible()
    expect(error).to_have_text(
        zh("This ID card number does not add up. Please compare each digit with your card.")
    )
    expect(id_box).to_have_attribute("aria-invalid", "true")
    expect(id_box).to_have_attribute("aria-describedby", "error-id_number")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary").get_by_role("link")).to_have_attribute(
        "href", "#id_number"
    )
    expect(name_box).to_have_value(elder_name)
    expect(page.locator(".field-error")).to_have_count(1)

    id_box.fill(id_number)
    page.get_by_role("button", name=zh("Register this elder")).click()

    expect(page).to_have_url(re.compile(r"/elders/\d+\?created=1$"))
    expect(page.get_by_role("status")).to_have_text(zh("The elder has been registered."))
    expect(page.get_by_role("heading", level=1)).to_have_text(elder_name)
    masked = id_number[:6] + "*" * 8 + id_number[-4:]
    expect(page.get_by_text(masked, exact=True)).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(zh("Female"))
    assert id_number not in page.locator("body").inner_text()
