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
    )
