"""Every page of the site, role by role, found the way a person finds it: by following links.

Each role has a list of the pages (templates) it can reach. A page is named by the shape of
its address (a regular expression over ``path?query``), or by a fixed path, or by a path
built from ids captured on the way (``/elders/{elder}/departure`` from the elder page the
walk reached). The walk starts at the home page, follows same-site links through the
browser context's own cookies (no page rendering, so it is quick), and stops when every
page of the list has a real address from the demo city.

Pages built by other issues (the bureau's dashboard, the staff's day) are ``optional``:
while they answer 404 they are left out and a warning names them; once they answer 200
they are walked like any other.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
NOT_PAGES = re.compile(r"^/(static|api|schema)/|\.csv(\?|$)|/documents/\d+|/batches/")
MAX_FETCHES = 220  # a walk that needs more has lost its way
MAX_PER_PAGE = 12  # addresses of one page tried while looking for the pages behind it


@dataclass(frozen=True)
class Where:
    """One page of a role's list.

    link:       a regex an address found in a link must match (``re.fullmatch`` over
                ``path?query``); named groups are ids other pages may use.
    path:       a fixed address, or a template filled from ids captured by ``link``s.
    optional:   built by another issue: left out (with a warning) while it answers 404.
    empty_form: a CSS selector of a form to post with every field left empty; the page
                checked is the answer, the form shown again with its problems.
    only_to_pass: a page walked through to reach others, checked under another entry.
    accept:     a further test a ``link`` address must pass (an address that may stop
                answering 200 while the checks run, such as a booking time too near).
    """

    label: str
    link: str | None = None
    path: str | None = None
    optional: bool = False
    empty_form: str | None = None
    only_to_pass: bool = False
    accept: Callable[[str], bool] | None = None

    def matches(self, pattern: re.Pattern[str], address: str) -> re.Match[str] | None:
        match = pattern.fullmatch(address)
        return match if match and (self.accept is None or self.accept(address)) else None


@dataclass
class Found:
    label: str
    url: str
    empty_form: str | None = None


@dataclass
class Walk:
    """What a walk found: the pages to check, and what it could not find or left out."""

    pages: list[Found] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def _address(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _links(base: str, page_url: str, text: str) -> list[str]:
    host = urlsplit(base).netloc
    found = []
    for href in HREF.findall(text):
        target = urlsplit(urljoin(page_url, html.unescape(href)))
        if target.netloc != host:
            continue
        address = _address(target.geturl())
        if not NOT_PAGES.search(address):
            found.append(address)
    return found


def walk(context: Any, base: str, pages: list[Where], start: str = "/") -> Walk:
    """Follow links from ``start`` (with the context's cookies) until every page of the list
    has an address; then resolve the fixed and built paths."""
    by_link = [(where, re.compile(where.link)) for where in pages if where.link]
    first: dict[str, str] = {}  # page label -> its first address that answered 200
    ids: dict[str, str] = {}
    tried: dict[str, int] = {}
    status: dict[str, int] = {}
    seen = {start}
    queue: list[tuple[str, str]] = [(start, "")]
    queue += [(w.path, "") for w in pages if w.path and "{" not in w.path]
    while queue and len(status) < MAX_FETCHES and len(first) < len(by_link):
        # Pages not yet found first; then the others, to look behind them.
        index = next((i for i, (_, label) in enumerate(queue) if label not in first), 0)
        address, _ = queue.pop(index)
        answer = context.request.get(base + address, max_redirects=0)
        status[address] = answer.status
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        for where, pattern in by_link:
            match = where.matches(pattern, address)
            if match and where.label not in first:
                first[where.label] = address
                ids.update({k: v for k, v in match.groupdict().items() if v is not None})
                break
        for link in _links(base, base + address, answer.text()):
            if link in seen:
                continue
            for where, pattern in by_link:
                # Look behind a few addresses of each page, not behind all of them.
                if where.matches(pattern, link) and tried.get(where.label, 0) < MAX_PER_PAGE:
                    tried[where.label] = tried.get(where.label, 0) + 1
                    seen.add(link)
                    queue.append((link, where.label))
                    break

    result = Walk()
    for where in pages:
        if where.only_to_pass:
            continue
        if where.link:
            url = first.get(where.label)
        else:
            try:
                url = (where.path or "").format(**ids)
            except KeyError:
                url = None
        if url is None:
            (result.left_out if where.optional else result.missing).append(where.label)
            continue
        if not where.link:
            # A fixed path may send the reader on (the region's own menu): check where to.
            answer = context.request.get(base + url)
            final = _address(answer.url)
            if final.split("?")[0] == "/login" and url.split("?")[0] != "/login":
                status[url] = 401  # sent to sign in: not this person's page
            else:
                url, status[final] = final, answer.status
        elif url not in status:
            status[url] = context.request.get(base + url, max_redirects=0).status
        if status[url] == 404 and where.optional:
            result.left_out.append(f"{where.label} ({url} answers 404)")
            continue
        if status[url] != 200:
            result.missing.append(f"{where.label} ({url} answers {status[url]})")
            continue
        result.pages.append(Found(where.label, url, where.empty_form))
    return result
