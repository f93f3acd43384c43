"""Who acts for whom through a link (the elder's own account, family): for one account, one
elder, or many elders at once (the bulk read sweeps need, one query per 500 elders)."""

from __future__ import annotations

from eldercare.accounts.tables import ElderLink
from eldercare.db import fetch

_CHUNK = 500


async def linked_users_by_elder(elder_ids: list[int]) -> dict[int, set[int]]:
    """Every linked user (the elder's own account, family) of each elder; elders without a
    link are left out."""
    ids = sorted(set(elder_ids))
    found: dict[int, set[int]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = (
            await ElderLink.select(ElderLink.user, ElderLink.elder)
            .where(ElderLink.elder.is_in(ids[start : start + _CHUNK]))
            .run()
        )
        for row in rows:
            found.setdefault(row["elder"], set()).add(row["user"])
    return found


async def account_elder_ids(user_id: int) -> list[int]:
    links = (
        await ElderLink.select(ElderLink.elder)
        .where(ElderLink.user == user_id)
        .order_by(ElderLink.id)
        .run()
    )
    return [link["elder"] for link in links]


async def linked_user_ids(elder_id: int) -> list[int]:
    """Everyone who acts for this elder through a link (the elder's own account, family)."""
    rows = await fetch('SELECT "user" FROM elder_link WHERE elder = {}', elder_id)
    return [row["user"] for row in rows]
