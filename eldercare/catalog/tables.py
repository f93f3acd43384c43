"""The service menu: categories, items with their guide prices, and regional menu entries."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class ServiceCategory(Table, tablename="service_category"):
    """A heading of the menu (助餐, 助浴 …); the reference ones are shipped by migration."""

    code = Varchar(length=48, unique=True, index=True)
    name_zh = Varchar(length=60)
    name_en = Varchar(length=60)
    sort_order = Integer(default=0)
    active = Boolean(default=True)


class ServiceItem(Table, tablename="service_item"):
    """One service an elder can book, with the bureau's guide price in fen."""

    code = Varchar(length=48, unique=True, index=True)
    category = ForeignKey(ServiceCategory, null=False, on_delete=OnDelete.restrict, index=True)
    name_zh = Varchar(length=60)
    name_en = Varchar(length=60)
    unit = Varchar(length=16)
    duration_minutes = Integer()
    price_fen = Integer()
    subsidy_eligible = Boolean(default=False)
    skill = Varchar(length=48)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class MenuEntry(Table, tablename="menu_entry"):
    """What one region says about one item: offered or not, and its price cap.

    Regions without an entry inherit from their parent region (see domain.effective_menu);
    (region_code, item) is unique through a raw index in a later migration.
    """

    region_code = Varchar(length=12, index=True)
    item = ForeignKey(ServiceItem, null=False, on_delete=OnDelete.cascade, index=True)
    offered = Boolean(default=True)
    price_cap_fen = Integer(null=True, default=None)
    updated_at = Timestamptz()
