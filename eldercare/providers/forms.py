"""Reading the provider pages' HTML forms into the service's inputs (and back, to refill them).

People type yuan, not fen, and one start/end pair per weekday slot; the API's shapes
(``price_fen``, ``weekly``) are built here, and problems the service names by API field
are moved onto the form field they belong beside.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from eldercare.errors import N_, FieldProblem, Invalid
from eldercare.providers import domain
from eldercare.providers.caregivers import AvailabilityView, CaregiverInput, CertificateInput
from eldercare.providers.service import ProviderInput

SLOTS_PER_DAY = 2
# Service problem keys → the form field that shows them.
FORM_NAMES = {"price_fen": "price", "certificates": "certificate_name"}


def text(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(form: dict[str, Any], key: str, problems: list[FieldProblem]) -> float | None:
    raw = text(form, key)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        problems.append(FieldProblem(key, N_("Enter a number, like 30.52.")))
        return None


def provider_input(form: dict[str, Any], districts: list[str]) -> ProviderInput:
    """The registration form; a number that cannot be read is refused before the service runs."""
    problems: list[FieldProblem] = []
    lat, lon = _number(form, "lat", problems), _number(form, "lon", problems)
    radius = _number(form, "service_radius_km", problems)
    if problems:
        raise Invalid.many(problems)
    return ProviderInput(
        name=text(form, "name"),
        license_no=text(form, "license_no"),
        region_code=text(form, "region_code"),
        address=text(form, "address"),
        lat=lat,
        lon=lon,
        service_radius_km=radius,
        districts=districts,
    )


def price_fen(form: dict[str, Any]) -> int:
    """ "28" or "28.50" yuan → 2850 fen."""
    raw = text(form, "price").replace("¥", "").replace("元", "").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Invalid("price", N_("Enter the price in yuan, like 28 or 28.50."))
    return int(amount * 100)


def caregiver_input(form: dict[str, Any], skills: list[str]) -> CaregiverInput:
    """The add-a-caregiver form, with at most one certificate (more can be added later)."""
    certificates = []
    if text(form, "certificate_name") or text(form, "certificate_expires_on"):
        certificates.append(certificate_input(form))
    return CaregiverInput(
        name=text(form, "name"), phone=text(form, "phone"), skills=skills, certificates=certificates
    )


def certificate_input(form: dict[str, Any]) -> CertificateInput:
    return CertificateInput(
        skill=text(form, "certificate_skill"),
        name=text(form, "certificate_name"),
        number=text(form, "certificate_number"),
        expires_on=text(form, "certificate_expires_on") or None,
    )


def weekly_entries(form: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Every filled slot of the weekly grid (``start_D_K`` / ``end_D_K``); half-filled ones too."""
    entries = []
    for day in domain.WEEKDAYS:
        for slot in range(_slots(form, day)):
            start, end = text(form, f"start_{day}_{slot}"), text(form, f"end_{day}_{slot}")
            if start or end:
                entries.append((day, start, end))
    return entries


def _slots(form: dict[str, Any], day: int) -> int:
    count = SLOTS_PER_DAY
    while f"start_{day}_{count}" in form:
        count += 1
    return count


def days_off(form: dict[str, Any]) -> list[str]:
    """One date a line (commas and spaces also separate them)."""
    raw = text(form, "days_off").replace(",", "\n").replace("，", "\n")
    return [part for part in raw.split() if part]


def availability_form(view: AvailabilityView) -> dict[str, Any]:
    """The grid and textarea filled in from saved hours (extra slots for busy days)."""
    form: dict[str, Any] = {}
    per_day: dict[int, list[domain.Window]] = {}
    for window in view.weekly:
        per_day.setdefault(window.weekday, []).append(window)
    for day, windows in per_day.items():
        for slot, window in enumerate(windows):
            form[f"start_{day}_{slot}"] = domain.format_clock(window.start_minute)
            form[f"end_{day}_{slot}"] = domain.format_clock(window.end_minute)
    form["days_off"] = "\n".join(d.isoformat() for d in view.days_off)
    return form


def slot_counts(form: dict[str, Any]) -> dict[int, int]:
    return {day: _slots(form, day) for day in domain.WEEKDAYS}
