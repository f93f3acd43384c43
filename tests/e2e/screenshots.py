"""``make screenshots``: pictures of the main pages, so a person can look at them.

Not collected by ``make test`` (the name does not start with ``test_``); run on its own:

    .venv/bin/python -m pytest tests/e2e/screenshots.py

It serves the demo city like the browser tests, walks to the pages the way they do
(walker.py) and writes full-page PNGs in Chinese, in the ordinary look and in 长辈版, as
on a computer (1280 px wide) and on a phone (390 px wide), into ``screenshots/`` at the top
of the repository (gitignored; ``ELDERCARE_SCREENSHOTS_DIR`` puts them elsewhere).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize

from tests.e2e import checks
from tests.e2e.audit import MODES, set_look
from tests.e2e.helpers import sign_in
from tests.e2e.site_map import PEOPLE
from tests.e2e.walker import walk

ROOT = Path(__file__).resolve().parents[2]
WIDTHS: dict[str, ViewportSize] = {
    "computer": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
MAIN_PAGES = {
    "public": ["home", "sign in", "register", "service menu", "eldercare institutions"],
    "family": [
        "home, signed in",
        "book step 1: the service",
        "book step 2: the time",
        "book step 3: check and book",
        "my bookings",
        "a booking",
        "regular visits: one series",
        "my account",
        "add an elder, sent empty",
    ],
    "family with an allowance": [
        "my allowance",
        "apply: whom and what",
        "apply: check and send",
        "an application",
        "an allowance being paid",
    ],
    "community staff": [
        "today",
        "elder registry",
        "an elder",
        "applications to check",
        "elders to call (outreach)",
    ],
    "bureau officer": [
        "dashboard",
        "care providers",
        "service menu items",
        "allowance programs",
        "monthly payments",
        "complaints",
    ],
    "provider admin": ["my organisation", "job board"],
    "caregiver": ["my visits"],
}


def _slug(*parts: str) -> str:
    return "--".join(re.sub(r"[^\w]+", "-", part).strip("-") for part in parts) + ".png"


def test_write_screenshots_of_the_main_pages_in_both_modes(browser: Any, server: str) -> None:
    folder = Path(os.environ.get("ELDERCARE_SCREENSHOTS_DIR") or ROOT / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    trouble: list[str] = []
    for who, labels in MAIN_PAGES.items():
        context = browser.new_context(base_url=server, locale="zh-CN")
        try:
            page = context.new_page()
            person = PEOPLE[who]
            if person.phone:
                sign_in(page, person.phone)
            pages = {found.label: found for found in walk(context, server, person.pages).pages}
            for mode in MODES:
                set_look(context, server, mode, "zh-CN")
                for width, viewport in WIDTHS.items():
                    page.set_viewport_size(viewport)
                    for label in labels:
                        found = pages.get(label)
                        if found is None:
                            continue  # not built yet (the walk test reports what is missing)
                        trouble += checks.open_page(page, found.url, found.empty_form)
                        look = "elder-mode" if MODES[mode] else "ordinary"
                        path = folder / _slug(who, label, look, width)
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
        finally:
            context.close()
    print(f"\n{len(written)} screenshots in {folder}")
    assert written, "no screenshot was written"
    assert not trouble, "\n".join(trouble)
