"""What a signed-in person does with their own sessions: see how long a page session has left
(the idle warning), keep it alive, and change the password, which ends every other session
and API token of the account (a thief holding one is out) while the current one stays."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eldercare.accounts import domain, throttle
from eldercare.accounts.passwords import hash_password, verify_password
from eldercare.accounts.service import _phone_key
from eldercare.accounts.tables import AuthSession, User
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import write_transaction
from eldercare.errors import N_, FieldProblem, Invalid, NotFound
from eldercare.settings import get_settings

WARN_BEFORE = timedelta(minutes=2)


@dataclass(frozen=True)
class SessionStatus:
    signed_in: bool
    remaining_seconds: int
    warn_seconds: int = int(WARN_BEFORE.total_seconds())


def idle_limit() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


async def session_status(actor: Actor | None, *, now: datetime | None = None) -> SessionStatus:
    """Seconds until this page session ends for lack of activity (0 when signed out)."""
    now = now or datetime.now(UTC)
    if actor is None or actor.session_id is None:
        return SessionStatus(signed_in=False, remaining_seconds=0)
    row = (
        await AuthSession.select(AuthSession.last_seen_at, AuthSession.expires_at)
        .where(AuthSession.id == actor.session_id)
        .first()
        .run()
    )
    if row is None:
        return SessionStatus(signed_in=False, remaining_seconds=0)
    left = (min(row["last_seen_at"] + idle_limit(), row["expires_at"]) - now).total_seconds()
    if left <= 0:
        return SessionStatus(signed_in=False, remaining_seconds=0)
    return SessionStatus(signed_in=True, remaining_seconds=math.ceil(left))


async def keep_alive(actor: Actor, *, now: datetime | None = None) -> SessionStatus:
    """The "stay signed in" button: the idle clock starts again now."""
    now = now or datetime.now(UTC)
    if actor.session_id is not None:
        async with write_transaction():
            await (
                AuthSession.update({AuthSession.last_seen_at: now})
                .where(AuthSession.id == actor.session_id)
                .run()
            )
    return await session_status(actor, now=now)


def _check_new(new_password: str, current_password: str, phone: str) -> None:
    try:
        domain.check_password(new_password, phone=phone)
    except Invalid as error:
        raise Invalid.many(
            [FieldProblem("new_password", p.message, p.params) for p in error.problems]
        ) from None
    if new_password == current_password:
        raise Invalid(
            "new_password", N_("Please choose a new password that differs from the current one.")
        )


async def change_password(
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    ip: str = "",
    now: datetime | None = None,
) -> int:
    """Check the current password, store the new one's hash, and end every other session
    and API token of this account; the number ended. Audited; a wrong current password
    counts towards the sign-in limits like a failed sign-in."""
    now = now or datetime.now(UTC)
    ip = ip or actor.ip
    row = await User.select(User.phone, User.password_hash).where(User.id == actor.id).first().run()
    if row is None:
        raise NotFound(N_("No such account."))
    phone_key = _phone_key(row["phone"])
    await throttle.check(phone_key, ip, now)
    if not await verify_password(row["password_hash"], current_password):
        async with write_transaction():
            await throttle.record_failure(phone_key, ip, now)
            await audit.record(
                actor, "password.change_failed", entity="user", entity_id=actor.id, ip=ip, now=now
            )
        raise Invalid("current_password", N_("The current password is not right."))
    _check_new(new_password, current_password, row["phone"])
    new_hash = await hash_password(new_password)
    others = (AuthSession.user == actor.id) & AuthSession.revoked_at.is_null()
    if actor.session_id is not None:
        others = others & (AuthSession.id != actor.session_id)
    async with write_transaction():
        await (
            User.update({User.password_hash: new_hash, User.password_changed_at: now})
            .where(User.id == actor.id)
            .run()
        )
        ended = (
            await AuthSession.update({AuthSession.revoked_at: now})
            .where(others)
            .returning(AuthSession.id, AuthSession.expires_at)
            .run()
        )
        live = sum(1 for session in ended if session["expires_at"] > now)
        await audit.record(
            actor,
            "password.change",
            entity="user",
            entity_id=actor.id,
            detail=f"ended {live} other sessions",
            ip=ip,
            now=now,
        )
    return live
