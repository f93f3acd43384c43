"""Who acts for many elders at once: the bulk read sweeps need (one query per 500 elders)."""

from __future__ import annotations

from eldercare.accounts.tables import ElderLink

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
