"""Account rules: resident ID numbers, phones, passwords, names, roles and regions.

Pure functions only (no I/O, no clock): callers pass ``today``/``now`` so the
rules can be tested for any day.  Bad input raises ``Invalid`` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from eldercare.errors import N_, FieldProblem, Invalid
from eldercare.geo.domain import (  # noqa: F401  (re-exported: accounts speak of regions too)
    PROVINCE_CODES,
    check_region_code,
    region_contains,
    region_prefix,
)

# --- Roles and household vocabulary ---------------------------------------------------

ROLES = (
    "resident",
    "family",
    "caregiver",
    "provider_admin",
    "community_staff",
    "bureau_officer",
    "admin",
)
# Roles anyone may sign up for; the others are granted by staff.
SELF_SERVICE_ROLES = ("resident", "family")
# Government staff whose view is limited to a region scope.
STAFF_ROLES = ("community_staff", "bureau_officer")

LIVING_SITUATIONS = ("alone", "empty_nest", "with_family")
RELATIONSHIPS = (
    "self",
    "spouse",
    "child",
    "child_in_law",
    "grandchild",
    "sibling",
    "other_relative",
    "friend",
    "guardian",
)

# --- Resident ID numbers (GB 11643-1999) -------------------------------------------------

_ID_LENGTH = 18
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH = date(1880, 1, 1)


@dataclass(frozen=True)
class ResidentId:
    """A checked resident ID number and what it tells us about its holder."""

    number: str
    birth_date: date
    gender: str  # "male" | "female"

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)

    @property
    def masked(self) -> str:
        """Enough to recognise the number on screen without exposing it."""
        return self.number[:6] + "*" * 8 + self.number[-4:]


def parse_resident_id(raw: str, *, today: date) -> ResidentId:
    """Check an 18-character resident ID number and read its birth date and gender."""
    # NFKC turns full-width digits and spaces from Chinese input methods into ASCII.
    number = "".join(unicodedata.normalize("NFKC", raw).split())
    if number.endswith("x"):
        number = number[:-1] + "X"
    if len(number) != _ID_LENGTH:
        raise Invalid(
            "id_number",
            N_(
                "An ID card number has 18 characters, but we read {length}. Old 15-digit "
                "numbers are not accepted; please use the number on your current card."
            ),
            length=len(number),
        )
    if not _ID_SHAPE.fullmatch(number):
        raise Invalid(
            "id_number",
            N_("An ID card number contains only digits, except that the last character may be X."),
        )
    if number[:2] not in PROVINCE_CODES:
        raise Invalid(
            "id_number",
            N_(
                "The ID card number starts with {prefix}, which is not a province. "
                "Please check the first two digits."
            ),
            prefix=number[:2],
        )
    birth_date = _birth_date(number, today=today)
    if _check_character(number[:17]) != number[17]:
        raise Invalid(
            "id_number",
            N_("This ID card number does not add up. Please compare each digit with your card."),
        )
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, birth_date=birth_date, gender=gender)


def _birth_date(number: str, *, today: date) -> date:
    """The birth date in digits 7-14 (YYYYMMDD), which must be a plausible one."""
    digits = number[6:14]
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise Invalid(
            "id_number",
            N_(
                "The birth date in the ID card number ({digits}) is not a real date. "
                "Please check digits 7 to 14."
            ),
            digits=digits,
        ) from None
    if birth_date > today:
        raise Invalid(
            "id_number",
            N_(
                "The birth date in the ID card number ({birth_date}) is in the future. "
                "Please check digits 7 to 14."
            ),
            birth_date=birth_date.isoformat(),
        )
    if birth_date < _EARLIEST_BIRTH:
        raise Invalid(
            "id_number",
            N_(
                "The birth date in the ID card number ({birth_date}) is before 1880. "
                "Please check digits 7 to 14."
            ),
            birth_date=birth_date.isoformat(),
        )
    return birth_date


def _check_character(first_17_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character; it catches any one wrong or swapped digit."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_17_digits, _ID_WEIGHTS, strict=True)
    )
    return _ID_CHECK_CHARACTERS[total % 11]


def age_on(birth: date, day: date) -> int:
    """Age in full years on ``day``.

    Comparing (month, day) pairs means someone born on 29 February turns a year
    older on 1 March in years without that date.
    """
    had_birthday = (day.month, day.day) >= (birth.month, birth.day)
    return day.year - birth.year - (0 if had_birthday else 1)


# --- Phones ---------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
# An optional China country code, then an 11-digit mainland mobile number.
_MOBILE_PHONE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")


def normalize_phone(raw: str) -> str:
    """Reduce a mobile number however it was typed to its 11 digits, e.g. 13800138000."""
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    match = _MOBILE_PHONE.fullmatch(text)
    if match is None:
        raise Invalid(
            "phone", N_("Please enter an 11-digit mobile number, for example 138 0013 8000.")
        )
    return match.group(1)


def mask_phone(phone: str) -> str:
    """Show a normalised phone as 138****5678: recognisable, not readable."""
    return phone[:3] + "****" + phone[-4:]


# --- Passwords and names --------------------------------------------------------------

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
NAME_MAX_LENGTH = 50

# Passwords tried first by anyone guessing; compared in lower case.
_COMMON_PASSWORDS = frozenset(
    {
        "12345678", "123456789", "1234567890", "87654321", "12341234",
        "11223344", "123123123", "147258369", "11111111", "88888888",
        "66666666", "00000000", "99999999", "password", "password1",
        "password123", "passw0rd", "qwertyui", "qwerty123", "qwertyuiop",
        "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "asdfghjk", "zxcvbnm1",
        "abc12345", "abcd1234", "abc123456", "a1234567", "a12345678",
        "aa123456", "iloveyou", "woaini1314", "woaini520", "woaini123",
        "5201314520", "52013145", "1314520520", "admin123", "admin888",
    }
)  # fmt: skip


def check_password(password: str, *, phone: str | None = None) -> None:
    """Refuse passwords that are too short, too long or easy to guess."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(
            "password", N_("Please use at least {minimum} characters."), minimum=PASSWORD_MIN_LENGTH
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(
            "password", N_("Please use at most {maximum} characters."), maximum=PASSWORD_MAX_LENGTH
        )
    if password.lower() in _COMMON_PASSWORDS:
        raise Invalid(
            "password", N_("This password is very common and easy to guess. Please choose another.")
        )
    if phone is not None and _is_same_phone(password, phone):
        raise Invalid("password", N_("Please do not use your phone number as your password."))


