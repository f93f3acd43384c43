"""Account and elder use cases: one transaction each; load, apply rules, save, audit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from eldercare.accounts import domain, throttle
from eldercare.accounts.passwords import hash_password, verify_password
from eldercare.accounts.tables import AuthSession, ElderLink, User
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import fetch, write_transaction
from eldercare.errors import (
    N_,
    Conflict,
    FieldProblem,
    Invalid,
    NotFound,
)
from eldercare.geo import service as geo
from eldercare.settings import get_settings


def local_today(now: datetime) -> date:
    return now.astimezone(ZoneInfo(get_settings().timezone)).date()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _phone_key(phone: str) -> str:
    return _digest(f"{get_settings().secret_key}:{phone}")


# ---------------------------------------------------------------- users and sign-in


@dataclass(frozen=True)
class UserView:
    id: int
    phone: str
    name: str
    roles: list[str]
    region_code: str | None
    provider_id: int | None
    elder_mode: bool = False
    locale: str | None = None
    elders: list[int] = field(default_factory=list)


def _user_view(row: dict, elders: list[int] | None = None) -> UserView:
    return UserView(
        id=row["id"],
        phone=row["phone"],
        name=row["name"],
        roles=[r for r in row["roles"].split(",") if r],
        region_code=row["region_code"],
        provider_id=row["provider_id"],
        elder_mode=bool(row["elder_mode"]),
        locale=row["locale"],
        elders=elders or [],
    )


def _check_new_account(phone: str, password: str, name: str) -> tuple[str, str]:
    problems: list[FieldProblem] = []
    clean_phone = clean_name = ""
    try:
        clean_phone = domain.normalize_phone(phone)
    except Invalid as error:
        problems += error.problems
    try:
        clean_name = domain.check_name(name)
    except Invalid as error:
        problems += error.problems
    try:
        domain.check_password(password, phone=clean_phone or None)
    except Invalid as error:
        problems += error.problems
    if problems:
        raise Invalid.many(problems)
    return clean_phone, clean_name


async def register(
    *,
    phone: str,
    password: str,
    name: str,
    role: str = "resident",
    ip: str = "",
    now: datetime | None = None,
) -> UserView:
    """Self-service registration: residents and families only; staff are made by an admin."""
    if role not in domain.SELF_SERVICE_ROLES:
        raise Invalid(
            "role", N_("Choose resident or family. Staff accounts are made by an administrator.")
        )
    return await create_user(
        phone=phone, password=password, name=name, roles=[role], ip=ip, now=now
    )


async def create_user(
    *,
    phone: str,
    password: str,
    name: str,
    roles: list[str],
    region_code: str | None = None,
    provider_id: int | None = None,
    by: Actor | None = None,
    ip: str = "",
    now: datetime | None = None,
) -> UserView:
    now = now or datetime.now(UTC)
    clean_phone, clean_name = _check_new_account(phone, password, name)
    unknown = [r for r in roles if r not in domain.ROLES]
    if unknown or not roles:
        raise Invalid("role", N_("Unknown role: {role}."), role=",".join(unknown))
    if set(roles) & set(domain.STAFF_ROLES):
        if not region_code:
            raise Invalid("region_code", N_("Staff accounts need a region."))
        region_code = domain.check_region_code(region_code)
        if await geo.get_region(region_code) is None:
            raise Invalid(
                "region_code", N_("There is no region with the code {code}."), code=region_code
            )
    password_hash = await hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.phone == clean_phone).run():
            raise Conflict(N_("This phone number is already registered. Please sign in."))
        row = User(
            phone=clean_phone,
            name=clean_name,
            password_hash=password_hash,
            roles=",".join(roles),
            region_code=region_code,
            provider_id=provider_id,
            created_at=now,
            password_changed_at=now,
        )
        await row.save().run()
        self_service = by is None and set(roles) <= set(domain.SELF_SERVICE_ROLES)
        await audit.record(
            by,
            "user.register" if self_service else "role.grant",
            entity="user",
            entity_id=row.id,
            detail=",".join(roles),
            ip=ip,
            now=now,
        )
    return UserView(
        id=row.id,
        phone=clean_phone,
        name=clean_name,
        roles=list(roles),
        region_code=region_code,
        provider_id=provider_id,
    )


@dataclass(frozen=True)
class SignIn:
    token: str
    user: UserView


async def sign_in(
    *,
    phone: str,
    password: str,
    kind: str,
    ip: str = "",
    replaces: str | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check the pair and open a session (``web``) or an API token (``api``).

    The session secret is new at every sign-in; ``replaces`` (the old cookie) is revoked.
    """
    now = now or datetime.now(UTC)
    try:
        clean_phone = domain.normalize_phone(phone)
    except Invalid:
        clean_phone = phone.strip()[:32]
    phone_key = _phone_key(clean_phone)
    await throttle.check(phone_key, ip, now)  # per account and per address (429)
    row = (
        await User.objects()
        .where((User.phone == clean_phone) & (User.active == True))  # noqa: E712 (SQL, not Python truth)
        .first()
        .run()
    )  # noqa: E712
    if not await verify_password(row.password_hash if row else None, password) or row is None:
        async with write_transaction():
            await throttle.record_failure(phone_key, ip, now)
            await audit.record(
                None,
                "signin.failed",
                entity="user",
                entity_id=row.id if row else "",
                ip=ip,
                now=now,
            )
        raise _bad_pair()
    secret = secrets.token_urlsafe(32)
    settings = get_settings()
    lifetime = timedelta(days=settings.token_days) if kind == "api" else timedelta(hours=12)
    async with write_transaction():
        if replaces:
            await (
                AuthSession.update({AuthSession.revoked_at: now})
                .where(AuthSession.token_hash == _digest(replaces))
                .run()
            )
        await AuthSession.insert(
            AuthSession(
                token_hash=_digest(secret),
                user=row.id,
                kind=kind,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                ip=ip,
            )
        ).run()
        await audit.record(
            Actor(id=row.id, name=row.name, roles=tuple(row.roles.split(","))),
            "signin",
            entity="user",
            entity_id=row.id,
            detail=kind,
            ip=ip,
            now=now,
        )
    return SignIn(token=secret, user=_user_view(row.to_dict()))


