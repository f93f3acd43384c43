"""Argon2id password hashing, off the event loop (hashing is deliberately slow)."""

from __future__ import annotations

import dataclasses
import os

import anyio.to_thread
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from eldercare.settings import get_settings

# The light profile (still argon2id) is for test suites and benchmarks that sign in
# hundreds of times; production keeps RFC 9106's recommended low-memory profile.
_PROFILE = (
    dataclasses.replace(profiles.RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8192, parallelism=1)
    if get_settings().argon2_profile == "light"
    else profiles.RFC_9106_LOW_MEMORY
)
_hasher = PasswordHasher.from_parameters(_PROFILE)

# A hash of a random password: verifying against it when the account does not exist
# takes as long as a real check, so response times do not reveal which phones are registered.
_DUMMY_HASH = _hasher.hash(os.urandom(16).hex())


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)
