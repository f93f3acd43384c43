"""Users, their sessions and tokens, elders and the family links between them."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class User(Table, tablename="app_user"):
    phone = Varchar(length=11, unique=True, index=True)
    name = Varchar(length=50)
    password_hash = Varchar(length=255)
    roles = Varchar(length=128)  # comma-separated role names
    region_code = Varchar(length=12, null=True, default=None, index=True)
    provider_id = Integer(null=True, default=None, index=True)
    locale = Varchar(length=8, null=True, default=None)
    elder_mode = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz()
    password_changed_at = Timestamptz()


class AuthSession(Table, tablename="auth_session"):
    """A page session (cookie) or an API token; only the SHA-256 of the secret is kept."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=8)  # "web" | "api"
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    ip = Varchar(length=64, default="")


class LoginFailure(Table, tablename="login_failure"):
    """Failed sign-ins, keyed by a hash of the phone number (never the number itself)."""

    phone_hash = Varchar(length=64, index=True)
    ip = Varchar(length=64, default="")
    at = Timestamptz(index=True)


class Elder(Table, tablename="elder"):
    name = Varchar(length=50)
    id_number = Varchar(length=18, unique=True)
    birth_date = Date()
    gender = Varchar(length=8)
    phone = Varchar(length=11, null=True, default=None, index=True)
    address = Varchar(length=200)
    region_code = Varchar(length=12, index=True)
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    location_source = Varchar(length=16, default="given")  # given, geocoded, region_centroid
    living_situation = Varchar(length=16, null=True, default=None)
    needs = Varchar(length=255, default="")  # comma-separated tags
    low_income = Boolean(default=False)
    disability = Boolean(default=False)
    timezone = Varchar(length=40, default="Asia/Shanghai")
    account = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_channel = Varchar(length=16, default="web")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    ended_on = Date(null=True, default=None)  # died or moved out of the region
    ended_reason = Varchar(length=16, default="")  # death, moved_out


class ElderLink(Table, tablename="elder_link"):
    """A user who may act for an elder: the elder themselves ("self") or a relative."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.cascade, index=True)
    relationship = Varchar(length=32)
    created_at = Timestamptz()


class Consent(Table, tablename="consent"):
    """A separate consent (PIPL art. 29) to record one kind of sensitive data of one elder:
    ``health`` (health conditions among the needs) or ``bank`` (an account for payments).
    Who recorded it, through which channel (``proxy`` when staff record the elder's consent
    in person) and when; rows are only added, a withdrawal is dated."""

    elder = ForeignKey(Elder, null=False, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=16)
    given_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    channel = Varchar(length=16)
    given_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)
