"""Piccolo app for eldercare.subsidies."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="subsidies",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["eldercare.subsidies.tables"], exclude_imported=True),
    migration_dependencies=["eldercare.accounts.piccolo_app", "eldercare.booking.piccolo_app"],
    commands=[],
)
