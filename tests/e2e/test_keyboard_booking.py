"""A whole booking made with the keyboard alone: Tab to move, Enter on links, Space on
buttons, typing in the boxes. No clicks. After every key the focused element must show a
ring (an outline of 2 px or more, or a box shadow), so a person always sees where they are.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.checks import describe_focus, focus_is_visible
from tests.e2e.helpers import FAMILY_PHONE, PASSWORD, field, zh

MAX_TABS = 250  # a page with a week of times has many links; more means focus is lost


class Keyboard:
    """Moves through the page as a keyboard user does, noting any focus they cannot see."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.unseen: list[str] = []

    def tab_to(self, target: Locator, what: str) -> None:
        target = target.first
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if not focus_is_visible(self.page):
                self.unseen.append(f"{self.page.url}: {describe_focus(self.page)}")
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{MAX_TABS} presses of Tab never reached {what} on {self.page.url}")

    def follow(self, target: Locator, what: str) -> None:
        """Tab to a link and press Enter."""
        self.tab_to(target, what)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def press_button(self, target: Locator, what: str) -> None:
        """Tab to a button and press Space."""
        self.tab_to(target, what)
        with self.page.expect_navigation():
            self.page.keyboard.press("Space")


def test_a_family_member_books_a_visit_in_elder_mode_with_the_keyboard_alone_seeing_the_focus_all_the_way(  # noqa: E501
    page: Page,
) -> None:
    keys = Keyboard(page)
    page.goto("/login")
    keys.tab_to(field(page, "Mobile phone number"), "the phone box")
    page.keyboard.type(FAMILY_PHONE)
    keys.tab_to(field(page, "Password"), "the password box")
    page.keyboard.type(PASSWORD)
    keys.tab_to(page.get_by_role("button", name=zh("Sign in"), exact=True), "the sign-in button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))

    elder_switch = page.get_by_role("button", name=zh("Switch to elder mode"))
    if elder_switch.count():  # 长辈版 is remembered per person: another test may have left it on
        keys.press_button(elder_switch, "the 长辈版 switch")
    expect(page.locator("body")).to_have_class(re.compile(r"\belder-mode\b"))

    navigation = page.get_by_role("navigation", name=zh("Main menu"))
    keys.follow(navigation.get_by_role("link", name=zh("Book a service")), "Book a service")
    keys.follow(page.get_by_role("main").locator("ul.big-actions a"), "the first elder")
    expect(page.get_by_text(zh("Step {step} of 3", step=1))).to_be_visible()
    keys.follow(page.locator("a.card-link[id^=item-]"), "the first service")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Choose a time"))
    keys.follow(page.locator("section.day-times a"), "the first free time")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Check and book"))
    expect(page.locator("#booking-sentence")).to_be_visible()
    keys.press_button(page.get_by_role("button", name=zh("Book"), exact=True), "Book")

    expect(page).to_have_url(re.compile(r"/bookings/\d+\?done=booked$"))
    expect(page.get_by_role("status")).to_contain_text(
        zh(
            "Your booking has been sent to the provider. We will send you a message when they accept."
        )
    )
    assert keys.unseen == [], "focus was invisible on: " + "\n".join(keys.unseen)

    keys.press_button(page.get_by_role("button", name=zh("Leave elder mode")), "leave 长辈版")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belder-mode\b"))
