"""Separate consent for sensitive personal data (PIPL art. 29): an elder's health conditions
and a bank account are recorded only with a consent of their own, and every consent is kept
(who recorded it, for which elder, for what, when, through which channel).

Health conditions are the needs that describe the elder's body or mind; the others (meals,
bathing, housekeeping) are services wanted and need no separate consent.
"""

from __future__ import annotations

from datetime import datetime

from eldercare.accounts.tables import Consent
from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.errors import N_, FieldProblem, Invalid

HEALTH = "health"
BANK = "bank"
PURPOSES = (HEALTH, BANK)
HEALTH_NEEDS = frozenset({"mobility", "hearing", "vision", "diabetes", "dementia_early"})

HEALTH_FIELD = "consent_health"
BANK_FIELD = "consent_bank"
HEALTH_MISSING = N_(
    "Health conditions are recorded only with the elder's consent. Tick the consent box, "
    "or untick the health conditions."
)
BANK_MISSING = N_(
    "A bank account is recorded only with the elder's consent. Tick the consent box, "
    "or leave the account empty."
)


def health_needs(needs: list[str]) -> list[str]:
    return [need for need in needs if need in HEALTH_NEEDS]


def health_problem(
    needs: list[str], *, consent: bool, before: list[str] | None = None
) -> FieldProblem | None:
    """Why these needs cannot be stored: health conditions not there ``before`` need consent."""
    added = set(health_needs(needs)) - set(before or [])
    if added and not consent:
        return FieldProblem(HEALTH_FIELD, HEALTH_MISSING)
    return None


def require_bank(bank_account: str, *, consent: bool) -> None:
    if bank_account and not consent:
        raise Invalid(BANK_FIELD, BANK_MISSING)


def channel_of(actor: Actor, channel: str) -> str:
    """Staff record in person what the elder agreed to (代办)."""
    return "proxy" if actor.is_staff else channel


async def record(actor: Actor, elder_id: int, purpose: str, *, channel: str, now: datetime) -> None:
    """One consent, inside the caller's transaction, audited."""
    assert purpose in PURPOSES
    await Consent.insert(
        Consent(
            elder=elder_id,
            purpose=purpose,
            given_by=actor.id or None,
            channel=channel_of(actor, channel)[:16],
            given_at=now,
        )
    ).run()
    await audit.record(
        actor, "consent.give", entity="elder", entity_id=elder_id, detail=purpose, now=now
    )


async def on_record(elder_id: int, purpose: str) -> bool:
    return (
        await Consent.exists()
        .where(
            (Consent.elder == elder_id)
            & (Consent.purpose == purpose)
            & Consent.withdrawn_at.is_null()
        )
        .run()
    )


async def list_for(elder_id: int) -> list[dict]:
    return await Consent.select().where(Consent.elder == elder_id).order_by(Consent.id).run()
