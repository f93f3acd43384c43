"""What the browser tests share: the words a person sees, the demo people, and the moves
everybody makes (sign in, switch to 长辈版). checks.py has the accessibility measurements.

The tests name things by their English message ids and look them up in the app's own
Chinese catalogs, so they read what a person reads without repeating the translations.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import Locator, Page, expect

from eldercare import demo_data
from eldercare.web.i18n import translate

PASSWORD = demo_data.DEMO_PASSWORD
FAMILY_PHONE = "13700000001"  # 刘芳, who looks after two demo elders
STAFF_PHONE = "13900000003"  # 李梅, community staff of 船山区
OFFICER_PHONE = "13900000002"  # 王建国, bureau officer
PROVIDER_ADMIN_PHONE = "13600000001"  # 周建英, eldercare/providers/demo.py
CAREGIVER_PHONE = "13600000011"


def zh(message: str, **params: Any) -> str:
    """The words a Chinese reader sees for this English message id."""
    return translate("zh_CN", message, **params)


def field(page: Page, message: str) -> Locator:
    """The form field whose label starts with these words (a label also holds its hint)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(zh(message))}(\s|$)"))


def family_elder_names(phone: str = FAMILY_PHONE) -> list[str]:
    """The demo elders a demo family member looks after (names do not depend on the day)."""
    return [e["name"] for e in demo_data.demo_elders(date.today()) if e["family_phone"] == phone]


def sign_in(page: Page, phone: str = FAMILY_PHONE, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person does, and wait for the page that follows."""
    page.goto("/login")
    field(page, "Mobile phone number").fill(phone)
    field(page, "Password").fill(password)
    page.get_by_role("button", name=zh("Sign in"), exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))


def in_elder_mode(page: Page) -> bool:
    return bool(page.evaluate("document.body.classList.contains('elder-mode')"))


def switch_to_elder_mode(page: Page) -> None:
    """Press the 长辈版 switch on the page that is open and wait for it to come back bigger."""
    page.get_by_role("button", name=zh("Switch to elder mode")).click()
    expect(page.locator("body")).to_have_class(re.compile(r"\belder-mode\b"))


def set_elder_mode(page: Page, wanted: bool) -> None:
    """Put the open page in 长辈版 or out of it, whatever it is now.

    The choice is remembered for a signed-in user, so a demo family member may come back
    from another test already in 长辈版.
    """
    if in_elder_mode(page) == wanted:
        return
    if wanted:
        switch_to_elder_mode(page)
    else:
        page.get_by_role("button", name=zh("Leave elder mode")).click()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\belder-mode\b"))


def body_font_px(page: Page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def small_buttons(page: Page, minimum: float) -> list[str]:
    """Visible buttons (and links drawn as buttons) smaller than minimum × minimum px."""
    return list(
        page.evaluate(
            """(minimum) => [...document.querySelectorAll(
                   'button, input[type=submit], input[type=button], a.button, a.big-button')]
               .filter((el) => el.getClientRects().length > 0
                               && getComputedStyle(el).visibility !== 'hidden')
               .map((el) => [el, el.getBoundingClientRect()])
               .filter(([, box]) => box.width < minimum || box.height < minimum)
               .map(([el, box]) => `"${el.innerText.trim()}" ${Math.round(box.width)}x`
                                   + `${Math.round(box.height)}`)""",
            minimum,
        )
    )
