"""Who is acting: the signed-in user as services see it (no framework, no ORM)."""

from __future__ import annotations

from dataclasses import dataclass

STAFF_ROLES = frozenset({"community_staff", "bureau_officer"})


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    roles: tuple[str, ...]
    region_code: str | None = None
    provider_id: int | None = None
    session_id: int | None = None
    ip: str = ""

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles)) and self.region_code is not None

    @property
    def main_role(self) -> str:
        """The role an audit row names: the most powerful one held."""
        order = (
            "admin",
            "bureau_officer",
            "community_staff",
            "provider_admin",
            "caregiver",
            "family",
            "resident",
        )
        return next((role for role in order if role in self.roles), self.roles[0])


SYSTEM = Actor(id=0, name="system", roles=("system",))
