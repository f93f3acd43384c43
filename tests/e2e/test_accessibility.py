"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the pages people use most, in the ordinary
look and in 长辈版: no serious or critical violation anywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import axe_problems, set_elder_mode, sign_in, zh

PUBLIC_PAGES = [
    ("home", "/"),
    ("sign in", "/login"),
    ("register", "/register"),
    ("service menu", "/menu"),
    ("institutions", "/institutions"),
]
SIGNED_IN_PAGES = [
    ("my account", "/account"),
    ("add an elder", "/elders/new"),
    ("my bookings", "/bookings"),
]
MODES = ["ordinary", "elder mode"]


def _start(page: Page, mode: str, *, signed_in: bool) -> None:
    if signed_in:
        sign_in(page)
    else:
        page.goto("/")
    set_elder_mode(page, mode == "elder mode")


def _report(problems: list[str]) -> str:
    return "axe-core found serious or critical violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
def test_the_public_pages_have_no_serious_accessibility_violations(page: Page, mode: str) -> None:
    _start(page, mode, signed_in=False)
    problems: list[str] = []
    for label, path in PUBLIC_PAGES:
        page.goto(path)
        problems += axe_problems(page, f"{label}, {mode}")
    assert not problems, _report(problems)


@pytest.mark.parametrize("mode", MODES)
def test_the_signed_in_pages_and_the_booking_steps_have_no_serious_accessibility_violations(
    page: Page, mode: str
) -> None:
    _start(page, mode, signed_in=True)
    problems: list[str] = []
    for label, path in SIGNED_IN_PAGES:
        page.goto(path)
        problems += axe_problems(page, f"{label}, {mode}")

    # A form shown again with its problems: the error summary and the invalid fields.
    page.goto("/elders/new")
    page.get_by_role("button", name=zh("Register this elder")).click()
    expect(page.locator("#error-summary")).to_be_visible()
    problems += axe_problems(page, f"add an elder with errors, {mode}")

    page.goto("/book")
    problems += axe_problems(page, f"booking: choose the elder, {mode}")
    page.get_by_role("main").locator("ul.big-actions a").first.click()
    expect(page.get_by_text(zh("Step {step} of 3", step=1))).to_be_visible()
    problems += axe_problems(page, f"booking step 1, {mode}")
    page.locator("a.card-link[id^=item-]").first.click()
    expect(page.get_by_text(zh("Step {step} of 3", step=2))).to_be_visible()
    problems += axe_problems(page, f"booking step 2, {mode}")
    page.locator("section.day-times").first.get_by_role("link").first.click()
    expect(page.get_by_text(zh("Step {step} of 3", step=3))).to_be_visible()
    problems += axe_problems(page, f"booking step 3, {mode}")
    assert not problems, _report(problems)
