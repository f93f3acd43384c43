"""长辈版, the language switch and the text size, as the reader sees them: measured in
the browser (computed styles and boxes), not read from the style sheet. Every page at
320 px, in both modes, is in test_every_page.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import body_font_px, small_buttons, switch_to_elder_mode, zh


@pytest.mark.parametrize("path", ["/", "/login"])
def test_elder_mode_makes_text_at_least_22px_and_buttons_60px_then_english_and_the_largest_size_work(  # noqa: E501
    page: Page, path: str
) -> None:
    page.goto(path)
    assert body_font_px(page) < 22, "the ordinary page should be smaller than 长辈版"

    switch_to_elder_mode(page)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    assert body_font_px(page) >= 22
    assert small_buttons(page, 60) == []
    expect(page.get_by_role("button", name=zh("Leave elder mode"))).to_be_visible()

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Leave elder mode")).to_be_visible()
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="中文", exact=True)).to_be_visible()
    assert body_font_px(page) >= 22, "elder mode should survive the language switch"

    largest = page.get_by_role("button", name="Largest", exact=True)
    largest.click()
    expect(page.get_by_role("button", name="Largest", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert body_font_px(page) >= 30
    assert small_buttons(page, 60) == []

    page.get_by_role("button", name="Leave elder mode").click()
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belder-mode\b"))
    assert body_font_px(page) >= 30, "the largest text size also holds outside 长辈版"
