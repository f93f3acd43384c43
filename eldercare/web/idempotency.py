"""``Idempotency-Key`` for API POSTs that create (Stripe's semantics, API.md "Conventions").

The same key and body from the same user returns the first answer and creates nothing
more; the same key with another body is 422; a repeat while the first still runs is 409.
The use case and the stored answer commit in one transaction, so a crash cannot leave
a created row without its answer (a retry would then create a second one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from eldercare.actor import Actor
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, Invalid
from eldercare.web.tables import IdempotencyKey

T = TypeVar("T")
HEADER = "idempotency-key"
LEASE = timedelta(seconds=60)
KEY_LIFETIME = timedelta(hours=24)


async def _claim(actor: Actor, key: str, fingerprint: str, now: datetime) -> Response[Any] | None:
    """Take the key, or answer from it: the stored response, 422 or 409."""
    where = (IdempotencyKey.user_id == actor.id) & (IdempotencyKey.key == key)
    try:
        async with write_transaction():
            row = await IdempotencyKey.select().where(where).first().run()
            if row is not None and row["created_at"] <= now - KEY_LIFETIME:
                await IdempotencyKey.delete().where(where).run()  # an expired key is a new key
                row = None
            if row is None:
                await IdempotencyKey.insert(
                    IdempotencyKey(
                        user_id=actor.id,
                        key=key,
                        fingerprint=fingerprint,
                        state="running",
                        locked_until=now + LEASE,
                        created_at=now,
                    )
                ).run()
                return None
            if row["fingerprint"] != fingerprint:
                raise Invalid(
                    "Idempotency-Key", N_("This key was already used for a different request.")
                )
            if row["state"] == "done":
                return Response(
                    content=row["body"].encode(),
                    status_code=row["status_code"],
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            if row["locked_until"] > now:
                raise Conflict(N_("A request with this key is still being processed."))
            await (
                IdempotencyKey.update({IdempotencyKey.locked_until: now + LEASE}).where(where).run()
            )
            return None
    except (Invalid, Conflict):
        raise
    except Exception as error:  # a concurrent claim won the unique index
        if "unique" in str(error).lower():
            raise Conflict(N_("A request with this key is still being processed.")) from error
        raise


async def idempotent(
    request: Request, actor: Actor, operation: Callable[[], Awaitable[T]], *, status_code: int = 201
) -> T | Response[Any]:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return await operation()
    if len(key) > 255:
        raise Invalid("Idempotency-Key", N_("The key is too long (at most 255 characters)."))
    body = await request.body()
    fingerprint = hashlib.sha256(
        request.method.encode() + request.url.path.encode() + b"\n" + body
    ).hexdigest()
    now = datetime.now(UTC)
    replay = await _claim(actor, key, fingerprint, now)
    if replay is not None:
        return replay
    where = (IdempotencyKey.user_id == actor.id) & (IdempotencyKey.key == key)
    try:
        async with write_transaction():
            result = await operation()
            await (
                IdempotencyKey.update(
                    {
                        IdempotencyKey.state: "done",
                        IdempotencyKey.status_code: status_code,
                        IdempotencyKey.body: msgspec.json.encode(result).decode(),
                    }
                )
                .where(where)
                .run()
            )
        return result
    except BaseException:
        async with write_transaction():
            await IdempotencyKey.delete().where(where & (IdempotencyKey.state == "running")).run()
        raise
