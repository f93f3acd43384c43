"""Signing in and out in a real browser, with the mouse and with the keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import FAMILY_PHONE, PASSWORD, family_elder_names, field, zh


def test_a_family_member_signs_in_sees_the_elders_they_look_after_and_signs_out(
    page: Page,
) -> None:
    names = family_elder_names(FAMILY_PHONE)
    assert names, "the demo family member should look after at least one elder"

    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Sign in"))
    field(page, "Mobile phone number").fill(FAMILY_PHONE)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name=zh("Sign in"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My account"))
    expect(page.get_by_text(zh("Signed in as {name}", name="刘芳"))).to_be_visible()
    elders = page.get_by_role("region", name=zh("The elders you look after"))
    for name in names:
        expect(elders.get_by_text(name, exact=True)).to_be_visible()

    page.get_by_role("button", name=zh("Sign out")).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name=zh("Sign in"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=zh("Sign out"))).to_have_count(0)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login"))


def _focus_has_a_visible_ring(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
                return ring || (style.boxShadow && style.boxShadow !== 'none');
            }"""
        )
    )


def test_on_the_sign_in_page_tab_reaches_phone_password_and_the_button_in_order_with_a_visible_focus_ring(  # noqa: E501
    page: Page,
) -> None:
    page.goto("/login")
    phone = field(page, "Mobile phone number")
    password = field(page, "Password")
    button = page.get_by_role("button", name=zh("Sign in"), exact=True)
    wanted = {"phone": phone, "password": password, "sign-in button": button}

    reached: list[str] = []
    for _ in range(40):  # every link and button of the header comes first
        page.keyboard.press("Tab")
        for what, locator in wanted.items():
            if what not in reached and locator.evaluate("el => el === document.activeElement"):
                reached.append(what)
                assert _focus_has_a_visible_ring(page), f"the {what} has no visible focus ring"
        if len(reached) == len(wanted):
            break

    assert reached == ["phone", "password", "sign-in button"]
