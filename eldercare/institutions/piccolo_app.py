"""Piccolo app for eldercare.institutions."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="institutions",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["eldercare.institutions.tables"], exclude_imported=True),
    # Region codes are checked against the gazetteer, so it is migrated first.
    migration_dependencies=["eldercare.geo.piccolo_app"],
    commands=[],
)
