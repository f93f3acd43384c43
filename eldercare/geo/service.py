"""Regions: the shipped gazetteer, lookups and scope filters."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from eldercare.db import write_transaction
from eldercare.geo.domain import region_contains
from eldercare.geo.tables import Region


@dataclass(frozen=True)
class RegionInfo:
    code: str
    parent_code: str | None
    level: str
    name_zh: str
    name_en: str
    lat: float
    lon: float

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


_cache: dict[str, RegionInfo] = {}


def gazetteer_rows() -> list[dict[str, str]]:
    path = resources.files("eldercare.geo").joinpath("data/regions.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def sync_gazetteer() -> int:
    """Insert shipped regions that are missing and refresh the ones that changed (idempotent)."""
    rows = gazetteer_rows()
    async with write_transaction():
        existing = {r["code"] for r in await Region.select(Region.code).run()}
        for row in rows:
            values = {
                Region.parent_code: row["parent_code"] or None,
                Region.level: row["level"],
                Region.name_zh: row["name_zh"],
                Region.name_en: row["name_en"],
                Region.lat: float(row["lat"]),
                Region.lon: float(row["lon"]),
            }
            if row["code"] in existing:
                await Region.update(values).where(Region.code == row["code"]).run()
            else:
                await Region.insert(
                    Region(code=row["code"], **{c._meta.name: v for c, v in values.items()})
                ).run()
    _cache.clear()
    return len(rows)


def clear_cache() -> None:
    _cache.clear()


async def all_regions() -> dict[str, RegionInfo]:
    """Every region by code; read-mostly, so cached in the process."""
    if not _cache:
        for row in await Region.select().run():
            row.pop("id", None)
            _cache[row["code"]] = RegionInfo(**row)
    return _cache


async def get_region(code: str) -> RegionInfo | None:
    return (await all_regions()).get(code)


async def regions_under(scope: str) -> list[RegionInfo]:
    return [r for code, r in sorted((await all_regions()).items()) if region_contains(scope, code)]
