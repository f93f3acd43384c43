"""Typed settings from the environment (``ELDERCARE_*`` and ``DATABASE_URL``), read once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    timezone: str
    default_locale: str
    secure_cookies: bool
    session_idle_minutes: int
    token_days: int
    max_body_bytes: int
    sqlite_busy_seconds: int
    pg_pool_max: int
    argon2_profile: str
    min_notice_minutes: int
    max_ahead_days: int
    offer_minutes: int
    free_cancel_minutes: int
    withdraw_minutes: int
    check_in_early_minutes: int
    geofence_m: int
    travel_buffer_minutes: int
    max_open_bookings: int
    missed_after_minutes: int
    geocoder: str
    geocoder_timeout_seconds: float
    sms_backend: str
    sms_max_attempts: int
    reminder_hours: int
    reminder_minutes: int
    series_horizon_days: int
    processing_working_days: int
    review_open_days: int
    review_grace_days: int
    max_upload_bytes: int

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
        return self.database_url.split("sqlite:///", 1)[1] or "eldercare.sqlite3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path.cwd() / 'eldercare.sqlite3'}"
        ),
        secret_key=os.environ.get("ELDERCARE_SECRET_KEY", "dev-only-change-me-" + "0" * 16),
        timezone=os.environ.get("ELDERCARE_TIMEZONE", "Asia/Shanghai"),
        default_locale=os.environ.get("ELDERCARE_DEFAULT_LOCALE", "zh_CN"),
        secure_cookies=_bool("ELDERCARE_SECURE_COOKIES", False),
        session_idle_minutes=_int("ELDERCARE_SESSION_IDLE_MINUTES", 30),
        token_days=_int("ELDERCARE_TOKEN_DAYS", 30),
        max_body_bytes=_int("ELDERCARE_MAX_BODY_BYTES", 1_048_576),
        sqlite_busy_seconds=_int("ELDERCARE_SQLITE_BUSY_SECONDS", 30),
        pg_pool_max=_int("ELDERCARE_PG_POOL_MAX", 10),
        argon2_profile=os.environ.get("ELDERCARE_ARGON2_PROFILE", "standard"),
        min_notice_minutes=_int("ELDERCARE_MIN_NOTICE_MINUTES", 30),
        max_ahead_days=_int("ELDERCARE_MAX_AHEAD_DAYS", 90),
        offer_minutes=_int("ELDERCARE_OFFER_MINUTES", 30),
        free_cancel_minutes=_int("ELDERCARE_FREE_CANCEL_MINUTES", 120),
        withdraw_minutes=_int("ELDERCARE_WITHDRAW_MINUTES", 10),
        check_in_early_minutes=_int("ELDERCARE_CHECK_IN_EARLY_MINUTES", 60),
        geofence_m=_int("ELDERCARE_GEOFENCE_M", 300),
        travel_buffer_minutes=_int("ELDERCARE_TRAVEL_BUFFER_MINUTES", 30),
        max_open_bookings=_int("ELDERCARE_MAX_OPEN_BOOKINGS", 20),
        missed_after_minutes=_int("ELDERCARE_MISSED_AFTER_MINUTES", 30),
        geocoder=os.environ.get("ELDERCARE_GEOCODER", ""),
        geocoder_timeout_seconds=float(os.environ.get("ELDERCARE_GEOCODER_TIMEOUT", "3")),
        sms_backend=os.environ.get("ELDERCARE_SMS_BACKEND", "log"),
        sms_max_attempts=_int("ELDERCARE_SMS_MAX_ATTEMPTS", 5),
        reminder_hours=_int("ELDERCARE_REMINDER_HOURS", 24),
        reminder_minutes=_int("ELDERCARE_REMINDER_MINUTES", 60),
        series_horizon_days=_int("ELDERCARE_SERIES_HORIZON_DAYS", 14),
        processing_working_days=_int("ELDERCARE_PROCESSING_WORKING_DAYS", 20),
        review_open_days=_int("ELDERCARE_REVIEW_OPEN_DAYS", 30),
        review_grace_days=_int("ELDERCARE_REVIEW_GRACE_DAYS", 60),
        max_upload_bytes=_int("ELDERCARE_MAX_UPLOAD_BYTES", 5 * 1_048_576),
    )
