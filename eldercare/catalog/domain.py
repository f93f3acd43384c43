"""Menu rules: what a region offers and at what cap, and which menu data is acceptable.

Pure functions only (no I/O, no clock). A region's menu is inherited: the entry of the
nearest region in its chain (itself, its parent, … up to the province) decides whether an
item is offered there and its price cap; with no entry anywhere the item is offered at its
guide price, so a fresh install shows the whole menu.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from eldercare.errors import N_, FieldProblem, Invalid

CODE_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,47}")
NAME_MAX_LENGTH = 60
DURATION_MINUTES = (5, 720)
MAX_PRICE_FEN = 10_000_00  # ¥10,000: anything above is a typo, not a home service
SORT_ORDER_MAX = 9999

# The reference categories every database has from its first migrations (the migration
# keeps its own frozen copy); other systems rely on these codes.
REFERENCE_CATEGORIES = (
    "daily-care",
    "meals",
    "housekeeping",
    "bathing",
    "haircut",
    "companionship",
    "health",
    "rehab",
    "volunteer",
)

# Units a price is quoted in; their words live in UNIT_LABELS (translated when shown).
UNITS = ("visit", "hour", "meal", "session", "month")
UNIT_LABELS = {
    "visit": N_("visit"),
    "hour": N_("hour"),
    "meal": N_("meal"),
    "session": N_("session"),
    "month": N_("month"),
}


@dataclass(frozen=True)
class ItemInfo:
    """A menu item as other packages see it (booking, providers, matching)."""

    code: str
    category_code: str
    name_zh: str
    name_en: str
    unit: str
    duration_minutes: int
    price_fen: int  # the bureau's guide price
    subsidy_eligible: bool
    skill: str
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name_zh: str
    name_en: str
    sort_order: int
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class Entry:
    """What one region's menu says about one item; ``price_cap_fen`` None keeps the guide price."""

    region_code: str
    item_code: str
    offered: bool
    price_cap_fen: int | None = None


@dataclass(frozen=True)
class Effective:
    """An item as a region's menu shows it, and which region (None: the guide) decided it."""

    item: ItemInfo
    offered: bool
    price_cap_fen: int
    decided_by: str | None


# --- Inheritance ------------------------------------------------------------------------------


def decide(item: ItemInfo, entries: Iterable[Entry], chain: Sequence[str]) -> Effective:
    """The nearest region in ``chain`` with an entry for ``item`` decides; else the guide price."""
    by_region = {e.region_code: e for e in entries if e.item_code == item.code}
    for region_code in chain:
        entry = by_region.get(region_code)
        if entry is not None:
            cap = entry.price_cap_fen if entry.price_cap_fen is not None else item.price_fen
            return Effective(item, entry.offered, cap, region_code)
    return Effective(item, True, item.price_fen, None)


def effective_menu(
    items: Iterable[ItemInfo], entries: Iterable[Entry], chain: Sequence[str]
) -> list[Effective]:
    """Every active item with its effective state in the region at the head of ``chain``."""
    by_item: dict[str, list[Entry]] = {}
    for entry in entries:
        by_item.setdefault(entry.item_code, []).append(entry)
    return [decide(item, by_item.get(item.code, ()), chain) for item in items if item.active]


def price_cap(item: ItemInfo, entries: Iterable[Entry], chain: Sequence[str]) -> int | None:
    """The cap in the region, or None when the item is inactive or not offered there."""
    if not item.active:
        return None
    effective = decide(item, entries, chain)
    return effective.price_cap_fen if effective.offered else None


def region_chain(region_code: str, parents: dict[str, str | None]) -> list[str]:
    """The region, its parent, … up to the top, given each region's parent code."""
    chain: list[str] = []
    code: str | None = region_code
    while code is not None and code not in chain:  # a cycle in bad data must not hang us
        chain.append(code)
        code = parents.get(code)
    return chain


def redundant(entry: Entry, inherited: Effective) -> bool:
    """Whether an entry only repeats what the region would inherit anyway.

    The publish page has one tick box per item; keeping only the differences means a
    district still follows later changes to its city's menu for the items it left alone.
    """
    return entry.offered == inherited.offered and entry.price_cap_fen is None


# --- Validation -------------------------------------------------------------------------------


def check_code(code: str, key: str = "code") -> str:
    code = code.strip()
    if not CODE_PATTERN.fullmatch(code):
        raise Invalid(
            key,
            N_(
                "A code has 2 to 48 characters: lower-case letters, digits and hyphens, "
                "starting with a letter (for example lunch-delivery)."
            ),
        )
    return code