def _is_same_phone(password: str, phone: str) -> bool:
    """Also catch the phone typed another way, such as "+86 138 0013 8000"."""
    try:
        return normalize_phone(password) == normalize_phone(phone)
    except Invalid:
        return password == phone


def check_name(name: str, key: str = "name") -> str:
    """Return the name without surrounding spaces."""
    name = name.strip()
    if not name:
        raise Invalid(key, N_("Please enter a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise Invalid(
            key,
            N_("Please keep the name to {maximum} characters or fewer."),
            maximum=NAME_MAX_LENGTH,
        )
    return name


# --- Coordinates ------------------------------------------------------------------------


def check_coordinates(lat: float | None, lon: float | None) -> None:
    """Accept a map position given as both latitude and longitude, or not at all."""
    if lat is None and lon is None:
        return
    problems: list[FieldProblem] = []
    if lat is None:
        problems.append(
            FieldProblem("lat", N_("Please give the latitude as well as the longitude."))
        )
    elif not -90 <= lat <= 90:  # also refuses NaN
        problems.append(FieldProblem("lat", N_("Latitude must be between -90 and 90.")))
    if lon is None:
        problems.append(
            FieldProblem("lon", N_("Please give the longitude as well as the latitude."))
        )
    elif not -180 <= lon <= 180:
        problems.append(FieldProblem("lon", N_("Longitude must be between -180 and 180.")))
    if problems:
        raise Invalid.many(problems)
