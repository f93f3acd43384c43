"""Reading the bureau's institution form: typed text into an input, and back again.

Pure functions. Forms ask for prices in yuan and send every field as text; a field that
cannot be read becomes a problem keyed by its API name, so the service reports it
together with its own checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from eldercare.errors import N_, FieldProblem
from eldercare.institutions.domain import FIELDS, MISSING_MESSAGES, REQUIRED, InstitutionInput


def read_whole_number(text: str | None, key: str, problems: list[FieldProblem]) -> int | None:
    """A form's text as a whole number; empty is ``None`` (not given)."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    if not value.isdigit():
        problems.append(FieldProblem(key, N_("Enter a whole number, 0 or more.")))
        return None
    return int(value)


_YUAN = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def read_yuan(text: str | None, key: str, problems: list[FieldProblem]) -> int | None:
    """An amount typed in yuan ("1800", "1,800.50", "¥1800") as fen; empty is ``None``."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    for noise in ("¥", "￥", "元", ",", " "):
        value = value.replace(noise, "")
    if not value:
        return None
    if not _YUAN.fullmatch(value):
        problems.append(FieldProblem(key, N_("Enter an amount in yuan, like 1800 or 1800.50.")))
        return None
    try:
        return int(Decimal(value) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        problems.append(FieldProblem(key, N_("Enter an amount in yuan, like 1800 or 1800.50.")))
        return None


def read_decimal(text: str | None, key: str, problems: list[FieldProblem]) -> float | None:
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        problems.append(FieldProblem(key, N_("Enter a number, like 30.52.")))
        return None
    return number


# Forms ask for prices in yuan, so those inputs have their own names.
FORM_NAMES = {"price_min_fen": "price_min", "price_max_fen": "price_max"}


def input_from_form(
    form: Mapping[str, Any], *, editing: bool = False
) -> tuple[InstitutionInput, list[FieldProblem]]:
    """A form's text as an input, and the problems found reading it (keyed by API field).

    A form sends every field, so a blank required one is missing (not "unchanged").
    """
    problems: list[FieldProblem] = []

    def text(key: str) -> str:
        return str(form.get(FORM_NAMES.get(key, key)) or "").strip()

    for key in REQUIRED:
        if not text(key):
            problems.append(FieldProblem(key, MISSING_MESSAGES[key]))
    data = InstitutionInput(
        name=text("name") or None,
        kind=text("kind") or None,
        address=text("address") or None,
        phone=text("phone") or None,
        region_code=text("region_code") or None,
        beds=read_whole_number(text("beds"), "beds", problems),
        vacancies=read_whole_number(text("vacancies"), "vacancies", problems),
        price_min_fen=read_yuan(text("price_min_fen"), "price_min_fen", problems),
        price_max_fen=read_yuan(text("price_max_fen"), "price_max_fen", problems),
        lat=read_decimal(text("lat"), "lat", problems),
        lon=read_decimal(text("lon"), "lon", problems),
        active=(text("active") == "1") if editing else None,
    )
    return data, problems


def form_values(view: Any) -> dict[str, str]:
    """An institution as its edit form shows it (prices back in yuan)."""
    values = {key: "" if getattr(view, key) is None else str(getattr(view, key)) for key in FIELDS}
    for key, name in FORM_NAMES.items():
        values.pop(key)
        values[name] = yuan_text(getattr(view, key))
    values["active"] = "1" if view.active else ""
    return values


def yuan_text(fen: int) -> str:
    """Fen as a form shows yuan again: 180000 → "1800", 180050 → "1800.50"."""
    whole, cents = divmod(fen, 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"