def check_name(name: str, key: str = "name") -> str:
    name = name.strip()
    if not name:
        raise Invalid(key, N_("Please enter the name shown on the menu."))
    if len(name) > NAME_MAX_LENGTH:
        raise Invalid(
            key,
            N_("Please keep a menu name to {maximum} characters or fewer."),
            maximum=NAME_MAX_LENGTH,
        )
    return name


def check_unit(unit: str, key: str = "unit") -> str:
    if unit not in UNITS:
        raise Invalid(key, N_("Choose one of these units: {units}."), units=", ".join(UNITS))
    return unit


def check_duration(minutes: int, key: str = "duration_minutes") -> int:
    low, high = DURATION_MINUTES
    if not low <= minutes <= high:
        raise Invalid(
            key, N_("The duration must be from {low} to {high} minutes."), low=low, high=high
        )
    return minutes


def check_price(fen: int, key: str = "price_fen") -> int:
    if not 0 < fen <= MAX_PRICE_FEN:
        raise Invalid(
            key,
            N_("The price must be more than ¥0 and at most ¥{maximum}."),
            maximum=f"{MAX_PRICE_FEN // 100:,}",
        )
    return fen


def check_cap(fen: int, key: str = "price_cap_fen") -> int:
    if not 0 < fen <= MAX_PRICE_FEN:
        raise Invalid(
            key,
            N_("The price cap must be more than ¥0 and at most ¥{maximum}."),
            maximum=f"{MAX_PRICE_FEN // 100:,}",
        )
    return fen


def check_sort_order(value: int, key: str = "sort_order") -> int:
    if not 0 <= value <= SORT_ORDER_MAX:
        raise Invalid(key, N_("The position must be from 0 to {maximum}."), maximum=SORT_ORDER_MAX)
    return value


_CHECKS = {
    "code": check_code,
    "skill": check_code,
    "name_zh": check_name,
    "name_en": check_name,
    "unit": check_unit,
    "duration_minutes": check_duration,
    "price_fen": check_price,
    "price_cap_fen": check_cap,
    "sort_order": check_sort_order,
}


def clean_fields(
    values: dict[str, object], keys: dict[str, str] | None = None
) -> dict[str, object]:
    """Check every known field at once; return the cleaned values or raise all problems.

    ``keys`` renames a field in the error (the API's ``name`` fills ``name_zh``).
    """
    keys = keys or {}
    cleaned: dict[str, object] = {}
    problems: list[FieldProblem] = []
    for field, value in values.items():
        check = _CHECKS.get(field)
        if check is None:
            cleaned[field] = value
            continue
        try:
            cleaned[field] = check(value, keys.get(field, field))  # type: ignore[operator]
        except Invalid as error:
            problems += error.problems
    if problems:
        raise Invalid.many(problems)
    return cleaned


def check_entries(entries: Sequence[Entry], known_items: Iterable[str]) -> list[Entry]:
    """A menu to publish: known items, each once, with sensible caps (all problems at once)."""
    known = set(known_items)
    seen: set[str] = set()
    problems: list[FieldProblem] = []
    for index, entry in enumerate(entries):
        if entry.item_code not in known:
            problems.append(
                FieldProblem(
                    f"entries[{index}].item_code",
                    N_("There is no service item with the code {code}."),
                    {"code": entry.item_code},
                )
            )
        elif entry.item_code in seen:
            problems.append(
                FieldProblem(
                    f"entries[{index}].item_code",
                    N_("The item {code} is listed twice."),
                    {"code": entry.item_code},
                )
            )
        seen.add(entry.item_code)
        if entry.price_cap_fen is not None:
            try:
                check_cap(entry.price_cap_fen, f"entries[{index}].price_cap_fen")
            except Invalid as error:
                problems += error.problems
    if problems:
        raise Invalid.many(problems)
    return list(entries)


# --- Prices typed on a page -------------------------------------------------------------------

_YUAN = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")


def parse_yuan(text: str, key: str) -> int:
    """ "28", "28.5" or "¥28.50" as fen; officers think in yuan, the system counts fen."""
    cleaned = text.strip().lstrip("¥￥").replace(",", "").strip()
    if not _YUAN.fullmatch(cleaned):
        raise Invalid(key, N_("Enter an amount in yuan, such as 28 or 28.50."))
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise Invalid(key, N_("Enter an amount in yuan, such as 28 or 28.50.")) from None


def yuan_text(fen: int | None) -> str:
    """Fen as the plain number a price field shows (2800 → "28.00")."""
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"
