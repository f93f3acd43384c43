"""The SMS channel behind an interface: a backend sends one text to one phone.

The default ``log`` backend writes what it would send to the ``sms_log`` table (the phone
masked), standing in for a gateway. A real gateway is a class with the same ``send``
method, named by a dotted path in ``ELDERCARE_SMS_BACKEND`` (``package.module:ClassName``);
it is built once per process with no arguments and reads its own settings.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

from eldercare.accounts.domain import mask_phone
from eldercare.db import write_transaction
from eldercare.notifications.tables import SmsLog


@dataclass(frozen=True)
class SmsMessage:
    notification_id: int  # also a gateway's idempotency key (an "out id"), where it has one
    user_id: int
    phone: str
    locale: str
    text: str
    at: datetime  # the moment the dispatcher runs as of


@runtime_checkable
class SmsBackend(Protocol):
    async def send(self, message: SmsMessage) -> None:
        """Hand the text to the gateway; raise on failure (the dispatcher retries later)."""


class LogSmsBackend:
    """Sends nothing: records each text with the masked phone, for development and tests."""

    async def send(self, message: SmsMessage) -> None:
        async with write_transaction():
            await (
                SmsLog(
                    notification_id=message.notification_id,
                    user_id=message.user_id,
                    phone_masked=mask_phone(message.phone),
                    locale=message.locale,
                    text=message.text,
                    sent_at=message.at,
                )
                .save()
                .run()
            )


def _import(path: str) -> object:
    module_name, _, attribute = path.partition(":") if ":" in path else path.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(
            f"ELDERCARE_SMS_BACKEND must be 'log' or 'package.module:ClassName', not {path!r}"
        )
    return getattr(importlib.import_module(module_name), attribute)


@lru_cache(maxsize=8)
def load_backend(spec: str) -> SmsBackend:
    """The backend a setting names: ``log``, or the dotted path of a class (or a ready object)."""
    if spec == "log":
        return LogSmsBackend()
    found = _import(spec)
    backend = found() if isinstance(found, type) else found
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"{spec} has no async send(message) method")
    return backend


def configured_backend() -> SmsBackend:
    from eldercare.settings import get_settings

    return load_backend(get_settings().sms_backend)
