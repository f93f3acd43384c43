"""Piccolo's configuration: the engine named by ``DATABASE_URL`` and every feature app."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from eldercare.db import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "eldercare.geo.piccolo_app",
        "eldercare.audit.piccolo_app",
        "eldercare.accounts.piccolo_app",
        "eldercare.web.piccolo_app",
        "eldercare.notifications.piccolo_app",
        "eldercare.catalog.piccolo_app",
        "eldercare.providers.piccolo_app",
        "eldercare.institutions.piccolo_app",
        "eldercare.booking.piccolo_app",
        "eldercare.scheduling.piccolo_app",
        "eldercare.subsidies.piccolo_app",
    ]
)
