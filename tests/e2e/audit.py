"""Running the accessibility checks over every page of every kind of person, quickly.

First each kind of person signs in, walks to their pages (walker.py) and asks for each of
them in the four looks, ordinary and 长辈版, Chinese and English, without rendering (quick;
run on both engines). Then every page is measured in Chromium (checks.py) in the four looks:
the people are shared among a few worker threads, each with its own Playwright and Chromium
(Playwright's sync API is one instance per thread): the server answers one while the browser
runs axe-core for another. On two busy cores, two workers took 40% less time than one.
``ELDERCARE_E2E_WORKERS`` sets how many (default: the number of cores, 2 to 4).
"""

from __future__ import annotations

import os
import queue
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, ViewportSize

from tests.e2e import checks
from tests.e2e.conftest import ACTION_TIMEOUT_MS
from tests.e2e.helpers import CAREGIVER_PHONE, PROVIDER_ADMIN_PHONE, sign_in, zh
from tests.e2e.site_map import KEY_PAGES, Person
from tests.e2e.walker import Found, Walk, walk

WIDE: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 320, "height": 720}
ZOOMED: ViewportSize = {"width": 640, "height": 450}  # 1280×900 at 200% zoom
MODES = {"ordinary": False, "长辈版": True}
LANGUAGES = {"zh-CN": "zh_CN", "English": "en"}
LOOKS = [(mode, language) for mode in MODES for language in LANGUAGES]


@dataclass
class Walked:
    """Each person's walk, and the pages that did not answer with a page in some look."""

    walks: dict[str, Walk] = field(default_factory=dict)
    unanswered: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)


@dataclass
class Audit:
    """What the checks found, by person and look."""

    problems: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    zoomed: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    largest: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)


def workers() -> int:
    wanted = os.environ.get("ELDERCARE_E2E_WORKERS")
    return max(1, int(wanted)) if wanted else min(4, max(2, os.cpu_count() or 2))


def set_look(
    context: Any, base_url: str, mode: str, language: str, text_size: str = "normal"
) -> None:
    """The choices a person makes with the switches on every page (the switches themselves
    are tested in test_elder_mode.py), set as their cookies so nothing is reloaded twice."""
    context.add_cookies(
        [
            {"name": "ec_elder", "value": "1" if MODES[mode] else "0", "url": base_url},
            {"name": "ec_lang", "value": LANGUAGES[language], "url": base_url},
            {"name": "ec_size", "value": text_size, "url": base_url},
        ]
    )


def check_page(page: Page, found: Found, label: str, *, elder: bool) -> list[str]:
    """Everything measured on one page in one look, wide and then 320 px wide."""
    page.set_viewport_size(WIDE)
    trouble = checks.open_page(page, found.url, found.empty_form)
    if trouble:
        return [f"{label}: {words}" for words in trouble]
    problems = checks.axe_violations(page, label)
    problems += checks.measure(page, label, elder=elder)
    page.set_viewport_size(NARROW)
    problems += checks.sideways_scroll(page, f"{label} at 320 px")
    problems += checks.measure(page, f"{label} at 320 px", elder=elder)
    return problems


def _sideways(page: Page, pages: list[Found], label: str) -> list[str]:
    found: list[str] = []
    for one in pages:
        where = f"{label.format(page=one.label)} ({one.url})"
        trouble = checks.open_page(page, one.url, one.empty_form)
        found += [f"{where}: {t}" for t in trouble] or checks.sideways_scroll(page, where)
    return found


def _zoomed(
    browser: Any, base_url: str, who: str, signed_in: Any, pages: list[Found], audit: Audit
) -> None:
    """The key pages at 200% zoom (a 640 px window at device scale factor 2), and in
    长辈版 with the largest text (32 px) on a 320 px phone."""
    context = browser.new_context(
        base_url=base_url,
        viewport=ZOOMED,
        device_scale_factor=2,
        storage_state=signed_in.storage_state(),
    )
    try:
        page = context.new_page()
        for mode, language in LOOKS:
            set_look(context, base_url, mode, language)
            label = f"{who} · {{page}} · {mode} · {language} at 200%"
            audit.zoomed[(who, mode, language)] = _sideways(page, pages, label)
        page.set_viewport_size(NARROW)
        for language in LANGUAGES:
            set_look(context, base_url, "长辈版", language, text_size="largest")
            label = f"{who} · {{page}} · 长辈版, largest text · {language} at 320 px"
            audit.largest[(who, language)] = _sideways(page, pages, label)
    finally:
        context.close()


