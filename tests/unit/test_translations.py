"""Every message shown to people has a Chinese translation.

The messages are extracted the way babel.cfg says (Python ``_``/``N_`` calls and Jinja
``_("…")`` calls) and looked up in the zh_CN catalogs: eldercare/locale/zh_CN/LC_MESSAGES/
``messages.po`` (shared) and one ``<feature>.po`` per feature, merged as the app merges them.
When this fails, the message lists the msgids to add; the usual fix is

    .venv/bin/pybabel extract -F babel.cfg -k N_ -o /tmp/messages.pot eldercare
    .venv/bin/pybabel update -i /tmp/messages.pot -d eldercare/locale -l zh_CN --no-fuzzy-matching

and then filling in each empty msgstr (keep every {placeholder} as it is).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "eldercare"
KEYWORDS = {"_": None, "N_": None}


def _placeholders(text: str) -> set[str]:
    """The ``{name}`` fields that ``str.format`` fills in (``{{`` and ``}}`` are literals)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:  # unbalanced braces: report them as such
        return {"<unbalanced braces>"}


@lru_cache(maxsize=1)
def extracted() -> dict[str, list[str]]:
    """msgid → where it is used, from the same method map and options as babel.cfg."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"eldercare/{filename}:{lineno}")
    return found


def shown_without_marker() -> dict[str, list[str]]:
    """Messages translated at run time that no extractor can see (the generic HTTP answers)."""
    from eldercare.web.errors import _GENERIC

    return {message: ["eldercare/web/errors.py (_GENERIC)"] for message in _GENERIC.values()}


def catalog_files(locale: str) -> list[Path]:
    folder = PACKAGE / "locale" / locale / "LC_MESSAGES"
    files = sorted(folder.glob("*.po"))
    assert files, f"{folder.relative_to(ROOT)} has no .po files"
    return files


def catalog(locale: str) -> Catalog:
    """Every catalog of the locale merged, in the order the app reads them."""
    merged = Catalog(locale=locale)
    for path in catalog_files(locale):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and (message.string or merged.get(message.id) is None):
                    merged[message.id] = message
    return merged


def test_no_message_is_translated_two_ways():
    """Two catalogs giving one msgid different words would make a page's wording a coin toss."""
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for path in catalog_files("zh_CN"):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="zh_CN"):
                if not message.id or not message.string or not isinstance(message.id, str):
                    continue
                if message.id in seen and seen[message.id][0] != message.string:
                    problems.append(f"{message.id!r}: {seen[message.id][1]} and {path.name} differ")
                seen.setdefault(message.id, (message.string, path.name))
    assert not problems, _report(problems, "messages translated differently in two catalogs")


def _report(problems: list[str], heading: str) -> str:
    return f"{heading} ({len(problems)}):\n" + "\n".join(f"  {p}" for p in sorted(problems))


def test_extraction_finds_messages_in_python_and_templates():
    messages = extracted()
    where = {place.split(":")[0] for places in messages.values() for place in places}
    assert any(w.endswith(".py") for w in where), "no messages found in Python files"
    assert any(w.endswith(".html") for w in where), "no messages found in templates"
    assert "Eldercare services" in messages  # base.html
    assert "The phone number or password is not right." in messages  # N_ in accounts/service.py


def test_every_message_has_a_chinese_translation():
    zh = catalog("zh_CN")
    wanted = {**shown_without_marker(), **extracted()}
    problems = []
    for msgid, places in wanted.items():
        message = zh.get(msgid)
        if message is None:
            problems.append(f"{msgid!r} (not in the catalog; used at {places[0]})")
        elif not message.string:
            problems.append(f"{msgid!r} (empty msgstr; used at {places[0]})")
        elif message.fuzzy:
            problems.append(f"{msgid!r} (marked fuzzy: check it and remove the flag)")
    assert not problems, _report(problems, "the zh_CN catalogs lack translations")


def test_translations_keep_the_same_placeholders():
    zh = catalog("zh_CN")
    problems = []
    for message in zh:
        if not message.id or not message.string or not isinstance(message.id, str):
            continue
        expected, got = _placeholders(message.id), _placeholders(message.string)
        if expected != got:
            problems.append(
                f"{message.id!r}: msgid has {sorted(expected)}, msgstr has {sorted(got)}"
            )
    assert not problems, _report(problems, "placeholders differ between msgid and msgstr")


def test_translations_look_chinese():
    """A msgstr copied from the msgid by mistake still reads as English on the zh pages."""
    zh = catalog("zh_CN")
    problems = [
        repr(m.id)
        for m in zh
        if m.id
        and m.string
        and isinstance(m.string, str)
        and re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", m.string))
        and not re.search(r"[\u4e00-\u9fff]", m.string)
    ]
    assert not problems, _report(problems, "zh_CN msgstr without any Chinese characters")


def test_english_catalog_exists_and_holds_no_fuzzy_entries():
    en = catalog("en")
    fuzzy = [repr(m.id) for m in en if m.id and m.fuzzy and m.string]
    assert not fuzzy, _report(fuzzy, "fuzzy entries in en messages.po")


def test_the_app_reads_the_catalog_it_ships():
    from eldercare.web.i18n import translate

    assert translate("zh_CN", "Eldercare services") == "长者服务"
    assert translate("zh_CN", "Hello {name}", name="张秀英") == "张秀英，您好"
    assert translate("en", "Hello {name}", name="Ann") == "Hello Ann"
