"""Who may see and manage a provider, shared by the provider and caregiver use cases.

A provider admin manages only their own organisation; a bureau officer oversees the
providers inside their region. To anyone else a private record does not exist (404).
"""

from __future__ import annotations

from typing import Any

from eldercare.actor import Actor
from eldercare.db import select_first
from eldercare.errors import N_, Conflict, Forbidden, NotFound
from eldercare.geo.domain import region_contains
from eldercare.providers import domain
from eldercare.providers.tables import Provider


async def load_provider(provider_id: int) -> dict[str, Any]:
    row = await select_first(Provider, "WHERE id = {}", provider_id)
    if row is None:
        raise NotFound(N_("No such provider."))
    return row


def manages(actor: Actor, provider: dict[str, Any]) -> bool:
    return actor.has_role("provider_admin") and actor.provider_id == provider["id"]


def oversees(actor: Actor, provider: dict[str, Any]) -> bool:
    return (
        actor.has_role("bureau_officer")
        and actor.region_code is not None
        and region_contains(actor.region_code, provider["region_code"])
    )


def sees_private(actor: Actor | None, provider: dict[str, Any]) -> bool:
    """Its own admin and the bureau see status reasons, inactive offerings and the team."""
    return actor is not None and (manages(actor, provider) or oversees(actor, provider))


def visible(actor: Actor | None, provider: dict[str, Any]) -> bool:
    return provider["status"] == domain.APPROVED or sees_private(actor, provider)


async def managed_provider(actor: Actor, provider_id: int) -> dict[str, Any]:
    """The provider this admin runs: 403 for other roles, 404 for another organisation."""
    if not actor.has_role("provider_admin"):
        raise Forbidden(N_("Only a provider's administrator can do this."))
    if actor.provider_id != provider_id:
        raise NotFound(N_("No such provider."))
    return await load_provider(provider_id)


async def overseen_or_managed(actor: Actor, provider_id: int) -> dict[str, Any]:
    """For the team's details: the provider's own admin or a bureau officer of its region."""
    if not actor.has_role("provider_admin", "bureau_officer"):
        raise Forbidden(N_("Your account is not allowed to do this."))
    provider = await load_provider(provider_id)
    if not sees_private(actor, provider):
        raise NotFound(N_("No such provider."))
    return provider


def require_operating(provider: dict[str, Any]) -> None:
    """Pending, rejected and suspended providers publish and change nothing (409, saying why)."""
    status = provider["status"]
    if domain.may_operate(status):
        return
    if status == domain.PENDING:
        raise Conflict(
            N_(
                "Your organisation is still waiting for the bureau's approval, "
                "so it cannot do this yet."
            )
        )
    if status == domain.SUSPENDED:
        raise Conflict(
            N_("Your organisation is suspended, so it cannot do this. Reason: {reason}"),
            reason=provider["status_reason"] or "-",
        )
    raise Conflict(
        N_("Your organisation's application was rejected, so it cannot do this. Reason: {reason}"),
        reason=provider["status_reason"] or "-",
    )
