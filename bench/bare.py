"""The framework's own ceiling on this machine: a bare Litestar JSON endpoint, served by the
same uvicorn command and settings as the app (``uvicorn bench.bare:create_app --factory``)."""

from __future__ import annotations

from litestar import Litestar, get


@get("/bare")
async def bare() -> dict[str, object]:
    return {"ok": True, "items": [{"code": "lunch-delivery", "price_fen": 1500}]}


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare])
