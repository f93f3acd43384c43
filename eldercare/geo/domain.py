"""Region rules (GB/T 2260 codes and the street/community codes below them): pure functions."""

from __future__ import annotations

import re

from eldercare.errors import N_, Invalid

# Two-digit province prefixes of GB/T 2260 (including Taiwan, Hong Kong and Macao).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

# County codes have 6 digits; street (township) codes 9; community (village) codes 12.
_REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")


def check_region_code(code: str, key: str = "region_code") -> str:
    """Return the code stripped; staff scopes may also be street or community codes."""
    code = code.strip()
    if not _REGION_CODE.fullmatch(code):
        raise Invalid(key, N_("A region code has 6, 9 or 12 digits."))
    if code[:2] not in PROVINCE_CODES:
        raise Invalid(
            key, N_("The region code {code} does not start with a known province."), code=code
        )
    return code


def region_prefix(scope: str) -> str:
    """The prefix every region inside ``scope`` starts with (for ``LIKE 'prefix%'``).

    Six-digit codes pad their level with "00" pairs (510000 is a province, 510900 a
    city), so those pairs are dropped; street and community codes are used whole.
    Only digits are returned, so the prefix is safe inside a LIKE pattern.
    """
    if not _REGION_CODE.fullmatch(scope):
        raise ValueError(f"not a region code: {scope!r}")
    prefix = scope
    if len(prefix) == 6:
        while len(prefix) > 2 and prefix.endswith("00"):
            prefix = prefix[:-2]
    return prefix


def region_contains(scope: str, code: str) -> bool:
    """Whether the region ``code`` lies within (or is) the region ``scope``."""
    return code.startswith(region_prefix(scope))
