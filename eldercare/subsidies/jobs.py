"""The subsidy sweeps (API.md "Scheduled sweeps"): each brings its state up to ``at``."""

from __future__ import annotations

from datetime import datetime

from eldercare.subsidies import bands, discovery, payments, reviews


async def monthly_payments(at: datetime) -> int:
    """Reviews first (opened, overdue, suspended as of ``at``), so a month a suspension holds
    back is never paid by a run that got there before the review sweep did."""
    await reviews.annual_reviews(at)
    return await payments.pay_months(at)


async def annual_reviews(at: datetime) -> int:
    return await reviews.annual_reviews(at)


async def age_bands(at: datetime) -> int:
    return await bands.age_bands(at)


async def discover_eligible(at: datetime) -> int:
    return await discovery.discover_eligible(at)
