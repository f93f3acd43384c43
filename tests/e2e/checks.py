"""What the accessibility suite measures on an open page, in the browser itself.

The numbers are the MIIT age-friendly rules (工信厅信管函〔2021〕67号) and WCAG 2.2 AA:

- axe-core, wcag2a / wcag2aa / wcag21aa / wcag22aa: no serious or critical violation (its
  ``color-contrast`` rule is the 4.5:1 text contrast check). Its ``target-size`` rule (24 px,
  or room around) is left to the stricter measurement below: a sixth of axe's time.
- Body text of 长辈版 at least 18 px, and no visible text in it smaller than 18 px.
- Touch targets: every visible link, button and form control at least 60×60 px in 长辈版
  and 44×44 px otherwise. Exempt, as WCAG 2.5.8's inline exception allows: a link inside a
  paragraph (``<p>``) that also holds other words, i.e. a link in running text, whose
  height is set by the line it sits in. A link alone in its paragraph is a target like
  any other.
- Line height at least 1.3 times the font size, for every element that holds text.
- No sideways scrolling: ``document.documentElement.scrollWidth`` within the viewport.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
AXE_LEFT_TO_MEASURE = {"target-size": {"enabled": False}}
BLOCKING_IMPACTS = ("serious", "critical")
ELDER_TARGET_PX = 60
TARGET_PX = 44
ELDER_TEXT_PX = 18
LINE_HEIGHT = 1.3


@cache
def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def load_axe_on_every_page(context: Any) -> None:
    """axe-core comes with each page the context opens: quicker than injecting it after each
    load (Chromium keeps the compiled script)."""
    context.add_init_script(script=_axe_source())


def axe_violations(page: Page, label: str) -> list[str]:
    """axe-core's serious and critical WCAG 2.x A/AA violations, one line per rule."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """([tags, rules]) => axe.run(document, {runOnly: {type: 'tag', values: tags}, rules,
                                                  resultTypes: ['violations']})
                       .then((r) => r.violations.map((v) => ({
                           id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                           count: v.nodes.length})))""",
        [AXE_TAGS, AXE_LEFT_TO_MEASURE],
    )
    return [
        f"{label}: axe {v['id']} [{v['impact']}] {v['help']}, {v['count']}× at {v['nodes']}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


_MEASURE = """
({target, minText, lineHeight}) => {
  const problems = [];
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden'
           && box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0;
  };
  const name = (el) => {
    const words = (el.innerText || el.value || el.getAttribute('aria-label') || el.name
                   || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
    const id = el.id ? '#' + el.id : '';
    const up = el.parentElement;
    const where = up ? ` in <${up.tagName.toLowerCase()}${up.className ? '.' + up.className.split(' ')[0] : ''}>` : '';
    return `<${el.tagName.toLowerCase()}${id}>${where} "${words}"`;
  };
  // A link in running text: inside a <p> that holds other words too (WCAG 2.5.8 inline).
  const inline = (el) => {
    if (el.tagName !== 'A') return false;
    const p = el.closest('p');
    return !!p && p.innerText.replace(el.innerText, '').trim().length > 0;
  };
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  for (const el of controls) {
    if (!shown(el) || inline(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width + 0.5 < target || box.height + 0.5 < target) {
      problems.push(`target ${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)}`
                    + ` px, under ${target}×${target}`);
    }
  }
  const bodySize = parseFloat(getComputedStyle(document.body).fontSize);
  if (minText && bodySize < minText) problems.push(`body text is ${bodySize} px`);
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !shown(el)) continue;
    seen.add(el);
    if (el.closest('.visually-hidden, script, style, option')) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const words = node.textContent.trim().slice(0, 20);
    if (minText && size + 0.01 < minText) {
      problems.push(`text "${words}" in <${el.tagName.toLowerCase()}> is ${size} px`);
    }
    const line = style.lineHeight === 'normal' ? 0 : parseFloat(style.lineHeight);
    if (line / size + 0.005 < lineHeight) {
      problems.push(`line height of "${words}" in <${el.tagName.toLowerCase()}> is `
                    + `${style.lineHeight} at ${size} px`);
    }
  }
  return problems;
}
"""


def measure(page: Page, label: str, *, elder: bool) -> list[str]:
    """Targets, text sizes and line heights on the open page, one line per problem."""
    problems = page.evaluate(
        _MEASURE,
        {
            "target": ELDER_TARGET_PX if elder else TARGET_PX,
            "minText": ELDER_TEXT_PX if elder else 0,
            "lineHeight": LINE_HEIGHT,
        },
    )
    return [f"{label}: {problem}" for problem in problems]


def sideways_scroll(page: Page, label: str) -> list[str]:
    """The page scrolls sideways when the document is wider than the window."""
    viewport = (page.viewport_size or {"width": 0})["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= viewport:
        return []
    culprits = page.evaluate(
        """(viewport) => [...document.querySelectorAll('body *')]
               .filter((el) => el.getBoundingClientRect().right > viewport + 0.5
                               && ![...el.children].some(
                                   (c) => c.getBoundingClientRect().right > viewport + 0.5))
               .slice(0, 3)
               .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`
                            + ` "${(el.innerText || '').trim().slice(0, 20)}"`)""",
        viewport,
    )
    return [f"{label}: {width} px wide in a {viewport} px window, e.g. {culprits}"]


def focus_is_visible(page: Page) -> bool:
    """The focused element shows a ring: an outline of 2 px or more, or a box shadow."""
    return bool(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return false;
                const style = getComputedStyle(el);
                const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
                return ring || (style.boxShadow !== '' && style.boxShadow !== 'none');
            }"""
        )
    )


def describe_focus(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {const el = document.activeElement;
                      return {tag: el.tagName.toLowerCase(), id: el.id,
                              text: (el.innerText || el.value || '').trim().slice(0, 40),
                              href: el.getAttribute('href') || ''};}"""
        )
    )


_EMPTY_THE_FORM = """(selector) => {
    const form = document.querySelector(selector);
    form.noValidate = true;
    for (const el of form.querySelectorAll('input, textarea')) {
        if (!['hidden', 'checkbox', 'radio', 'submit', 'button'].includes(el.type)) el.value = '';
    }
    form.requestSubmit();
}"""
ERRORS_SHOWN = ".field-error, .form-error, #error-summary"


def open_page(page: Page, url: str, empty_form: str | None = None) -> list[str]:
    """Go to the page; with ``empty_form``, post that form with nothing filled in and stay on
    the answer. Returns what went wrong on the way (a page that is not there, or a form that
    takes nothing without a word)."""
    answer = page.goto(url)
    if answer is None or answer.status != 200:
        return [f"{url} answered {answer.status if answer else 'nothing'}"]
    if empty_form is None:
        return []
    if page.locator(empty_form).count() == 0:
        return [f"{url} has no form {empty_form}"]
    with page.expect_navigation():
        page.evaluate(_EMPTY_THE_FORM, empty_form)
    if page.locator(ERRORS_SHOWN).count() == 0:
        return [f"{url}: the form {empty_form} sent empty shows no problem"]
    return []
