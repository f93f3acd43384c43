"""Notification sweeps (names from API.md), listed in eldercare/scheduling/registry.py."""

from __future__ import annotations

from datetime import datetime

from eldercare.notifications.dispatch import dispatch_notifications as _dispatch


async def dispatch_notifications(at: datetime) -> int:
    """Send by SMS every message due as of ``at`` through the configured backend."""
    return await _dispatch(at)
