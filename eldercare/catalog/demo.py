"""The demo city's menu: items at Suining-like prices, the city's caps, 蓬溪县's override.

Idempotent, and through the same service functions officers use: items are added when
missing; a region's menu is published only while that region has no entries of its own,
so changes made in the demo afterwards are kept.
"""

from __future__ import annotations

from datetime import datetime

from eldercare.actor import Actor
from eldercare.catalog import service
from eldercare.catalog.domain import Entry
from eldercare.errors import NotFound

# The demo loader acts as a province-wide officer (audited with no user id).
LOADER = Actor(id=0, name="demo loader", roles=("bureau_officer",), region_code="510000")

# code, category, name_zh, name_en, unit, minutes, guide price (fen), subsidy-eligible
ITEMS: tuple[tuple[str, str, str, str, str, int, int, bool], ...] = (
    ("lunch-delivery", "meals", "助餐送餐上门", "Lunch delivered home", "meal", 30, 1200, True),
    (
        "canteen-meal",
        "meals",
        "长者食堂就餐",
        "Meal at the community canteen",
        "meal",
        45,
        800,
        True,
    ),
    ("home-cooking", "meals", "上门做饭", "Cooking at home", "hour", 60, 3000, False),
    (
        "personal-care",
        "daily-care",
        "生活照料（按小时）",
        "Personal care by the hour",
        "hour",
        60,
        3500,
        True,
    ),
    ("escort-doctor", "daily-care", "陪同就医", "Escort to the doctor", "visit", 180, 9000, True),
    ("errands", "daily-care", "代购代办", "Shopping and errands", "visit", 60, 2000, True),
    (
        "housekeeping-hour",
        "housekeeping",
        "日常保洁（按小时）",
        "Housekeeping by the hour",
        "hour",
        60,
        3500,
        True,
    ),
    (
        "deep-clean",
        "housekeeping",
        "居家深度保洁",
        "Deep cleaning of the home",
        "visit",
        240,
        18000,
        False,
    ),
    (
        "laundry",
        "housekeeping",
        "衣物被褥清洗",
        "Washing clothes and bedding",
        "visit",
        60,
        2500,
        True,
    ),
    ("bath-assist", "bathing", "上门助浴", "Help with bathing at home", "visit", 90, 6000, True),
    (
        "bath-van",
        "bathing",
        "助浴车全身洗浴",
        "Full bath in a bathing van",
        "visit",
        120,
        8000,
        True,
    ),
    (
        "haircut-community",
        "haircut",
        "社区理发",
        "Haircut at the community centre",
        "visit",
        30,
        1500,
        True,
    ),
    ("haircut-home", "haircut", "上门理发", "Haircut at home", "visit", 40, 2000, True),
    (
        "haircut-bedridden",
        "haircut",
        "卧床老人理发",
        "Haircut for bed-bound elders",
        "visit",
        60,
        2800,
        True,
    ),
    (
        "companionship-hour",
        "companionship",
        "陪伴聊天（按小时）",
        "Company and conversation",
        "hour",
        60,
        2500,
        True,
    ),
    (
        "caring-calls",
        "companionship",
        "电话关爱问候（每月）",
        "Caring phone calls (monthly)",
        "month",
        15,
        3000,
        True,
    ),
    (
        "bp-check",
        "health",
        "上门测血压血糖",
        "Blood pressure and sugar check",
        "visit",
        20,
        1000,
        True,
    ),
    ("medication-guidance", "health", "用药指导", "Guidance on medicines", "visit", 30, 3000, True),
    (
        "home-nursing",
        "health",
        "上门护理（换药等）",
        "Nursing care at home",
        "visit",
        60,
        12000,
        False,
    ),
    (
        "rehab-session",
        "rehab",
        "康复训练",
        "Rehabilitation exercise session",
        "session",
        60,
        8000,
        True,
    ),
    ("massage-therapy", "rehab", "推拿理疗", "Massage therapy", "session", 45, 6000, False),
    ("volunteer-visit", "volunteer", "志愿者探访", "Volunteer visit", "visit", 60, 500, True),
    (
        "small-repairs",
        "volunteer",
        "志愿者小家电维修",
        "Small repairs by volunteers",
        "visit",
        60,
        1000,
        True,
    ),
)

# 遂宁市: a cap for most items (the city's 最高限价, a little above the guide price).
CITY_CAPS = {
    "lunch-delivery": 1500,
    "canteen-meal": 1000,
    "home-cooking": 3500,
    "personal-care": 4000,
    "escort-doctor": 10000,
    "errands": 2500,
    "housekeeping-hour": 4000,
    "deep-clean": 20000,
    "laundry": 3000,
    "bath-assist": 7000,
    "bath-van": 9000,
    "haircut-community": 1800,
    "haircut-home": 2500,
    "haircut-bedridden": 3200,
    "companionship-hour": 3000,
    "bp-check": 1200,
    "medication-guidance": 3500,
    "rehab-session": 9000,
}
# 蓬溪县: cheaper meals, and no bathing service in the county yet.
PENGXI = (
    Entry("510921", "lunch-delivery", True, 1000),
    Entry("510921", "canteen-meal", True, 700),
    Entry("510921", "bath-assist", False),
    Entry("510921", "bath-van", False),
)


async def load_demo(now: datetime) -> dict[str, int]:
    created = 0
    for code, category, name_zh, name_en, unit, minutes, price, subsidy in ITEMS:
        try:
            await service.get_item(code)
            continue
        except NotFound:
            pass
        await service.create_item(
            LOADER,
            code=code,
            category_code=category,
            name_zh=name_zh,
            name_en=name_en,
            unit=unit,
            duration_minutes=minutes,
            price_fen=price,
            subsidy_eligible=subsidy,
            now=now,
        )
        created += 1
    city = [Entry("510900", code, True, cap) for code, cap in CITY_CAPS.items()]
    published = 0
    for region_code, entries in (("510900", city), ("510921", list(PENGXI))):
        if not (await service.region_menu_detail(region_code)).entries:
            await service.publish_menu(LOADER, region_code, entries, now=now)
            published += 1
    return {"catalog_items_created": created, "catalog_menus_published": published}
