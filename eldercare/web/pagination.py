"""Every list takes ``limit`` (default 50, capped at 200) and ``offset`` and answers {items, total}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.params import QueryParameter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # far past any list; larger ones overflow SQLite's OFFSET (500)


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def provide_page(
    limit: Annotated[
        int, QueryParameter(ge=1, description="at most 200 (larger values are capped)")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset)
