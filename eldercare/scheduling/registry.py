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
    from eldercare.subsidies import jobs as subsidies

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
            "monthly_payments",
            subsidies.monthly_payments,
            {"trigger": "cron", "hour": 2, "minute": 10},
            "make this month's allowance payments (and any missing month), never twice",
        ),
        JobSpec(
            "annual_reviews",
            subsidies.annual_reviews,
            {"trigger": "cron", "hour": 2, "minute": 0},
            "open yearly reviews 30 days ahead, take verified visits as proof, suspend the late",
        ),
        JobSpec(
            "age_bands",
            subsidies.age_bands,
            {"trigger": "cron", "hour": 1, "minute": 50},
            "raise allowances from the month after a 90th or 100th birthday",
        ),
        JobSpec(
            "discover_eligible",
            subsidies.discover_eligible,
            {"trigger": "cron", "hour": 3, "minute": 0},
            "invite elders who reach a program's age and tell their community staff",
        ),
        JobSpec(
            "dispatch_notifications",
            notifications.dispatch_notifications,
            {"trigger": "interval", "seconds": 30},
            "send due messages by SMS (each at most once; failed sends retried with backoff)",
        ),
    ]
    return {spec.name: spec for spec in specs}
