"""Shapes of the inbox API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class NotificationOut(msgspec.Struct):
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    total: int
    unread: int
