"""The three-step booking page, from the family's side, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in, zh

PRICE = re.compile(r"¥\d+\.\d{2}")


def test_a_family_member_books_a_service_in_three_steps_and_sees_the_booking_with_its_status(
    page: Page,
) -> None:
    sign_in(page)
    page.goto("/book")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Book a service"))
    expect(page.get_by_text(zh("Who is the service for?"))).to_be_visible()

    elder_link = page.get_by_role("main").locator("ul.big-actions a").first
    elder = elder_link.evaluate("el => el.firstChild.textContent.trim()")
    elder_link.click()
    expect(page.get_by_text(zh("Step {step} of 3", step=1))).to_be_visible()
    expect(page.get_by_text(zh("Booking for {name}", name=elder))).to_be_visible()

    service_card = page.locator("a.card-link[id^=item-]").first
    service = service_card.locator(".card-title").inner_text().strip()
    service_card.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Choose a time"))
    expect(page.get_by_text(zh("Service: {service}", service=service))).to_be_visible()

    first_day = page.locator("section.day-times").first
    first_time = first_day.get_by_role("link").first
    clock = first_time.inner_text().strip()
    first_time.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Check and book"))
    sentence = page.locator("#booking-sentence")
    expect(sentence).to_be_visible()
    for words in (elder, service, clock):
        expect(sentence).to_contain_text(words)
    expect(sentence).to_contain_text(PRICE)
    provider_row = page.locator(".facts > div", has=page.get_by_text(zh("Provider"), exact=True))
    provider = provider_row.locator("dd").inner_text().strip()
    assert provider, "the confirmation should name the provider"

    page.get_by_role("button", name=zh("Book"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/bookings/\d+\?done=booked$"))
    expect(page.get_by_role("status")).to_have_text(
        zh(
            "Your booking has been sent to the provider. "
            "We will send you a message when they accept."
        )
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(service)
    status = page.locator(".booking-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text(
        re.compile(
            "|".join(
                re.escape(zh(words))
                for words in ("Waiting for a provider", "Waiting for the provider to answer")
            )
        )
    )
    expect(page.get_by_role("main")).to_contain_text(zh("Status"))
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(elder)
    expect(facts).to_contain_text(provider)
    expect(facts).to_contain_text(PRICE)
