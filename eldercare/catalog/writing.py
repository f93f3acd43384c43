"""Shared steps of the menu's write use cases: who may edit, auditing, checking fields.

Not an API: service.py and categories.py use these; other packages use service.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.errors import N_, FieldProblem, Forbidden, Invalid


def require_officer(actor: Actor) -> None:
    if not actor.has_role("bureau_officer"):
        raise Forbidden(N_("Only civil affairs officers can change the service menu."))


async def record(
    actor: Actor, action: str, entity: str, entity_id: str, detail: dict[str, Any], now: datetime
) -> None:
    await audit.record(
        actor,
        action,
        entity=entity,
        entity_id=entity_id,
        now=now,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    )


def is_unique_violation(error: Exception) -> bool:
    return "unique" in str(error).lower()


def collect(problems: list[FieldProblem], check: Any, *args: Any) -> Any:
    """Run one check, adding its problems to the list instead of stopping at the first."""
    try:
        return check(*args)
    except Invalid as error:
        problems += error.problems
        return None


def split_names(
    given: dict[str, Any], current: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """``name`` fills name_zh, and name_en too unless it is given (or, on an edit, differs).

    Returns the name values to check and the field each error should name.
    """
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    name = given.get("name")
    if "name_zh" in given or name is not None:
        values["name_zh"] = given.get("name_zh", name)
        keys["name_zh"] = "name_zh" if "name_zh" in given else "name"
    english_follows = current is None or current["name_en"] == current["name_zh"]
    if "name_en" in given:
        values["name_en"], keys["name_en"] = given["name_en"], "name_en"
    elif "name_zh" in values and english_follows:
        values["name_en"], keys["name_en"] = values["name_zh"], keys["name_zh"]
    return values, keys
