"""Every scheduled sweep, defined in code: its name (API.md), its function and its trigger.

A sweep is ``async def sweep(at: datetime) -> int`` over database state: run as of T it
brings everything up to T, and running it again as of T changes nothing. The functions
live in each domain's ``jobs.py``; this is only the list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

Sweep = Callable[[datetime], Awaitable[int]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    sweep: Sweep
    trigger: dict[str, object]  # APScheduler trigger arguments
    description: str

    @property
    def trigger_text(self) -> str:
        kind = self.trigger["trigger"]
        details = ", ".join(f"{k}={v}" for k, v in self.trigger.items() if k != "trigger")
        return f"{kind} ({details})"


def all_jobs() -> dict[str, JobSpec]:
    from eldercare.booking import jobs as booking
    from eldercare.booking import reminders, series_materialize
    from eldercare.notifications import jobs as notifications

    specs = [
        JobSpec(
            "materialize_series",
            series_materialize.materialize_series,
            {"trigger": "interval", "hours": 1},
            "create the visits of every active series up to the rolling horizon (14 days by default)",
        ),
        JobSpec(
            "expire_offers",
            booking.expire_offers,
            {"trigger": "interval", "minutes": 1},
            "re-offer or expire offers nobody answered in time",
        ),
        JobSpec(
            "missed_visits",
            booking.missed_visits,
            {"trigger": "interval", "minutes": 5},
            "alert the provider and staff when nobody checked in 30 minutes after the start",
        ),
        JobSpec(
            "send_reminders",
            reminders.send_reminders,
            {"trigger": "interval", "minutes": 1},
            "remind the elder's side of accepted visits the day before and within the hour",
        ),
        JobSpec(
            "dispatch_notifications",
            notifications.dispatch_notifications,
            {"trigger": "interval", "seconds": 30},
            "send due messages by SMS (each at most once; failed sends retried with backoff)",
        ),
    ]
    return {spec.name: spec for spec in specs}
