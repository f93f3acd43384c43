"""The nine reference categories of the menu, with the stable codes other systems use."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from eldercare.db import engine

ID = "2026-11-28T12:22:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "Ship the nine reference service categories (daily care, meals, … volunteer services)."

# Frozen here on purpose: later edits to the Python catalogue must not rewrite history.
CATEGORIES = (
    ("daily-care", "生活照料", "Daily care", 10),
    ("meals", "助餐", "Meals", 20),
    ("housekeeping", "助洁", "Housekeeping", 30),
    ("bathing", "助浴", "Bathing", 40),
    ("haircut", "理发", "Haircuts", 50),
    ("companionship", "精神慰藉", "Companionship", 60),
    ("health", "医疗保健", "Health care", 70),
    ("rehab", "康复护理", "Rehabilitation care", 80),
    ("volunteer", "志愿服务", "Volunteer services", 90),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def insert_categories() -> None:
        for code, name_zh, name_en, sort_order in CATEGORIES:
            await engine().run_querystring(
                QueryString(
                    "INSERT INTO service_category (code, name_zh, name_en, sort_order, active) "
                    "VALUES ({}, {}, {}, {}, {}) ON CONFLICT (code) DO NOTHING",
                    code, name_zh, name_en, sort_order, True,
                )
            )

    async def delete_categories() -> None:
        for code, *_ in CATEGORIES:
            await engine().run_querystring(
                QueryString("DELETE FROM service_category WHERE code = {}", code)
            )

    manager.add_raw(insert_categories)
    manager.add_raw_backwards(delete_categories)
    return manager
