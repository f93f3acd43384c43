"""The eldercare institution directory (养老机构): care homes, day centres, meal points."""

from __future__ import annotations

from piccolo.columns import Boolean, DoublePrecision, Integer, Timestamptz, Varchar
from piccolo.table import Table


class Institution(Table, tablename="institution"):
    name = Varchar(length=100)
    kind = Varchar(length=24, index=True)  # a code of domain.KINDS
    beds = Integer(default=0)
    vacancies = Integer(default=0)
    price_min_fen = Integer(default=0)  # monthly
    price_max_fen = Integer(default=0)
    address = Varchar(length=200)
    phone = Varchar(length=20)
    region_code = Varchar(length=12, index=True)
    # Both indexed: a distance search first narrows to a latitude/longitude box in SQL.
    lat = DoublePrecision(index=True)
    lon = DoublePrecision(index=True)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