@contextmanager
def _signed_in(browser: Any, base_url: str, person: Person) -> Iterator[tuple[Any, Page]]:
    """A browser context of this person, signed in, with a page open; closed afterwards."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=WIDE)
    try:
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        if person.phone:
            sign_in(page, person.phone)
        yield context, page
    finally:
        context.close()


def walk_everyone(browser: Any, base_url: str, people: dict[str, Person]) -> Walked:
    """Each person's walk, then each page they reached asked for in every look (the
    server renders it; the browser does not)."""
    walked = Walked()
    for who, person in people.items():
        try:
            with _signed_in(browser, base_url, person) as (context, _):
                found = walked.walks[who] = walk(context, base_url, person.pages)
                for mode, language in LOOKS:
                    set_look(context, base_url, mode, language)
                    walked.unanswered[(who, mode, language)] = [
                        f"{who} · {one.label} · {mode} · {language}: {one.url} answered {status}"
                        for one in found.pages
                        if (status := context.request.get(base_url + one.url).status) != 200
                    ]
        except Exception:  # reported by the tests of this person
            walked.crashed[who] = traceback.format_exc()
    return walked


def audit_person(
    browser: Any, base_url: str, who: str, person: Person, found: Walk, audit: Audit
) -> None:
    with _signed_in(browser, base_url, person) as (context, page):
        checks.load_axe_on_every_page(context)
        for mode, language in LOOKS:
            set_look(context, base_url, mode, language)
            problems: list[str] = []
            for one in found.pages:
                label = f"{who} · {one.label} · {mode} · {language} ({one.url})"
                problems += check_page(page, one, label, elder=MODES[mode])
            audit.problems[(who, mode, language)] = problems
        key = [one for one in found.pages if one.label in KEY_PAGES.get(who, ())]
        if key:
            _zoomed(browser, base_url, who, context, key, audit)


def give_the_caregiver_a_visit(browser: Any, base_url: str) -> None:
    """The demo city's bookings all wait for a provider; the provider admin accepts one for
    the demo caregiver (through the job board, as they would), so the caregiver's visit
    page, with its check-in form, is among the pages checked."""
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, CAREGIVER_PHONE)
        before, _, after = zh("Signed in as {name}", name="\0").partition("\0")
        name = page.locator(".signed-in-as").inner_text().strip()
        name = name.removeprefix(before).removesuffix(after).strip()
        page.get_by_role("button", name=zh("Sign out")).click()
        sign_in(page, PROVIDER_ADMIN_PHONE)
        for index in range(5):  # the caregiver may be busy at the first job's time
            page.goto("/jobs")
            job = page.locator("li.card:has(form[action$='/accept'])").nth(index)
            if job.count() == 0:
                break
            job.get_by_label(zh("Who will go?")).select_option(label=name)
            with page.expect_navigation():
                job.get_by_role("button", name=zh("Accept the job")).click()
            if "done=accept" in page.url:
                return
        raise AssertionError(f"{name} could not be given any job of the demo city")
    finally:
        context.close()


def run(
    chromium: str,
    chromium_args: list[str],
    base_url: str,
    people: dict[str, Person],
    walked: Walked,
) -> Audit:
    """Check every page each person reached, the longest lists first, in a few threads."""
    from playwright.sync_api import sync_playwright

    audit = Audit()
    todo: queue.Queue[str] = queue.Queue()
    for who in sorted(walked.walks, key=lambda w: -len(walked.walks[w].pages)):
        todo.put(who)

    def work() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=chromium_args)
            try:
                while True:
                    try:
                        who = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        audit_person(browser, base_url, who, people[who], walked.walks[who], audit)
                    except Exception:  # reported by the tests of this person
                        audit.crashed[who] = traceback.format_exc()
            finally:
                browser.close()

    threads = [threading.Thread(target=work, name=f"e2e-audit-{n}") for n in range(workers())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return audit