def _bad_pair() -> Exception:
    from eldercare.errors import NotSignedIn

    return NotSignedIn(N_("The phone number or password is not right."))


async def resolve_session(
    secret: str, *, kind: str, ip: str = "", now: datetime | None = None, touch: bool = True
) -> Actor | None:
    """The actor behind a cookie or token, or None when it is unknown, expired, idle or revoked.

    A page session ends after ``session_idle_minutes`` without a request; each request
    (``touch``) counts as activity, except the idle warning's own status check."""
    now = now or datetime.now(UTC)
    # Plain SQL: it runs before every signed-in request, and building Piccolo's joined
    # select costs more than the query itself (1.4 ms against 0.2 ms on SQLite).
    rows = await fetch(
        'SELECT s.id, s.expires_at, s.last_seen_at, s.revoked_at, u.id AS "user.id", '
        'u.name AS "user.name", u.roles AS "user.roles", u.region_code AS "user.region_code", '
        'u.provider_id AS "user.provider_id", u.active AS "user.active" '
        'FROM auth_session s JOIN app_user u ON u.id = s."user" '
        "WHERE s.token_hash = {} AND s.kind = {}",
        _digest(secret),
        kind,
    )
    if not rows:
        return None
    row = rows[0]
    idle_limit = timedelta(minutes=get_settings().session_idle_minutes)
    if (
        row["revoked_at"] is not None
        or row["expires_at"] <= now
        or not row["user.active"]
        or (kind == "web" and now - row["last_seen_at"] > idle_limit)
    ):
        return None
    if touch and now - row["last_seen_at"] > timedelta(seconds=60):
        await (
            AuthSession.update({AuthSession.last_seen_at: now})
            .where(AuthSession.id == row["id"])
            .run()
        )
    return Actor(
        id=row["user.id"],
        name=row["user.name"],
        roles=tuple(row["user.roles"].split(",")),
        region_code=row["user.region_code"],
        provider_id=row["user.provider_id"],
        session_id=row["id"],
        ip=ip,
    )


async def sign_out(actor: Actor, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if actor.session_id is None:
        return
    async with write_transaction():
        await (
            AuthSession.update({AuthSession.revoked_at: now})
            .where(AuthSession.id == actor.session_id)
            .run()
        )
        await audit.record(actor, "signout", entity="user", entity_id=actor.id, now=now)


async def get_user(actor: Actor) -> UserView:
    row = await User.select().where(User.id == actor.id).first().run()
    if row is None:
        raise NotFound(N_("No such account."))
    links = (
        await ElderLink.select(ElderLink.elder)
        .where(ElderLink.user == actor.id)
        .order_by(ElderLink.id)
        .run()
    )
    return _user_view(row, [link["elder"] for link in links])


async def set_preferences(
    actor: Actor, *, locale: str | None = None, elder_mode: bool | None = None
) -> None:
    values = {}
    if locale is not None:
        values[User.locale] = locale
    if elder_mode is not None:
        values[User.elder_mode] = elder_mode
    if values:
        async with write_transaction():
            await User.update(values).where(User.id == actor.id).run()


async def grant_role(
    user_id: int,
    role: str,
    *,
    by: Actor | None = None,
    provider_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Add a role (and, for provider staff, their organisation); call inside the caller's transaction."""
    if role not in domain.ROLES:
        raise Invalid("role", N_("Unknown role: {role}."), role=role)
    async with write_transaction():
        row = (
            await User.select(User.roles, User.provider_id).where(User.id == user_id).first().run()
        )
        if row is None:
            raise NotFound(N_("No such account."))
        roles = [r for r in row["roles"].split(",") if r]
        if role not in roles:
            roles.append(role)
        values = {User.roles: ",".join(roles)}
        if provider_id is not None:
            values[User.provider_id] = provider_id
        await User.update(values).where(User.id == user_id).run()
        await audit.record(
            by,
            "role.grant",
            entity="user",
            entity_id=user_id,
            detail=f"{role}" + (f" provider={provider_id}" if provider_id else ""),
            now=now,
        )


async def users_with_role(
    role: str, *, region_covering: str | None = None, provider_id: int | None = None
) -> list[int]:
    """Whom to tell: users holding ``role`` (staff whose region covers a code, or a provider's staff)."""
    from eldercare.geo.domain import region_contains

    sql = "SELECT id, roles, region_code FROM app_user WHERE roles LIKE {} AND active = {}"
    args: list[object] = [f"%{role}%", True]
    if provider_id is not None:
        sql += " AND provider_id = {}"
        args.append(provider_id)
    rows = await fetch(sql, *args)
    return [
        r["id"]
        for r in rows
        if role in r["roles"].split(",")
        and (
            region_covering is None
            or (r["region_code"] and region_contains(r["region_code"], region_covering))
        )
    ]
