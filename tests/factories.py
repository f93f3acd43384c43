"""Small helpers that make valid test input: resident ID numbers and elder bodies."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_sequence = itertools.count(1)


def check_character(first_17: str) -> str:
    """The GB 11643 check character of 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first_17, _WEIGHTS, strict=True)) % 11]


def valid_id_number(
    region: str = "510903",
    birth: date = date(1940, 5, 1),
    *,
    male: bool = True,
    seq: int | None = None,
) -> str:
    """A valid 18-character resident ID number; ``seq`` (0-99) varies it (default: a new one)."""
    if seq is None:
        seq = next(_sequence) % 100
    order = seq * 10 + (1 if male else 2)  # the 17th digit: odd for men, even for women
    first_17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first_17 + check_character(first_17)


def with_wrong_check(number: str) -> str:
    """The same number with any other check character."""
    right = number[-1]
    wrong = next(c for c in "0123456789X" if c != right)
    return number[:-1] + wrong


def elder_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/elders body in 船山区 (510903); overrides replace or add fields."""
    body: dict[str, Any] = {
        "name": "张秀英",
        "id_number": valid_id_number(),
        "address": "船山区南津路街道滨江社区3栋2单元",
        "region_code": "510903001001",
        "lat": 30.5125,
        "lon": 105.5905,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not _OMIT}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


_OMIT: Any = _Omit()
OMIT = _OMIT  # pass as an override to leave a field out: elder_body(lat=OMIT)
