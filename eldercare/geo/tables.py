"""Administrative divisions (GB/T 2260 codes and below) with centroids."""

from __future__ import annotations

from piccolo.columns import DoublePrecision, Varchar
from piccolo.table import Table


class Region(Table, tablename="region"):
    code = Varchar(length=12, unique=True, index=True)
    parent_code = Varchar(length=12, null=True, default=None)
    level = Varchar(length=16)
    name_zh = Varchar(length=64)
    name_en = Varchar(length=96)
    lat = DoublePrecision()
    lon = DoublePrecision()
