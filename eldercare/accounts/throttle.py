"""Failed sign-ins, counted two ways: per account and per address.

Ten failures a minute for one phone number lock that number, whatever address the tries
come from (an attacker rotating addresses gains nothing); ten failures a minute from one
address lock that address, whatever phone numbers it tries (one address guessing many
accounts). A wrong current password on the password-change form counts as a failure too.
Only a keyed hash of the phone number is stored, never the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from eldercare.accounts.tables import LoginFailure
from eldercare.errors import N_, TooManyAttempts

FAILURE_LIMIT = 10
WINDOW = timedelta(minutes=1)


async def check(phone_key: str, ip: str, now: datetime) -> None:
    """429 when this account, or this address, failed too often in the last minute."""
    since = now - WINDOW
    per_account = (
        await LoginFailure.count()
        .where((LoginFailure.phone_hash == phone_key) & (LoginFailure.at > since))
        .run()
    )
    per_address = 0
    if ip and per_account < FAILURE_LIMIT:
        per_address = (
            await LoginFailure.count()
            .where((LoginFailure.ip == ip) & (LoginFailure.at > since))
            .run()
        )
    if per_account >= FAILURE_LIMIT or per_address >= FAILURE_LIMIT:
        raise TooManyAttempts(
            N_("Too many failed sign-ins. Please wait a minute and try again."),
            retry_after=int(WINDOW.total_seconds()),
        )


async def record_failure(phone_key: str, ip: str, now: datetime) -> None:
    """Call inside the caller's write transaction."""
    await LoginFailure.insert(LoginFailure(phone_hash=phone_key, ip=ip[:64], at=now)).run()
